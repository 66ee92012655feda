#include "import/shell_variables.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

namespace {

/// Integer arithmetic over + - * / % and parentheses (what -smp $((CORES*THREADS)) needs).
class Arithmetic {
 public:
  Arithmetic(std::string_view text, const ShellVariables& scope) : text_(text), scope_(scope) {}
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
    while (pos_ < text_.size() && is_shell_name_char(text_[pos_])) ++pos_;
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
  const ShellVariables& scope_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<std::string> ShellVariables::expand(const ShellWord& word,
                                                std::vector<std::string>& unresolved) const {
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
    if (segment.kind == ShellSegment::Kind::kLiteral) {
      fields.back() += segment.text;
      any = true;
      continue;
    }
    if (segment.kind == ShellSegment::Kind::kUnresolved) {
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
      values = {fmt::format("${}", segment.text)};
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

std::optional<std::string> ShellVariables::evaluate(const std::string& raw) const {
  if (raw.starts_with("$((") && raw.ends_with("))")) {
    auto value = Arithmetic(std::string_view(raw).substr(3, raw.size() - 5), *this).run();
    if (!value) return std::nullopt;
    return std::to_string(*value);
  }
  if (!raw.starts_with("$(") || !raw.ends_with(")")) return std::nullopt;
  ShellVariables inner = *this;
  std::string output;
  std::vector<std::string> problems;
  for (const ShellCommand& command :
       split_shell_commands(std::string_view(raw).substr(2, raw.size() - 3))) {
    bool assignments_only = true;
    for (const auto& word : command.words)
      assignments_only = assignments_only && shell_assignment_target(word).has_value();
    if (assignments_only) {
      for (const auto& word : command.words) apply_shell_assignment(inner, word, problems);
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

std::optional<std::pair<std::string, bool>> shell_assignment_target(const ShellWord& word) {
  if (word.segments.empty() || word.segments[0].kind != ShellSegment::Kind::kLiteral ||
      word.segments[0].quoted)
    return std::nullopt;
  const std::string& text = word.segments[0].text;
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return std::nullopt;
  bool append = text[eq - 1] == '+';
  std::string name = text.substr(0, append ? eq - 1 : eq);
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0 ||
      !std::all_of(name.begin(), name.end(), is_shell_name_char))
    return std::nullopt;
  return std::pair{name, append};
}

std::string apply_shell_assignment(ShellVariables& scope, const ShellWord& word,
                                   std::vector<std::string>& unresolved) {
  auto target = shell_assignment_target(word);
  ShellWord value = word;
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
        std::any_of(value.segments.begin(), value.segments.end(), [&](const ShellSegment& segment) {
          return segment.kind == ShellSegment::Kind::kVariable && segment.text == target->first;
        });
    if (refers_to_itself && scope.get(target->first) == nullptr)
      scope.assign(target->first, {""}, false);
    // No field splitting in an assignment: the value is one string.
    std::vector<std::string> scratch;
    ShellWord quoted = value;
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

}  // namespace vfg
