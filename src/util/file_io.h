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

/// Whether a write must survive a crash of the machine, or only be whole.
enum class Durability {
  /// fsync the file and its directory: host files, VM definitions, firmware variables.
  kDurable,
  /// Skip the fsyncs: runtime state ($XDG_RUNTIME_DIR, normally a tmpfs),
  /// written on every start, describing processes a crash ends anyway.
  kVolatile,
};

/// Writes `contents` to a temporary file beside `path` and renames it over
/// `path`; a durable write also fsyncs the file and the directory.
Status write_file_atomic(const std::filesystem::path& path, std::string_view contents,
                         mode_t mode = 0644, Durability durability = Durability::kDurable);

/// Creates a directory and its parents with `mode` for the ones it creates.
Status make_directories(const std::filesystem::path& path, mode_t mode = 0755);

}  // namespace vfg
