// A QEMU command line reduced to devices and their properties, in a form
// where two command lines that configure the same VM compare equal: legacy
// and JSON syntax, -drive and -blockdev, hv_x and hv-x, "yes" and "on", sizes
// in any unit, and a disk's kernel name and stable name all read the same.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "import/import_report.h"

namespace vfg {

/// device → property → value. A device with no properties of interest has
/// the property "present".
using CommandFacts = std::map<std::string, std::map<std::string, std::string>>;

/// The facts of a command line (the arguments after the program).
CommandFacts command_facts(const std::vector<std::string>& argv, const ImportHost& host);

}  // namespace vfg
