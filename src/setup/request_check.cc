#include "setup/request_check.h"

#include <fmt/format.h>

#include "host/boot_paths.h"
#include "host/pci.h"
#include "util/host_values.h"

namespace vfg {

namespace {

// Adds what the value is and where it came from to a grammar failure.
Status named(Status status, std::string_view where, std::string_view value) {
  if (status) return status;
  return fail("{} '{}' {}", where, value, status.error().message);
}

Status check_disk(const SetupVm& vm, const SetupDisk& disk) {
  std::string where = fmt::format("VM '{}': disk", vm.name());
  if (disk.property != "ID_PART_ENTRY_UUID" && disk.property != "ID_SERIAL" &&
      disk.property != "ID_WWN_WITH_EXTENSION")
    return fail(
        "{}: setup matches disks only by ID_PART_ENTRY_UUID, ID_SERIAL or "
        "ID_WWN_WITH_EXTENSION, not '{}'",
        where, disk.property);
  if (auto s = named(check_udev_match_value(disk.value), where, disk.value); !s) return s;
  if (auto s = named(check_path_under(disk.label, "/dev/disk"), where, disk.label); !s) return s;
  if (!disk.partition.empty() &&
      disk.partition.find_first_not_of("0123456789") != std::string::npos)
    return fail("{}: partition '{}' is not a number", where, disk.partition);
  return ok();
}

Status check_vm(const SetupVm& vm) {
  if (auto s = named(check_comment_text(vm.name()), "VM name", vm.name()); !s) return s;
  if (const DeviceNodeNeed* shm = vm.looking_glass(DeviceNodeNeed::Kind::kSharedFile))
    if (auto s = named(check_path_under(shm->path, boot_paths::kSharedMemoryDir),
                       fmt::format("VM '{}': looking_glass.shm_path", vm.name()), shm->path);
        !s)
      return s;
  for (const auto& disk : vm.disks)
    if (auto s = check_disk(vm, disk); !s) return s;
  for (const auto& usb : vm.usb)
    if (!usb.port.empty())
      if (auto s = named(check_usb_port(usb.port), fmt::format("VM '{}': USB port", vm.name()),
                         usb.port);
          !s)
        return s;
  return ok();
}

}  // namespace

Status check_setup_request(const SetupRequest& request) {
  // A user the tree's passwd does not name stands as its uid: digits only,
  // which no generated format can read as more than a number.
  const std::string& user = request.user.name;
  bool bare_uid = !user.empty() && user.find_first_not_of("0123456789") == std::string::npos;
  if (!user.empty() && !bare_uid)
    if (auto s = named(check_account_name(user), "user", user); !s) return s;
  if (auto s = named(check_account_name(request.group), "group", request.group); !s) return s;
  for (const auto& fn : request.bind) {
    auto address = PciAddress::parse(fn.address);
    if (!address || address->to_string() != fn.address)
      return fail("'{}' is not a PCI address like 0000:01:00.0", fn.address);
    // The bound driver's name comes from the (possibly --root) tree and is written
    // into a softdep line.
    if (!fn.driver.empty())
      if (auto s = named(check_module_name(fn.driver), fmt::format("driver of {}", fn.address),
                         fn.driver);
          !s)
        return s;
  }
  for (const auto& card : request.handover)
    for (const auto& fn : card) {
      auto address = PciAddress::parse(fn.address);
      if (!address || address->to_string() != fn.address)
        return fail("'{}' is not a PCI address like 0000:01:00.0", fn.address);
    }
  // The handover units run it as root: a path a unit file reads as one word.
  if (!request.handover.empty())
    if (auto s = named(check_path_under(request.vfg_binary, ""), "vfg binary", request.vfg_binary);
        !s)
      return s;
  for (const auto& vm : request.vms)
    if (auto s = check_vm(vm); !s) return s;
  return ok();
}

}  // namespace vfg
