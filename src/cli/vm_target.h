// Turning the NAME argument of the VM commands (start, stop, status, check, ...)
// into the VM's paths and definition, with the same messages everywhere.
#pragma once

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

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

/// Checks the name and derives the VM's paths from the XDG directories, with
/// the runtime directory the VM runs from (locate_vm).
Result<VmTarget> vm_target(std::string_view name);

/// Whether the optional NAME argument of a command that otherwise acts on
/// every VM (status, check) was given. '' counts as given: CLI11 runs no
/// validator on an empty value, so the command passes it to vm_target, which
/// refuses it like any other bad name.
bool vm_named(const CLI::Option& name_argument);

/// Loads the VM's definition; a missing one names the file looked for and
/// the closest defined name. Warnings are printed as "vfg: warning: ...".
Result<VmConfig> load_definition(const VmTarget& target);

/// The hint for a VM without a definition.
std::string missing_definition_hint(const VmTarget& target);

}  // namespace vfg::cli
