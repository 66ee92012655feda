#include "cli/setup.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include "cli/setup_render.h"
#include "cli/validators.h"
#include "setup/applier.h"
#include "setup/gather.h"
#include "setup/planner.h"
#include "util/diagnostics.h"
#include "util/xdg.h"
#include "vm/config_loader.h"
#include "vm/vm_paths.h"

namespace vfg::cli {

namespace {

struct SetupOptions {
  std::vector<std::string> vms;
  std::vector<std::string> gpus;
  std::string user;
  std::string group = "kvm";
  std::string msrs = "ignore";
  bool memlock_unlimited = false;
  bool apply = false;
  bool undo = false;
  bool status = false;
  bool dry_run = false;
  bool force = false;
  bool json = false;
};

// A VM argument is a definition file ("./win11.toml") or a name looked up in the
// config directory of the user who ran sudo (root's own would be the wrong one).
Result<std::filesystem::path> definition_path(const std::string& vm) {
  if (vm.find('/') != std::string::npos || vm.ends_with(".toml")) return vm;
  if (auto valid = validate_vm_name(vm); !valid) return tl::unexpected(valid.error());
  const char* sudo_user = std::getenv("SUDO_USER");
  if (sudo_user && !std::getenv("XDG_CONFIG_HOME"))
    if (const struct passwd* pw = ::getpwnam(sudo_user))
      return std::filesystem::path(pw->pw_dir) / ".config/vfg" / (vm + ".toml");
  auto dirs = XdgDirs::from_environment();
  if (!dirs) return tl::unexpected(dirs.error());
  return dirs->config / (vm + ".toml");
}

void say(const std::string& line) { fmt::print("{}\n", line); }

void print_not_run(const std::vector<std::vector<std::string>>& commands, const HostRoot& root) {
  if (commands.empty()) return;
  fmt::print(
      "The target {} is not this running system, so these commands were not run; run them on "
      "that system:\n",
      root.prefix().string());
  for (const auto& argv : commands) fmt::print("  {}\n", command_line(argv));
}

int run_undo(const HostRoot& root, const SetupOptions& options) {
  TreeFileWriter tree(root);
  DryRunFileWriter dry(tree);
  FileWriter& writer = options.dry_run ? static_cast<FileWriter&>(dry) : tree;
  ProcessCommandRunner runner;
  ApplyOptions apply_options{root.is_live() && !options.dry_run ? &runner : nullptr, say};
  auto outcome = undo_setup(writer, apply_options, options.force);
  if (!outcome) return report_failure(outcome.error());
  for (const auto& action : dry.actions()) fmt::print("  would {}\n", action);
  if (outcome->nothing_to_undo) {
    fmt::print("Nothing to undo: setup has not changed this host.\n");
    return 0;
  }
  fmt::print("{}: {} file(s) restored, {} removed.\n", options.dry_run ? "Dry run" : "Undone",
             outcome->files_restored, outcome->files_removed);
  if (!root.is_live()) print_not_run(outcome->not_run, root);
  return 0;
}

int run_setup(const Context& context, const SetupOptions& options) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  bool live = root->is_live();
  if ((options.apply || options.undo) && live && !options.dry_run && ::geteuid() != 0)
    return report_failure(Error{"changing host files needs root"},
                          fmt::format("run it with sudo (your user is kept from SUDO_USER): "
                                      "sudo vfg setup {}",
                                      options.undo ? "--undo" : "--apply ..."));
  if (options.undo) return run_undo(*root, options);

  SetupArgs args;
  args.gpus = options.gpus;
  args.user = options.user;
  args.group = options.group;
  args.msrs = options.msrs == "fault" ? MsrPolicy::kFault : MsrPolicy::kIgnore;
  args.memlock_unlimited = options.memlock_unlimited;
  for (const auto& vm : options.vms) {
    auto path = definition_path(vm);
    if (!path) return report_failure(path.error());
    std::string warnings;
    auto config = load_vm_config(*path, &warnings);
    if (!warnings.empty()) std::fputs(warnings.c_str(), stderr);
    if (!config) return report_failure(config.error());
    args.vms.push_back(std::move(*config));
  }
  if (args.vms.empty() && args.gpus.empty())
    report(Severity::kNote,
           "no VM or --gpu named: the plan covers the IOMMU, KVM and device access only",
           "name your VMs (vfg setup win11) or GPUs (--gpu 0000:01:00.0) to bind them to vfio-pci");

  TreeFileWriter tree(*root);
  auto inputs = gather_setup_inputs(HostReading(*root), tree, args);
  if (!inputs) return report_failure(inputs.error());
  HostPlan plan = plan_setup(inputs->facts, inputs->request);
  plan.warnings.insert(plan.warnings.begin(), inputs->warnings.begin(), inputs->warnings.end());

  if (options.status) {
    auto status = setup_status(tree, plan);
    if (!status) return report_failure(status.error());
    fmt::print("{}", options.json ? render_status_json(*status) : render_status(*status));
    return status->matches_plan() ? 0 : 1;
  }
  if (!options.apply) {
    fmt::print("{}", options.json ? render_plan_json(plan) : render_plan(plan, live));
    return 0;
  }

  for (const auto& warning : plan.warnings) report(Severity::kWarning, warning);
  DryRunFileWriter dry(tree);
  FileWriter& writer = options.dry_run ? static_cast<FileWriter&>(dry) : tree;
  ProcessCommandRunner runner;
  ApplyOptions apply_options{live && !options.dry_run ? &runner : nullptr, say};
  auto outcome = apply_plan(plan, writer, apply_options);
  if (!outcome) return report_failure(outcome.error());
  for (const auto& action : dry.actions()) fmt::print("  would {}\n", action);
  if (outcome->nothing_to_do) {
    fmt::print("{}\n", plan.unmet.empty() ? "Nothing to do: the host is already set up."
                                          : "Nothing left that setup can write; the warnings "
                                            "above say what is yours to do.");
    return 0;
  }
  fmt::print("{}: {} file(s) written; originals kept for 'vfg setup --undo'.\n",
             options.dry_run ? "Dry run" : "Applied", outcome->files_written);
  for (const auto& need : plan.unmet)
    fmt::print("Not done: {} (the warning above says how to do it).\n", need);
  if (!live) print_not_run(outcome->not_run, *root);
  if (live && !options.dry_run)
    fmt::print(
        "Reboot for the kernel parameters and early binding to take effect; log out and "
        "back in for group membership and memlock.\n");
  return 0;
}

}  // namespace

void add_setup_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<SetupOptions>();
  CLI::App* command = app.add_subcommand(
      "setup",
      "Show (default), apply or undo the host files GPU passthrough needs: kernel parameters, "
      "vfio-pci binding, initramfs, udev rules, memlock");
  command->add_option("VM", options->vms, "VM names (or .toml files) whose devices to prepare");
  command->add_option("--gpu", options->gpus, "Bind this card (every function) to vfio-pci")
      ->type_name("ADDR");
  command
      ->add_option("--user", options->user,
                   "Who runs the VMs (default: SUDO_USER, else the caller)")
      ->check(non_empty("--user"));
  command->add_option("--group", options->group, "Group for device access (default kvm)");
  command
      ->add_option("--msrs", options->msrs,
                   "Unknown guest MSRs: ignore (default) or fault (stealth)")
      ->check(CLI::IsMember({"ignore", "fault"}));
  command->add_flag("--memlock-unlimited", options->memlock_unlimited,
                    "Set memlock to unlimited instead of the largest VM's need");
  auto* apply = command->add_flag(
      "--apply", options->apply, "Write the files (atomically, with backups) and run the commands");
  auto* undo =
      command->add_flag("--undo", options->undo, "Restore every file setup changed and regenerate");
  auto* status = command->add_flag("--status", options->status,
                                   "Show managed files that changed since setup wrote them");
  apply->excludes(undo, status);
  undo->excludes(status);
  command->add_flag("--dry-run", options->dry_run,
                    "With --apply or --undo: list each write without doing it");
  command->add_flag("--force", options->force,
                    "With --undo: restore originals even over files changed since");
  command->add_flag("--json", options->json, "Print the plan or status as JSON");
  command->footer(
      "Without --apply nothing changes: the plan is printed as a unified diff plus commands.\n"
      "With --root DIR files are written into the tree; commands are printed, never run.");
  command->callback([&context, options] { context.exit_code = run_setup(context, *options); });
}

}  // namespace vfg::cli
