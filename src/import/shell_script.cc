#include "import/shell_script.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "import/shell_lexer.h"
#include "util/strings.h"

namespace vfg {

namespace {

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
  ShellVariables scope(environment);
  std::map<std::string, std::string> exported;
  int branch_depth = 0;  // inside if/case/while/for: assignments there may not run
  for (const ShellCommand& command : split_shell_commands(script)) {
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
        if (!shell_assignment_target(command.words[j])) continue;
        std::string name = apply_shell_assignment(scope, command.words[j], ignored);
        if (exporting) exported[name] = scope.get(name)->empty() ? "" : scope.get(name)->front();
      }
      continue;
    }
    // NAME=value... [command]: assignments, or the environment of the command.
    std::map<std::string, std::string> prefix_environment;
    size_t first = i;
    while (i < command.words.size() && shell_assignment_target(command.words[i])) ++i;
    if (i == command.words.size()) {
      for (size_t j = first; j < i; ++j) apply_shell_assignment(scope, command.words[j], ignored);
      continue;
    }
    QemuInvocation invocation;
    invocation.line = command.line;
    for (size_t j = first; j < i; ++j) {
      ShellVariables local = scope;
      std::string name = apply_shell_assignment(local, command.words[j], invocation.unresolved);
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
