// A FileWriter that dies part-way: applier tests use it to prove an
// interrupted apply or undo can always be finished or taken back.
#pragma once

#include <functional>

#include "setup/file_writer.h"

namespace vfg::testing {

/// Passes the first `allowed` changes through, then fails every change as if
/// the process had been killed there: used to prove an interrupted apply or undo
/// can always be finished or taken back.
class FailingFileWriter final : public FileWriter {
 public:
  FailingFileWriter(FileWriter& inner, size_t allowed) : inner_(inner), allowed_(allowed) {}
  Result<std::optional<FileState>> read(const std::string& path) override;
  Status write(const std::string& path, std::string_view contents, mode_t mode,
               std::optional<std::pair<uid_t, gid_t>> owner) override;
  Status remove(const std::string& path) override;
  Status make_directory(const std::string& path) override;
  Status remove_directory_if_empty(const std::string& path) override;
  bool is_directory(const std::string& path) override;
  std::vector<std::string> list(const std::string& path) override;

  /// How many changes were attempted (passed or failed).
  [[nodiscard]] size_t attempted() const { return attempted_; }

 private:
  Status step(const std::function<Status()>& change);
  FileWriter& inner_;
  size_t allowed_;
  size_t attempted_ = 0;
};

}  // namespace vfg::testing
