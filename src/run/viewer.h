// Which program shows a VM's screen: the Looking Glass client when the VM
// shares its frames that way, else a SPICE viewer. A pure choice, so it is
// tested without either program installed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/result.h"
#include "vm/vm_config.h"
#include "vm/vm_paths.h"

namespace vfg {

/// The viewer to run, or why there is none.
struct ViewerChoice {
  std::vector<std::string> argv;
  /// Said before running it ("looking-glass-client is not installed; using remote-viewer").
  std::vector<std::string> notes;
};

/// Where programs are found (find_program in production; a map in tests).
using ProgramFinder = std::optional<std::string> (*)(std::string_view);

/// The SPICE socket the VM's QEMU listens on.
std::string spice_socket_path(const VmConfig& config, const VmPaths& paths);

/// Picks the viewer for `config`. Fails with what to install when nothing fits.
Result<ViewerChoice> choose_viewer(const VmConfig& config, const VmPaths& paths,
                                   ProgramFinder find);

/// The hint that says which packages provide a viewer.
std::string viewer_install_hint(const VmConfig& config);

}  // namespace vfg
