// The GPU handover's two files: the allowlist the root service reads
// (/etc/vfg/handover.allow) and the result file a user's vfg reads back
// (/run/vfg-handover/CARD.result.json). The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_support.h"
#include "host/card_handover.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text = vfg::fuzz::as_text(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto cards = vfg::parse_allowlist(text, "handover.allow");
    // What parses must render and parse back to the same cards.
    if (cards) {
      std::vector<std::vector<std::string>> lists;
      for (const auto& card : *cards) {
        std::vector<std::string> functions;
        for (const auto& function : card.functions) functions.push_back(function.to_string());
        lists.push_back(functions);
      }
      auto again = vfg::parse_allowlist(vfg::render_allowlist(lists), "again");
      if (!again || again->size() != cards->size()) std::abort();
    }
  } else if (auto result = vfg::parse_result_json(text)) {
    if (!vfg::parse_result_json(vfg::result_json(*result))) std::abort();
  }
  return 0;
}
