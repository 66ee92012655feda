// Shared by the fuzz targets: a private scratch directory for targets whose
// public read function takes a file, not bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace vfg::fuzz {

/// A directory made once per process under $TMPDIR, removed at exit.
const std::filesystem::path& scratch_dir();

/// Replaces `file` with `bytes` (no fsync: the file lives for one input).
void put_file(const std::filesystem::path& file, std::string_view bytes);

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace vfg::fuzz
