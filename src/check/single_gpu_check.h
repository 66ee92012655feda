// What single-GPU mode needs before the first start (docs/single-gpu.md): the
// service installed, a display manager the service can stop and start again,
// a way back that the guest cannot take (the chord's keyboard), and how the
// last run ended.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "check/finding.h"
#include "host/host_root.h"
#include "host/system_state.h"
#include "vm/vm_config.h"

namespace vfg::check {

/// The host's side of single-GPU mode, read for one VM.
struct SingleGpuFacts {
  bool service_installed = false;
  /// What display-manager.service points to ("gdm.service"); empty: none.
  std::string display_manager;
  NodeInfo keyboard;
  /// The last run's one line (/var/lib/vfg-single-gpu/USER:VM.last).
  std::optional<std::string> last_run;
};

SingleGpuFacts gather_single_gpu_facts(const HostRoot& root, const VmConfig& config,
                                       const std::string& user);

/// "vm.single_gpu.*": nothing for a VM that is not single-GPU.
std::vector<Finding> check_vm_single_gpu(const VmConfig& config, const SingleGpuFacts& facts);

}  // namespace vfg::check
