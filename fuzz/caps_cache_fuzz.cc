// The QEMU capability cache in the runtime directory, read on every start.
// The cache is only used when its key matches the installed QEMU, so the key
// of a stand-in binary is written into every input that is a JSON object.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "run/qemu_caps_cache.h"
#include "vm/qemu_caps.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A stand-in QEMU that fails at once, so a rejected cache costs one exec.
  static const fs::path binary = [] {
    fs::path made = vfg::fuzz::scratch_dir() / "qemu-system-x86_64";
    fs::copy_file("/bin/false", made, fs::copy_options::overwrite_existing);
    return made;
  }();
  static const std::string key = vfg::qemu_install_fingerprint(binary.string());
  const fs::path cache = vfg::fuzz::scratch_dir() / "qemu-capabilities.json";
  std::string_view bytes = vfg::fuzz::as_text(data, size);
  nlohmann::json doc = nlohmann::json::parse(bytes, nullptr, false);
  if (doc.is_object()) {
    doc["key"] = key;
    vfg::fuzz::put_file(cache, doc.dump());
  } else {
    vfg::fuzz::put_file(cache, bytes);
  }
  (void)vfg::probe_qemu_cached(cache, binary.string());
  return 0;
}
