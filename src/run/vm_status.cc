#include "run/vm_status.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "host/process_info.h"
#include "run/qmp_client.h"
#include "run/tuning/tuning.h"
#include "run/vm_state.h"

namespace vfg {

namespace fs = std::filesystem;
using nlohmann::json;

json VmStatus::to_json() const {
  json doc = {{"name", name}, {"state", state}, {"running", running()}};
  doc["pid"] = qemu_pid > 0 ? json(qemu_pid) : json(nullptr);
  doc["supervisor_pid"] = supervisor_pid > 0 ? json(supervisor_pid) : json(nullptr);
  doc["supervised"] = supervised;
  doc["uptime_seconds"] = uptime_seconds ? json(*uptime_seconds) : json(nullptr);
  doc["accelerator"] = accelerator.empty() ? json(nullptr) : json(accelerator);
  if (!note.empty()) doc["note"] = note;
  doc["degraded"] = degraded;
  if (!problems.empty()) doc["problems"] = problems;
  if (!log.empty()) doc["log"] = log;
  if (tuning) doc["tuning"] = *tuning;
  json cards = json::array();
  for (const auto& card : handover) {
    json functions = json::array();
    for (const auto& place : card.functions)
      functions.push_back({{"address", place.address},
                           {"driver", place.driver.empty() ? json(nullptr) : json(place.driver)}});
    cards.push_back({{"card", card.card}, {"functions", functions}});
  }
  doc["handover"] = cards;
  return doc;
}

VmStatus query_vm_status(const HostRoot& root, const VmPaths& paths) {
  VmStatus status;
  status.name = paths.name;
  RuntimeFiles files = RuntimeFiles::of(paths);
  // The log outlives the run (and a reboot): a stopped VM points at its last one.
  std::error_code error;
  if (fs::exists(files.log, error)) status.log = files.log.string();
  VmProbe probe = probe_vm(root, files);
  status.handover = handed_over_cards(root, paths);
  switch (probe.liveness) {
    case VmLiveness::kStopped:
      return status;
    case VmLiveness::kStale:
      status.note = fmt::format(
          "an earlier run ended without cleaning up (QEMU pid {} is gone); the next start "
          "clears it",
          probe.record->qemu_pid);
      return status;
    case VmLiveness::kStarting:
      status.state = "starting";
      status.supervisor_pid = probe.record->supervisor_pid;
      status.supervised = true;
      return status;
    case VmLiveness::kRunning:
      break;
  }
  const VmRecord& record = *probe.record;
  status.qemu_pid = record.qemu_pid;
  status.supervisor_pid = record.supervisor_pid;
  status.supervised =
      same_process_alive(root, record.supervisor_pid, record.supervisor_start_ticks);
  status.uptime_seconds = process_run_time(root, record.qemu_pid);
  status.accelerator = record.accelerator;
  status.state = "running";
  status.tuning = read_tuning_record(paths);
  if (record.swtpm_pid > 0 &&
      !same_process_alive(root, record.swtpm_pid, record.swtpm_start_ticks)) {
    status.degraded = true;
    status.problems.push_back(fmt::format(
        "its TPM is gone: swtpm (pid {}) exited, so BitLocker and Windows Hello fail; stop and "
        "start the VM to get it back (swtpm's messages: {})",
        record.swtpm_pid, (paths.runtime_dir / "swtpm.log").string()));
  }
  // QMP serves one client at a time; a short timeout keeps status snappy
  // while another client (a `vfg stop`, the user's tool) holds it.
  auto qmp = QmpClient::connect(files.qmp_socket, std::chrono::seconds(2));
  if (!qmp) {
    status.note = "QMP not reachable: " + qmp.error().message;
    return status;
  }
  if (auto reply = qmp->execute("query-status", {}, std::chrono::seconds(2)))
    status.state = reply->value("status", status.state);
  if (auto kvm = qmp->execute("query-kvm", {}, std::chrono::seconds(2)))
    status.accelerator = kvm->value("enabled", false) ? "kvm" : "tcg";
  return status;
}

std::vector<std::string> defined_vm_names(const XdgDirs& dirs) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dirs.config, error)) {
    if (entry.path().extension() != ".toml") continue;
    std::string name = entry.path().stem().string();
    if (validate_vm_name(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {
/// Whether a run left its record there: it runs, or has cards to give back.
bool has_run_record(const VmPaths& paths) {
  RuntimeFiles files = RuntimeFiles::of(paths);
  std::error_code error;
  return fs::exists(files.record, error) || fs::exists(files.handover, error);
}
}  // namespace

VmPaths locate_vm(const XdgDirs& dirs, std::string_view name) {
  VmPaths session = VmPaths::make(dirs, name);
  if (dirs.detached_runtime.empty() || dirs.detached_runtime == dirs.runtime ||
      has_run_record(session))
    return session;
  XdgDirs detached = dirs;
  detached.runtime = dirs.detached_runtime;
  VmPaths outside = VmPaths::make(detached, name);
  if (!check_private_directory(dirs.detached_runtime.parent_path()) || !has_run_record(outside))
    return session;
  return outside;
}

std::vector<std::string> known_vm_names(const XdgDirs& dirs) {
  std::vector<std::string> names = defined_vm_names(dirs);
  std::error_code error;
  std::vector<fs::path> runtimes{dirs.runtime};
  if (!dirs.detached_runtime.empty() &&
      check_private_directory(dirs.detached_runtime.parent_path()))
    runtimes.push_back(dirs.detached_runtime);
  for (const auto& runtime : runtimes) {
    for (const auto& entry : fs::directory_iterator(runtime, error)) {
      if (entry.is_directory(error) && fs::exists(entry.path() / "state.json", error) &&
          validate_vm_name(entry.path().filename().string()))
        names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string format_duration(double seconds) {
  auto total = static_cast<int64_t>(seconds);
  int64_t days = total / 86400, hours = total / 3600 % 24, minutes = total / 60 % 60,
          secs = total % 60;
  if (days > 0) return fmt::format("{} d {} h {:02} min", days, hours, minutes);
  if (hours > 0) return fmt::format("{} h {:02} min", hours, minutes);
  if (minutes > 0) return fmt::format("{} min {} s", minutes, secs);
  return fmt::format("{} s", secs);
}

}  // namespace vfg
