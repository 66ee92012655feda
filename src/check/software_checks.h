// Readiness checks for the programs and firmware a VM runs on: QEMU (present,
// its version, every feature the definition uses), OVMF (and its Secure Boot
// build when asked for), swtpm, and the sound server the VM's audio reaches.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "check/facts.h"
#include "check/finding.h"
#include "vm/firmware.h"
#include "vm/qemu_caps.h"
#include "vm/vm_config.h"

namespace vfg::check {

/// What was found of the software side; an empty optional comes with the reason.
struct SoftwareFacts {
  /// False when the host is a tree (--root): QEMU and its firmware belong to the
  /// machine running vfg, not to the tree, so they are not judged then.
  bool probed = false;
  std::optional<QemuCapabilities> qemu;
  std::string qemu_error;
  /// The firmware a descriptor gives for the request (plain UEFI on the host report,
  /// the VM's Secure Boot choice in a VM report).
  std::optional<FirmwareFiles> firmware;
  std::string firmware_error;
  /// Full path of swtpm, when installed.
  std::optional<std::string> swtpm;
};

/// Asks what the installed qemu-system-x86_64 can do. The commands pass one that
/// answers from the runtime cache, so a `vfg start` runs QEMU's probe at most
/// once (it costs more than everything else vfg does before QEMU starts).
using QemuProbe = std::function<Result<QemuCapabilities>()>;

/// Probes QEMU through `probe` (probe_qemu() when empty) and looks up firmware
/// descriptors for q35 (with Secure Boot when `secure_boot`); on a tree root it
/// probes nothing.
SoftwareFacts gather_software(const HostRoot& root, bool secure_boot, const QemuProbe& probe = {});

/// The host findings about software: "qemu.present", "firmware.ovmf" (none unprobed).
std::vector<Finding> check_host_software(const SoftwareFacts& software);

/// "qemu.present": qemu-system-x86_64 found, and its version.
Finding check_qemu(const SoftwareFacts& software);

/// "firmware.ovmf": a UEFI firmware descriptor for q35 exists.
Finding check_ovmf(const SoftwareFacts& software);

/// "vm.qemu.features": every QEMU feature the definition uses is in this QEMU,
/// and swtpm is installed when it asks for a TPM.
std::vector<Finding> check_vm_qemu_features(const VmConfig& config, const SoftwareFacts& software);

/// "vm.firmware": explicit OVMF images exist, or a descriptor matches (with Secure Boot when
/// asked).
std::vector<Finding> check_vm_firmware(const VmConfig& config, const SoftwareFacts& software);

/// "vm.audio": the backend the definition asks for is in QEMU and its server accepts
/// connections (QEMU exits when an explicit PulseAudio server cannot be reached).
std::vector<Finding> check_vm_audio(const VmConfig& config, const AudioFacts& audio,
                                    const std::optional<AudioSocket>& explicit_server,
                                    const SoftwareFacts& software);

}  // namespace vfg::check
