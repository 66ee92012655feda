// One output format for users: "vfg: error: ...", "vfg: warning: ...",
// "vfg: note: ...". Colour only on a terminal, and never with NO_COLOR.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace vfg {

enum class Severity { kError, kWarning, kNote };

/// Whether to colour output written to `stream`: a terminal, and NO_COLOR unset.
bool use_colour(std::FILE* stream);

/// Wraps text in an ANSI style when `colour` is true. `style` is an SGR code such as "1;31".
std::string styled(std::string_view text, std::string_view style, bool colour);

/// Prints "vfg: <severity>: <message>" to stderr, and each hint line after it indented.
void report(Severity severity, std::string_view message, std::string_view hint = {});

}  // namespace vfg
