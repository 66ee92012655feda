#include "setup/initramfs_edit.h"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.h"

namespace vfg {

namespace {

std::string module_name(std::string_view word) {
  std::string out(word);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

struct Token {
  size_t begin;
  size_t end;
  std::string value;  // unquoted
};

struct ShellArray {
  size_t open;   // index just after '('
  size_t close;  // index of ')'
  std::vector<Token> tokens;
};

// Finds the last active `NAME=(` at the start of a line and parses its words the
// way bash does for an array literal: blanks and newlines separate, quotes group,
// '#' at the start of a word comments out the rest of the line.
Result<std::optional<ShellArray>> find_array(std::string_view text, std::string_view name) {
  std::optional<size_t> open;
  size_t line_begin = 0;
  while (line_begin <= text.size()) {
    size_t line_end = text.find('\n', line_begin);
    if (line_end == std::string_view::npos) line_end = text.size();
    size_t i = line_begin;
    while (i < line_end && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::string prefix = std::string(name) + "=(";
    if (text.substr(i, prefix.size()) == prefix) open = i + prefix.size();
    if (line_end == text.size()) break;
    line_begin = line_end + 1;
  }
  if (!open) return std::nullopt;
  ShellArray array{*open, 0, {}};
  size_t i = *open;
  while (i < text.size()) {
    char c = text[i];
    if (c == ')') {
      array.close = i;
      return array;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    Token token{i, i, {}};
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
           text[i] != ')') {
      if (text[i] == '"' || text[i] == '\'') {
        char quote = text[i++];
        while (i < text.size() && text[i] != quote) token.value += text[i++];
        if (i >= text.size()) return fail("{}=( has an unterminated quote", name);
        ++i;
      } else {
        token.value += text[i++];
      }
    }
    token.end = i;
    array.tokens.push_back(std::move(token));
  }
  return fail("{}=( is never closed with ')'", name);
}

// Removes a token and the blanks after it; a token alone on its line takes its line along.
void erase_token(std::string& text, const Token& token) {
  size_t begin = token.begin;
  size_t end = token.end;
  size_t line_start = begin;
  while (line_start > 0 && (text[line_start - 1] == ' ' || text[line_start - 1] == '\t'))
    --line_start;
  while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
  if ((line_start == 0 || text[line_start - 1] == '\n') && end < text.size() && text[end] == '\n')
    text.erase(line_start, end + 1 - line_start);
  else
    text.erase(begin, end - begin);
}

}  // namespace

Result<std::string> edit_mkinitcpio_conf(std::string_view conf,
                                         const std::vector<std::string>& modules) {
  std::string out(conf);
  auto modules_array = find_array(out, "MODULES");
  if (!modules_array) return fail(modules_array.error(), "mkinitcpio.conf");
  if (!*modules_array) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "MODULES=(" + join(modules, " ") + ")\n";
  } else {
    const ShellArray& array = **modules_array;
    bool already_first = array.tokens.size() >= modules.size();
    for (size_t i = 0; already_first && i < modules.size(); ++i)
      already_first = module_name(array.tokens[i].value) == module_name(modules[i]);
    if (!already_first) {
      for (auto it = array.tokens.rbegin(); it != array.tokens.rend(); ++it)
        if (std::any_of(modules.begin(), modules.end(), [&](const std::string& m) {
              return module_name(m) == module_name(it->value);
            }))
          erase_token(out, *it);
      char next = array.open < out.size() ? out[array.open] : ')';
      std::string insert = join(modules, " ");
      if (next != ')' && next != '\n' && next != ' ' && next != '\t') insert += ' ';
      out.insert(array.open, insert);
    }
  }

  auto hooks_array = find_array(out, "HOOKS");
  if (!hooks_array) return fail(hooks_array.error(), "mkinitcpio.conf");
  if (*hooks_array) {
    const ShellArray& array = **hooks_array;
    auto has = [&](std::string_view hook) {
      return std::any_of(array.tokens.begin(), array.tokens.end(),
                         [&](const Token& t) { return t.value == hook; });
    };
    if (!has("modconf")) {
      // modconf belongs after autodetect (the stock order); fall back to the
      // earliest hook that must precede it.
      std::optional<size_t> after;
      for (std::string_view anchor : {"microcode", "autodetect", "systemd", "udev", "base"}) {
        for (const auto& token : array.tokens)
          if (token.value == anchor) after = token.end;
        if (after) break;
      }
      if (after)
        out.insert(*after, " modconf");
      else
        out.insert(array.open, array.tokens.empty() ? "modconf" : "modconf ");
    }
  }
  return out;
}

std::string edit_initramfs_tools_modules(std::string_view file,
                                         const std::vector<std::string>& modules) {
  std::vector<std::string> listed;
  for (const auto& line : split(file, '\n')) {
    auto words = split_whitespace(line);
    if (!words.empty() && words[0][0] != '#') listed.push_back(module_name(words[0]));
  }
  std::vector<std::string> missing;
  for (const auto& module : modules)
    if (std::find(listed.begin(), listed.end(), module_name(module)) == listed.end())
      missing.push_back(module);
  std::string out(file);
  if (missing.empty()) return out;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += "# vfio-pci claims passthrough devices before their usual drivers (vfg setup)\n";
  for (const auto& module : missing) out += module + "\n";
  return out;
}

std::string edit_booster_yaml(std::string_view yaml, const std::vector<std::string>& modules) {
  std::string out(yaml);
  const std::string key = "modules_force_load:";
  size_t line_begin = 0;
  while (line_begin < out.size()) {
    size_t line_end = out.find('\n', line_begin);
    if (line_end == std::string::npos) line_end = out.size();
    if (out.compare(line_begin, key.size(), key) == 0) {
      size_t value_begin = line_begin + key.size();
      std::string value(trim(std::string_view(out).substr(value_begin, line_end - value_begin)));
      std::vector<std::string> have;
      for (const auto& item : split(value, ','))
        if (!trim(item).empty()) have.emplace_back(trim(item));
      std::vector<std::string> merged;
      for (const auto& module : modules) merged.push_back(module);
      for (const auto& item : have)
        if (std::none_of(modules.begin(), modules.end(),
                         [&](const std::string& m) { return module_name(m) == module_name(item); }))
          merged.push_back(item);
      std::vector<std::string> normalized_have;
      for (const auto& item : have) normalized_have.push_back(module_name(item));
      std::vector<std::string> normalized_merged;
      for (const auto& item : merged) normalized_merged.push_back(module_name(item));
      if (normalized_have == normalized_merged) return out;
      out.replace(value_begin, line_end - value_begin, fmt::format(" {}", join(merged, ",")));
      return out;
    }
    line_begin = line_end + 1;
  }
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + key + " " + join(modules, ",") + "\n";
}

std::string dracut_force_drivers_conf(const std::vector<std::string>& modules) {
  return "# Written by vfg setup: load vfio-pci before any GPU driver so it claims the\n"
         "# passthrough devices (see /etc/modprobe.d/vfg-vfio.conf).\n"
         "force_drivers+=\" " +
         join(modules, " ") + " \"\n";
}

}  // namespace vfg
