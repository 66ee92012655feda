// The two ways a report is shown: text for people and JSON for scripts
// (schema in docs/check.md).
#pragma once

#include <string>

#include "check/finding.h"

namespace vfg::check {

/// One finding for people: "✗ title", then the detail and "fix: ..." indented.
/// `colour` adds ANSI colour to the mark (callers pass use_colour(stream)).
std::string render_finding(const Finding& finding, bool colour);

/// The whole report for people: host findings, then the VM's, then a summary line.
std::string render_human(const Report& report, bool colour);

/// The failing findings of a preflight, as `vfg start` prints them to stderr
/// before refusing: "vfg: error: VM 'NAME' is not ready to start", each
/// failure with its fix, and how to start anyway.
std::string render_preflight_refusal(const Report& report, bool colour);

/// The whole report as JSON text (pretty-printed, newline-terminated).
std::string render_json(const Report& report);

}  // namespace vfg::check
