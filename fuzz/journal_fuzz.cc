// The setup journal (/var/lib/vfg/setup-journal on the host, or in a --root
// tree): read before every apply and undo.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "host/boot_paths.h"
#include "setup/journal.h"
#include "support/memory_file_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vfg::testing::MemoryFileWriter writer;
  writer.put(std::string(vfg::boot_paths::kJournal), std::string(vfg::fuzz::as_text(data, size)),
             0600);
  (void)vfg::load_journal(writer);
  return 0;
}
