#include "check/facts.h"

#include <cstdlib>

namespace vfg::check {

Result<HostFacts> gather_host_facts(const HostReading& host) {
  const auto& system = host.system_state();
  if (!system) return tl::unexpected(system.error());
  HostFacts facts;
  facts.system = *system;
  const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  facts.audio = gather_audio(runtime_dir != nullptr ? runtime_dir : "");
  return facts;
}

}  // namespace vfg::check
