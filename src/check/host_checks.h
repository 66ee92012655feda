// Readiness checks about the host alone: CPU virtualization and KVM, the
// IOMMU and interrupt remapping, kernel parameters, vfio modules, the user's
// groups and the sound server. Each is a pure function of the gathered facts.
#pragma once

#include <string>
#include <vector>

#include "check/facts.h"
#include "check/finding.h"

namespace vfg::check {

/// "cpu.virt": vmx or svm in /proc/cpuinfo.
Finding check_cpu_virtualization(const SystemState& state);

/// "kvm.usable": /dev/kvm exists, is a character device this user can open
/// read-write, and can run guests — otherwise names the TCG fallback.
Finding check_kvm(const SystemState& state);

/// "iommu.enabled": IOMMU groups exist (and which DMAR / AMD-Vi units registered).
Finding check_iommu(const SystemState& state, const SetupExpectations& setup);

/// "iommu.interrupt_remapping": only when the IOMMU is on.
std::vector<Finding> check_interrupt_remapping(const SystemState& state);

/// "kernel.cmdline": the parameters the setup plan wants against /proc/cmdline.
Finding check_kernel_params(const SystemState& state, const SetupExpectations& setup);

/// "kernel.acs_override": pcie_acs_override on the command line is flagged.
Finding check_acs_override(const SystemState& state);

/// "modules.vfio": vfio, vfio_pci and vfio_iommu_type1 loaded (or built in).
Finding check_vfio_modules(const SystemState& state);

/// "user.groups": the user's groups, and any that need a re-login to take effect.
Finding check_user_groups(const SystemState& state);

/// "audio.socket": a PipeWire or PulseAudio socket in $XDG_RUNTIME_DIR that accepts connections.
Finding check_audio(const AudioFacts& audio);

/// Every host check, in report order.
std::vector<Finding> check_host(const HostFacts& facts, const SetupExpectations& setup);

/// "crw-rw---- root:kvm": a node's type, mode and owners for a detail line.
std::string describe_node(const NodeInfo& node, const SystemState& state);

/// The fix that gives this user access to a node owned by `node`'s group:
/// join the group (or log in again when already added), or a udev rule.
std::string access_fix(const NodeInfo& node, const SystemState& state, const std::string& rule);

}  // namespace vfg::check
