// `vfg new NAME [--iso ...] [--virtio-iso ...] [--disk ...] [--gpu ...] [--usb ...]
// [--memory ...] [--cpus ...]`: writes a definition chosen from this host's
// hardware and creates the VM's data directory, disk image and firmware variables.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Adds the `new` subcommand.
void add_new_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
