#include "cli/snapshot.h"

#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "host/snapshot.h"
#include "util/diagnostics.h"

namespace vfg::cli {

namespace {

struct SnapshotCommandOptions {
  std::string file = "vfg-snapshot.tar.gz";
  bool keep_serials = false;
};

int run_snapshot(const Context& context, const SnapshotCommandOptions& options) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  SnapshotOptions snapshot;
  snapshot.keep_serials = options.keep_serials;
  auto written = write_snapshot(*root, options.file, snapshot);
  if (!written)
    return report_failure(written.error().with_context("writing the snapshot"),
                          "check that the directory of FILE is writable and tar is installed");
  fmt::print("wrote {} ({} files and links{})\n", options.file, *written,
             options.keep_serials ? "" : "; serial numbers and MAC addresses replaced");
  fmt::print("read it back with: vfg --root {} devices\n", options.file);
  return 0;
}

}  // namespace

void add_snapshot_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<SnapshotCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "snapshot", "Save what vfg reads from this host (sysfs, /proc, /dev links) as a .tar.gz");
  command->add_option("FILE", options->file, "Where to write it")->capture_default_str();
  command->add_flag("--keep-serials", options->keep_serials,
                    "Keep serial numbers, WWNs and MAC addresses (replaced by default)");
  command->footer("Attach the file to a bug report; 'vfg --root FILE devices' reads it back.");
  command->callback([&context, options] { context.exit_code = run_snapshot(context, *options); });
}

}  // namespace vfg::cli
