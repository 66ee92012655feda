#include "import/shell_script.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

namespace {

/// A piece of a word: literal text or an expansion.
struct Segment {
  enum class Kind { kLiteral, kVariable, kUnresolved };
  Kind kind = Kind::kLiteral;
  std::string text;  ///< the literal, the variable name, or the raw unresolved text
  bool quoted = false;
  bool all_elements = false;            ///< ${NAME[@]} / ${NAME[*]}
  bool joined = false;                  ///< ${NAME[*]}: one word, joined by $IFS's first character
  std::optional<size_t> index;          ///< ${NAME[2]}
  std::optional<std::string> fallback;  ///< ${NAME:-fallback} / ${NAME-fallback}
};

Segment make_segment(Segment::Kind kind, std::string text, bool quoted) {
  Segment segment;
  segment.kind = kind;
  segment.text = std::move(text);
  segment.quoted = quoted;
  return segment;
}

struct Word {
  std::vector<Segment> segments;
  bool is_array = false;  ///< NAME=( ... ): `segments` holds "NAME=" and `items` the elements
  std::vector<Word> items;

  [[nodiscard]] bool literal(std::string_view text) const {
    return segments.size() == 1 && segments[0].kind == Segment::Kind::kLiteral &&
           !segments[0].quoted && segments[0].text == text;
  }
};

struct Command {
  size_t line = 0;
  std::vector<Word> words;
};

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

/// Splits a script into commands the way sh reads it (no execution).
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Command> commands() {
    std::vector<Command> out;
    Command current;
    while (true) {
      skip_blanks();
      if (at_end()) break;
      char c = text_[pos_];
      if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
        if (c == '\n') ++line_;
        ++pos_;
        if (!current.words.empty()) out.push_back(std::move(current));
        current = Command{};
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
  void redirection(Command& current) {
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
    Word target = word();
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

  static void add_literal(Word& word, char c, bool quoted) {
    if (word.segments.empty() || word.segments.back().kind != Segment::Kind::kLiteral ||
        word.segments.back().quoted != quoted)
      word.segments.push_back(make_segment(Segment::Kind::kLiteral, "", quoted));
    word.segments.back().text += c;
  }

  Word word() {
    Word word;
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '&' || c == '|' ||
          c == ')' || c == '<' || c == '>')
        break;
      if (c == '(') {
        // NAME=( ... ) and NAME+=( ... ): an array; any other '(' ends the word.
        if (word.segments.size() == 1 && word.segments[0].kind == Segment::Kind::kLiteral &&
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
        word.segments.push_back(make_segment(Segment::Kind::kLiteral, "", true));
        while (!at_end() && peek() != '\'') {
          if (peek() == '\n') ++line_;
          word.segments.back().text += text_[pos_++];
        }
        ++pos_;
        continue;
      }
      if (c == '"') {
        ++pos_;
        word.segments.push_back(make_segment(Segment::Kind::kLiteral, "", true));
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

  void read_array(Word& array) {
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

  Segment expansion(bool quoted) {
    Segment segment = make_segment(Segment::Kind::kVariable, "", quoted);
    if (peek() == '`') {
      return make_segment(Segment::Kind::kUnresolved, skip_substitution('`', '`'), quoted);
    }
    if (peek(1) == '(') {
      ++pos_;
      std::string raw = "$" + skip_substitution('(', ')');
      return make_segment(Segment::Kind::kUnresolved, raw, quoted);
    }
    if (peek(1) == '{') {
      size_t start = pos_;
      pos_ += 2;
      while (!at_end() && name_char(peek())) segment.text += text_[pos_++];
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
          segment.kind = Segment::Kind::kUnresolved;
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
          segment.kind = Segment::Kind::kUnresolved;  // ${#x}, ${x%y}, ${x/a/b}: computed
        segment.fallback = fallback;
      }
      ++pos_;
      if (segment.text.empty()) segment.kind = Segment::Kind::kUnresolved;
      if (segment.kind == Segment::Kind::kUnresolved)
        segment.text = std::string(text_.substr(start, pos_ - start));
      return segment;
    }
    ++pos_;
    while (!at_end() && name_char(peek())) segment.text += text_[pos_++];
    if (segment.text.empty()) {
      // "$@", "$1", "$$" and a lone '$'.
      if (!at_end() && std::string_view("@*#?$!-").find(peek()) != std::string_view::npos) {
        segment.kind = Segment::Kind::kUnresolved;
        segment.text = std::string("$") + text_[pos_++];
      } else {
        segment.kind = Segment::Kind::kLiteral;
        segment.text = "$";
      }
    } else if (std::isdigit(static_cast<unsigned char>(segment.text[0])) != 0) {
      segment.kind = Segment::Kind::kUnresolved;  // a positional parameter: given at run time
      segment.text = "$" + segment.text;
    }
    return segment;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

/// Variables known so far, in script order. A scalar is a one-element array.
class Scope {
 public:
  explicit Scope(const ShellEnvironment& environment) {
    for (const auto& [name, value] : environment) values_[name] = {value};
  }

  /// The words `word` expands to; what could not be resolved goes to `unresolved`.
  std::vector<std::string> expand(const Word& word, std::vector<std::string>& unresolved) const {
    std::vector<std::string> fields(1);
    bool any = false;  // a quoted part or text: the word exists even when empty
    auto append_split = [&](const std::string& value) {
      auto pieces = split_whitespace(value);
      if (pieces.empty()) return;
      bool leading_space = std::isspace(static_cast<unsigned char>(value.front())) != 0;
      for (size_t i = 0; i < pieces.size(); ++i) {
        if (i > 0 || (leading_space && !fields.back().empty())) fields.emplace_back();
        fields.back() += pieces[i];
      }
      if (std::isspace(static_cast<unsigned char>(value.back())) != 0) fields.emplace_back();
      any = true;
    };
    for (const auto& segment : word.segments) {
      if (segment.kind == Segment::Kind::kLiteral) {
        fields.back() += segment.text;
        any = true;
        continue;
      }
      if (segment.kind == Segment::Kind::kUnresolved) {
        if (auto value = evaluate(segment.text)) {
          if (segment.quoted) {
            fields.back() += *value;
            any = true;
          } else {
            append_split(*value);
          }
          continue;
        }
        unresolved.push_back(fmt::format("{} is computed when the script runs", segment.text));
        fields.back() += segment.text;
        any = true;
        continue;
      }
      std::vector<std::string> values;
      if (auto branch = conditional_.find(segment.text); branch != conditional_.end())
        unresolved.push_back(
            fmt::format("${} is assigned inside a condition or loop (line {}); "
                        "the value read is the script's last assignment",
                        segment.text, branch->second));
      bool computed = false;
      if (auto why = computed_.find(segment.text); why != computed_.end()) {
        unresolved.push_back(fmt::format("${} holds {}", segment.text, why->second));
        computed = true;
      }
      auto found = values_.find(segment.text);
      bool set = found != values_.end() && !(found->second.size() == 1 && found->second[0].empty());
      if (segment.fallback && !set) {
        if (segment.fallback->find_first_of("$`") != std::string::npos)
          unresolved.push_back(fmt::format("${{{}:-{}}} is computed when the script runs",
                                           segment.text, *segment.fallback));
        values = {*segment.fallback};
      } else if (found == values_.end()) {
        unresolved.push_back(fmt::format("${} is not set in the script", segment.text));
        values = {"$" + segment.text};
      } else if (segment.all_elements && segment.joined && segment.quoted) {
        const auto* ifs = get("IFS");
        std::string separator =
            ifs == nullptr || ifs->empty() || (*ifs)[0].empty() ? " " : (*ifs)[0].substr(0, 1);
        values = {join(found->second, separator)};
      } else if (segment.all_elements) {
        values = found->second;
      } else {
        size_t index = segment.index.value_or(0);
        values = {index < found->second.size() ? found->second[index] : ""};
      }
      for (size_t i = 0; i < values.size(); ++i) {
        if (segment.quoted || computed) {
          if (i > 0) fields.emplace_back();
          fields.back() += values[i];
          any = true;
        } else {
          append_split(values[i]);
        }
      }
    }
    if (!any) return {};
    if (fields.back().empty() && fields.size() > 1) fields.pop_back();
    return fields;
  }

  /// The output of what a script computes without running a program:
  /// $((arithmetic)) over known variables, and $(VAR=...; echo WORDS), the
  /// idiom for joining an array with IFS. nullopt for anything else.
  std::optional<std::string> evaluate(const std::string& raw) const;

  /// `name` holds a value only running the script would give (`why`).
  void mark_computed(const std::string& name, const std::string& why) { computed_[name] = why; }

  /// Assignments from now on are inside a branch starting at `line` (0: not in one).
  void set_branch(size_t line) { branch_line_ = line; }

  void assign(const std::string& name, std::vector<std::string> values, bool append) {
    if (branch_line_ != 0) conditional_[name] = branch_line_;
    auto& slot = values_[name];
    if (!append) slot.clear();
    if (append && !slot.empty() && values.size() == 1 && slot.size() == 1) {
      slot[0] += values[0];
      return;
    }
    slot.insert(slot.end(), values.begin(), values.end());
  }

  [[nodiscard]] const std::vector<std::string>* get(const std::string& name) const {
    auto found = values_.find(name);
    return found == values_.end() ? nullptr : &found->second;
  }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  /// Variables assigned inside an if/case/loop, with the line of the assignment.
  std::map<std::string, size_t> conditional_;
  /// Variables whose value the script computes, with why.
  std::map<std::string, std::string> computed_;
  size_t branch_line_ = 0;
};

std::optional<std::pair<std::string, bool>> assignment_target(const Word& word);
std::string apply_assignment(Scope& scope, const Word& word, std::vector<std::string>& unresolved);

/// Integer arithmetic over + - * / % and parentheses (what -smp $((CORES*THREADS)) needs).
class Arithmetic {
 public:
  Arithmetic(std::string_view text, const Scope& scope) : text_(text), scope_(scope) {}
  std::optional<int64_t> run() {
    auto value = sum();
    skip();
    if (!value || pos_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0)
      ++pos_;
  }
  std::optional<int64_t> sum() {
    auto left = product();
    while (left) {
      skip();
      if (pos_ >= text_.size() || (text_[pos_] != '+' && text_[pos_] != '-')) break;
      char op = text_[pos_++];
      auto right = product();
      if (!right) return std::nullopt;
      left = op == '+' ? *left + *right : *left - *right;
    }
    return left;
  }
  std::optional<int64_t> product() {
    auto left = atom();
    while (left) {
      skip();
      if (pos_ >= text_.size() ||
          std::string_view("*/%").find(text_[pos_]) == std::string_view::npos)
        break;
      char op = text_[pos_++];
      auto right = atom();
      if (!right || ((op == '/' || op == '%') && *right == 0)) return std::nullopt;
      left = op == '*' ? *left * *right : op == '/' ? *left / *right : *left % *right;
    }
    return left;
  }
  std::optional<int64_t> atom() {
    skip();
    if (pos_ >= text_.size()) return std::nullopt;
    if (text_[pos_] == '(') {
      ++pos_;
      auto value = sum();
      skip();
      if (pos_ >= text_.size() || text_[pos_] != ')') return std::nullopt;
      ++pos_;
      return value;
    }
    if (text_[pos_] == '$') ++pos_;
    size_t start = pos_;
    while (pos_ < text_.size() && name_char(text_[pos_])) ++pos_;
    std::string word(text_.substr(start, pos_ - start));
    if (word.empty()) return std::nullopt;
    if (std::isdigit(static_cast<unsigned char>(word[0])) != 0) {
      auto number = parse_uint(word);
      if (!number || *number > (uint64_t{1} << 40)) return std::nullopt;
      return static_cast<int64_t>(*number);
    }
    const auto* value = scope_.get(word);
    if (value == nullptr || value->empty()) return std::nullopt;
    auto number = parse_uint((*value)[0]);
    if (!number || *number > (uint64_t{1} << 40)) return std::nullopt;
    return static_cast<int64_t>(*number);
  }

  std::string_view text_;
  const Scope& scope_;
  size_t pos_ = 0;
};

std::optional<std::string> Scope::evaluate(const std::string& raw) const {
  if (raw.starts_with("$((") && raw.ends_with("))")) {
    auto value = Arithmetic(std::string_view(raw).substr(3, raw.size() - 5), *this).run();
    if (!value) return std::nullopt;
    return std::to_string(*value);
  }
  if (!raw.starts_with("$(") || !raw.ends_with(")")) return std::nullopt;
  Scope inner = *this;
  std::string output;
  std::vector<std::string> problems;
  for (const Command& command : Lexer(std::string_view(raw).substr(2, raw.size() - 3)).commands()) {
    bool assignments_only = true;
    for (const auto& word : command.words)
      assignments_only = assignments_only && assignment_target(word).has_value();
    if (assignments_only) {
      for (const auto& word : command.words) apply_assignment(inner, word, problems);
      continue;
    }
    if (!command.words[0].literal("echo")) return std::nullopt;
    std::vector<std::string> words;
    for (size_t i = 1; i < command.words.size(); ++i) {
      auto expanded = inner.expand(command.words[i], problems);
      words.insert(words.end(), expanded.begin(), expanded.end());
    }
    if (!words.empty() && words[0].starts_with("-")) return std::nullopt;  // echo -n / -e
    output += join(words, " ");
  }
  if (!problems.empty()) return std::nullopt;
  return output;
}

/// "NAME=" or "NAME+=" at the start of a word: the name and whether it appends.
std::optional<std::pair<std::string, bool>> assignment_target(const Word& word) {
  if (word.segments.empty() || word.segments[0].kind != Segment::Kind::kLiteral ||
      word.segments[0].quoted)
    return std::nullopt;
  const std::string& text = word.segments[0].text;
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return std::nullopt;
  bool append = text[eq - 1] == '+';
  std::string name = text.substr(0, append ? eq - 1 : eq);
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0 ||
      !std::all_of(name.begin(), name.end(), name_char))
    return std::nullopt;
  return std::pair{name, append};
}

/// Applies `word` as an assignment; returns the name assigned.
std::string apply_assignment(Scope& scope, const Word& word, std::vector<std::string>& unresolved) {
  auto target = assignment_target(word);
  Word value = word;
  std::string& first = value.segments[0].text;
  first.erase(0, first.find('=') + 1);
  if (word.is_array) {
    std::vector<std::string> items;
    for (const auto& item : word.items) {
      auto expanded = scope.expand(item, unresolved);
      items.insert(items.end(), expanded.begin(), expanded.end());
    }
    scope.assign(target->first, items, target->second);
  } else {
    // X="$X more": the accumulating idiom starts from an empty X, as the shell does.
    bool refers_to_itself =
        std::any_of(value.segments.begin(), value.segments.end(), [&](const Segment& segment) {
          return segment.kind == Segment::Kind::kVariable && segment.text == target->first;
        });
    if (refers_to_itself && scope.get(target->first) == nullptr)
      scope.assign(target->first, {""}, false);
    // No field splitting in an assignment: the value is one string.
    std::vector<std::string> scratch;
    Word quoted = value;
    for (auto& segment : quoted.segments) segment.quoted = true;
    auto expanded = scope.expand(quoted, scratch);
    scope.assign(target->first, {expanded.empty() ? "" : expanded[0]}, target->second);
    // A value the script computes stays one unknown word wherever it is used.
    for (const auto& problem : scratch) {
      if (problem.find("is assigned inside a condition") != std::string::npos) continue;
      scope.mark_computed(target->first, problem);
      break;
    }
  }
  return target->first;
}

const std::set<std::string, std::less<>> kDeclarations = {"export", "local", "declare", "readonly",
                                                          "typeset"};
/// Words that can precede a command without changing what runs.
const std::set<std::string, std::less<>> kPrefixes = {"{", "}",    "then", "do",    "else",
                                                      "!", "time", "exec", "nohup", "command"};

/// The index of the QEMU program among a command's words, or words.size().
/// Words before it are wrappers that run QEMU under another program (sudo,
/// taskset -c 2-7, numactl, schedtool, jemalloc.sh, ...); commands that only
/// name QEMU (which, echo, a for loop, a test) are not invocations.
size_t find_program(const std::vector<std::string>& words, std::vector<std::string>& wrappers) {
  static const std::set<std::string, std::less<>> kNotRunning = {
      "for",  "which", "echo",  "printf", "command", "type",    "hash",
      "[",    "[[",    "test",  "case",   "pgrep",   "pkill",   "killall",
      "grep", "ps",    "pidof", "alias",  "local",   "declare", "export"};
  auto is_qemu = [](const std::string& word) {
    std::string base = word.substr(word.rfind('/') + 1);
    return base.starts_with("qemu-system-") || base == "qemu-kvm" || base == "kvm";
  };
  for (size_t i = 0; i < words.size(); ++i) {
    if (!is_qemu(words[i])) continue;
    if (i == 0) return 0;
    std::string first = words[0].substr(words[0].rfind('/') + 1);
    if (kNotRunning.contains(first)) return words.size();
    std::vector<std::string> used(words.begin(), words.begin() + static_cast<long>(i));
    wrappers.push_back(join(used, " "));
    return i;
  }
  return words.size();
}

}  // namespace

std::vector<QemuInvocation> find_qemu_invocations(std::string_view script,
                                                  const ShellEnvironment& environment) {
  std::vector<QemuInvocation> found;
  Scope scope(environment);
  std::map<std::string, std::string> exported;
  int branch_depth = 0;  // inside if/case/while/for: assignments there may not run
  for (const Command& command : Lexer(script).commands()) {
    if (!command.words.empty() && command.words[0].segments.size() == 1) {
      const std::string& keyword = command.words[0].segments[0].text;
      if (keyword == "if" || keyword == "case" || keyword == "while" || keyword == "until" ||
          keyword == "for" || keyword == "select")
        ++branch_depth;
      if ((keyword == "fi" || keyword == "esac" || keyword == "done") && branch_depth > 0)
        --branch_depth;
    }
    scope.set_branch(branch_depth > 0 ? command.line : 0);
    size_t i = 0;
    while (i < command.words.size() &&
           kPrefixes.contains(command.words[i].segments.empty()
                                  ? std::string()
                                  : command.words[i].segments[0].text) &&
           command.words[i].segments.size() == 1)
      ++i;
    std::vector<std::string> ignored;
    // declare/export/local NAME=value...: assignments (options such as -a are skipped).
    if (i < command.words.size() && command.words[i].segments.size() == 1 &&
        kDeclarations.contains(command.words[i].segments[0].text)) {
      bool exporting = command.words[i].segments[0].text == "export";
      for (size_t j = i + 1; j < command.words.size(); ++j) {
        if (!assignment_target(command.words[j])) continue;
        std::string name = apply_assignment(scope, command.words[j], ignored);
        if (exporting) exported[name] = scope.get(name)->empty() ? "" : scope.get(name)->front();
      }
      continue;
    }
    // NAME=value... [command]: assignments, or the environment of the command.
    std::map<std::string, std::string> prefix_environment;
    size_t first = i;
    while (i < command.words.size() && assignment_target(command.words[i])) ++i;
    if (i == command.words.size()) {
      for (size_t j = first; j < i; ++j) apply_assignment(scope, command.words[j], ignored);
      continue;
    }
    QemuInvocation invocation;
    invocation.line = command.line;
    for (size_t j = first; j < i; ++j) {
      Scope local = scope;
      std::string name = apply_assignment(local, command.words[j], invocation.unresolved);
      prefix_environment[name] = local.get(name)->empty() ? "" : local.get(name)->front();
    }
    std::vector<std::string> words;
    std::vector<std::string> unresolved;
    for (size_t j = i; j < command.words.size(); ++j) {
      auto expanded = scope.expand(command.words[j], unresolved);
      words.insert(words.end(), expanded.begin(), expanded.end());
    }
    std::vector<std::string> wrappers;
    size_t program = find_program(words, wrappers);
    if (program >= words.size()) continue;
    invocation.program = words[program];
    invocation.argv.assign(words.begin() + static_cast<long>(program) + 1, words.end());
    invocation.environment = exported;
    for (const auto& [name, value] : prefix_environment) invocation.environment[name] = value;
    for (const auto& wrapper : wrappers)
      invocation.unresolved.push_back(fmt::format("'{}' runs QEMU under another program", wrapper));
    for (const auto& problem : unresolved)
      if (std::find(invocation.unresolved.begin(), invocation.unresolved.end(), problem) ==
          invocation.unresolved.end())
        invocation.unresolved.push_back(problem);
    found.push_back(std::move(invocation));
  }
  return found;
}

}  // namespace vfg
