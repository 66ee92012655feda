// What the launcher needs to run one VM: QEMU's argv (from the VM definition)
// and where its runtime files go. Independent of how the argv was made, so
// the launcher is tested with hand-written command lines too.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "run/qmp_client.h"
#include "run/swtpm.h"
#include "util/result.h"
#include "vm/vm_config.h"
#include "vm/vm_paths.h"

namespace vfg {

/// Work done over QMP while QEMU is still paused, before `cont`: the place
/// where vCPU pinning and similar tuning plug in (threads exist, no guest code ran).
struct BeforeContinueStep {
  std::string name;
  std::function<Status(QmpClient& qmp, pid_t qemu_pid)> run;
};

/// A change to the host made just before QEMU is spawned (reserving
/// hugepages); its failure stops the start. An after_exit step undoes it.
struct BeforeLaunchStep {
  std::string name;
  std::function<Status()> run;
};

struct LaunchRequest {
  VmPaths paths;
  /// QEMU's command line, argv[0] the binary. The launcher adds -S and its
  /// own QMP monitors; everything else is used as given.
  std::vector<std::string> argv;
  /// How this QEMU takes the launcher's QMP monitors: as `-object monitor-qmp`
  /// (QemuCapabilities::monitor_object; QEMU 11.1 deprecates -mon) or -mon.
  bool monitor_object = false;
  /// The argv opens the user's QMP socket at paths.qmp_socket itself (the
  /// argv builder's -qmp); otherwise the supervisor listens there and hands
  /// the socket to QEMU.
  bool argv_opens_qmp = false;
  /// swtpm to run for QEMU's lifetime (the VM has a TPM; the argv's TPM
  /// chardev connects to its socket).
  std::optional<SwtpmOptions> swtpm;
  /// "kvm" or "tcg", as the plan decided (recorded for `status`).
  std::string accelerator;
  /// Grace period for an ACPI shutdown (Ctrl-C in the foreground, `vfg stop`).
  std::chrono::seconds stop_timeout{60};
  std::vector<BeforeLaunchStep> before_launch;
  std::vector<BeforeContinueStep> before_continue;
  /// Run once QEMU has exited or failed to start, before the runtime
  /// directory is cleared: gives back what the steps above took.
  std::vector<std::function<void()>> after_exit;
  /// How long QEMU may take to open QMP (large preallocated RAM is slow).
  /// A QEMU that dies is noticed at once, whatever this says.
  std::chrono::milliseconds qmp_timeout{std::chrono::minutes(2)};
};

/// The request for an argv from build_qemu_argv: it opens QMP itself, and a
/// VM with a TPM gets swtpm at paths.tpm_socket, its state in paths.tpm_dir.
LaunchRequest launch_request(const VmConfig& config, const VmPaths& paths,
                             std::vector<std::string> argv);

/// A VM that runs.
struct LaunchInfo {
  pid_t qemu_pid = 0;
  pid_t supervisor_pid = 0;
  /// Things the user should know (stale state cleared, ...).
  std::vector<std::string> notes;
};

/// How a VM ended.
struct VmExit {
  /// One line: "the guest powered off", "QEMU was killed by signal 9", ...
  std::string description;
  /// True when the guest itself shut down (QMP SHUTDOWN with guest: true).
  bool guest_shutdown = false;
  /// True when the launcher had to quit or kill QEMU.
  bool forced = false;
  /// QEMU's exit status (only known to its parent, the supervisor).
  int exit_code = 0;
  int signal = 0;
};

}  // namespace vfg
