// Who holds a PCI function: the processes with one of its device nodes open
// or mapped (DRM card and render nodes, ALSA nodes, framebuffer, NVIDIA's
// nodes) and the framebuffer console drawn on it. Taking a card from its
// driver while any of them holds it hangs the unbind or kills the holder's
// session, so `vfg start` names them all and touches nothing.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

#include "host/host_root.h"
#include "host/pci.h"

namespace vfg {

/// One holder of a function's device node.
struct DeviceHolder {
  pid_t pid = 0;     ///< 0 for the framebuffer console (the kernel holds it)
  std::string comm;  ///< "Xorg", "nvidia-persistenced", "fbcon"
  uid_t uid = 0;
  std::string user;  ///< from /etc/passwd, or the number
  std::string node;  ///< "/dev/dri/card1"
};

/// The device nodes the function's driver made: /dev/dri/cardN and
/// renderDN, /dev/snd/controlCN, pcmCNDx and hwCNDx, /dev/fbN; and for the
/// NVIDIA driver /dev/nvidiaN with the driver's shared nodes.
std::vector<std::string> function_device_nodes(const HostRoot& root, const PciAddress& function);

/// Every holder of the function's nodes (processes by fd and by memory
/// mapping, in pid order) and the framebuffer console when it is bound to
/// one of the function's framebuffers. Processes this user may not inspect
/// are not seen: the privileged handover runs it as root.
std::vector<DeviceHolder> device_holders(const HostRoot& root, const PciAddress& function);

/// The processes that have one of `nodes` open or mapped, in pid order.
std::vector<DeviceHolder> node_holders(const HostRoot& root, const std::vector<std::string>& nodes);

/// "1234 Xorg (user alice) has /dev/dri/card1 open".
std::string describe(const DeviceHolder& holder);

}  // namespace vfg
