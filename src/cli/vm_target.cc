#include "cli/vm_target.h"

#include <filesystem>

#include "run/vm_status.h"
#include "util/diagnostics.h"
#include "util/strings.h"
#include "vm/config_loader.h"

namespace vfg::cli {

Result<VmTarget> vm_target(std::string_view name) {
  if (auto valid = validate_vm_name(name); !valid) return tl::unexpected(valid.error());
  auto dirs = XdgDirs::from_environment();
  if (!dirs) return tl::unexpected(dirs.error());
  return VmTarget{*dirs, locate_vm(*dirs, name)};
}

bool vm_named(const CLI::Option& name_argument) { return name_argument.count() > 0; }

std::string missing_definition_hint(const VmTarget& target) {
  auto suggestion = closest_match(target.paths.name, defined_vm_names(target.dirs));
  if (suggestion) return fmt::format("did you mean '{}'?", *suggestion);
  return fmt::format("create it with 'vfg new {}', or list the defined VMs with 'vfg list'",
                     target.paths.name);
}

Result<VmConfig> load_definition(const VmTarget& target) {
  std::error_code error;
  if (!std::filesystem::exists(target.paths.config_file, error)) {
    const auto& file = target.paths.config_file;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(file, error)))
      return fail("the definition of '{}', {}, is a symlink to '{}', which does not exist",
                  target.paths.name, file.string(),
                  std::filesystem::read_symlink(file, error).string());
    return fail("no VM named '{}' (no {})", target.paths.name, file.string());
  }
  std::string warnings;
  auto config = load_vm_config(target.paths.config_file, &warnings);
  for (const auto& line : split(trim(warnings), '\n')) {
    if (!trim(line).empty()) fmt::print(stderr, "{}\n", line);
  }
  return config;
}

}  // namespace vfg::cli
