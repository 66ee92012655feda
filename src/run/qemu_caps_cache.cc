#include "run/qemu_caps_cache.h"

#include <nlohmann/json.hpp>

#include "util/file_io.h"
#include "util/process.h"

namespace vfg {

using nlohmann::json;

namespace {

json to_json(const QemuCapabilities& caps) {
  return {{"binary", caps.binary},
          {"version", caps.version},
          {"major", caps.major},
          {"minor", caps.minor},
          {"micro", caps.micro},
          {"q35_machine", caps.q35_machine},
          {"audio_drivers", caps.audio_drivers},
          {"audiodev_pipewire", caps.audiodev_pipewire},
          {"audiodev_pa", caps.audiodev_pa},
          {"run_with", caps.run_with},
          {"spice", caps.spice},
          {"usb_host", caps.usb_host},
          {"ivshmem", caps.ivshmem}};
}

std::optional<QemuCapabilities> from_json(const json& doc) {
  try {
    QemuCapabilities caps;
    caps.binary = doc.at("binary").get<std::string>();
    caps.version = doc.at("version").get<std::string>();
    caps.major = doc.at("major").get<int>();
    caps.minor = doc.at("minor").get<int>();
    caps.micro = doc.at("micro").get<int>();
    caps.q35_machine = doc.at("q35_machine").get<std::string>();
    caps.audio_drivers = doc.at("audio_drivers").get<std::vector<std::string>>();
    caps.audiodev_pipewire = doc.at("audiodev_pipewire").get<bool>();
    caps.audiodev_pa = doc.at("audiodev_pa").get<bool>();
    caps.run_with = doc.at("run_with").get<bool>();
    caps.spice = doc.at("spice").get<bool>();
    caps.usb_host = doc.at("usb_host").get<bool>();
    caps.ivshmem = doc.at("ivshmem").get<bool>();
    return caps;
  } catch (const json::exception&) {
    return std::nullopt;  // an older or damaged cache: probe again
  }
}

}  // namespace

Result<QemuCapabilities> probe_qemu_cached(const std::filesystem::path& cache_file,
                                           const std::string& binary) {
  auto path = find_program(binary);
  std::string key = path ? qemu_install_fingerprint(*path) : std::string();
  if (!key.empty()) {
    if (auto text = read_file(cache_file)) {
      json doc = json::parse(*text, nullptr, false);
      if (doc.is_object() && doc.value("key", "") == key && doc.contains("caps")) {
        if (auto caps = from_json(doc["caps"])) return *caps;
      }
    }
  }
  auto caps = probe_qemu(binary);
  if (!caps) return caps;
  if (!key.empty()) {
    // Best effort: a cache that cannot be written only costs the next start time.
    (void)make_directories(cache_file.parent_path(), 0700);
    (void)write_file_atomic(cache_file, json{{"key", key}, {"caps", to_json(*caps)}}.dump(), 0600,
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
