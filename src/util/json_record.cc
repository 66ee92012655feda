#include "util/json_record.h"

#include <vector>

namespace vfg {

namespace {

// An explicit stack rather than recursion: the parser accepts documents nested
// far deeper than the call stack would.
bool holds_float(const nlohmann::json& doc) {
  std::vector<const nlohmann::json*> pending{&doc};
  while (!pending.empty()) {
    const nlohmann::json* value = pending.back();
    pending.pop_back();
    if (value->is_number_float()) return true;
    if (value->is_structured())
      for (const auto& child : *value) pending.push_back(&child);
  }
  return false;
}

}  // namespace

nlohmann::json parse_json_record(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || holds_float(doc))
    return nlohmann::json(nlohmann::json::value_t::discarded);
  return doc;
}

}  // namespace vfg
