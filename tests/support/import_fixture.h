// What the import tests share: a fixture host to import on, and the report
// lines about one part of the source.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "import/import_report.h"

namespace vfg::testing {

/// The GPUs and disks of the fixture host tests/fixtures/hosts/NAME.
ImportHost fixture_import_host(std::string_view name);

/// Every report line for `source`, as "KIND: DETAIL" (KIND: carried, changed,
/// not carried).
std::vector<std::string> report_lines(const ImportResult& result, const std::string& source);

}  // namespace vfg::testing
