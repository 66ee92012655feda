// `vfg check [NAME]`: the readiness report for the host, and for a VM when named.
#pragma once

#include "check/facts.h"
#include "cli/command.h"
#include "host/host_reading.h"
#include "vm/vm_config.h"

namespace vfg::cli {

/// What `vfg setup` would make true on this host (with `vm`'s devices when
/// given), for fixes that name the setup step; unknown when no plan can be made.
check::SetupExpectations setup_expectations(const HostReading& host, const VmConfig* vm);

/// Adds the `check` subcommand.
void add_check_command(CLI::App& app, Context& context);

}  // namespace vfg::cli
