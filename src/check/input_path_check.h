// Whether a GPU VM can be operated at all: the passed GPU's monitor has no
// window on the host, so keyboard and mouse must reach the guest some other way.
#pragma once

#include "check/finding.h"
#include "vm/vm_config.h"

namespace vfg::check {

/// "vm.input_path": a VM that passes a GPU has evdev inputs, USB devices,
/// Looking Glass or an emulated display; fails when it has none of them.
/// Passes without a word of detail for a VM without a GPU (its window takes input).
Finding check_vm_input_path(const VmConfig& config);

}  // namespace vfg::check
