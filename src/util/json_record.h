// Reading back the JSON records vfg writes (state, journal, caches, handover
// records). They come back as untrusted text: another process, a full disk or
// a user may have changed them.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace vfg {

/// Parses `text` as a record: a discarded value (is_discarded()) when it is not
/// JSON or holds a number with a fraction or exponent anywhere. Every number in
/// a record is an integer, and nlohmann's get<int>() on a float out of the
/// integer's range is undefined behaviour, so such a record is refused whole
/// rather than field by field.
nlohmann::json parse_json_record(std::string_view text);

}  // namespace vfg
