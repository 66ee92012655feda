#include "cli/single_gpu_service.h"

#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "host/trusted_path.h"
#include "run/single_gpu.h"

namespace vfg::cli {

namespace {

struct SingleGpuServiceOptions {
  std::string op;
  std::string instance;
};

int run_single_gpu_service(const SingleGpuServiceOptions& options) {
  if (::geteuid() != 0)
    return report_failure(Error{"single-gpu-service runs as root, started by systemd"},
                          "use `vfg start` for a VM with [single_gpu] enabled = true");
  auto run = parse_single_gpu_run(options.instance);
  if (!run) return report_failure(run.error());
  if (options.op == "restore") return restore_single_gpu_run(*run);
  if (options.op != "run")
    return report_failure(Error{fmt::format("unknown operation '{}'", options.op)},
                          "use run or restore");
  // The VM runs with the vfg that systemd started, never one found on $PATH.
  auto self = own_executable();
  if (!self) return report_failure(Error{"cannot tell where this vfg is"});
  return serve_single_gpu_run(*run, *self);
}

}  // namespace

void add_single_gpu_service_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<SingleGpuServiceOptions>();
  CLI::App* command = app.add_subcommand(
      "single-gpu-service",
      "Run a VM on the host's only GPU and bring the desktop back (systemd runs it)");
  command->group("");
  command->add_option("OPERATION", options->op, "run or restore")->required();
  command->add_option("RUN", options->instance, "USER:VM")->required();
  command->callback([&context, options] { context.exit_code = run_single_gpu_service(*options); });
}

}  // namespace vfg::cli
