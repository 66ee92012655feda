#include "host/pci_rebind.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>

#include "util/deadline_write.h"

namespace vfg {

namespace {

std::string device_dir(const PciAddress& function) {
  return join_host_path("/sys/bus/pci/devices", function.to_string());
}

/// What the function looks like now, for a message about a step that failed.
std::string state_of(const HostRoot& root, const PciAddress& function) {
  auto driver = bound_driver(root, function);
  auto override_value = root.read_attr(device_dir(function) + "/driver_override");
  return fmt::format("{} is {}, driver_override {}", function.to_string(),
                     driver ? "bound to " + *driver : "bound to no driver",
                     override_value && *override_value != "(null)" ? *override_value : "unset");
}

/// One sysfs write of the move, under the deadline.
Status write_attr(const HostRoot& root, const PciAddress& function, const std::string& path,
                  std::string_view value, std::chrono::milliseconds deadline) {
  UniqueFd fd = root.open(path, O_WRONLY | O_CLOEXEC);
  if (!fd) return fail("cannot open {}: {}", path, std::strerror(errno));
  auto outcome = write_within(fd.get(), value, deadline);
  if (!outcome) {
    return fail("writing '{}' to {} failed: {} ({})", value, path, outcome.error().message,
                state_of(root, function));
  }
  if (*outcome == WriteOutcome::kTimedOut) {
    return fail(
        "writing '{}' to {} did not finish within {} s: the driver is waiting for something "
        "that still uses the device ({}); the write completes when that lets go",
        value, path, std::chrono::duration_cast<std::chrono::seconds>(deadline).count(),
        state_of(root, function));
  }
  return ok();
}

Status unbind_and_probe(const HostRoot& root, const PciAddress& function,
                        std::chrono::milliseconds deadline) {
  std::string address = function.to_string();
  if (auto driver = bound_driver(root, function)) {
    auto unbound =
        write_attr(root, function, join_host_path("/sys/bus/pci/drivers", *driver) + "/unbind",
                   address, deadline);
    if (!unbound) return unbound;
  }
  return write_attr(root, function, "/sys/bus/pci/drivers_probe", address, deadline);
}

}  // namespace

std::optional<std::string> bound_driver(const HostRoot& root, const PciAddress& function) {
  return root.link_basename(device_dir(function) + "/driver");
}

std::optional<std::string> driver_module(const HostRoot& root, std::string_view driver) {
  return root.link_basename(join_host_path("/sys/bus/pci/drivers", driver) + "/module");
}

Status bind_function_to(const HostRoot& root, const PciAddress& function, std::string_view driver,
                        std::chrono::milliseconds deadline) {
  if (bound_driver(root, function) == driver) return ok();
  if (auto set = write_attr(root, function, device_dir(function) + "/driver_override",
                            std::string(driver), deadline);
      !set)
    return set;
  if (auto moved = unbind_and_probe(root, function, deadline); !moved) return moved;
  if (bound_driver(root, function) != driver)
    return fail("{} did not bind to {} ({})", function.to_string(), driver,
                state_of(root, function));
  return ok();
}

Result<std::optional<std::string>> rebind_function_to_default(const HostRoot& root,
                                                              const PciAddress& function,
                                                              std::chrono::milliseconds deadline) {
  // A lone newline clears the override (an empty write is refused).
  if (auto cleared =
          write_attr(root, function, device_dir(function) + "/driver_override", "\n", deadline);
      !cleared)
    return tl::unexpected(cleared.error());
  if (auto moved = unbind_and_probe(root, function, deadline); !moved)
    return tl::unexpected(moved.error());
  return bound_driver(root, function);
}

Result<bool> reset_function(const HostRoot& root, const PciAddress& function,
                            std::chrono::milliseconds deadline) {
  std::string dir = device_dir(function);
  if (root.read_attr(dir + "/reset_method").value_or("").empty() || !root.exists(dir + "/reset"))
    return false;
  if (auto reset = write_attr(root, function, dir + "/reset", "1", deadline); !reset)
    return tl::unexpected(reset.error());
  return true;
}

}  // namespace vfg
