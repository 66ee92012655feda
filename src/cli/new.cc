#include "cli/new.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "cli/vm_target.h"
#include "util/file_io.h"
#include "util/unique_fd.h"
#include "vm/starter_config.h"

namespace vfg::cli {

namespace {

struct NewOptions {
  std::string name;
  std::string os = "windows";
  bool json = false;
};

/// Creates `path` with `contents`, failing if it exists (O_EXCL: no race with another writer).
Status create_new_file(const std::filesystem::path& path, const std::string& contents) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd) {
    if (errno == EEXIST) return fail("'{}' already exists", path.string());
    return fail("cannot create '{}': {}", path.string(), std::strerror(errno));
  }
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("writing '{}': {}", path.string(), std::strerror(errno));
    written += static_cast<size_t>(n);
  }
  return ok();
}

int run_new(const NewOptions& options) {
  auto target = vm_target(options.name);
  if (!target) return report_failure(target.error());
  StarterOptions starter;
  starter.os = options.os == "linux"   ? GuestOs::kLinux
               : options.os == "other" ? GuestOs::kOther
                                       : GuestOs::kWindows;
  const auto& file = target->paths.config_file;
  if (auto made = make_directories(file.parent_path(), 0700); !made) {
    return report_failure(made.error());
  }
  if (auto created = create_new_file(file, starter_definition(options.name, starter)); !created) {
    return report_failure(created.error(), fmt::format("edit it, or remove it to start over; "
                                                       "'vfg new' never overwrites a definition"));
  }
  if (options.json) {
    fmt::print("{}\n", nlohmann::json{{"name", options.name}, {"file", file.string()}}.dump(2));
  } else {
    fmt::print("wrote {}\nedit it, then check it with 'vfg args {}'\n", file.string(),
               options.name);
  }
  return 0;
}

}  // namespace

void add_new_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<NewOptions>();
  CLI::App* command = app.add_subcommand("new", "Write a commented starter definition for a VM");
  command->add_option("NAME", options->name, "The VM's name")->required();
  command->add_option("--os", options->os, "The guest: windows (default), linux or other")
      ->check(CLI::IsMember({"windows", "linux", "other"}));
  command->add_flag("--json", options->json, "Print the file written as JSON");
  command->callback([&context, options] { context.exit_code = run_new(*options); });
}

}  // namespace vfg::cli
