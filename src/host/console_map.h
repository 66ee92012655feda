// The framebuffer console (fbcon): which framebuffer each virtual console is
// drawn on, and whether fbcon is bound to the virtual terminals at all. The
// handover counts it as a holder of a card; single-GPU mode takes it off the
// card and puts it back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "util/result.h"

namespace vfg {

/// The framebuffer number of each virtual console (index 0 is tty1), as the
/// kernel maps them (FBIOGET_CON2FBMAP, root only); nullopt when it cannot be
/// asked (a tree, or no framebuffer device to ask through).
std::optional<std::vector<int>> read_console_map(const HostRoot& root);

/// Draws the consoles tty(N+1) for each N in `consoles` on framebuffer `fb`
/// (FBIOPUT_CON2FBMAP), then reads the map back to verify.
Status map_consoles(const HostRoot& root, const std::vector<int>& consoles, int fb);

/// The vtconsole entries ("vtcon1") that are fbcon, bound or not.
std::vector<std::string> framebuffer_vtconsoles(const HostRoot& root);

/// True when fbcon is bound to the virtual terminals.
bool framebuffer_console_bound(const HostRoot& root);

/// The framebuffers ("fb0") a PCI function's driver registered.
std::vector<std::string> function_framebuffers(const HostRoot& root, const std::string& address);

}  // namespace vfg
