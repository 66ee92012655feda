#include "setup/kernel_params.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace vfg {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string normalized_key(std::string_view key) {
  std::string out(key);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

struct Word {
  size_t begin;
  size_t end;
};

// Words of a command line; the kernel lets a double-quoted value hold spaces.
std::vector<Word> words_of(std::string_view text) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size()) break;
    size_t begin = i;
    bool quoted = false;
    while (i < text.size() && (quoted || !is_space(text[i]))) {
      if (text[i] == '"') quoted = !quoted;
      ++i;
    }
    words.push_back({begin, i});
  }
  return words;
}

bool has_key(std::string_view cmdline, const KernelParam& param) {
  std::string key = normalized_key(param.key);
  for (const auto& word : words_of(cmdline))
    if (normalized_key(parse_kernel_param(cmdline.substr(word.begin, word.end - word.begin)).key) ==
        key)
      return true;
  return false;
}

struct Line {
  size_t begin;  // first character
  size_t end;    // the newline, or the end of the text
};

std::vector<Line> lines_of(std::string_view text) {
  std::vector<Line> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back({begin, end});
    begin = end + 1;
  }
  return lines;
}

// Matches `key` followed by one of `separators` (after optional blanks) at the start of
// a line; returns where the value starts.
std::optional<size_t> value_start(std::string_view line, std::string_view key,
                                  std::string_view separators) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (line.substr(i, key.size()) != key) return std::nullopt;
  i += key.size();
  size_t after_key = i;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (separators.empty()) {
    // Whitespace-separated ("options quiet"): need at least one blank or the end.
    if (i == after_key && i < line.size()) return std::nullopt;
    return i;
  }
  if (i >= line.size() || separators.find(line[i]) == std::string_view::npos) return std::nullopt;
  ++i;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i;
}

// Applies `params` to the value of every line matched by `match`; when
// `append_missing_to_last` is set (one entry spread over several lines),
// params no line has are appended to the last matched line only.
template <typename Match>
std::string edit_lines(std::string_view text, const std::vector<KernelParam>& wanted, Match match,
                       bool append_missing_to_last, const std::vector<std::string>& drop) {
  struct Hit {
    Line line;
    size_t value;
  };
  std::vector<Hit> hits;
  for (const auto& line : lines_of(text))
    if (auto start = match(text.substr(line.begin, line.end - line.begin)))
      hits.push_back({line, line.begin + *start});
  std::string out;
  size_t copied = 0;
  for (size_t h = 0; h < hits.size(); ++h) {
    std::string_view value = text.substr(hits[h].value, hits[h].line.end - hits[h].value);
    std::vector<KernelParam> apply;
    for (const auto& param : wanted) {
      bool here = has_key(value, param);
      bool nowhere = std::none_of(hits.begin(), hits.end(), [&](const Hit& other) {
        return has_key(text.substr(other.value, other.line.end - other.value), param);
      });
      if (here || !append_missing_to_last || (nowhere && h + 1 == hits.size()))
        apply.push_back(param);
    }
    out.append(text.substr(copied, hits[h].value - copied));
    std::string edited = set_params(value, apply, drop);
    // A bare key ("options" or "cmdline:" alone on its line) has its value
    // right after it: "optionsiommu=pt" would be no options line at all.
    char before = hits[h].value > 0 ? text[hits[h].value - 1] : ' ';
    if (value.empty() && !edited.empty() &&
        (std::isalnum(static_cast<unsigned char>(before)) || before == '_' || before == ':'))
      out += ' ';
    out += edited;
    copied = hits[h].line.end;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace

std::string KernelParam::text() const { return value.empty() ? key : key + "=" + value; }

KernelParam parse_kernel_param(std::string_view word) {
  auto eq = word.find('=');
  if (eq == std::string_view::npos) return {std::string(word), {}};
  return {std::string(word.substr(0, eq)), std::string(word.substr(eq + 1))};
}

std::vector<KernelParam> missing_params(std::string_view cmdline,
                                        const std::vector<KernelParam>& wanted) {
  std::vector<KernelParam> missing;
  auto words = words_of(cmdline);
  for (const auto& param : wanted) {
    bool found = std::any_of(words.begin(), words.end(), [&](const Word& word) {
      KernelParam have = parse_kernel_param(cmdline.substr(word.begin, word.end - word.begin));
      return normalized_key(have.key) == normalized_key(param.key) && have.value == param.value;
    });
    if (!found) missing.push_back(param);
  }
  return missing;
}

std::vector<std::string> find_params(std::string_view cmdline,
                                     const std::vector<std::string>& keys) {
  std::vector<std::string> found;
  for (const auto& word : words_of(cmdline)) {
    std::string_view text = cmdline.substr(word.begin, word.end - word.begin);
    std::string key = normalized_key(parse_kernel_param(text).key);
    if (std::any_of(keys.begin(), keys.end(),
                    [&](const std::string& k) { return normalized_key(k) == key; }))
      found.emplace_back(text);
  }
  return found;
}

std::string set_params(std::string_view cmdline, const std::vector<KernelParam>& wanted,
                       const std::vector<std::string>& drop) {
  std::string out(cmdline);
  // Replace from the back so earlier offsets stay valid.
  auto words = words_of(cmdline);
  std::vector<bool> placed(wanted.size(), false);
  for (auto it = words.rbegin(); it != words.rend(); ++it) {
    std::string_view word = cmdline.substr(it->begin, it->end - it->begin);
    std::string key = normalized_key(parse_kernel_param(word).key);
    if (std::any_of(drop.begin(), drop.end(),
                    [&](const std::string& d) { return normalized_key(d) == key; })) {
      // The word and the blanks before it (or after it, for the first word).
      size_t begin = it->begin;
      size_t end = it->end;
      while (begin > 0 && (cmdline[begin - 1] == ' ' || cmdline[begin - 1] == '\t')) --begin;
      if (begin == 0)
        while (end < cmdline.size() && (cmdline[end] == ' ' || cmdline[end] == '\t')) ++end;
      out.erase(begin, end - begin);
      continue;
    }
    for (size_t p = 0; p < wanted.size(); ++p) {
      if (normalized_key(wanted[p].key) != key) continue;
      out.replace(it->begin, it->end - it->begin, wanted[p].text());
      placed[p] = true;
      break;
    }
  }
  std::string append;
  for (size_t p = 0; p < wanted.size(); ++p)
    if (!placed[p]) {
      if (!append.empty()) append += ' ';
      append += wanted[p].text();
    }
  if (append.empty()) return out;
  size_t content_end = out.size();
  while (content_end > 0 && is_space(out[content_end - 1])) --content_end;
  if (content_end == 0) return append + out;
  out.insert(content_end, " " + append);
  return out;
}

namespace {

// Where the value of every active assignment `variable=` (or `variable+=`) starts,
// in file order.
std::vector<size_t> shell_assignments(std::string_view file, std::string_view variable) {
  std::vector<size_t> starts;
  for (const auto& line : lines_of(file)) {
    std::string_view text = file.substr(line.begin, line.end - line.begin);
    size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (text.substr(i, 7) == "export ") i += 7;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (text.substr(i, variable.size()) != variable) continue;
    // `=` or bash's `+=` (limine-entry-tool's KERNEL_CMDLINE[default]+="...").
    std::string_view op = text.substr(i + variable.size(), 2);
    if (op.starts_with("="))
      starts.push_back(line.begin + i + variable.size() + 1);
    else if (op == "+=")
      starts.push_back(line.begin + i + variable.size() + 2);
  }
  return starts;
}

// Rewrites the value starting at `start` in `out` (a copy of `file`) with `edit`,
// keeping its quote style; a bare value gets double quotes.
template <typename Edit>
Status edit_shell_value(std::string_view file, size_t start, std::string_view variable, Edit edit,
                        std::string& out) {
  char quote = start < file.size() ? file[start] : '\0';
  if (quote == '"' || quote == '\'') {
    size_t close = start + 1;
    while (close < file.size() && file[close] != quote) {
      if (quote == '"' && file[close] == '\\') ++close;  // skip the escaped character
      ++close;
    }
    if (close >= file.size())
      return fail("the value of {} has no closing {} quote", variable, quote);
    std::string_view inner = file.substr(start + 1, close - start - 1);
    out.replace(start + 1, inner.size(), edit(inner));
    return ok();
  }
  size_t end = start;
  while (end < file.size() && !is_space(file[end]) && file[end] != ';' && file[end] != '#') ++end;
  std::string_view bare = file.substr(start, end - start);
  if (bare.find_first_of("\"'\\`") != std::string_view::npos)
    return fail("cannot edit {}: its value mixes quoting styles; quote it with \"...\"", variable);
  out.replace(start, bare.size(), fmt::format("\"{}\"", edit(bare)));
  return ok();
}

}  // namespace

bool assigns_shell_var(std::string_view file, std::string_view variable) {
  return !shell_assignments(file, variable).empty();
}

Result<std::string> edit_shell_cmdline_var(std::string_view file, std::string_view variable,
                                           const std::vector<KernelParam>& wanted,
                                           const std::vector<std::string>& drop) {
  // Params are set in the last active assignment (the one the shell ends up with);
  // dropped ones leave every assignment.
  auto starts = shell_assignments(file, variable);
  std::string out(file);
  if (starts.empty()) {
    if (wanted.empty()) return out;
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + fmt::format("{}=\"{}\"\n", variable, set_params("", wanted));
  }
  // From the back, so earlier offsets stay valid.
  for (size_t i = starts.size(); i-- > 0;) {
    bool last = i + 1 == starts.size();
    auto edit = [&](std::string_view value) {
      return set_params(value, last ? wanted : std::vector<KernelParam>{}, drop);
    };
    if (auto edited = edit_shell_value(file, starts[i], variable, edit, out); !edited)
      return tl::unexpected(edited.error());
  }
  return out;
}

std::string edit_loader_entry(std::string_view entry, const std::vector<KernelParam>& wanted,
                              const std::vector<std::string>& drop) {
  auto match = [](std::string_view line) { return value_start(line, "options", ""); };
  bool has_options = false;
  for (const auto& line : lines_of(entry))
    if (match(entry.substr(line.begin, line.end - line.begin))) has_options = true;
  if (!has_options) {
    std::string out(entry);
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + "options " + set_params("", wanted) + "\n";
  }
  return edit_lines(entry, wanted, match, /*append_missing_to_last=*/true, drop);
}

std::string loader_entry_options(std::string_view entry) {
  std::vector<std::string> parts;
  for (const auto& line : lines_of(entry)) {
    std::string_view text = entry.substr(line.begin, line.end - line.begin);
    if (auto start = value_start(text, "options", ""))
      parts.emplace_back(trim(text.substr(*start)));
  }
  return join(parts, " ");
}

std::string edit_limine_config(std::string_view config, const std::vector<KernelParam>& wanted,
                               const std::vector<std::string>& drop) {
  auto match = [](std::string_view line) -> std::optional<size_t> {
    for (std::string_view key : {"cmdline", "kernel_cmdline"})
      if (auto start = value_start(line, key, ":")) return start;
    for (std::string_view key : {"CMDLINE", "KERNEL_CMDLINE"})
      if (auto start = value_start(line, key, "=")) return start;
    return std::nullopt;
  };
  return edit_lines(config, wanted, match, /*append_missing_to_last=*/false, drop);
}

}  // namespace vfg
