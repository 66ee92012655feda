#include "cli/start.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include "check/render.h"
#include "check/run_checks.h"
#include "cli/check.h"
#include "cli/start_guards.h"
#include "cli/vm_target.h"
#include "host/private_file.h"
#include "run/handover.h"
#include "run/launcher.h"
#include "run/qemu_caps_cache.h"
#include "run/single_gpu.h"
#include "run/tuning/tuning.h"
#include "run/vm_state.h"
#include "util/diagnostics.h"
#include "vm/launch_planner.h"

namespace vfg::cli {

namespace {

// As the user names it: found on $PATH when QEMU starts.
constexpr const char* kQemuBinary = "qemu-system-x86_64";

struct StartOptions {
  std::string name;
  bool foreground = false;
  bool no_check = false;
  bool allocate_hugepages = false;
  /// Set by the single-GPU service when it runs the VM: start here.
  bool in_single_gpu_service = false;
};

// The VM's readiness checks (docs/check.md): a failing one stops the start
// with its fix, unless --no-check says to go ahead anyway, which is said loudly.
int run_preflight(const HostReading& host, const VmConfig& config, const StartOptions& options,
                  const Result<QemuCapabilities>& qemu) {
  if (options.no_check) {
    report(Severity::kWarning,
           fmt::format("starting '{}' without its readiness checks (--no-check)", options.name),
           fmt::format("a problem they catch now shows up as a QEMU error or a hung GPU instead; "
                       "`vfg check {}` lists them",
                       options.name));
    return 0;
  }
  auto preflight =
      check::preflight(config, host, setup_expectations(host, &config), [&qemu] { return qemu; });
  if (!preflight) return report_failure(preflight.error());
  auto failures = preflight->failures();
  // --allocate-hugepages reserves what the hugepage check finds missing.
  if (options.allocate_hugepages)
    std::erase_if(failures,
                  [](const check::Finding* finding) { return finding->id == "vm.hugepages"; });
  if (failures.empty()) return 0;
  std::fputs(check::render_preflight_refusal(*preflight, use_colour(stderr)).c_str(), stderr);
  return 2;
}

std::string already_running_hint(const std::string& name) {
  return fmt::format("see it with 'vfg status {0}', stop it with 'vfg stop {0}'", name);
}

// Definition → plan → argv: everything that can fail before anything runs.
Result<LaunchRequest> prepare(const HostReading& host, const VmTarget& target,
                              const VmConfig& config, const StartOptions& options,
                              const Result<QemuCapabilities>& qemu) {
  if (!qemu) return tl::unexpected(qemu.error());
  auto plan = plan_launch(config, host, target.dirs, *qemu, kQemuBinary);
  if (!plan) return tl::unexpected(plan.error());
  auto tuning = plan_tuning(config, host.root(), plan->host_cpu_amd,
                            TuningOptions{options.allocate_hugepages});
  if (!tuning) return tl::unexpected(tuning.error());
  auto command = build_qemu_argv(with_guest_topology(config, tuning->pin), *plan);
  if (!command) return fail(command.error(), "building the QEMU command line");
  if (auto prepared = prepare_vm_files(*plan); !prepared) return tl::unexpected(prepared.error());
  // Created here, private, before QEMU would create it world-readable.
  if (const auto& lg = config.looking_glass;
      lg.enabled && lg.backend == LookingGlassConfig::Backend::kShm)
    if (auto shm = ensure_private_file(lg.shm_path); !shm)
      return fail(shm.error(), "Looking Glass");
  // The command's notices include the plan's (TCG fallback, Hyper-V dropped, ...).
  for (const auto& notice : command->notices) report(Severity::kNote, notice);
  LaunchRequest request = launch_request(config, target.paths, std::move(command->argv));
  request.monitor_object = plan->qemu.monitor_object;
  request.accelerator = plan->kvm ? "kvm" : "tcg";
  for (const auto& line : describe_tuning(*tuning)) fmt::print("{}\n", line);
  for (const auto& note : tuning->pin.notes) report(Severity::kNote, note);
  for (const auto& note : tuning->notes) report(Severity::kNote, note);
  add_tuning_steps(request, *tuning);
  auto cards = start_bound_cards(config);
  for (const auto& card : cards)
    fmt::print("handover: {} goes to vfio-pci for this run and back to the host at the stop\n",
               card.to_string());
  add_handover_steps(request, cards);
  return request;
}

// The graphical session that runs this is about to end: the system service
// runs the VM, and the desktop comes back when it ends.
int start_single_gpu(const VmConfig& config, const std::string& name) {
  const passwd* me = ::getpwuid(::geteuid());
  if (me == nullptr) return report_failure(Error{"cannot tell who you are"});
  auto run = parse_single_gpu_run(fmt::format("{}:{}", me->pw_name, name));
  if (!run) return report_failure(run.error());
  fmt::print(
      "'{}' takes this host's display: the screen goes dark while the desktop stops, and "
      "the VM appears on {}'s outputs.\n",
      name, config.gpus.front().address);
  if (!config.single_gpu.keyboard.empty())
    fmt::print("Hold {} on {} to end the VM at once and get the desktop back.\n",
               config.single_gpu.chord, config.single_gpu.keyboard);
  fmt::print(
      "When the VM shuts down, the desktop comes back by itself. From another machine: "
      "'systemctl stop {}'; the log: 'journalctl -u {}'.\n",
      run->unit(), run->unit());
  std::fflush(stdout);
  if (auto requested = request_single_gpu_start(*run); !requested)
    return report_failure(requested.error(),
                          fmt::format("`sudo vfg setup {}` installs the single-GPU service", name));
  return 0;
}

int run_start(const Context& context, const StartOptions& options) {
  auto target = vm_target(options.name);
  if (!target) return report_failure(target.error());
  auto config = load_definition(*target);
  if (!config) {
    std::error_code error;
    bool missing = !std::filesystem::exists(target->paths.config_file, error);
    return report_failure(config.error(), missing ? missing_definition_hint(*target) : "");
  }
  auto root = context.host();
  if (!root) return report_failure(root.error());
  // Refuse a running VM before planning prints its notices; the lock taken
  // later stays the authority (two starts racing each other).
  if (root->is_live()) {
    VmProbe probe = probe_vm(*root, RuntimeFiles::of(target->paths));
    if (probe.liveness == VmLiveness::kRunning) {
      return report_failure(
          Error{fmt::format("VM '{}' is already running (QEMU pid {}, supervisor pid {})",
                            options.name, probe.record->qemu_pid, probe.record->supervisor_pid)},
          already_running_hint(options.name));
    }
  }
  // A QEMU run by hand from the 'vfg args' script holds no lock of ours: its
  // sockets would look stale and be cleared by the start below.
  if (root->is_live()) {
    if (auto free = refuse_foreign_qemu(*root, *config, target->paths); !free)
      return report_failure(free.error());
  }
  if (!options.no_check) {
    auto env = [](const char* name) -> std::optional<std::string> {
      const char* value = std::getenv(name);
      return value == nullptr ? std::nullopt : std::optional<std::string>(value);
    };
    if (auto window =
            refuse_window_without_session(*config, env("DISPLAY"), env("WAYLAND_DISPLAY"));
        !window)
      return report_failure(window.error());
  }
  // One reading of the host and one probe of QEMU (from the runtime cache
  // while QEMU is unchanged) serve both the preflight and the plan: probing
  // is the costliest step of a start, and the host is the same for both.
  HostReading host(*root);
  auto qemu = probe_qemu_cached(qemu_caps_cache_file(target->dirs), kQemuBinary);
  if (int refused = run_preflight(host, *config, options, qemu); refused != 0) return refused;
  if (config->single_gpu.enabled && !options.in_single_gpu_service)
    return start_single_gpu(*config, options.name);
  auto request = prepare(host, *target, *config, options, qemu);
  if (!request)
    return report_failure(
        request.error().with_context(fmt::format("cannot start '{}'", options.name)));
  std::string accelerator = request->accelerator;

  if (!options.foreground) {
    auto info = start_detached(std::move(*request));
    if (!info) {
      return report_failure(
          info.error().with_context(fmt::format("cannot start '{}'", options.name)), "");
    }
    for (const auto& note : info->notes) report(Severity::kNote, note);
    fmt::print("started '{}' (QEMU pid {}, {}); stop it with 'vfg stop {}'\n", options.name,
               info->qemu_pid, accelerator, options.name);
    return 0;
  }

  ForegroundHooks hooks;
  hooks.on_running = [&](const LaunchInfo& info) {
    for (const auto& note : info.notes) report(Severity::kNote, note);
    fmt::print("'{}' is running (QEMU pid {}, {}); press Ctrl-C to shut it down\n", options.name,
               info.qemu_pid, accelerator);
    std::fflush(stdout);
  };
  hooks.on_progress = [](const std::string& text) {
    fmt::print("{}\n", text);
    std::fflush(stdout);
  };
  auto exit = run_foreground(std::move(*request), hooks);
  if (!exit) {
    return report_failure(
        exit.error().with_context(fmt::format("cannot start '{}'", options.name)));
  }
  fmt::print("'{}' stopped: {}\n", options.name, exit->description);
  // A guest that powered off, or a stop we asked for, is a normal end.
  bool normal = exit->guest_shutdown || exit->forced || (exit->signal == 0 && exit->exit_code == 0);
  return normal ? 0 : 1;
}

}  // namespace

void add_start_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<StartOptions>();
  CLI::App* command = app.add_subcommand(
      "start", "Start a VM: QEMU paused, checked over QMP, continued; returns once it runs");
  command->add_option("NAME", options->name, "The VM ($XDG_CONFIG_HOME/vfg/NAME.toml)")->required();
  command->add_flag("--no-check", options->no_check,
                    "Start even when a readiness check fails (see `vfg check NAME`)");
  command->add_flag("--foreground", options->foreground,
                    "Stay attached until the VM stops; Ctrl-C shuts the guest down gracefully");
  command->add_flag("--allocate-hugepages", options->allocate_hugepages,
                    "Reserve the hugepages the VM lacks for this run, released at stop (root)");
  command->add_flag("--in-single-gpu-service", options->in_single_gpu_service)->group("");
  command->callback([&context, options] { context.exit_code = run_start(context, *options); });
}

}  // namespace vfg::cli
