#include "run/stopper.h"

#include <algorithm>
#include <csignal>
#include <filesystem>

#include <poll.h>

#include "run/guest_power.h"
#include "run/handover.h"
#include "run/pidfd.h"
#include "run/qmp_client.h"
#include "run/tuning/tuning.h"
#include "run/vm_state.h"

namespace vfg {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kQuitGrace = 10s;
constexpr auto kKillGrace = 10s;
constexpr auto kSupervisorGrace = 10s;
/// Giving a card back goes through systemd and polkit and may reload a driver.
constexpr auto kHandoverGrace = 200s;

// Waits until QEMU exits or `deadline`, reading QMP events meanwhile so the
// SHUTDOWN event (and whether the guest caused it) is not missed.
bool wait_for_exit(int pidfd, QmpClient* qmp, Clock::time_point deadline,
                   std::optional<QmpEvent>& shutdown) {
  while (true) {
    while (qmp != nullptr) {
      auto event = qmp->pop_event();
      if (!event) break;
      if (event->name == "SHUTDOWN") shutdown = std::move(*event);
    }
    pollfd fds[2] = {{pidfd, POLLIN, 0}, {-1, POLLIN, 0}};
    if (qmp != nullptr && qmp->connected()) fds[1].fd = qmp->fd();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) left = 0ms;
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (fds[1].revents != 0) (void)qmp->read_available();
    if (fds[0].revents != 0) {
      if (qmp != nullptr && qmp->connected()) (void)qmp->read_available();
      while (qmp != nullptr) {
        auto event = qmp->pop_event();
        if (!event) break;
        if (event->name == "SHUTDOWN") shutdown = std::move(*event);
      }
      return true;
    }
  }
}

// Clears the files of a run nobody owns any more (we hold its lock), after
// undoing the tuning its supervisor did not live to undo. On failure the
// files stay, so that a later stop or start tries again.
Status clear_abandoned(const HostRoot& root, const RuntimeFiles& files, const VmPaths& paths,
                       StopOutcome& outcome) {
  auto undone = undo_abandoned_tuning(paths);
  if (!undone) return tl::unexpected(undone.error());
  outcome.notes.insert(outcome.notes.end(), undone->begin(), undone->end());
  auto returned = finish_abandoned_handover(root, paths);
  if (!returned) return tl::unexpected(returned.error());
  outcome.notes.insert(outcome.notes.end(), returned->begin(), returned->end());
  files.clear();
  return ok();
}

}  // namespace

std::string_view StopOutcome::how_name() const {
  switch (how) {
    case How::kNotRunning:
      return "not-running";
    case How::kGuestShutdown:
      return "guest-shutdown";
    case How::kQuit:
      return "quit";
    case How::kKilled:
      return "killed";
  }
  return "unknown";
}

std::string StopOutcome::describe() const {
  switch (how) {
    case How::kNotRunning:
      return "it was not running";
    case How::kGuestShutdown:
      return fmt::format("the guest shut down ({}{}) in {:.1f} s",
                         by_agent      ? "guest agent"
                         : presses > 1 ? fmt::format("ACPI power button, pressed {} times", presses)
                                       : "ACPI power button",
                         woke ? ", woken from sleep first" : "", seconds);
    case How::kQuit:
      return timed_out ? fmt::format(
                             "forced: the guest did not power off in time; QEMU quit "
                             "(after {:.1f} s)",
                             seconds)
                       : fmt::format("forced: QEMU quit in {:.1f} s", seconds);
    case How::kKilled:
      return fmt::format("forced: QEMU ignored 'quit' and was killed (SIGKILL) after {:.1f} s",
                         seconds);
  }
  return {};
}

Result<StopOutcome> stop_vm(const HostRoot& root, const StopRequest& request) {
  RuntimeFiles files = RuntimeFiles::of(request.paths);
  const std::string& name = request.paths.name;
  StopOutcome outcome;
  VmProbe probe = probe_vm(root, files);
  if (probe.liveness == VmLiveness::kStarting)
    return fail("VM '{}' is starting or stopping right now; try again in a moment", name);
  if (probe.liveness != VmLiveness::kRunning) {
    // Nobody owns leftovers of a crashed run: clear them while holding the
    // lock. A card a run released and never gave back counts, even when the
    // run died before it recorded anything else.
    if (probe.liveness == VmLiveness::kStale || !pending_handover(request.paths).empty()) {
      if (auto lock = VmLock::acquire(files, name)) {
        if (auto cleared = clear_abandoned(root, files, request.paths, outcome); !cleared)
          return fail(cleared.error(), fmt::format("cleaning up after '{}' crashed", name));
        outcome.cleared_stale = true;
      }
    }
    return outcome;
  }
  const VmRecord& record = *probe.record;
  outcome.qemu_pid = record.qemu_pid;
  UniqueFd pidfd = open_pidfd(record.qemu_pid);
  auto started = Clock::now();
  std::optional<QmpEvent> shutdown;
  bool gone = !pidfd;
  // QEMU answers QMP at once; a longer wait means the monitor is in use.
  Result<QmpClient> qmp = fail("QEMU is gone");
  if (!gone) qmp = QmpClient::connect(files.qmp_socket, 5s);
  QmpClient* client = qmp ? &*qmp : nullptr;
  if (client != nullptr) client->set_watch_fd(pidfd.get());

  if (!gone && !request.force) {
    auto timeout = request.timeout.value_or(std::chrono::seconds(record.stop_timeout_seconds));
    auto interval = std::max(request.repress_interval, std::chrono::seconds(1));
    if (client == nullptr) {
      return fail("cannot reach the QMP socket of '{}' to shut the guest down: {}", name,
                  qmp.error().message);
    }
    auto deadline = Clock::now() + timeout;
    outcome.woke = wake_if_suspended(*client);
    if (outcome.woke && request.on_progress)
      request.on_progress(fmt::format("woke '{}' from sleep", name));
    if (auto asked =
            ask_guest_to_power_off(*client, request.paths, outcome.by_agent, outcome.presses);
        !asked)
      return fail(asked.error(), fmt::format("cannot shut down '{}'", name));
    if (request.on_progress) {
      request.on_progress(fmt::format(
          "{}; waiting up to {} s for the guest to power off",
          outcome.by_agent ? fmt::format("asked the guest agent of '{}' to shut down", name)
                           : fmt::format("pressed the ACPI power button of '{}'", name),
          timeout.count()));
    }
    while (!gone && Clock::now() < deadline) {
      gone =
          wait_for_exit(pidfd.get(), client, std::min(deadline, Clock::now() + interval), shutdown);
      if (gone || Clock::now() >= deadline || !client->connected()) break;
      // Still running: the press came before the guest listened, or it went back to sleep.
      if (wake_if_suspended(*client)) outcome.woke = true;
      (void)ask_guest_to_power_off(*client, request.paths, outcome.by_agent, outcome.presses);
    }
    outcome.timed_out = !gone;
  }
  if (!gone) {
    outcome.how = StopOutcome::How::kQuit;
    if (request.on_progress) request.on_progress(fmt::format("telling QEMU of '{}' to quit", name));
    bool asked = client != nullptr && client->connected() && client->execute("quit", {}, 5s);
    if (!asked) signal_pidfd(pidfd.get(), SIGTERM);
    gone = wait_for_exit(pidfd.get(), client, Clock::now() + kQuitGrace, shutdown);
  }
  if (!gone) {
    outcome.how = StopOutcome::How::kKilled;
    signal_pidfd(pidfd.get(), SIGKILL);
    gone = wait_pidfd(pidfd.get(), kKillGrace);
    if (!gone) return fail("QEMU pid {} of '{}' survived SIGKILL", record.qemu_pid, name);
  }
  outcome.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (shutdown) outcome.shutdown_reason = shutdown->data.value("reason", "");
  if (outcome.how == StopOutcome::How::kNotRunning) {
    outcome.how = shutdown && shutdown->data.value("guest", false)
                      ? StopOutcome::How::kGuestShutdown
                      : StopOutcome::How::kQuit;
  }

  // The supervisor reaps QEMU and cleans up; wait for that, and do it
  // ourselves if the supervisor is gone (it crashed or was killed).
  if (same_process_alive(root, record.supervisor_pid, record.supervisor_start_ticks)) {
    UniqueFd supervisor = open_pidfd(record.supervisor_pid);
    bool handing_back = !pending_handover(request.paths).empty();
    if (supervisor) {
      if (handing_back && request.on_progress)
        request.on_progress(fmt::format("giving the card of '{}' back to the host", name));
      wait_pidfd(supervisor.get(), handing_back ? kHandoverGrace : kSupervisorGrace);
    }
  }
  // What the supervisor left undone (it died, or a card did not come back).
  if (auto lock = VmLock::acquire(files, name)) {
    if (auto cleared = clear_abandoned(root, files, request.paths, outcome); !cleared)
      return fail(cleared.error(), fmt::format("QEMU of '{}' stopped", name));
  }
  return outcome;
}

}  // namespace vfg
