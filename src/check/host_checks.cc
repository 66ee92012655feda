#include "check/host_checks.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg::check {

namespace {

bool is_intel(const SystemState& state) {
  return state.cpu_vendor == "GenuineIntel" || state.cpu_vmx;
}
bool is_amd(const SystemState& state) {
  return state.cpu_vendor == "AuthenticAMD" || state.cpu_svm;
}

std::string group_name(const SystemState& state, gid_t gid) {
  for (const auto& entry : state.groups)
    if (entry.gid == gid) return entry.name;
  return std::to_string(gid);
}

std::string user_name(const SystemState& state, uid_t uid) {
  if (uid == 0) return "root";
  if (uid == state.identity.uid) return state.identity.user;
  return std::to_string(uid);
}

std::string mode_string(const NodeInfo& node) {
  std::string text(1, node.type == 'f' ? '-' : node.type == '?' ? '?' : node.type);
  const char* letters = "rwx";
  for (int shift = 6; shift >= 0; shift -= 3)
    for (int bit = 0; bit < 3; ++bit)
      text += (node.mode >> (shift + 2 - bit)) & 1 ? letters[bit] : '-';
  return text;
}

bool has_word(const std::vector<std::string>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// "key=value" in effect on the command line, with the module-name spelling folded.
bool param_in_effect(const SystemState& state, std::string_view param) {
  auto eq = param.find('=');
  auto value = state.cmdline_value(param.substr(0, eq));
  if (!value) return false;
  return eq == std::string_view::npos || *value == param.substr(eq + 1);
}

}  // namespace

std::string describe_node(const NodeInfo& node, const SystemState& state) {
  if (!node.exists) return fmt::format("{} does not exist", node.path);
  return fmt::format("{} {}:{} {}", mode_string(node), user_name(state, node.uid),
                     group_name(state, node.gid), node.path);
}

std::string access_fix(const NodeInfo& node, const SystemState& state, const std::string& rule) {
  const std::string group = group_name(state, node.gid);
  bool group_grants = (node.mode & 060) == 060;
  if (group_grants && node.gid != 0 && !process_member(state, group)) {
    if (configured_member(state, group))
      return fmt::format(
          "log out and back in: {} was added to group '{}' after this session "
          "started (or run `newgrp {}` in this shell)",
          state.identity.user, group, group);
    return fmt::format("sudo usermod -aG {} {}, then log out and back in", group,
                       state.identity.user);
  }
  return rule;
}

Finding check_cpu_virtualization(const SystemState& state) {
  if (state.cpu_vmx) return pass("cpu.virt", "CPU virtualization: Intel VT-x (vmx)");
  if (state.cpu_svm) return pass("cpu.virt", "CPU virtualization: AMD-V (svm)");
  std::string detail = "/proc/cpuinfo flags show neither vmx nor svm";
  if (state.cpu_hypervisor) detail += "; this system itself runs under a hypervisor";
  return failure("cpu.virt", "CPU virtualization extensions are not available", detail,
                 state.cpu_hypervisor
                     ? "enable nested virtualization on the outer hypervisor, or run on bare metal "
                       "with VT-x/AMD-V enabled in the firmware setup"
                     : "enable Intel VT-x or AMD SVM in the firmware (BIOS/UEFI) setup");
}

Finding check_kvm(const SystemState& state) {
  const std::string id = "kvm.usable";
  const std::string tcg = "QEMU falls back to TCG (software emulation, far too slow for games)";
  const std::string module = is_amd(state) && !is_intel(state) ? "kvm_amd" : "kvm_intel";
  if (!state.kvm.exists)
    return failure(id, "/dev/kvm is missing: " + tcg, "the kvm module is not loaded",
                   fmt::format("sudo modprobe {}", module));
  if (state.kvm.type != 'c')
    return failure(id, "/dev/kvm is not a character device: " + tcg,
                   describe_node(state.kvm, state),
                   fmt::format("sudo rm {} && sudo modprobe {}", state.kvm.path, module));
  bool opens = state.kvm_open_errno ? *state.kvm_open_errno == 0
                                    : can_access(state.kvm, state.identity, true);
  if (!opens) {
    std::string detail = describe_node(state.kvm, state);
    if (state.kvm_open_errno) detail += fmt::format(" ({})", std::strerror(*state.kvm_open_errno));
    return failure(id, fmt::format("/dev/kvm is not usable by {}: {}", state.identity.user, tcg),
                   detail,
                   access_fix(state.kvm, state,
                              "sudo chmod 0660 /dev/kvm && sudo chgrp kvm /dev/kvm (udev's "
                              "default; check /etc/udev/rules.d for a rule that changes it)"));
  }
  if (!kvm_runs_guests(state))
    return failure(id, "KVM cannot run guests here: " + tcg,
                   "/dev/kvm opens, but /proc/cpuinfo shows neither vmx nor svm: this KVM is "
                   "paravirtual (provided by an outer hypervisor) and QEMU guests hang on it",
                   "run on hardware with VT-x/AMD-V, or enable nested virtualization on the "
                   "outer hypervisor");
  return pass(id, "KVM usable: /dev/kvm opens read-write", describe_node(state.kvm, state));
}

Finding check_iommu(const SystemState& state, const SetupExpectations& setup) {
  const std::string id = "iommu.enabled";
  const auto& iommu = state.iommu;
  if (!iommu.groups.empty()) {
    std::string units =
        iommu.units.empty() ? "no unit under /sys/class/iommu" : "units " + join(iommu.units, ", ");
    return pass(id, fmt::format("IOMMU on: {} groups", iommu.groups.size()), units);
  }
  std::string detail = "/sys/kernel/iommu_groups is empty";
  detail += iommu.units.empty() ? " and no DMAR or AMD-Vi unit is registered in /sys/class/iommu"
                                : " although units are registered: " + join(iommu.units, ", ");
  std::string fix;
  if (is_intel(state)) {
    bool setup_adds = has_word(setup.kernel_params, "intel_iommu=on");
    fix = param_in_effect(state, "intel_iommu=on") ? "enable VT-d in the firmware (BIOS/UEFI) setup"
          : setup_adds ? "enable VT-d in the firmware (BIOS/UEFI) setup, run `vfg setup` (adds "
                         "intel_iommu=on to the kernel command line) and reboot"
                       : "enable VT-d in the firmware (BIOS/UEFI) setup, add intel_iommu=on to the "
                         "kernel command line and reboot";
  } else if (is_amd(state)) {
    fix =
        "enable the IOMMU (AMD-Vi) in the firmware (BIOS/UEFI) setup and reboot; the kernel "
        "turns it on by itself";
    if (state.cmdline_value("amd_iommu") == "off") fix += ", once amd_iommu=off is removed";
  } else {
    fix = "enable the IOMMU (VT-d or AMD-Vi) in the firmware (BIOS/UEFI) setup and reboot";
  }
  return failure(id, "IOMMU is off: devices cannot be passed through", detail, fix);
}

std::vector<Finding> check_interrupt_remapping(const SystemState& state) {
  const std::string id = "iommu.interrupt_remapping";
  const auto& iommu = state.iommu;
  // Without an IOMMU there is nothing to remap; the IOMMU finding says what to do.
  if (iommu.groups.empty()) return {};
  if (iommu.interrupt_remapping == true)
    return {pass(id, "interrupt remapping on",
                 fmt::format("/proc/interrupts shows {} chips", iommu.remapping_evidence))};
  const std::string unsafe_fix =
      "enable interrupt remapping (x2APIC) in the firmware setup; a platform without it "
      "needs `options vfio_iommu_type1 allow_unsafe_interrupts=1` in /etc/modprobe.d (weakens "
      "isolation)";
  if (iommu.interrupt_remapping == false) {
    std::string detail = fmt::format("/proc/interrupts shows {} chips without the IR- prefix",
                                     iommu.remapping_evidence);
    if (iommu.remapping_supported == true)
      detail += "; the DMAR unit supports it (ECAP bit 3), so the kernel turned it off";
    if (iommu.unsafe_interrupts_allowed)
      return {warn(id, "interrupt remapping off; vfio allows unsafe interrupts", detail,
                   "enable interrupt remapping (x2APIC) in the firmware setup to restore full "
                   "isolation")};
    std::string fix = unsafe_fix;
    if (state.cmdline_value("intremap") == "off")
      fix =
          "remove intremap=off from the kernel "
          "command line and reboot";
    return {failure(id, "interrupt remapping off: vfio refuses to assign devices", detail, fix)};
  }
  return {warn(id, "interrupt remapping: unknown",
               "/proc/interrupts lists no MSI or IO-APIC chip to tell from", unsafe_fix)};
}

Finding check_kernel_params(const SystemState& state, const SetupExpectations& setup) {
  const std::string id = "kernel.cmdline";
  std::vector<std::string> missing;
  for (const auto& param : setup.kernel_params)
    if (!param_in_effect(state, param)) missing.push_back(param);
  if (!missing.empty())
    return warn(id, "kernel parameters not in effect: " + join(missing, " "),
                "/proc/cmdline lacks what the setup plan wants",
                "run `vfg setup` (kernel command line step), then reboot");
  std::vector<std::string> relevant;
  for (const auto& word : state.cmdline) {
    if (word == "--") break;
    std::string key = word.substr(0, word.find('='));
    for (std::string_view prefix :
         {"intel_iommu", "amd_iommu", "iommu", "vfio", "vfio_pci", "vfio-pci", "video",
          "pcie_acs_override", "kvm", "hugepages", "default_hugepagesz", "hugepagesz", "isolcpus",
          "nohz_full", "rcu_nocbs", "intremap"})
      if (key == prefix || key.rfind(std::string(prefix) + ".", 0) == 0) relevant.push_back(word);
  }
  std::string found = relevant.empty() ? "no passthrough-related parameter on /proc/cmdline"
                                       : "/proc/cmdline has " + join(relevant, " ");
  if (!setup.known)
    return pass(id, "kernel command line: " + (relevant.empty() ? "no passthrough-related "
                                                                  "parameter"
                                                                : join(relevant, " ")));
  std::string what = setup.kernel_params.empty()
                         ? "kernel parameters: the setup plan adds none"
                         : "kernel parameters in effect: " + join(setup.kernel_params, " ");
  return pass(id, what, found);
}

Finding check_acs_override(const SystemState& state) {
  const std::string id = "kernel.acs_override";
  auto value = state.cmdline_value("pcie_acs_override");
  if (!value) return pass(id, "no ACS override: IOMMU groups are as the hardware isolates them");
  return warn(id, "ACS override in effect (pcie_acs_override=" + *value + ")",
              "the patched kernel splits IOMMU groups the hardware does not isolate, so passed "
              "devices may still reach host memory through peer-to-peer DMA",
              "move the GPU to a slot whose IOMMU group is isolated, then remove "
              "pcie_acs_override from the kernel command line");
}

Finding check_vfio_modules(const SystemState& state) {
  const std::string id = "modules.vfio";
  std::vector<std::string> missing;
  for (const char* name : {"vfio", "vfio_pci", "vfio_iommu_type1"})
    if (!state.has_module(name)) missing.push_back(name);
  if (missing.empty()) return pass(id, "vfio modules loaded: vfio, vfio_pci, vfio_iommu_type1");
  return warn(id, "vfio modules not loaded: " + join(missing, ", "),
              "neither /proc/modules nor /sys/module lists them",
              "sudo modprobe vfio-pci (`vfg setup` loads it at boot, before the GPU driver)");
}

Finding check_user_groups(const SystemState& state) {
  const std::string id = "user.groups";
  const auto& who = state.identity;
  if (who.uid == 0)
    return pass(id, "running as root: device access does not depend on groups",
                "run vfg as the user who plays, so QEMU reaches the session's sound server");
  std::vector<std::string> current, pending;
  for (const auto& entry : state.groups) {
    bool now = process_member(state, entry.name);
    if (now)
      current.push_back(entry.name);
    else if (configured_member(state, entry.name))
      pending.push_back(entry.name);
  }
  if (!pending.empty())
    return warn(id,
                fmt::format("re-login pending: {} was added to {} after this session started",
                            who.user, join(pending, ", ")),
                "/etc/group lists the membership, this process does not carry it",
                "log out and back in (or run `newgrp " + pending.front() + "` in this shell)");
  return pass(id, fmt::format("{} is in groups: {}", who.user, join(current, ", ")));
}

Finding check_audio(const AudioFacts& audio) {
  const std::string id = "audio.socket";
  if (audio.runtime_dir.empty())
    return warn(id, "XDG_RUNTIME_DIR is not set: no session sound server to reach", "",
                "run vfg from your desktop session (it sets XDG_RUNTIME_DIR)");
  if (audio.pipewire.reachable) return pass(id, "PipeWire socket reachable", audio.pipewire.path);
  if (audio.pulse.reachable) return pass(id, "PulseAudio socket reachable", audio.pulse.path);
  std::string detail =
      audio.pipewire.exists || audio.pulse.exists
          ? fmt::format("{} exists but refuses connections (a stale socket)",
                        audio.pipewire.exists ? audio.pipewire.path : audio.pulse.path)
          : fmt::format("neither {} nor {} exists", audio.pipewire.path, audio.pulse.path);
  return warn(id, "no sound server socket reachable", detail,
              "systemctl --user start pipewire pipewire-pulse (or start PulseAudio)");
}

std::vector<Finding> check_host(const HostFacts& facts, const SetupExpectations& setup) {
  const SystemState& state = facts.system;
  std::vector<Finding> findings;
  findings.push_back(check_cpu_virtualization(state));
  findings.push_back(check_kvm(state));
  findings.push_back(check_iommu(state, setup));
  for (auto& finding : check_interrupt_remapping(state)) findings.push_back(std::move(finding));
  findings.push_back(check_kernel_params(state, setup));
  findings.push_back(check_acs_override(state));
  findings.push_back(check_vfio_modules(state));
  findings.push_back(check_user_groups(state));
  findings.push_back(check_audio(facts.audio));
  return findings;
}

}  // namespace vfg::check
