#include "cli/import.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/vm_target.h"
#include "host/hardware.h"
#include "import/compare.h"
#include "import/import_source.h"
#include "run/qemu_caps_cache.h"
#include "run/tuning/tuning.h"
#include "util/exclusive_file.h"
#include "util/file_io.h"
#include "vm/config_loader.h"
#include "vm/config_writer.h"
#include "vm/launch_planner.h"

namespace vfg::cli {

namespace {

struct ImportOptions {
  std::string name;
  std::string file;
  bool check = false;
};

/// What the script is read with: the caller's $HOME, $USER and $XDG_RUNTIME_DIR.
ShellEnvironment script_environment() {
  ShellEnvironment environment;
  for (const char* name : {"HOME", "USER", "XDG_RUNTIME_DIR"})
    if (const char* value = std::getenv(name)) environment[name] = value;
  return environment;
}

Result<std::string> read_source(const std::string& file) {
  if (file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  return read_file(file);
}

/// What vfg's firmware image is called in the comparison when this host has
/// none for the VM: the definition leaves the choice to QEMU's firmware
/// descriptors, which are read where the VM starts.
constexpr const char* kFirmwareNotOnThisHost = "(from the descriptors; none on this host)";

/// The launch plan for the comparison. A host without the UEFI firmware the
/// definition asks for (OVMF not installed, a build machine) still gets its
/// report: vfg's firmware then stands as the definition says it, left to the
/// descriptors, and everything else is compared as usual.
Result<LaunchPlan> plan_for_check(const VmConfig& config, const HostRoot& root,
                                  const VmTarget& target, const QemuCapabilities& qemu) {
  auto plan = plan_launch(config, HostReading(root), target.dirs, qemu, "qemu-system-x86_64");
  if (plan || config.firmware.type != FirmwareConfig::Type::kUefi || !config.firmware.code.empty())
    return plan;
  VmConfig firmware_left_open = config;
  firmware_left_open.firmware.code = kFirmwareNotOnThisHost;
  auto without_firmware =
      plan_launch(firmware_left_open, HostReading(root), target.dirs, qemu, "qemu-system-x86_64");
  // Something else stops the plan too: that is the error to show.
  if (!without_firmware) return without_firmware;
  fmt::print(
      "# no UEFI firmware for this VM on this host ({}); vfg's firmware is compared as the "
      "definition leaves it: chosen from QEMU's firmware descriptors where the VM starts\n",
      plan.error().message);
  return without_firmware;
}

/// vfg's command line for `config` as `vfg args` builds it, but with KVM:
/// the source was written for a host that runs KVM guests, and comparing it
/// with a TCG fallback would only show what TCG cannot do.
Result<std::vector<std::string>> vfg_command_line(const VmConfig& config, const HostRoot& root,
                                                  const VmTarget& target, bool& forced_kvm) {
  auto qemu = probe_qemu_cached(qemu_caps_cache_file(target.dirs), "qemu-system-x86_64");
  if (!qemu) return tl::unexpected(qemu.error());
  auto plan = plan_for_check(config, root, target, *qemu);
  if (!plan) return tl::unexpected(plan.error());
  forced_kvm = !plan->kvm;
  plan->kvm = true;
  // The topology `vfg start` runs with comes from the pinning plan; when this
  // host cannot pin the VM, the definition's own topology is compared.
  auto tuning = plan_tuning(config, root, plan->host_cpu_amd, {});
  if (!tuning)
    fmt::print("# no pinning plan on this host ({}); compared with the definition's topology\n",
               tuning.error().message);
  auto command = build_qemu_argv(tuning ? with_guest_topology(config, tuning->pin) : config, *plan);
  if (!command) return tl::unexpected(command.error());
  return std::vector<std::string>(command->argv.begin() + 1, command->argv.end());
}

/// `vfg import --check`: the source's command line and vfg's for the imported VM, compared.
/// Exit status 1 when something is lost.
int run_check(const ImportedSource& imported, const std::string& label, const std::string& name,
              const ImportHost& host, const HostRoot& root, const VmTarget& target) {
  auto config = load_definition(target);
  if (!config) return report_failure(config.error(), "import it first: vfg import NAME FILE");
  std::vector<std::string> source_argv = imported.source_argv;
  if (source_argv.empty() && !imported.command_line_problem.empty()) {
    // Without libvirt's own command line, the domain's facts as the import reads them
    // stand in: what the definition no longer holds of the domain still shows.
    fmt::print(
        "# no command line from libvirt ({}); the domain's facts as this import reads them "
        "are compared instead\n",
        imported.command_line_problem);
    bool ignored = false;
    auto facts = vfg_command_line(imported.result.config, root, target, ignored);
    if (!facts) return report_failure(facts.error().with_context(label));
    source_argv = std::move(*facts);
  }
  if (source_argv.empty())
    return report_failure(Error{fmt::format("'{}' gave no QEMU command line to compare", label)});
  bool forced_kvm = false;
  auto vfg = vfg_command_line(*config, root, target, forced_kvm);
  if (!vfg) return report_failure(vfg.error().with_context(name));
  if (forced_kvm)
    fmt::print("# vfg's command line as on a host that runs KVM guests (this one cannot)\n");
  auto lines = compare_command_lines(source_argv, *vfg, host);
  fmt::print("{}", render_check(lines));
  for (const auto& line : lines)
    if (line.kind == CheckLine::Kind::kLost) return 1;
  return 0;
}

int run_import(const Context& context, const ImportOptions& options) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  auto target = vm_target(options.name);
  if (!target) return report_failure(target.error());
  auto text = read_source(options.file);
  if (!text) return report_failure(text.error());
  std::string label = options.file == "-" ? "standard input" : options.file;

  HardwareParts parts;
  parts.input = false;
  Hardware hardware = scan_hardware(*root, parts);
  ImportHost host{hardware.gpus, hardware.disks, "", ""};
  std::error_code error;
  host.base_dir = options.file == "-"
                      ? std::filesystem::current_path(error).string()
                      : std::filesystem::absolute(options.file, error).parent_path().string();
  if (const char* home = std::getenv("HOME")) host.home = home;
  auto imported =
      import_source(*text, label, options.name, host, script_environment(), options.check);
  if (!imported) return report_failure(imported.error());

  if (options.check) return run_check(*imported, label, options.name, host, *root, *target);

  DefinitionComments comments;
  comments.header = {
      fmt::format("VM '{}', imported by 'vfg import' from {}.", options.name, label),
      fmt::format("Compare it with the source: vfg import --check {} {}", options.name, label),
      "Keys: docs/config.md."};
  std::string definition = write_vm_config(imported->result.config, comments);
  ConfigParse parsed =
      parse_vm_config(definition, target->paths.config_file.string(), options.name);
  if (parsed.diagnostics.has_errors()) {
    fmt::print("{}", render_import_notes(imported->result.notes));
    return report_failure(Error{
        fmt::format("the definition imported from '{}' does not validate; nothing was written:\n{}",
                    label, parsed.diagnostics.render())});
  }
  if (auto made = make_directories(target->paths.config_file.parent_path()); !made)
    return report_failure(made.error());
  if (auto created = create_new_file(target->paths.config_file, definition); !created)
    return report_failure(created.error(), fmt::format("'vfg import' never overwrites a "
                                                       "definition; pick another name or "
                                                       "remove the file"));
  fmt::print("{}", render_import_notes(imported->result.notes));
  fmt::print("wrote {}\n", target->paths.config_file.string());
  return 0;
}

}  // namespace

void add_import_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* command = app.add_subcommand(
      "import", "Write a definition from an existing qemu.sh or libvirt domain XML");
  command->add_option("NAME", options->name, "The VM to create")->required();
  command
      ->add_option("FILE", options->file,
                   "The script that starts QEMU, or 'virsh dumpxml' output ('-': stdin)")
      ->required();
  command->add_flag("--check", options->check,
                    "Compare the source's QEMU command line with vfg's for the imported VM");
  command->callback([&context, options] { context.exit_code = run_import(context, *options); });
}

}  // namespace vfg::cli
