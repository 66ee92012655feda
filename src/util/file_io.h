// Reading and writing whole files. Writes are atomic: a reader (or a crash)
// sees the old content or the new one, never half of it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <sys/types.h>

#include "util/result.h"

namespace vfg {

/// Reads a whole file.
Result<std::string> read_file(const std::filesystem::path& path);

/// Reads an open file to its end, failing (with `name` in the message) once it
/// holds more than `max_bytes`: a device like /dev/zero never ends.
Result<std::string> read_all(int fd, std::string_view name, size_t max_bytes = SIZE_MAX);

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

/// write_file_atomic for the entry `name` of an open directory, so the
/// directory is the one that was checked, not whatever its path names later;
/// `shown_as` names the file in messages. Owner is set before the rename.
Status write_file_atomic_at(int dir_fd, const std::string& name, std::string_view shown_as,
                            std::string_view contents, mode_t mode, Durability durability,
                            std::optional<std::pair<uid_t, gid_t>> owner = std::nullopt);

/// The failure of a write of `name` with errno `error`, as "WHAT 'NAME': REASON".
/// A full file system is said in so many words, with what it means for the
/// file: the writer removed what it had written, so the file holds what it did
/// before (or, for a new one, does not exist).
tl::unexpected<Error> write_failure(std::string_view what, std::string_view name, int error);

/// Creates a directory and its parents with `mode` for the ones it creates.
Status make_directories(const std::filesystem::path& path, mode_t mode = 0755);

}  // namespace vfg
