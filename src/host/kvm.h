// Whether QEMU should use KVM on this host.
#pragma once

#include "host/host_root.h"

namespace vfg {

/// True when /dev/kvm is usable and the CPU has VT-x or AMD-V, i.e. KVM can
/// really run guests (a /dev/kvm without vmx/svm is a paravirtual one on which
/// guests hang). The `auto` accelerator picks TCG otherwise.
bool kvm_usable(const HostRoot& root);

}  // namespace vfg
