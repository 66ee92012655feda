// Turning the NAME argument of the VM commands (start, stop, status, connect)
// into the VM's paths and definition, with the same messages everywhere.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"
#include "util/xdg.h"
#include "vm/vm_config.h"
#include "vm/vm_paths.h"

namespace vfg::cli {

/// A VM named on the command line.
struct VmTarget {
  XdgDirs dirs;
  VmPaths paths;
};

/// Checks the name and derives the VM's paths from the XDG directories.
Result<VmTarget> vm_target(std::string_view name);

/// Loads the VM's definition; a missing one names the file looked for and
/// the closest defined name. Warnings are printed as "vfg: warning: ...".
Result<VmConfig> load_definition(const VmTarget& target);

/// The hint for a VM without a definition.
std::string missing_definition_hint(const VmTarget& target);

}  // namespace vfg::cli
