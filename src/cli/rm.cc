#include "cli/rm.h"

#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/vm_target.h"
#include "host/process_users.h"
#include "run/vm_state.h"
#include "util/diagnostics.h"
#include "util/strings.h"

namespace vfg::cli {

namespace fs = std::filesystem;

namespace {

struct RmOptions {
  std::string name;
  bool keep_disk = false;
};

/// Whether the VM or anything started by hand on its files runs now.
Status refuse_running(const VmPaths& paths) {
  HostRoot live;
  VmProbe probe = probe_vm(live, RuntimeFiles::of(paths));
  if (probe.liveness == VmLiveness::kRunning || probe.liveness == VmLiveness::kStarting)
    return fail("VM '{}' is running; stop it first with 'vfg stop {}'", paths.name, paths.name);
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(paths.data_dir, error))
    files.push_back(entry.path().string());
  files.push_back(paths.qmp_socket.string());
  auto users = processes_using(live, files);
  if (!users.empty())
    return fail("VM '{}' is in use: {} (pid {}) uses {}; quit it first", paths.name,
                users.front().comm, users.front().pid, join(users.front().paths, ", "));
  return ok();
}

int run_rm(const RmOptions& options) {
  auto target = vm_target(options.name);
  if (!target) return report_failure(target.error());
  const VmPaths& paths = target->paths;
  std::error_code error;
  bool defined = fs::exists(paths.config_file, error);
  bool has_data = fs::exists(paths.data_dir, error);
  if (!defined && !has_data) {
    return report_failure(Error{fmt::format("no VM named '{}'", options.name)},
                          missing_definition_hint(*target));
  }
  if (auto free = refuse_running(paths); !free) return report_failure(free.error());

  std::vector<std::string> removed;
  if (defined) {
    fs::remove(paths.config_file, error);
    if (error)
      return report_failure(Error{
          fmt::format("cannot remove '{}': {}", paths.config_file.string(), error.message())});
    removed.push_back(paths.config_file.string());
  }
  // Logs and stale sockets of earlier runs.
  fs::remove_all(paths.runtime_dir, error);
  fs::remove_all(paths.state_dir, error);
  if (has_data && !options.keep_disk) {
    fs::remove_all(paths.data_dir, error);
    if (error)
      return report_failure(
          Error{fmt::format("cannot remove '{}': {}", paths.data_dir.string(), error.message())});
    removed.push_back(paths.data_dir.string() + " (disk image, firmware variables, TPM state)");
  }
  fmt::print("removed VM '{}': {}\n", options.name, join(removed, ", "));
  if (has_data && options.keep_disk) {
    fmt::print(
        "kept {} (disk image, firmware variables, TPM state); 'vfg new {} --reuse-disk' uses "
        "them again\n",
        paths.data_dir.string(), options.name);
  }
  return 0;
}

}  // namespace

void add_rm_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<RmOptions>();
  CLI::App* command = app.add_subcommand(
      "rm",
      "Remove a stopped VM: its definition and its data folder (disk image, firmware "
      "variables, TPM state). Disks given as block devices are never touched");
  command->add_option("NAME", options->name, "The VM")->required();
  command->add_flag("--keep-disk", options->keep_disk,
                    "Keep the data folder for a later 'vfg new NAME --reuse-disk'");
  command->callback([&context, options] { context.exit_code = run_rm(*options); });
}

}  // namespace vfg::cli
