// Probing QEMU runs it four times (~80 ms), more than the rest of a start.
// The answer only changes when the binary does, so it is kept in the runtime
// directory (tmpfs, gone at reboot), keyed by the binary's path, size and mtime.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.h"
#include "vm/qemu_caps.h"

namespace vfg {

/// probe_qemu(binary), answered from `cache_file` when the binary is unchanged.
Result<QemuCapabilities> probe_qemu_cached(const std::filesystem::path& cache_file,
                                           const std::string& binary = "qemu-system-x86_64");

}  // namespace vfg
