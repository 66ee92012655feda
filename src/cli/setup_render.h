// Human and JSON renderings of a host plan and of setup's status.
#pragma once

#include <string>

#include "setup/applier.h"
#include "setup/plan.h"

namespace vfg::cli {

/// The plan as people read it: notes, warnings, a unified diff per file, the commands.
std::string render_plan(const HostPlan& plan, bool live);

/// The plan as JSON (files with their diffs and new contents, commands, notes, targets).
std::string render_plan_json(const HostPlan& plan);

/// `--status` for people.
std::string render_status(const SetupStatus& status);

/// `--status` as JSON.
std::string render_status_json(const SetupStatus& status);

}  // namespace vfg::cli
