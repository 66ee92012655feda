#include "cli/validators.h"

#include <cmath>

namespace vfg::cli {

CLI::Validator non_empty(const std::string& what) {
  return CLI::Validator(
      [what](std::string& value) -> std::string {
        return value.empty() ? what + " cannot be empty" : std::string();
      },
      "", "NON_EMPTY");
}

CLI::Validator finite_non_negative() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        double number = 0;
        if (!CLI::detail::lexical_cast(value, number) || !std::isfinite(number) || number < 0)
          return "'" + value + "' is not a number of 0 or more";
        return {};
      },
      "NUMBER >= 0", "FINITE_NON_NEGATIVE");
}

}  // namespace vfg::cli
