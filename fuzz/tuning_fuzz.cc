// tuning.json: what a run reserved and changed on the host, read back to
// describe it (`vfg status`) and to give it back after a crash.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "run/tuning/hugepages.h"
#include "run/tuning/isolation.h"
#include "run/tuning/pin_apply.h"
#include "run/tuning/pin_plan.h"
#include "run/tuning/tuning.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const vfg::VmPaths paths = [] {
    vfg::VmPaths made;
    made.runtime_dir = vfg::fuzz::scratch_dir();
    return made;
  }();
  vfg::fuzz::put_file(vfg::tuning_record_path(paths), vfg::fuzz::as_text(data, size));
  auto record = vfg::read_tuning_record(paths);
  if (!record) return 0;
  (void)vfg::describe_tuning_record(*record);
  // The decoders undo_abandoned_tuning uses before it acts on the host.
  if (record->contains("isolation")) (void)vfg::AppliedIsolation::from_json((*record)["isolation"]);
  if (record->contains("hugepages"))
    (void)vfg::HugepageReservation::from_json((*record)["hugepages"]);
  return 0;
}
