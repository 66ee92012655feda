// Creating a file that must not exist yet, such as a new VM definition.
#pragma once

#include <filesystem>
#include <string_view>

#include "util/result.h"

namespace vfg {

/// Creates `path` with `contents`, failing if it exists (O_EXCL: no race with
/// another writer). For files vfg must never overwrite.
Status create_new_file(const std::filesystem::path& path, std::string_view contents);

}  // namespace vfg
