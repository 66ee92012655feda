// The QMP parser: bytes off QEMU's monitor socket, split into lines and decoded.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "run/qmp_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = vfg::fuzz::as_text(data, size);
  // A small line limit so the overflow path is reached too.
  vfg::qmp::LineBuffer buffer(4096);
  // Fed in two pieces, as reads that end mid-line deliver it.
  buffer.feed(bytes.substr(0, size / 2));
  buffer.feed(bytes.substr(size / 2));
  while (auto line = buffer.next_line()) (void)vfg::qmp::parse_message(*line);
  (void)vfg::qmp::parse_message(bytes);
  return 0;
}
