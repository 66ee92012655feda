#include "run/vm_state.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/process_info.h"
#include "util/file_io.h"
#include "util/json_record.h"
#include "util/strings.h"

namespace vfg {

namespace fs = std::filesystem;
using nlohmann::json;

RuntimeFiles RuntimeFiles::of(const VmPaths& paths) {
  return RuntimeFiles{paths.runtime_dir,
                      paths.qmp_socket,
                      paths.lock_file,
                      paths.pid_file,
                      paths.log_file,
                      paths.runtime_dir / "state.json",
                      paths.runtime_dir / "handover.json"};
}

Status RuntimeFiles::create() const {
  if (auto made = make_directories(dir, 0700); !made) return made;
  // make_directories leaves existing directories alone; ours must stay private
  // because the QMP socket in it gives full control over the VM.
  for (const fs::path& path : {dir.parent_path(), dir}) {
    if (::chmod(path.c_str(), 0700) != 0)
      return fail("cannot make '{}' private: {}", path.string(), std::strerror(errno));
  }
  return ok();
}

void RuntimeFiles::clear(bool keep_lock) const {
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(dir, ignored)) {
    if (entry.path().extension() == ".log" || entry.path() == handover) continue;
    if (keep_lock && entry.path() == lock) continue;
    fs::remove_all(entry.path(), ignored);
  }
  // Fails (harmlessly) while logs remain.
  ::rmdir(dir.c_str());
}

// state.json is these fields; a missing key reads as the field's default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VmRecord, name, supervisor_pid,
                                                supervisor_start_ticks, qemu_pid, qemu_start_ticks,
                                                accelerator, stop_timeout_seconds, foreground,
                                                swtpm_pid, swtpm_start_ticks, argv)

Status write_record(const RuntimeFiles& files, const VmRecord& record) {
  json doc = record;
  if (auto written =
          write_file_atomic(files.record, doc.dump(2) + "\n", 0600, Durability::kVolatile);
      !written)
    return written;
  if (record.qemu_pid > 0)
    return write_file_atomic(files.pid, std::to_string(record.qemu_pid) + "\n", 0600,
                             Durability::kVolatile);
  return ok();
}

Result<std::optional<VmRecord>> read_record(const RuntimeFiles& files) {
  std::error_code error;
  if (!fs::exists(files.record, error)) return std::optional<VmRecord>();
  auto text = read_file(files.record);
  if (!text) return tl::unexpected(text.error());
  json doc = parse_json_record(*text);
  if (doc.is_discarded() || !doc.is_object())
    return fail("'{}' is not a valid state record", files.record.string());
  VmRecord record;
  try {
    record = doc.get<VmRecord>();
  } catch (const json::exception& e) {
    return fail("'{}' is not a valid state record: {}", files.record.string(), e.what());
  }
  return std::optional<VmRecord>(std::move(record));
}

Result<VmLock> VmLock::acquire(const RuntimeFiles& files, std::string_view vm_name) {
  // The file can be unlinked by the previous owner's cleanup between our open()
  // and flock(); a lock on an unlinked file protects nothing, so try again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    UniqueFd fd(::open(files.lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) return fail("cannot open '{}': {}", files.lock.string(), std::strerror(errno));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK)
        return fail("cannot lock '{}': {}", files.lock.string(), std::strerror(errno));
      std::string contents = read_file(files.lock).value_or("");
      std::string owner(trim(contents));
      auto record = read_record(files);
      pid_t qemu = record && *record ? (*record)->qemu_pid : 0;
      std::string who = qemu > 0 ? fmt::format("QEMU pid {}", qemu) : std::string();
      if (!owner.empty()) who += fmt::format("{}supervisor pid {}", who.empty() ? "" : ", ", owner);
      return fail("VM '{}' is already running{}", vm_name, who.empty() ? "" : " (" + who + ")");
    }
    struct stat by_fd {};
    struct stat by_path {};
    if (::fstat(fd.get(), &by_fd) == 0 && ::stat(files.lock.c_str(), &by_path) == 0 &&
        by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev) {
      return VmLock(std::move(fd), files.lock);
    }
  }
  return fail("cannot lock '{}': it keeps being replaced", files.lock.string());
}

Status VmLock::set_owner(pid_t pid) {
  std::string text = std::to_string(pid) + "\n";
  if (::ftruncate(fd_.get(), 0) != 0) return write_failure("cannot write", path_.string(), errno);
  ssize_t written = ::pwrite(fd_.get(), text.data(), text.size(), 0);
  // A few bytes written short: the disk had no room for the rest.
  if (written != static_cast<ssize_t>(text.size()))
    return write_failure("cannot write", path_.string(), written < 0 ? errno : ENOSPC);
  return ok();
}

bool same_process_alive(const HostRoot& root, pid_t pid, uint64_t start_ticks) {
  auto stat = read_process_stat(root, pid);
  // A zombie has exited; only its parent has not noticed yet.
  return stat && stat->state != 'Z' && (start_ticks == 0 || stat->start_ticks == start_ticks);
}

VmProbe probe_vm(const HostRoot& root, const RuntimeFiles& files) {
  VmProbe probe;
  auto record = read_record(files);
  if (!record || !*record) return probe;
  probe.record = std::move(**record);
  const VmRecord& r = *probe.record;
  if (r.qemu_pid > 0 && same_process_alive(root, r.qemu_pid, r.qemu_start_ticks)) {
    probe.liveness = VmLiveness::kRunning;
  } else if (r.supervisor_pid > 0 &&
             same_process_alive(root, r.supervisor_pid, r.supervisor_start_ticks)) {
    probe.liveness = VmLiveness::kStarting;
  } else {
    probe.liveness = VmLiveness::kStale;
  }
  return probe;
}

}  // namespace vfg
