// The supervisor's record of a running VM (state.json), read back by
// `vfg status`, `vfg stop` and the next start.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "run/vm_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const vfg::RuntimeFiles files = [] {
    vfg::RuntimeFiles made;
    made.dir = vfg::fuzz::scratch_dir();
    made.record = made.dir / "state.json";
    return made;
  }();
  vfg::fuzz::put_file(files.record, vfg::fuzz::as_text(data, size));
  (void)vfg::read_record(files);
  return 0;
}
