#include "run/qemu_caps_cache.h"

#include <nlohmann/json.hpp>

#include "util/file_io.h"
#include "util/json_record.h"
#include "util/process.h"

namespace vfg {

// The one list of the record's fields: writing and reading both follow it, and
// reading a record that lacks one fails (and so probes again).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QemuCapabilities, binary, version, major, minor, micro,
                                   q35_machine, audio_drivers, audiodev_pipewire, audiodev_pa,
                                   run_with, spice, qxl, usb_host, ivshmem, monitor_object,
                                   thread_names_on_request, shim)

namespace {

using nlohmann::json;

/// Raised when what a field means changes, so a cache written by an older
/// probe (which may, say, have judged SPICE by -help alone) is not trusted.
constexpr int kCacheFormat = 2;

}  // namespace

std::optional<QemuCapabilities> parse_qemu_caps_cache(std::string_view bytes,
                                                      const std::string& key) {
  json doc = parse_json_record(bytes);
  if (!doc.is_object()) return std::nullopt;
  const json* format = doc.contains("format") ? &doc["format"] : nullptr;
  const json* stored_key = doc.contains("key") ? &doc["key"] : nullptr;
  if (format == nullptr || *format != kCacheFormat) return std::nullopt;
  if (stored_key == nullptr || *stored_key != key || !doc.contains("caps")) return std::nullopt;
  try {
    return doc["caps"].get<QemuCapabilities>();
  } catch (const json::exception&) {
    return std::nullopt;  // a field missing or of the wrong type: probe again
  }
}

std::string serialize_qemu_caps_cache(const QemuCapabilities& caps, const std::string& key) {
  return json{{"format", kCacheFormat}, {"key", key}, {"caps", caps}}.dump();
}

Result<QemuCapabilities> probe_qemu_cached(const std::filesystem::path& cache_file,
                                           const std::string& binary) {
  auto path = find_program(binary);
  std::string key = path ? qemu_install_fingerprint(*path) : std::string();
  if (!key.empty()) {
    if (auto text = read_file(cache_file)) {
      if (auto caps = parse_qemu_caps_cache(*text, key)) return *caps;
    }
  }
  auto caps = probe_qemu(binary);
  if (!caps) return caps;
  if (!key.empty()) {
    // Best effort: a cache that cannot be written only costs the next start time.
    (void)make_directories(cache_file.parent_path(), 0700);
    (void)write_file_atomic(cache_file, serialize_qemu_caps_cache(*caps, key), 0600,
                            Durability::kVolatile);
  }
  return caps;
}

std::filesystem::path qemu_caps_cache_file(const XdgDirs& dirs) {
  return dirs.runtime / "qemu-capabilities.json";
}

Result<QemuCapabilities> probe_qemu_for_user(const std::string& binary) {
  auto dirs = XdgDirs::from_environment();
  if (!dirs) return probe_qemu(binary);
  return probe_qemu_cached(qemu_caps_cache_file(*dirs), binary);
}

}  // namespace vfg
