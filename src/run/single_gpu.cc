#include "run/single_gpu.h"

#include <chrono>
#include <csignal>
#include <optional>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "host/card_handover.h"
#include "host/display_takeover.h"
#include "host/key_chord.h"
#include "host/pci_rebind.h"
#include "util/host_values.h"
#include "util/process.h"
#include "util/strings.h"
#include "vm/config_loader.h"
#include "vm/vm_paths.h"

namespace vfg {

namespace {

using Clock = std::chrono::steady_clock;
namespace sgp = single_gpu_paths;

// Definitions are small; more than this is not one (and a FIFO never ends).
constexpr size_t kDefinitionLimit = 1 << 20;
// A failsafe gives the user's vfg this long to give the card back itself.
constexpr auto kChildGrace = std::chrono::seconds(40);
constexpr auto kSystemctlTimeout = std::chrono::seconds(90);

void log(const std::string& line) {
  // systemd puts each line in the journal under the unit's name.
  fmt::print("{}\n", line);
  std::fflush(stdout);
}

struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
  std::vector<gid_t> groups;
};

Result<Account> account_of(const std::string& user) {
  passwd* entry = ::getpwnam(user.c_str());
  if (entry == nullptr) return fail("there is no user '{}'", user);
  Account account{entry->pw_uid, entry->pw_gid, entry->pw_dir, {}};
  int count = 64;
  account.groups.resize(static_cast<size_t>(count));
  while (::getgrouplist(user.c_str(), account.gid, account.groups.data(), &count) < 0)
    account.groups.resize(static_cast<size_t>(count));
  account.groups.resize(static_cast<size_t>(count));
  return account;
}

SpawnOptions as_user(const Account& account, const std::string& user,
                     std::vector<std::string> argv) {
  SpawnOptions options;
  options.argv = std::move(argv);
  options.identity = SpawnOptions::Identity{account.uid, account.gid, account.groups};
  options.cwd = account.home;
  // The user's own environment as a login would give it; the runtime
  // directory falls back to vfg's own ($TMPDIR/vfg-runtime-UID): the
  // session's /run/user/UID goes away with the session the run ends.
  options.env = {{"HOME", account.home},
                 {"USER", user},
                 {"LOGNAME", user},
                 {"PATH", "/usr/local/bin:/usr/bin:/bin"},
                 {"XDG_RUNTIME_DIR", std::nullopt},
                 {"XDG_CONFIG_HOME", std::nullopt},
                 {"XDG_DATA_HOME", std::nullopt},
                 {"XDG_STATE_HOME", std::nullopt}};
  return options;
}

/// The user's definition, read as the user: root never opens a path the
/// user chose.
Result<VmConfig> load_as_user(const SingleGpuRun& run, const Account& account) {
  std::string file = account.home + "/.config/vfg/" + run.vm + ".toml";
  auto read = run_command(
      as_user(account, run.user, {"head", "-c", std::to_string(kDefinitionLimit + 1), file}),
      std::chrono::seconds(10));
  if (!read) return tl::unexpected(read.error());
  if (!read->status.success()) return fail("cannot read {}: {}", file, trim(read->err));
  if (read->out.size() > kDefinitionLimit) return fail("{} is larger than 1 MiB", file);
  ConfigParse parsed = parse_vm_config(read->out, file, run.vm);
  if (parsed.diagnostics.has_errors()) return fail("{}", parsed.diagnostics.render());
  return std::move(parsed.config);
}

bool systemctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"systemctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto ran = run_command(argv, kSystemctlTimeout);
  return ran && ran->status.success();
}

bool display_manager_running() {
  return systemctl({"is-active", "--quiet", std::string(sgp::kDisplayManagerUnit)});
}

/// Waits for the display manager to be active again.
bool display_manager_back() {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    if (display_manager_running()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

/// Waits while a handover of the card is still running: a failsafe may have
/// killed the vfg that asked for it, but systemd finishes the job, and its
/// result must land before the card is looked at.
void wait_for_handover_jobs(const PciAddress& card) {
  auto deadline = Clock::now() + std::chrono::seconds(60);
  for (HandoverOp op : {HandoverOp::kRelease, HandoverOp::kReturn}) {
    while (Clock::now() < deadline) {
      auto state = run_command(
          {"systemctl", "show", "--property=ActiveState", "--value", handover_unit(op, card)},
          std::chrono::seconds(10));
      if (!state || trim(state->out) != "activating") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

/// Returns the card as root, retrying while the killed QEMU still holds its
/// VFIO group (the kernel closes it as the process is reaped).
std::optional<std::string> return_card(const HostRoot& root, const std::string& card) {
  HandoverOptions options;
  options.log = log;
  auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    auto returned = serve_handover(root, HandoverOp::kReturn, card, options);
    if (returned && returned->ok) return std::nullopt;
    bool held = returned && !returned->holders.empty();
    if (!held || Clock::now() >= deadline)
      return returned ? returned->message : returned.error().message;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

/// Gives back everything `takeover` took, in reverse order, verifying each.
/// The lines that did not come back; empty: the desktop is back as it was.
std::vector<std::string> give_back(const HostRoot& root, const DisplayTakeover& takeover) {
  std::vector<std::string> missing;
  auto card = PciAddress::parse(takeover.card);
  // Normally the user's vfg returned the card as QEMU ended; this is the
  // fallback for a run whose vfg was killed.
  if (card) wait_for_handover_jobs(*card);
  if (card && bound_driver(root, *card) == "vfio-pci") {
    log(fmt::format("{} is still on vfio-pci: returning it", takeover.card));
    if (auto failed = return_card(root, takeover.card)) missing.push_back(*failed);
  }
  DisplayStepOptions steps;
  steps.log = log;
  auto consoles = restore_consoles(root, takeover, steps);
  missing.insert(missing.end(), consoles.begin(), consoles.end());
  if (takeover.display_manager) {
    log("starting the display manager");
    if (!systemctl({"start", std::string(sgp::kDisplayManagerUnit)}) || !display_manager_back())
      missing.push_back(
          fmt::format("the display manager ({}) did not start again", sgp::kDisplayManagerUnit));
    else
      log("the display manager runs again");
  }
  return missing;
}

std::string now_stamp() {
  return fmt::format("{:%Y-%m-%d %H:%M}", fmt::localtime(std::time(nullptr)));
}

/// A run refused before it touched anything: said in the journal and in
/// the outcome `vfg check` shows. Exit code.
int refuse(const HostRoot& root, const SingleGpuRun& run, const std::string& why) {
  std::string line = fmt::format("{} not started: {}", now_stamp(), why);
  log(line);
  if (auto written = write_outcome(root, run.instance(), line); !written)
    log(written.error().message);
  return 1;
}

/// Gives back, records the outcome and removes the record. Exit code.
int finish(const HostRoot& root, const SingleGpuRun& run, const DisplayTakeover& takeover,
           const std::string& how_it_ended) {
  auto missing = give_back(root, takeover);
  std::string stamp = now_stamp();
  std::string line =
      missing.empty()
          ? fmt::format("{} {}; the desktop came back", stamp, how_it_ended)
          : fmt::format("{} {}; not back: {} (fix it, then `systemctl start {}`)", stamp,
                        how_it_ended, join(missing, "; "), sgp::kDisplayManagerUnit);
  log(line);
  if (auto written = write_outcome(root, run.instance(), line); !written)
    log(written.error().message);
  if (missing.empty()) remove_takeover(root, run.instance());
  return missing.empty() ? 0 : 1;
}

/// Ends every process of the service but us and `spare`: QEMU, swtpm, ...
void kill_vm_processes(const HostRoot& root, pid_t spare) {
  for (pid_t pid : own_cgroup_processes(root))
    if (pid != ::getpid() && pid != spare) ::kill(pid, SIGKILL);
}

struct Watch {
  Child vm;  ///< `vfg start VM --foreground` as the user
  std::optional<ChordWatcher> chord;
  UniqueFd signals;
  std::string card;
  std::chrono::seconds take_timeout;
};

/// Waits for the end of the run; says how it ended, and whether a failsafe fired.
std::pair<std::string, bool> watch(const HostRoot& root, Watch& w) {
  auto started = Clock::now();
  bool taken = false;
  for (;;) {
    std::vector<pollfd> fds{{w.vm.pidfd(), POLLIN, 0}, {w.signals.get(), POLLIN, 0}};
    if (w.chord) fds.push_back({w.chord->fd(), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 1000);
    if (fds[0].revents != 0) {
      auto status = w.vm.wait();
      return {status ? fmt::format("the VM ended ({})", status->describe())
                     : std::string("the VM ended"),
              false};
    }
    if (fds[1].revents != 0) return {"the service was stopped", true};
    if (w.chord && fds.size() > 2 && fds[2].revents != 0) {
      if ((fds[2].revents & (POLLERR | POLLHUP)) != 0) {
        log("the chord's keyboard is gone; the chord no longer works for this run");
        w.chord.reset();
      } else if (w.chord->read_events()) {
        return {"the host key chord was held", true};
      }
    }
    if (!taken) {
      taken = card_taken_by_vm(root, w.card);
      if (taken)
        log(fmt::format("the VM has taken {}", w.card));
      else if (Clock::now() - started > w.take_timeout)
        return {fmt::format("the VM did not take {} within {} s", w.card, w.take_timeout.count()),
                true};
    }
  }
}

}  // namespace

std::string SingleGpuRun::unit() const {
  return fmt::format("vfg-single-gpu@{}.service", instance());
}

Result<SingleGpuRun> parse_single_gpu_run(std::string_view instance) {
  auto colon = instance.find(':');
  if (colon == std::string_view::npos) return fail("'{}' is not USER:VM", instance);
  SingleGpuRun run{std::string(instance.substr(0, colon)), std::string(instance.substr(colon + 1))};
  if (auto user = check_account_name(run.user); !user)
    return fail("'{}' {}", run.user, user.error().message);
  if (auto vm = validate_vm_name(run.vm); !vm) return tl::unexpected(vm.error());
  return run;
}

Status request_single_gpu_start(const SingleGpuRun& run) {
  auto ran = run_command({"systemctl", "start", "--no-block", "--no-ask-password", run.unit()},
                         kSystemctlTimeout);
  if (!ran) return tl::unexpected(ran.error());
  if (!ran->status.success())
    return fail("systemd did not start {}: {}", run.unit(), trim(ran->err));
  return ok();
}

Status request_single_gpu_stop(const SingleGpuRun& run) {
  auto ran = run_command({"systemctl", "stop", "--no-ask-password", run.unit()},
                         std::chrono::seconds(180));
  if (!ran) return tl::unexpected(ran.error());
  if (!ran->status.success())
    return fail("systemd did not stop {}: {}", run.unit(), trim(ran->err));
  return ok();
}

int serve_single_gpu_run(const SingleGpuRun& run, const std::string& vfg_binary) {
  HostRoot root;
  // SIGTERM (systemctl stop) is read from a signalfd: it starts the way back.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  ::sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  Watch w;
  w.signals = UniqueFd(::signalfd(-1, &stop_signals, SFD_CLOEXEC));

  auto account = account_of(run.user);
  if (!account) return refuse(root, run, account.error().message);
  auto config = load_as_user(run, *account);
  if (!config) return refuse(root, run, config.error().message);
  if (!config->single_gpu.enabled || config->gpus.size() != 1)
    return refuse(root, run,
                  fmt::format("{} is not a single-GPU VM ([single_gpu] enabled = true)", run.vm));
  w.card = config->gpus.front().address;
  w.take_timeout = std::chrono::seconds(config->single_gpu.take_timeout);
  // The service acts only on a card root allowed (vfg setup's allowlist).
  auto allowed = read_handover_allowlist(root);
  if (!allowed) return refuse(root, run, allowed.error().message);
  if (std::none_of(allowed->begin(), allowed->end(),
                   [&](const AllowedCard& card) { return card.card.to_string() == w.card; }))
    return refuse(root, run,
                  fmt::format("{} is not on the handover allowlist; run `sudo vfg setup {} "
                              "--apply`",
                              w.card, run.vm));

  DisplayTakeover takeover = plan_display_takeover(root, w.card, display_manager_running());
  if (auto recorded = write_takeover(root, run.instance(), takeover); !recorded)
    return refuse(root, run, recorded.error().message);
  if (takeover.display_manager) {
    log("stopping the display manager");
    if (!systemctl({"stop", std::string(sgp::kDisplayManagerUnit)}))
      return finish(root, run, takeover, "the display manager did not stop");
  }
  DisplayStepOptions steps;
  steps.log = log;
  if (auto released = release_consoles(root, takeover, steps); !released)
    return finish(root, run, takeover, released.error().message);

  if (!config->single_gpu.keyboard.empty()) {
    auto chord = parse_key_chord(config->single_gpu.chord);
    auto watcher = chord ? ChordWatcher::open(config->single_gpu.keyboard, *chord)
                         : Result<ChordWatcher>(tl::unexpected(chord.error()));
    if (watcher) {
      w.chord.emplace(std::move(*watcher));
      log(fmt::format("holding {} on {} brings the desktop back", config->single_gpu.chord,
                      config->single_gpu.keyboard));
    } else {
      log(watcher.error().message + "; the chord does not work for this run");
    }
  }
  auto vm =
      spawn(as_user(*account, run.user,
                    {vfg_binary, "start", run.vm, "--foreground", "--in-single-gpu-service"}));
  if (!vm) return finish(root, run, takeover, "the VM could not be started: " + vm.error().message);
  w.vm = std::move(*vm);
  log(fmt::format("started {} as {} (pid {})", run.vm, run.user, w.vm.pid()));

  auto [how, failsafe] = watch(root, w);
  log(how);
  if (failsafe) {
    kill_vm_processes(root, w.vm.pid());
    if (auto ended = w.vm.wait_for(kChildGrace); !ended || !*ended) {
      w.vm.kill(SIGKILL);
      kill_vm_processes(root, 0);
      (void)w.vm.wait();
    }
  }
  return finish(root, run, takeover, how);
}

int restore_single_gpu_run(const SingleGpuRun& run) {
  HostRoot root;
  auto takeover = read_takeover(root, run.instance());
  if (!takeover) return 0;
  // The main process was killed, or its way back left something out: one more try.
  return finish(root, run, *takeover,
                "the service ended before the display was all given back, and tried again");
}

}  // namespace vfg
