#include "support/import_fixture.h"

#include "host/hardware.h"
#include "support/run_vfg.h"

namespace vfg::testing {

ImportHost fixture_import_host(std::string_view name) {
  HostRoot root(source_path("tests/fixtures/hosts/" + std::string(name)));
  Hardware hardware = scan_hardware(root);
  return ImportHost{hardware.gpus, hardware.disks, "", ""};
}

std::vector<std::string> report_lines(const ImportResult& result, const std::string& source) {
  std::vector<std::string> lines;
  for (const auto& note : result.notes) {
    if (note.source != source) continue;
    const char* kind = note.kind == ImportNote::Kind::kCarried   ? "carried"
                       : note.kind == ImportNote::Kind::kChanged ? "changed"
                                                                 : "not carried";
    lines.push_back(std::string(kind) + ": " + note.detail);
  }
  return lines;
}

}  // namespace vfg::testing
