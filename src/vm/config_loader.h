// Loading a VM definition from TOML: every problem of the file is found in
// one run and reported with its position, nothing is started on error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.h"
#include "vm/config_diagnostics.h"
#include "vm/vm_config.h"

namespace vfg {

/// A parsed definition and everything found wrong with it.
struct ConfigParse {
  VmConfig config;
  ConfigDiagnostics diagnostics;
};

/// Parses and validates the text of a definition. `file` labels the
/// diagnostics; `name` is the VM's name (the file name without ".toml").
ConfigParse parse_vm_config(std::string_view text, const std::string& file, std::string_view name);

/// Reads, parses and validates a definition file. Fails with every error of
/// the file in the message; warnings (if any) are rendered into `warnings`.
Result<VmConfig> load_vm_config(const std::filesystem::path& file, std::string* warnings = nullptr);

}  // namespace vfg
