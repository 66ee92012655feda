// libFuzzer target: any text as a libvirt domain through pugixml and the
// domain importer, then through the definition writer and the loader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "import/from_libvirt.h"
#include "vm/config_loader.h"
#include "vm/config_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto imported = vfg::import_libvirt_domain(text, "fuzz", vfg::ImportHost{});
  if (imported) {
    std::string definition = vfg::write_vm_config(imported->config);
    (void)vfg::parse_vm_config(definition, "fuzz.toml", "fuzz");
  }
  return 0;
}
