// Reading an import source: a shell script that launches QEMU or a libvirt
// domain XML, told apart by their first non-blank character.
#pragma once

#include <string>
#include <vector>

#include "import/import_report.h"
#include "import/shell_script.h"
#include "util/result.h"

namespace vfg {

/// A source imported into VM `name`: the definition, the report, and the
/// QEMU command line the source runs (for --check; empty when only facts are known).
struct ImportedSource {
  ImportResult result;
  std::vector<std::string> source_argv;
  /// Why libvirt gave no command line for a domain (virsh missing or refusing it):
  /// --check then compares the domain's facts as the import reads them.
  std::string command_line_problem;
  std::string kind;  ///< "script" or "libvirt"
};

/// Imports `text` (a script or a libvirt domain) as VM `name`. `label` names
/// the source in messages ("qemu.sh", "standard input"). With
/// `want_command_line`, a libvirt domain's command line is asked from libvirt.
Result<ImportedSource> import_source(std::string_view text, const std::string& label,
                                     const std::string& name, const ImportHost& host,
                                     const ShellEnvironment& environment,
                                     bool want_command_line = false);

}  // namespace vfg
