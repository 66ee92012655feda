// The VM definition loader: TOML text from the user, or from anyone who
// hands them a file, parsed and validated into a VmConfig.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "vm/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vfg::ConfigParse parse =
      vfg::parse_vm_config(vfg::fuzz::as_text(data, size), "fuzz.toml", "fuzz");
  (void)parse.diagnostics.render();
  return 0;
}
