#include "setup/access_gen.h"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

namespace {

// Access through a system group (setup creates it with groupadd --system), never
// OWNER=: that is the form udev accepts from systemd 252 to today.
std::string access(const SetupRequest& request) {
  return fmt::format("GROUP=\"{}\", MODE=\"0660\"", request.group);
}

}  // namespace

std::string passthrough_udev_rules(const SetupRequest& request) {
  std::string out = fmt::format(
      "# Written by vfg setup: members of the system group {} ({} among them) open\n"
      "# passthrough devices without root. No owner is set: udev from systemd 258 ignores\n"
      "# (and later ones deprecate) device ownership by a non-system user.\n"
      "# VFIO group nodes /dev/vfio/N (N can change between boots, so match the subsystem).\n"
      "SUBSYSTEM==\"vfio\", {}\n",
      request.group, request.user.name, access(request));
  for (const auto& vm : request.vms) {
    for (const auto& disk : vm.disks) {
      out += fmt::format("# {}: {}\n", vm.name(), disk.label.empty() ? disk.value : disk.label);
      std::string kind;
      if (disk.whole_disk && disk.property != "ID_PART_ENTRY_UUID")
        kind = "ENV{DEVTYPE}==\"disk\", ";
      if (!disk.partition.empty())
        kind = fmt::format("ENV{{DEVTYPE}}==\"partition\", ATTR{{partition}}==\"{}\", ",
                           disk.partition);
      out += fmt::format("SUBSYSTEM==\"block\", {}ENV{{{}}}==\"{}\", {}\n", kind, disk.property,
                         disk.value, access(request));
    }
    for (const auto& usb : vm.usb) {
      if (!usb.port.empty()) {
        out += fmt::format("# {}: whatever is plugged into USB port {}\n", vm.name(), usb.port);
        out +=
            fmt::format("SUBSYSTEM==\"usb\", ENV{{DEVTYPE}}==\"usb_device\", KERNEL==\"{}\", {}\n",
                        usb.port, access(request));
      } else {
        out += fmt::format("# {}: USB device {:04x}:{:04x}\n", vm.name(), usb.vendor, usb.product);
        out += fmt::format(
            "SUBSYSTEM==\"usb\", ENV{{DEVTYPE}}==\"usb_device\", ATTR{{idVendor}}==\"{:04x}\", "
            "ATTR{{idProduct}}==\"{:04x}\", {}\n",
            usb.vendor, usb.product, access(request));
      }
    }
  }
  return out;
}

std::string kvmfr_udev_rules(const SetupRequest& request) {
  return fmt::format(
      "# Written by vfg setup: Looking Glass kvmfr devices for {}; uaccess also lets the\n"
      "# seat's active user open them (this file must sort before 73-seat-late.rules).\n"
      "SUBSYSTEM==\"kvmfr\", {}, TAG+=\"uaccess\"\n",
      request.user.name, access(request));
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
