// Reading and writing whole files. Writes are atomic: a reader (or a crash)
// sees the old content or the new one, never half of it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "util/result.h"

namespace vfg {

/// Reads a whole file.
Result<std::string> read_file(const std::filesystem::path& path);

/// Writes `contents` to a temporary file beside `path`, fsyncs it, renames it
/// over `path` and fsyncs the directory.
Status write_file_atomic(const std::filesystem::path& path, std::string_view contents,
                         mode_t mode = 0644);

/// Creates a directory and its parents with `mode` for the ones it creates.
Status make_directories(const std::filesystem::path& path, mode_t mode = 0755);

}  // namespace vfg
