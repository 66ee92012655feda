#include "import/shell_lexer.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

namespace {

ShellSegment make_segment(ShellSegment::Kind kind, std::string text, bool quoted) {
  ShellSegment segment;
  segment.kind = kind;
  segment.text = std::move(text);
  segment.quoted = quoted;
  return segment;
}

/// Splits a script into commands the way sh reads it (no execution).
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<ShellCommand> commands() {
    std::vector<ShellCommand> out;
    ShellCommand current;
    while (true) {
      skip_blanks();
      if (at_end()) break;
      char c = text_[pos_];
      if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
        if (c == '\n') ++line_;
        ++pos_;
        if (!current.words.empty()) out.push_back(std::move(current));
        current = ShellCommand{};
        continue;
      }
      if (c == '#') {
        while (!at_end() && text_[pos_] != '\n') ++pos_;
        continue;
      }
      if (c == '<' || c == '>') {
        redirection(current);
        continue;
      }
      if (current.words.empty()) current.line = line_;
      size_t before = pos_;
      current.words.push_back(word());
      if (pos_ == before) ++pos_;  // a character no word takes: never loop on it
    }
    if (!current.words.empty()) out.push_back(std::move(current));
    return out;
  }

 private:
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }

  /// Skips a redirection and its target ("> log", "2>&1", "<<EOF ... EOF"):
  /// neither is an argument of the command.
  void redirection(ShellCommand& current) {
    // "2>": the digits were read as a word of their own.
    if (!current.words.empty() && current.words.back().segments.size() == 1 &&
        !current.words.back().segments[0].quoted &&
        std::all_of(current.words.back().segments[0].text.begin(),
                    current.words.back().segments[0].text.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
      current.words.pop_back();
    std::string op;
    while (!at_end() && std::string_view("<>&|-").find(peek()) != std::string_view::npos)
      op += text_[pos_++];
    if (op.ends_with("&") && !at_end() && std::isdigit(static_cast<unsigned char>(peek())) != 0) {
      ++pos_;  // >&2
      return;
    }
    skip_blanks();
    size_t before = pos_;
    ShellWord target = word();
    if (pos_ == before) return;
    if (!op.starts_with("<<") || op == "<<<") return;
    // A here-document: its lines are the input of the command, not commands.
    std::string delimiter;
    for (const auto& segment : target.segments) delimiter += segment.text;
    while (!at_end() && peek() != '\n') ++pos_;
    while (!at_end()) {
      ++pos_;
      ++line_;
      size_t end = text_.find('\n', pos_);
      std::string_view line =
          text_.substr(pos_, end == std::string_view::npos ? text_.size() - pos_ : end - pos_);
      pos_ = end == std::string_view::npos ? text_.size() : end;
      if (trim(line) == delimiter) break;
    }
  }
  [[nodiscard]] char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  void skip_blanks() {
    while (!at_end()) {
      if (peek() == ' ' || peek() == '\t' || peek() == '\r') {
        ++pos_;
      } else if (peek() == '\\' && peek(1) == '\n') {
        pos_ += 2;
        ++line_;
      } else {
        break;
      }
    }
  }

  static void add_literal(ShellWord& word, char c, bool quoted) {
    if (word.segments.empty() || word.segments.back().kind != ShellSegment::Kind::kLiteral ||
        word.segments.back().quoted != quoted)
      word.segments.push_back(make_segment(ShellSegment::Kind::kLiteral, "", quoted));
    word.segments.back().text += c;
  }

  ShellWord word() {
    ShellWord word;
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '&' || c == '|' ||
          c == ')' || c == '<' || c == '>')
        break;
      if (c == '(') {
        // NAME=( ... ) and NAME+=( ... ): an array; any other '(' ends the word.
        if (word.segments.size() == 1 && word.segments[0].kind == ShellSegment::Kind::kLiteral &&
            word.segments[0].text.ends_with("=")) {
          ++pos_;
          word.is_array = true;
          read_array(word);
          continue;
        }
        break;
      }
      if (c == '\\') {
        if (peek(1) == '\n') {
          pos_ += 2;
          ++line_;
        } else {
          add_literal(word, peek(1), true);
          pos_ += 2;
        }
        continue;
      }
      if (c == '\'') {
        ++pos_;
        word.segments.push_back(make_segment(ShellSegment::Kind::kLiteral, "", true));
        while (!at_end() && peek() != '\'') {
          if (peek() == '\n') ++line_;
          word.segments.back().text += text_[pos_++];
        }
        ++pos_;
        continue;
      }
      if (c == '"') {
        ++pos_;
        word.segments.push_back(make_segment(ShellSegment::Kind::kLiteral, "", true));
        while (!at_end() && peek() != '"') {
          char d = peek();
          if (d == '\\' && std::string_view("$`\"\\\n").find(peek(1)) != std::string_view::npos) {
            if (peek(1) == '\n') {
              ++line_;
            } else {
              add_literal(word, peek(1), true);
            }
            pos_ += 2;
          } else if (d == '$' || d == '`') {
            word.segments.push_back(expansion(true));
          } else {
            if (d == '\n') ++line_;
            add_literal(word, d, true);
            ++pos_;
          }
        }
        ++pos_;
        continue;
      }
      if (c == '$' || c == '`') {
        word.segments.push_back(expansion(false));
        continue;
      }
      add_literal(word, c, false);
      ++pos_;
    }
    return word;
  }

  void read_array(ShellWord& array) {
    while (true) {
      while (!at_end() && std::isspace(static_cast<unsigned char>(peek())) != 0) {
        if (peek() == '\n') ++line_;
        ++pos_;
      }
      if (at_end()) return;
      if (peek() == ')') {
        ++pos_;
        return;
      }
      if (peek() == '#') {
        while (!at_end() && peek() != '\n') ++pos_;
        continue;
      }
      if (peek() == '\\' && peek(1) == '\n') {
        pos_ += 2;
        ++line_;
        continue;
      }
      size_t before = pos_;
      array.items.push_back(word());
      if (pos_ == before) ++pos_;  // a character no word takes: never loop on it
    }
  }

  /// Skips a balanced $( ... ) or ` ... ` and returns its raw text.
  std::string skip_substitution(char open, char close) {
    size_t start = pos_;
    int depth = 0;
    while (!at_end()) {
      char c = text_[pos_++];
      if (c == '\n') ++line_;
      if (c == '\\') {
        ++pos_;
        continue;
      }
      if (open != close && c == open) ++depth;
      if (c == close && (open == close ? pos_ - 1 != start : --depth == 0)) break;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  ShellSegment expansion(bool quoted) {
    ShellSegment segment = make_segment(ShellSegment::Kind::kVariable, "", quoted);
    if (peek() == '`') {
      return make_segment(ShellSegment::Kind::kUnresolved, skip_substitution('`', '`'), quoted);
    }
    if (peek(1) == '(') {
      ++pos_;
      // fmt, not "$" + a temporary: GCC 12 at -O3 misreads that as an
      // overlapping copy (-Werror=restrict).
      std::string raw = fmt::format("${}", skip_substitution('(', ')'));
      return make_segment(ShellSegment::Kind::kUnresolved, raw, quoted);
    }
    if (peek(1) == '{') {
      size_t start = pos_;
      pos_ += 2;
      while (!at_end() && is_shell_name_char(peek())) segment.text += text_[pos_++];
      if (peek() == '[') {
        std::string inside;
        ++pos_;
        while (!at_end() && peek() != ']') inside += text_[pos_++];
        ++pos_;
        if (inside == "@" || inside == "*") {
          segment.all_elements = true;
          segment.joined = inside == "*";
        } else if (auto index = parse_uint(inside)) {
          segment.index = static_cast<size_t>(*index);
        } else {
          segment.kind = ShellSegment::Kind::kUnresolved;
        }
      }
      if (peek() == ':' && peek(1) == '-')
        pos_ += 2;
      else if (peek() == '-')
        ++pos_;
      if (peek() != '}') {
        std::string fallback;
        int depth = 1;
        while (!at_end()) {
          if (peek() == '{') ++depth;
          if (peek() == '}' && --depth == 0) break;
          fallback += text_[pos_++];
        }
        if (text_.substr(start, pos_ - start).find(":-") == std::string_view::npos &&
            text_.substr(start, pos_ - start).find('-') == std::string_view::npos)
          segment.kind = ShellSegment::Kind::kUnresolved;  // ${#x}, ${x%y}, ${x/a/b}: computed
        segment.fallback = fallback;
      }
      ++pos_;
      if (segment.text.empty()) segment.kind = ShellSegment::Kind::kUnresolved;
      if (segment.kind == ShellSegment::Kind::kUnresolved)
        segment.text = std::string(text_.substr(start, pos_ - start));
      return segment;
    }
    ++pos_;
    while (!at_end() && is_shell_name_char(peek())) segment.text += text_[pos_++];
    if (segment.text.empty()) {
      // "$@", "$1", "$$" and a lone '$'.
      if (!at_end() && std::string_view("@*#?$!-").find(peek()) != std::string_view::npos) {
        segment.kind = ShellSegment::Kind::kUnresolved;
        segment.text = fmt::format("${}", text_[pos_++]);
      } else {
        segment.kind = ShellSegment::Kind::kLiteral;
        segment.text.push_back('$');  // it is empty here
      }
    } else if (std::isdigit(static_cast<unsigned char>(segment.text[0])) != 0) {
      segment.kind = ShellSegment::Kind::kUnresolved;  // a positional parameter: given at run time
      segment.text = fmt::format("${}", segment.text);
    }
    return segment;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

}  // namespace

bool is_shell_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::vector<ShellCommand> split_shell_commands(std::string_view text) {
  return Lexer(text).commands();
}

}  // namespace vfg
