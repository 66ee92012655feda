// The commented starter definition `vfg new` writes.
#pragma once

#include <string>
#include <string_view>

#include "vm/vm_config.h"

namespace vfg {

/// What the starter definition is tailored to.
struct StarterOptions {
  GuestOs os = GuestOs::kWindows;
};

/// A minimal working definition (every default spelled out where it matters)
/// with the optional sections as commented examples.
std::string starter_definition(std::string_view name, const StarterOptions& options);

}  // namespace vfg
