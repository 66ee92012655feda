#include "setup/access_gen.h"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

namespace {

std::string owner(const SetupRequest& request) {
  return fmt::format("OWNER=\"{}\", ", request.user.name);
}

}  // namespace

std::string passthrough_udev_rules(const SetupRequest& request) {
  std::string out = fmt::format(
      "# Written by vfg setup: let {} open passthrough devices without root.\n"
      "# VFIO group nodes /dev/vfio/N (N can change between boots, so match the subsystem).\n"
      "SUBSYSTEM==\"vfio\", {}GROUP=\"{}\", MODE=\"0660\"\n",
      request.user.name, owner(request), request.group);
  for (const auto& vm : request.vms) {
    for (const auto& disk : vm.disks) {
      out += fmt::format("# {}: {}\n", vm.name(), disk.label.empty() ? disk.value : disk.label);
      std::string kind;
      if (disk.whole_disk && disk.property != "ID_PART_ENTRY_UUID")
        kind = "ENV{DEVTYPE}==\"disk\", ";
      if (!disk.partition.empty())
        kind = fmt::format("ENV{{DEVTYPE}}==\"partition\", ATTR{{partition}}==\"{}\", ",
                           disk.partition);
      out += fmt::format("SUBSYSTEM==\"block\", {}ENV{{{}}}==\"{}\", {}MODE=\"0660\"\n", kind,
                         disk.property, disk.value, owner(request));
    }
    for (const auto& usb : vm.usb) {
      if (!usb.port.empty()) {
        out += fmt::format("# {}: whatever is plugged into USB port {}\n", vm.name(), usb.port);
        out += fmt::format(
            "SUBSYSTEM==\"usb\", ENV{{DEVTYPE}}==\"usb_device\", KERNEL==\"{}\", {}MODE=\"0660\"\n",
            usb.port, owner(request));
      } else {
        out += fmt::format("# {}: USB device {:04x}:{:04x}\n", vm.name(), usb.vendor, usb.product);
        out += fmt::format(
            "SUBSYSTEM==\"usb\", ENV{{DEVTYPE}}==\"usb_device\", ATTR{{idVendor}}==\"{:04x}\", "
            "ATTR{{idProduct}}==\"{:04x}\", {}MODE=\"0660\"\n",
            usb.vendor, usb.product, owner(request));
      }
    }
  }
  return out;
}

std::string kvmfr_udev_rules(const SetupRequest& request) {
  return fmt::format(
      "# Written by vfg setup: Looking Glass kvmfr devices for {}; uaccess also lets the\n"
      "# seat's active user open them (this file must sort before 73-seat-late.rules).\n"
      "SUBSYSTEM==\"kvmfr\", {}GROUP=\"{}\", MODE=\"0660\", TAG+=\"uaccess\"\n",
      request.user.name, owner(request), request.group);
}

std::string looking_glass_tmpfiles(const SetupRequest& request) {
  std::string out =
      "# Written by vfg setup: create the Looking Glass file before QEMU does, so the\n"
      "# client can open it (QEMU would create it 0644 and owned by itself).\n";
  for (const auto& vm : request.vms)
    if (const auto* file = vm.looking_glass(DeviceNodeNeed::Kind::kSharedFile))
      out += fmt::format("f {} 0660 {} {} -\n", file->path, request.user.name, request.group);
  return out;
}

MemlockNeed memlock_need(const std::vector<SetupVm>& vms) {
  MemlockNeed need;
  for (const auto& vm : vms)
    if (vm.needs.memlock.bytes > need.bytes()) need = {vm.needs.memlock, vm.name()};
  return need;
}

std::string memlock_limits_conf(const std::string& user, const MemlockNeed& need, bool unlimited) {
  std::string value = unlimited ? "unlimited" : std::to_string(need.bytes() / 1024);
  std::string why = unlimited ? "unlimited, as asked"
                              : fmt::format("{} for {} ({})", format_bytes(need.bytes()), need.vm,
                                            need.locked.formula);
  return fmt::format(
      "# Written by vfg setup: VFIO pins all guest RAM, so the user running QEMU needs a\n"
      "# locked-memory limit of at least {}. Units here are KiB.\n"
      "{} soft memlock {}\n{} hard memlock {}\n",
      why, user, value, user, value);
}

std::string memlock_systemd_dropin(const MemlockNeed& need, bool unlimited) {
  return fmt::format(
      "# Written by vfg setup: the user manager caps what its sessions may lock; match\n"
      "# limits.d (this value is in bytes).\n"
      "[Service]\nLimitMEMLOCK={}\n",
      unlimited ? std::string("infinity") : std::to_string(need.bytes()));
}

HugePageReservation hugepage_reservation(const std::vector<SetupVm>& vms) {
  HugePageReservation reservation;
  for (const auto& vm : vms) {
    if (vm.needs.hugepage_size == HugePages::k1G)
      reservation.pages_1g = std::max(reservation.pages_1g, vm.needs.hugepages);
    if (vm.needs.hugepage_size == HugePages::k2M)
      reservation.pages_2m = std::max(reservation.pages_2m, vm.needs.hugepages);
  }
  return reservation;
}

}  // namespace vfg
