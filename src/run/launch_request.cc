#include "run/launch_request.h"

namespace vfg {

LaunchRequest launch_request(const VmConfig& config, const VmPaths& paths,
                             std::vector<std::string> argv) {
  LaunchRequest request;
  request.paths = paths;
  request.argv = std::move(argv);
  request.argv_opens_qmp = true;
  request.stop_timeout = config.stop_timeout;
  if (config.tpm) {
    SwtpmOptions tpm;
    tpm.state_dir = paths.tpm_dir;
    tpm.socket = paths.tpm_socket;
    tpm.log = paths.runtime_dir / "swtpm.log";
    request.swtpm = std::move(tpm);
  }
  return request;
}

}  // namespace vfg
