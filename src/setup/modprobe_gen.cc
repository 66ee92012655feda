#include "setup/modprobe_gen.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "host/boot_paths.h"
#include "util/strings.h"

namespace vfg {

namespace {

constexpr uint16_t kNvidia = 0x10de;
constexpr uint16_t kAmd = 0x1002;
constexpr uint16_t kIntel = 0x8086;

bool is_display(uint32_t class_code) { return (class_code >> 16) == 0x03; }

std::string describe(const SetupPciFunction& fn) {
  return fmt::format("{} {} class {:06x}", fn.address, fn.id(), fn.class_code);
}

}  // namespace

std::string SetupPciFunction::id() const { return fmt::format("{:04x}:{:04x}", vendor, device); }

BindingChoice choose_binding(const std::vector<SetupPciFunction>& bind,
                             const std::vector<SetupPciFunction>& host_pci) {
  BindingChoice choice;
  for (const auto& fn : bind)
    if (std::find(choice.ids.begin(), choice.ids.end(), fn.id()) == choice.ids.end())
      choice.ids.push_back(fn.id());
  for (const auto& other : host_pci) {
    bool passed = std::any_of(bind.begin(), bind.end(), [&](const SetupPciFunction& fn) {
      return fn.address == other.address;
    });
    if (passed) continue;
    if (std::find(choice.ids.begin(), choice.ids.end(), other.id()) != choice.ids.end()) {
      choice.method = BindMethod::kAddress;
      choice.reason = fmt::format(
          "{} (kept by the host) has the same ID {} as a passed device, so vfio-pci.ids would "
          "take both; binding by PCI address instead",
          other.address, other.id());
      return choice;
    }
  }
  choice.reason = "no other device on the host shares these IDs, so vfio-pci binds by ID";
  return choice;
}

std::vector<std::string> softdep_drivers(const std::vector<SetupPciFunction>& bind) {
  std::set<std::string> drivers;
  for (const auto& fn : bind) {
    if (is_display(fn.class_code)) {
      if (fn.vendor == kNvidia) drivers.insert({"nvidia", "nouveau"});
      if (fn.vendor == kAmd) drivers.insert({"amdgpu", "radeon"});
      if (fn.vendor == kIntel) drivers.insert({"i915", "xe"});
    }
    if ((fn.class_code >> 8) == 0x0403) drivers.insert("snd_hda_intel");
    if ((fn.class_code >> 8) == 0x0c03) drivers.insert("xhci_pci");
    if ((fn.class_code >> 8) == 0x0c80 && fn.vendor == kNvidia) drivers.insert("i2c_nvidia_gpu");
    // A softdep names a module; a driver may be called otherwise (bochs-drm is
    // the module bochs). Without a module link (built in, a tree) the name is all there is.
    std::string current = fn.driver_module.empty() ? fn.driver : fn.driver_module;
    std::replace(current.begin(), current.end(), '-', '_');
    if (!current.empty() && current != "vfio_pci" && current != "pci_stub" && current != "pcieport")
      drivers.insert(current);
  }
  return {drivers.begin(), drivers.end()};
}

std::string vfio_modprobe_conf(const std::vector<SetupPciFunction>& bind,
                               const BindingChoice& choice, bool allow_unsafe_interrupts) {
  std::string out =
      "# Written by vfg setup: vfio-pci takes these devices before their usual drivers.\n";
  for (const auto& fn : bind) out += "#   " + describe(fn) + "\n";
  if (choice.method == BindMethod::kIds) {
    out += "options vfio-pci ids=" + join(choice.ids, ",") + "\n";
  } else {
    // The hook runs whenever vfio-pci is loaded (initramfs MODULES, softdep,
    // by hand): the overrides are in place before the driver registers, so
    // registering binds exactly these addresses and nothing else with the same ID.
    std::vector<std::string> addresses;
    for (const auto& fn : bind) addresses.push_back(fn.address);
    out += "# IDs are shared with a device the host keeps, so bind by address.\n";
    out += fmt::format(
        "install vfio_pci for d in {}; do [ -e {}/$d/driver_override ] && echo vfio-pci > "
        "{}/$d/driver_override; done; {} --ignore-install vfio_pci $CMDLINE_OPTS\n",
        join(addresses, " "), boot_paths::kSysPciDevices, boot_paths::kSysPciDevices,
        boot_paths::kModprobe);
  }
  for (const auto& driver : softdep_drivers(bind)) out += "softdep " + driver + " pre: vfio-pci\n";
  if (allow_unsafe_interrupts) {
    out += "# This platform has no interrupt remapping: VFIO refuses devices without this.\n";
    out += "options vfio_iommu_type1 allow_unsafe_interrupts=1\n";
  }
  return out;
}

std::string kvm_modprobe_conf() {
  return "# Written by vfg setup: Windows and its anti-cheat or monitoring tools read MSRs\n"
         "# KVM does not emulate; ignore them instead of injecting a fault, quietly.\n"
         "options kvm ignore_msrs=1 report_ignored_msrs=0\n";
}

std::string kvmfr_modprobe_conf(const std::vector<uint64_t>& sizes_mb,
                                const std::vector<std::string>& vm_names) {
  std::vector<std::string> sizes;
  for (auto size : sizes_mb) sizes.push_back(std::to_string(size));
  std::string out = "# Written by vfg setup: Looking Glass shared memory devices";
  for (size_t i = 0; i < vm_names.size(); ++i)
    out += fmt::format("{} /dev/kvmfr{} for {}", i == 0 ? ":" : ",", i, vm_names[i]);
  return out + "\noptions kvmfr static_size_mb=" + join(sizes, ",") + "\n";
}

std::vector<std::string> vfio_initramfs_modules() {
  // vfio_virqfd folded into vfio in Linux 6.2; listing it breaks newer initramfs builds.
  return {"vfio_pci", "vfio", "vfio_iommu_type1"};
}

std::string without_vfio_ids(std::string_view conf, VfioIdsSyntax syntax) {
  bool options = syntax == VfioIdsSyntax::kModprobeOptions;
  size_t module_at = options ? 1 : 0;
  std::string out;
  for (const auto& line : split(conf, '\n')) {
    auto words = split_whitespace(line);
    bool vfio_line = words.size() > module_at && (!options || words[0] == "options") &&
                     (words[module_at] == "vfio-pci" || words[module_at] == "vfio_pci");
    auto ids = std::remove_if(words.begin(), words.end(),
                              [](const std::string& w) { return w.starts_with("ids="); });
    if (!vfio_line || ids == words.end()) {
      out += line + "\n";
      continue;
    }
    out += "# vfg setup: /etc/modprobe.d/vfg-vfio.conf binds vfio-pci now; was: " + line + "\n";
    words.erase(ids, words.end());
    if (words.size() > module_at + (options ? 1 : 0)) out += join(words, " ") + "\n";
  }
  // split() yields a last empty piece for a trailing newline: do not add one.
  if (!conf.ends_with('\n') && !out.empty()) out.pop_back();
  if (conf.ends_with('\n') && out.ends_with("\n\n")) out.pop_back();
  return out;
}

}  // namespace vfg
