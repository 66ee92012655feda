#include "import/import_source.h"

#include <fmt/format.h>

#include "import/from_libvirt.h"
#include "import/from_qemu.h"
#include "util/strings.h"

namespace vfg {

Result<ImportedSource> import_source(std::string_view text, const std::string& label,
                                     const std::string& name, const ImportHost& host,
                                     const ShellEnvironment& environment, bool want_command_line) {
  ImportedSource imported;
  if (trim(text).starts_with("<")) {
    auto domain = import_libvirt_domain(text, name, host);
    if (!domain) return fail(domain.error(), fmt::format("reading libvirt domain '{}'", label));
    imported.kind = "libvirt";
    imported.result = std::move(*domain);
    if (want_command_line) {
      auto argv = libvirt_native_argv(text);
      if (argv)
        imported.source_argv = std::move(*argv);
      else
        imported.command_line_problem = argv.error().message;
    }
    return imported;
  }
  auto invocations = find_qemu_invocations(text, environment);
  if (invocations.empty()) {
    return fail(
        "'{}' runs no qemu-system-* command (nor is it a libvirt domain XML); give the "
        "script that starts the VM, or 'virsh dumpxml DOMAIN'",
        label);
  }
  // Scripts that start QEMU in several places (install / run) differ in a CD-ROM or two; the
  // longest command line is the complete VM.
  size_t chosen = 0;
  for (size_t i = 1; i < invocations.size(); ++i)
    if (invocations[i].argv.size() > invocations[chosen].argv.size()) chosen = i;
  imported.kind = "script";
  imported.result = import_qemu_command(invocations[chosen], name, host, environment);
  imported.source_argv = invocations[chosen].argv;
  for (size_t i = 0; i < invocations.size(); ++i) {
    if (i == chosen) continue;
    imported.result.not_carried(
        fmt::format("line {}", invocations[i].line),
        fmt::format("another QEMU command ({} arguments); the one at line {} was imported",
                    invocations[i].argv.size(), invocations[chosen].line));
  }
  return imported;
}

}  // namespace vfg
