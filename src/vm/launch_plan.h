// LaunchPlan: everything about the host that the QEMU command line depends
// on, resolved before the argv is built, so build_qemu_argv stays a pure
// function of (VmConfig, LaunchPlan) and can be golden-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/result.h"
#include "vm/firmware.h"
#include "vm/qemu_caps.h"
#include "vm/vm_config.h"
#include "vm/vm_paths.h"

namespace vfg {

struct LaunchPlan {
  /// argv[0]: QEMU as the user names it (found on $PATH when started).
  std::string qemu_binary = "qemu-system-x86_64";
  /// Run with KVM (true) or TCG (false); `auto` already decided.
  bool kvm = true;
  /// The host CPU is AMD (threads > 1 with `-cpu host` wants topoext=on).
  bool host_cpu_amd = false;
  QemuCapabilities qemu;
  /// UEFI images; nullopt with BIOS firmware.
  std::optional<FirmwareFiles> firmware;
  /// The per-VM VARS copy (VmPaths::vars_file of the template's format).
  std::string vars_copy;
  VmPaths paths;
  /// Per VmConfig::gpus entry: every function to pass, function 0 first,
  /// normalised "dddd:bb:dd.f".
  std::vector<std::vector<std::string>> gpu_functions;
  /// The audio backend to use (never kAuto) and its server socket (may be empty).
  AudioBackend audio = AudioBackend::kNone;
  std::string audio_server;
  /// What planning changed from the definition (fallbacks), for the user.
  std::vector<std::string> notices;
};

/// The command line and what the user should know about it (things dropped or changed).
struct QemuCommand {
  std::vector<std::string> argv;  ///< argv[0] is the QEMU binary
  std::vector<std::string> notices;
};

/// Builds QEMU's argv. Pure: reads nothing but its arguments.
Result<QemuCommand> build_qemu_argv(const VmConfig& config, const LaunchPlan& plan);

}  // namespace vfg
