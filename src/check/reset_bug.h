// AMD GPUs that cannot be reset by the kernel's own methods (the "reset bug"):
// after a VM stops they stay hung until the host reboots, unless the
// vendor-reset module handles their reset.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vfg::check {

/// The chip family ("Polaris 10", "Vega 10", "Navi 10", ...) when this PCI ID is
/// an AMD GPU that vendor-reset supports, else nullopt.
std::optional<std::string_view> amd_reset_bug_family(uint16_t vendor, uint16_t device);

}  // namespace vfg::check
