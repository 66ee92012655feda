#include "check/single_gpu_check.h"

#include <fmt/format.h>

#include "host/boot_paths.h"
#include "host/display_takeover.h"

namespace vfg::check {

namespace sgp = single_gpu_paths;

SingleGpuFacts gather_single_gpu_facts(const HostRoot& root, const VmConfig& config,
                                       const std::string& user) {
  SingleGpuFacts facts;
  if (!config.single_gpu.enabled) return facts;
  facts.service_installed =
      root.exists(join_host_path(boot_paths::kSystemdSystemDir, sgp::kUnitTemplate));
  facts.display_manager = root.link_basename(sgp::kDisplayManagerLink).value_or("");
  if (!config.single_gpu.keyboard.empty())
    facts.keyboard = stat_node(root, config.single_gpu.keyboard);
  facts.last_run = read_outcome(root, user + ":" + config.name);
  return facts;
}

std::vector<Finding> check_vm_single_gpu(const VmConfig& config, const SingleGpuFacts& facts) {
  std::vector<Finding> findings;
  const SingleGpuConfig& single = config.single_gpu;
  if (!single.enabled) return findings;
  std::string setup = fmt::format("sudo vfg setup {} --apply", config.name);
  findings.push_back(
      facts.service_installed
          ? pass("vm.single_gpu.service", "single-GPU service: installed",
                 "vfg start runs the VM from vfg-single-gpu@USER:" + config.name + ".service")
          : failure("vm.single_gpu.service", "the single-GPU service is not installed",
                    "vfg start asks systemd for vfg-single-gpu@USER:" + config.name +
                        ".service, which does not exist yet",
                    setup));
  findings.push_back(
      facts.display_manager.empty()
          ? warn("vm.single_gpu.display_manager", "no display manager is known",
                 fmt::format("{} does not exist: nothing stops a graphical session that holds "
                             "the card, and nothing starts one again after the run",
                             sgp::kDisplayManagerLink),
                 "enable your display manager (`systemctl enable gdm`, `sddm`, `lightdm`…), or "
                 "end your graphical session before `vfg start` and log in again after")
          : pass("vm.single_gpu.display_manager", "display manager: " + facts.display_manager,
                 "stopped for the run and started again after it"));
  if (single.keyboard.empty()) {
    findings.push_back(
        warn("vm.single_gpu.keyboard", "no keyboard for the host key chord",
             "the way back is the guest's own shutdown, take_timeout, or `systemctl stop` over ssh",
             fmt::format("'vfg edit {}' and set [single_gpu] keyboard to a keyboard the guest does "
                         "not get ('ls /dev/input/by-id')",
                         config.name)));
  } else if (!facts.keyboard.exists || facts.keyboard.type != 'c') {
    findings.push_back(failure(
        "vm.single_gpu.keyboard", "the chord's keyboard is not plugged in",
        fmt::format("{} is not an input device now", single.keyboard),
        "plug it in, or name another keyboard in [single_gpu] keyboard ('ls /dev/input/by-id')"));
  } else {
    findings.push_back(
        pass("vm.single_gpu.keyboard",
             fmt::format("the way back: hold {} on {}", single.chord, single.keyboard),
             "keep ssh or a serial console as a second way in"));
  }
  if (facts.last_run) {
    bool back = facts.last_run->find("not back:") == std::string::npos;
    findings.push_back(
        back ? pass("vm.single_gpu.last_run", "last single-GPU run: " + *facts.last_run)
             : warn("vm.single_gpu.last_run", "last single-GPU run: " + *facts.last_run,
                    "the desktop did not fully come back",
                    "see `journalctl -u 'vfg-single-gpu@*'`; the line names what to fix"));
  }
  return findings;
}

}  // namespace vfg::check
