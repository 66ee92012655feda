#include "host/kvm.h"

#include "host/system_state.h"

namespace vfg {

bool kvm_usable(const HostRoot& root) {
  auto state = read_system_state(root);
  return state && kvm_runs_guests(*state);
}

}  // namespace vfg
