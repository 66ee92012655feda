#include "support/failing_file_writer.h"

namespace vfg::testing {

Status FailingFileWriter::step(const std::function<Status()>& change) {
  if (attempted_++ >= allowed_) return fail("simulated crash before change {}", attempted_);
  return change();
}

Result<std::optional<FileState>> FailingFileWriter::read(const std::string& path) {
  return inner_.read(path);
}

Status FailingFileWriter::write(const std::string& path, std::string_view contents, mode_t mode,
                                std::optional<std::pair<uid_t, gid_t>> owner) {
  return step([&] { return inner_.write(path, contents, mode, owner); });
}

Status FailingFileWriter::remove(const std::string& path) {
  return step([&] { return inner_.remove(path); });
}

Status FailingFileWriter::make_directory(const std::string& path) {
  return step([&] { return inner_.make_directory(path); });
}

Status FailingFileWriter::remove_directory_if_empty(const std::string& path) {
  return step([&] { return inner_.remove_directory_if_empty(path); });
}

bool FailingFileWriter::is_directory(const std::string& path) { return inner_.is_directory(path); }

std::vector<std::string> FailingFileWriter::list(const std::string& path) {
  return inner_.list(path);
}

}  // namespace vfg::testing
