// Single-GPU mode's inputs: the service instance systemd hands the root
// service ("USER:VM", from a unit name a user asked for), the record of what
// a run took from the display (/run/vfg-single-gpu/RUN.json, read back by
// the way back), and the key events of the chord's keyboard. The first byte
// picks the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_support.h"
#include "host/display_takeover.h"
#include "host/key_chord.h"
#include "run/single_gpu.h"
#include "util/host_values.h"
#include "vm/vm_paths.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text = vfg::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      // What parses is a user and a VM name that pass their own grammars.
      if (auto run = vfg::parse_single_gpu_run(text)) {
        if (!vfg::check_account_name(run->user) || !vfg::validate_vm_name(run->vm)) std::abort();
        if (run->instance() != text) std::abort();
      }
      break;
    case 1:
      if (auto takeover = vfg::parse_takeover(text)) {
        auto again = vfg::parse_takeover(vfg::takeover_json(*takeover));
        if (!again || again->vtconsoles != takeover->vtconsoles) std::abort();
      }
      break;
    case 2:
      (void)vfg::parse_key_chord(text);
      break;
    default: {
      vfg::ChordWatcher watcher(vfg::UniqueFd(), {29, 56, 107});
      (void)watcher.feed(text);
    }
  }
  return 0;
}
