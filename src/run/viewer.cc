#include "run/viewer.h"

namespace vfg {

std::string spice_socket_path(const VmConfig& config, const VmPaths& paths) {
  return config.display.spice_socket.empty() ? paths.spice_socket.string()
                                             : config.display.spice_socket;
}

std::string viewer_install_hint(const VmConfig& config) {
  std::string hint;
  if (config.looking_glass.enabled) {
    hint +=
        "Looking Glass: build looking-glass-client from source (it is not packaged in Debian 12); "
        "its version must match the host application in the guest\n";
  }
  hint += "SPICE viewer: sudo apt install virt-viewer (provides remote-viewer)";
  return hint;
}

Result<ViewerChoice> choose_viewer(const VmConfig& config, const VmPaths& paths,
                                   ProgramFinder find) {
  ViewerChoice choice;
  std::string spice = spice_socket_path(config, paths);
  const auto& lg = config.looking_glass;
  if (lg.enabled) {
    if (auto client = find("looking-glass-client")) {
      // B5/B6 spell the SPICE connection as -c HOST -p PORT, where a UNIX
      // socket is a path with port 0; -f names the shared memory (file or kvmfr device).
      choice.argv = {*client, "-f", lg.memory_path(), "-c", spice, "-p", "0"};
      return choice;
    }
    choice.notes.push_back("looking-glass-client is not installed; falling back to a SPICE viewer");
  }
  if (!wants_spice(config)) {
    return fail("VM '{}' has no display to connect to (display is '{}' and Looking Glass is off)",
                config.name, config.display.type == DisplayConfig::Type::kStd ? "std" : "none");
  }
  if (auto viewer = find("remote-viewer")) {
    choice.argv = {*viewer, "spice+unix://" + spice};
    return choice;
  }
  return fail("no viewer for VM '{}': neither {}remote-viewer is installed", config.name,
              lg.enabled ? "looking-glass-client nor " : "");
}

}  // namespace vfg
