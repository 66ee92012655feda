// The pure heart of `vfg setup`: host facts + what the user wants → HostPlan.
#pragma once

#include <string>
#include <vector>

#include "setup/kernel_params.h"
#include "setup/plan.h"
#include "setup/request.h"

namespace vfg {

/// Every file the planner may read or write for this host, so the caller can
/// load their current contents into SetupFacts::files first.
std::vector<std::string> planned_paths(const BootSetup& boot, const SetupRequest& request);

/// The kernel parameters setup wants: intel_iommu=on on Intel only (AMD's IOMMU
/// is on by default, and amd_iommu=on is not a valid value), iommu=pt, and the
/// 1 GiB hugepage reservation when a VM asks for it.
std::vector<KernelParam> wanted_kernel_params(const SetupFacts& facts, const SetupRequest& request);

/// Builds the plan. Only files whose contents change and the commands those
/// changes need are in it, so a host that is already set up gets an empty plan.
HostPlan plan_setup(const SetupFacts& facts, const SetupRequest& request);

}  // namespace vfg
