#include "run/guest_power.h"

#include <filesystem>

#include "run/guest_agent.h"

namespace vfg {

using namespace std::chrono_literals;

bool wake_if_suspended(QmpClient& qmp) {
  auto status = qmp.execute("query-status", {}, 5s);
  if (!status || status->value("status", "") != "suspended") return false;
  return static_cast<bool>(qmp.execute("system_wakeup", {}, 5s));
}

Status ask_guest_to_power_off(QmpClient& qmp, const VmPaths& paths, bool& by_agent, int& presses) {
  std::error_code error;
  if (!by_agent && std::filesystem::exists(paths.agent_socket, error)) {
    auto asked = guest_agent_shutdown(paths.agent_socket, 3s);
    if (asked && *asked) {
      by_agent = true;
      return ok();
    }
  }
  auto pressed = qmp.execute("system_powerdown", {}, 5s);
  if (!pressed) return tl::unexpected(pressed.error());
  ++presses;
  return ok();
}

}  // namespace vfg
