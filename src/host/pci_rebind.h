// Moving one PCI function between drivers at run time, the way libvirt does
// it: name the driver in `driver_override`, unbind from the current one, ask
// the kernel to probe again. Each sysfs write runs under a deadline
// (util/deadline_write): a driver that blocks in its remove callback stops
// the move with a message naming the write and the function's state, never
// a hung vfg.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "host/host_root.h"
#include "host/pci.h"
#include "util/result.h"

namespace vfg {

/// The driver bound to a function now, or nullopt.
std::optional<std::string> bound_driver(const HostRoot& root, const PciAddress& function);

/// The module that provides a bound driver ("bochs" for "bochs-drm"), or
/// nullopt for a built-in driver.
std::optional<std::string> driver_module(const HostRoot& root, std::string_view driver);

/// Binds `function` to `driver` (which must be loaded): override, unbind,
/// probe, then checks the driver link. Each write may take `deadline`.
Status bind_function_to(const HostRoot& root, const PciAddress& function, std::string_view driver,
                        std::chrono::milliseconds deadline);

/// Gives `function` back to the driver the kernel picks for it: clears the
/// override, unbinds from the current driver, probes. Returns the driver it
/// got (nullopt: none took it).
Result<std::optional<std::string>> rebind_function_to_default(const HostRoot& root,
                                                              const PciAddress& function,
                                                              std::chrono::milliseconds deadline);

/// Resets a function through sysfs `reset` when the kernel offers a method
/// for it (`reset_method` non-empty); false when it offers none.
Result<bool> reset_function(const HostRoot& root, const PciAddress& function,
                            std::chrono::milliseconds deadline);

}  // namespace vfg
