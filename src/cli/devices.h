// `vfg devices [gpu|usb|disks|cpu|input] [--json]`: what the host has and
// what of it can go to a VM; `vfg devices usb --watch` names a port as a
// device is plugged into it.
#pragma once

#include "cli/command.h"

namespace vfg::cli {

/// Defines the `devices` subcommand.
void add_devices_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
