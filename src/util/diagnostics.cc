#include "util/diagnostics.h"

#include <cstdlib>

#include <fmt/format.h>
#include <unistd.h>

#include "util/strings.h"

namespace vfg {

bool use_colour(std::FILE* stream) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && no_colour[0] != '\0') return false;
  return ::isatty(::fileno(stream)) == 1;
}

std::string styled(std::string_view text, std::string_view style, bool colour) {
  if (!colour) return std::string(text);
  return fmt::format("\033[{}m{}\033[0m", style, text);
}

void report(Severity severity, std::string_view message, std::string_view hint) {
  bool colour = use_colour(stderr);
  std::string_view label = "error";
  std::string_view style = "1;31";
  if (severity == Severity::kWarning) {
    label = "warning";
    style = "1;33";
  } else if (severity == Severity::kNote) {
    label = "note";
    style = "1;36";
  }
  fmt::print(stderr, "vfg: {}: {}\n", styled(label, style, colour), message);
  if (!hint.empty()) {
    for (const auto& line : split(trim(hint), '\n')) fmt::print(stderr, "  {}\n", line);
  }
}

}  // namespace vfg
