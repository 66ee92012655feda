// Resolving what a VM definition leaves to the host — accelerator, the
// installed QEMU's abilities, firmware images, every function of a GPU, the
// user's sound server — into the LaunchPlan that build_qemu_argv consumes.
#pragma once

#include <string>
#include <vector>

#include "host/host_root.h"
#include "util/result.h"
#include "util/xdg.h"
#include "vm/launch_plan.h"

namespace vfg {

/// A plan plus what the user should know about the choices made.
struct ResolvedPlan {
  LaunchPlan plan;
  std::vector<std::string> notices;
};

/// Looks at the host through `root` and decides. Fails when something the
/// definition insists on is missing (accel = "kvm" without usable KVM, a GPU
/// that is not there, no matching firmware). Makes the per-VM firmware
/// variable store on the first start.
Result<ResolvedPlan> resolve_launch_plan(const VmConfig& config, const VmPaths& paths,
                                         const XdgDirs& dirs, const HostRoot& root);

}  // namespace vfg
