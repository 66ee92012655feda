#include "cli/edit.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/vm_target.h"
#include "util/diagnostics.h"
#include "util/file_io.h"
#include "util/process.h"
#include "util/strings.h"
#include "vm/config_loader.h"

namespace vfg::cli {

namespace fs = std::filesystem;

namespace {

/// The editor's command line: $VISUAL, else $EDITOR, split into words (no
/// shell), else the system's `editor`, else vi. `vfg edit` always runs on a
/// terminal the user sits at, which is what $VISUAL names the editor for.
std::vector<std::string> editor_command() {
  for (const char* variable : {"VISUAL", "EDITOR"}) {
    const char* editor = std::getenv(variable);
    if (editor != nullptr && !trim(editor).empty()) return split_whitespace(editor);
  }
  if (find_program("editor")) return {"editor"};
  return {"vi"};
}

Status run_editor(const fs::path& file) {
  SpawnOptions options;
  options.argv = editor_command();
  options.argv.push_back(file.string());
  options.stdin_mode = Stdio::kInherit;
  options.stdout_mode = Stdio::kInherit;
  options.stderr_mode = Stdio::kInherit;
  auto child = spawn(options);
  if (!child) return fail(child.error(), "cannot start the editor (set $VISUAL or $EDITOR)");
  auto status = child->wait();
  if (!status) return tl::unexpected(status.error());
  if (!status->success()) return fail("the editor {}", status->describe());
  return ok();
}

/// Asks on the terminal; false (abort) when stdin is not one.
bool ask_to_retry() {
  if (::isatty(STDIN_FILENO) == 0) return false;
  fmt::print(stderr, "edit again? [Y/n] ");
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  answer = std::string(trim(answer));
  return answer.empty() || answer == "y" || answer == "Y" || answer == "yes";
}

/// A private directory for the copy, named so the editor sees NAME.toml.
Result<fs::path> make_edit_copy(const VmPaths& paths, const std::string& contents) {
  std::string pattern = (fs::temp_directory_path() / "vfg-edit-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return fail("cannot create a directory for the copy: {}", std::strerror(errno));
  fs::path copy = fs::path(pattern) / (paths.name + ".toml");
  if (auto written = write_file_atomic(copy, contents, 0600); !written)
    return tl::unexpected(written.error());
  return copy;
}

void remove_edit_copy(const fs::path& copy) {
  std::error_code ignored;
  fs::remove_all(copy.parent_path(), ignored);
}

int run_edit(const std::string& name) {
  auto target = vm_target(name);
  if (!target) return report_failure(target.error());
  const fs::path& file = target->paths.config_file;
  std::error_code error;
  if (!fs::exists(file, error)) {
    return report_failure(Error{fmt::format("no VM named '{}' (no {})", name, file.string())},
                          missing_definition_hint(*target));
  }
  auto original = read_file(file);
  if (!original) return report_failure(original.error());
  auto copy = make_edit_copy(target->paths, *original);
  if (!copy) return report_failure(copy.error());

  while (true) {
    if (auto edited = run_editor(*copy); !edited) {
      remove_edit_copy(*copy);
      return report_failure(edited.error(), fmt::format("{} is unchanged", file.string()));
    }
    auto text = read_file(*copy);
    if (!text) return report_failure(text.error());
    if (*text == *original) {
      remove_edit_copy(*copy);
      fmt::print("no changes; {} is unchanged\n", file.string());
      return 0;
    }
    // The same file label and lines as the definition: the copy is the definition.
    ConfigParse parsed = parse_vm_config(*text, file.string(), name);
    if (!parsed.diagnostics.has_errors()) {
      // Someone else changed it meanwhile: do not throw their change away.
      if (read_file(file).value_or("") != *original) {
        return report_failure(
            Error{fmt::format("{} changed while it was being edited", file.string())},
            fmt::format("your version is kept in {}; merge the two by hand", copy->string()));
      }
      struct stat info {};
      mode_t mode = ::stat(file.c_str(), &info) == 0 ? (info.st_mode & 07777) : 0644;
      if (auto written = write_file_atomic(file, *text, mode); !written)
        return report_failure(written.error(),
                              fmt::format("your version is kept in {}", copy->string()));
      std::string warnings = parsed.diagnostics.render();
      if (!trim(warnings).empty()) fmt::print(stderr, "{}", warnings);
      remove_edit_copy(*copy);
      fmt::print("updated {}; it takes effect at the next 'vfg start {}'\n", file.string(), name);
      return 0;
    }
    report(Severity::kError, fmt::format("the edited definition has {} error{}:\n{}",
                                         parsed.diagnostics.error_count(),
                                         parsed.diagnostics.error_count() == 1 ? "" : "s",
                                         trim(parsed.diagnostics.render())));
    if (!ask_to_retry()) {
      fmt::print(stderr, "{} is unchanged; your edited copy is kept in {}\n", file.string(),
                 copy->string());
      return 1;
    }
  }
}

}  // namespace

void add_edit_command(CLI::App& app, Context& context) {
  auto name = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand(
      "edit", "Edit a VM definition in $EDITOR; it is replaced only when it validates");
  command->add_option("NAME", *name, "The VM ($XDG_CONFIG_HOME/vfg/NAME.toml)")->required();
  command->callback([&context, name] { context.exit_code = run_edit(*name); });
}

}  // namespace vfg::cli
