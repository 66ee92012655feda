// The variables of a script read without running it: literal assignments
// (VAR=..., arrays VAR=(...), VAR+=..., export/local/declare) remembered in
// script order, and the words of a command expanded with them. What only
// running the script would give (command substitutions, variables it never
// sets, values assigned in a branch) is reported, never guessed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "import/shell_lexer.h"

namespace vfg {

/// What the script's environment is taken to be ($HOME, $XDG_RUNTIME_DIR, $USER).
using ShellEnvironment = std::map<std::string, std::string>;

/// Variables known so far, in script order. A scalar is a one-element array.
class ShellVariables {
 public:
  explicit ShellVariables(const ShellEnvironment& environment) {
    for (const auto& [name, value] : environment) values_[name] = {value};
  }

  /// The words `word` expands to; what could not be resolved goes to `unresolved`.
  std::vector<std::string> expand(const ShellWord& word,
                                  std::vector<std::string>& unresolved) const;

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

/// "NAME=" or "NAME+=" at the start of a word: the name and whether it appends.
std::optional<std::pair<std::string, bool>> shell_assignment_target(const ShellWord& word);

/// Applies `word`, an assignment, to `variables`; returns the name assigned.
std::string apply_shell_assignment(ShellVariables& variables, const ShellWord& word,
                                   std::vector<std::string>& unresolved);

}  // namespace vfg
