// libFuzzer target: any text through the shell-script reader, the QEMU option
// parser and the importer, then through the definition writer and the loader;
// the command line found goes through --check's reduction to facts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "import/compare.h"
#include "import/import_source.h"
#include "vm/config_loader.h"
#include "vm/config_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find('<') == 0) return 0;  // the libvirt target's input
  vfg::ShellEnvironment environment = {{"HOME", "/home/fuzz"},
                                       {"XDG_RUNTIME_DIR", "/run/user/1000"}};
  auto imported = vfg::import_source(text, "fuzz.sh", "fuzz", vfg::ImportHost{}, environment);
  if (imported) {
    // Whatever the importer made must render into text the loader reads back.
    std::string definition = vfg::write_vm_config(imported->result.config);
    (void)vfg::parse_vm_config(definition, "fuzz.toml", "fuzz");
    (void)vfg::render_check(vfg::compare_command_lines(
        imported->source_argv, imported->result.config.extra_args, vfg::ImportHost{}));
  }
  return 0;
}
