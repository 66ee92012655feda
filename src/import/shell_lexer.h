// Reading a shell script the way sh splits it, without running it: commands
// end at newlines, ';', '&', '|' and parentheses; a word is literal text
// (quoted or not) and expansions ($VAR, ${VAR:-x}, ${ARR[@]}, $(...), `...`);
// backslash continuations, comments, redirections and here-documents are
// skipped. What the expansions hold is ShellVariables' business.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vfg {

/// A piece of a word: literal text or an expansion.
struct ShellSegment {
  enum class Kind { kLiteral, kVariable, kUnresolved };
  Kind kind = Kind::kLiteral;
  std::string text;  ///< the literal, the variable name, or the raw unresolved text
  bool quoted = false;
  bool all_elements = false;            ///< ${NAME[@]} / ${NAME[*]}
  bool joined = false;                  ///< ${NAME[*]}: one word, joined by $IFS's first character
  std::optional<size_t> index;          ///< ${NAME[2]}
  std::optional<std::string> fallback;  ///< ${NAME:-fallback} / ${NAME-fallback}
};

struct ShellWord {
  std::vector<ShellSegment> segments;
  bool is_array = false;  ///< NAME=( ... ): `segments` holds "NAME=" and `items` the elements
  std::vector<ShellWord> items;

  [[nodiscard]] bool literal(std::string_view text) const {
    return segments.size() == 1 && segments[0].kind == ShellSegment::Kind::kLiteral &&
           !segments[0].quoted && segments[0].text == text;
  }
};

struct ShellCommand {
  size_t line = 0;
  std::vector<ShellWord> words;
};

/// A letter, digit or '_': what a shell variable's name is made of.
bool is_shell_name_char(char c);

/// The commands of `text`, in order.
std::vector<ShellCommand> split_shell_commands(std::string_view text);

}  // namespace vfg
