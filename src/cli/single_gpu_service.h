// The hidden `vfg single-gpu-service run|restore USER:VM`: the privileged end
// of single-GPU mode. systemd runs it as root (vfg-single-gpu@USER:VM.service,
// installed by `vfg setup`), started by `vfg start` for the user's own VM
// through polkit; nobody else has a reason to call it.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

void add_single_gpu_service_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
