// Asking a running guest to power off, for `vfg stop` and the supervisor.
#pragma once

#include "run/qmp_client.h"
#include "util/result.h"
#include "vm/vm_paths.h"

namespace vfg {

/// A guest asleep in S3 ignores the power button (and its agent sleeps too):
/// wakes it. True when it was asleep.
bool wake_if_suspended(QmpClient& qmp);

/// Asks the guest to power off: by its guest agent when the VM has the
/// channel and the agent answers (sets `by_agent`; not asked again once it
/// took the request), else by the ACPI power button (counts `presses`).
Status ask_guest_to_power_off(QmpClient& qmp, const VmPaths& paths, bool& by_agent, int& presses);

}  // namespace vfg
