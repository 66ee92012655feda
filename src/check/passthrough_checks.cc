#include "check/passthrough_checks.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "check/host_checks.h"
#include "check/reset_bug.h"
#include "check/vm_checks.h"
#include "util/strings.h"

namespace vfg::check {

namespace {

std::string normalised(const std::string& text) {
  auto address = PciAddress::parse(text);
  return address ? address->to_string() : text;
}

// "0000:22:00.0 (10de:1c82, bound to nvidia)".
std::string describe(const PciFunction& function) {
  std::string name = function.device_name.empty()
                         ? function.id_string()
                         : function.id_string() + " " + function.device_name;
  std::string driver = function.driver ? "bound to " + *function.driver : "no driver";
  return fmt::format("{} ({}, {})", function.address.to_string(), name, driver);
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

const GpuCard* card_of(const PciFacts& pci, const std::string& address) {
  for (const auto& card : pci.cards)
    if (card.gpu.to_string() == address) return &card;
  return nullptr;
}

std::string bind_fix(const std::string& address, const SetupExpectations& setup) {
  if (setup.known) return "run `vfg setup` (binds it to vfio-pci at boot), then reboot";
  // Rebinding now, by address (driver_override), so identical cards elsewhere are untouched.
  return fmt::format(
      "sudo modprobe vfio-pci; echo vfio-pci | sudo tee /sys/bus/pci/devices/{0}/driver_override; "
      "echo {0} | sudo tee /sys/bus/pci/devices/{0}/driver/unbind /sys/bus/pci/drivers_probe",
      address);
}

bool allowlisted(const PciFacts& pci, const PciAddress& function) {
  if (!pci.handover_allowlist) return false;
  return std::any_of(pci.handover_allowlist->begin(), pci.handover_allowlist->end(),
                     [&](const AllowedCard& card) {
                       return std::find(card.functions.begin(), card.functions.end(), function) !=
                              card.functions.end();
                     });
}

/// A function of a card with binding = "start": on its host driver until the
/// start, so what must be ready is the handover service's permission for it.
Finding check_start_function(const std::string& id, const PciFunction& function,
                             const PciFacts& pci, const SetupExpectations& setup) {
  if (function.driver && function.driver->rfind("vfio", 0) == 0)
    return pass(id, describe(function),
                "on vfio-pci now: the VM runs, or a stop has not given it back yet (`vfg stop` "
                "finishes that)");
  if (allowlisted(pci, function.address))
    return pass(id,
                fmt::format("{} stays with the host until the VM starts (handover)",
                            function.address.to_string()),
                describe(function) + "; listed in " + std::string(handover_paths::kAllowlist));
  std::string detail = pci.handover_allowlist
                           ? fmt::format("{} does not list it", handover_paths::kAllowlist)
                           : pci.handover_allowlist.error().message;
  return failure(id,
                 fmt::format("{} cannot be handed over at start: the handover service does not "
                             "allow it",
                             function.address.to_string()),
                 detail,
                 setup.known ? "run `sudo vfg setup` (installs the handover service and lists "
                               "the card)"
                             : "run `sudo vfg setup NAME` for this VM");
}

Finding check_function(const std::string& address, const PciFacts& pci,
                       const SetupExpectations& setup, bool at_start) {
  std::string id = "vm.device." + address;
  auto parsed = PciAddress::parse(address);
  const PciFunction* function = parsed ? pci.pci.find(*parsed) : nullptr;
  if (function == nullptr)
    return failure(id, address + " is not a PCI device on this host",
                   "no such address under /sys/bus/pci/devices",
                   "pick the card's address from `vfg devices gpu` and update the definition");
  if (at_start) return check_start_function(id, *function, pci, setup);
  if (function->driver && function->driver->rfind("vfio", 0) == 0)
    return pass(id, describe(*function));
  bool planned = contains(setup.vfio_devices, address);
  std::string title =
      function->driver ? fmt::format("{} is bound to {}, not vfio-pci", address, *function->driver)
                       : fmt::format("{} has no driver; QEMU needs vfio-pci", address);
  std::string detail = describe(*function);
  if (planned) detail += "; the setup plan binds it to vfio-pci at boot";
  return failure(id, title, detail, bind_fix(address, setup));
}

std::vector<Finding> check_groups(const std::vector<std::string>& passed, const PciFacts& pci) {
  std::vector<Finding> findings;
  std::set<int> seen;
  for (const auto& address : passed) {
    auto parsed = PciAddress::parse(address);
    const PciFunction* function = parsed ? pci.pci.find(*parsed) : nullptr;
    if (function == nullptr || !function->iommu_group) continue;
    int number = *function->iommu_group;
    if (!seen.insert(number).second) continue;
    const IommuGroup* group = pci.groups.find(number);
    if (group == nullptr) continue;
    std::string id = fmt::format("vm.group.{}", number);
    std::vector<std::string> blocking, idle;
    for (const auto& member : group_endpoints(*group, pci.pci)) {
      if (contains(passed, member.to_string())) continue;
      const PciFunction* other = pci.pci.find(member);
      if (other == nullptr) continue;
      (driver_allows_vfio_group(other->driver) ? idle : blocking).push_back(describe(*other));
    }
    for (const auto& name : group->other_devices) blocking.push_back(name);
    if (!blocking.empty()) {
      findings.push_back(failure(
          id,
          fmt::format("IOMMU group {} is not viable: it also holds {}", number,
                      join(blocking, ", ")),
          "every endpoint of a group must go to the VM (or have no driver): the kernel refuses "
          "the group otherwise",
          "move the card to a slot with its own IOMMU group (see `vfg devices gpu`), or pass every "
          "device of the group to the VM"));
    } else if (!idle.empty()) {
      findings.push_back(
          pass(id, fmt::format("IOMMU group {} viable; it also holds {}", number, join(idle, ", ")),
               "those have no host driver, so the kernel allows the group"));
    } else {
      findings.push_back(pass(id, fmt::format("IOMMU group {} holds only the passed devices "
                                              "(and bridges)",
                                              number)));
    }
  }
  return findings;
}

std::vector<Finding> check_vfio_nodes(const std::vector<std::string>& passed,
                                      const SystemState& state, const PciFacts& pci,
                                      const SetupExpectations& setup) {
  std::vector<Finding> findings;
  std::set<int> seen;
  for (const auto& address : passed) {
    auto parsed = PciAddress::parse(address);
    const PciFunction* function = parsed ? pci.pci.find(*parsed) : nullptr;
    // The node exists only once vfio-pci owns the device; the device finding covers that.
    if (function == nullptr || !function->iommu_group || !function->driver ||
        function->driver->rfind("vfio", 0) != 0)
      continue;
    int number = *function->iommu_group;
    if (!seen.insert(number).second) continue;
    auto node = pci.vfio_nodes.find(number);
    if (node == pci.vfio_nodes.end()) continue;
    std::string id = fmt::format("vm.vfio.{}", number);
    if (!node->second.exists) {
      findings.push_back(failure(id, node->second.path + " is missing although vfio-pci is bound",
                                 "", "sudo udevadm trigger --subsystem-match=vfio"));
    } else if (!can_access(node->second, state.identity, true)) {
      findings.push_back(device_access_failure(
          id,
          fmt::format("{} is not readable and writable by {}", node->second.path,
                      state.identity.user),
          node->second, state, setup, "udev rule giving " + state.identity.user + " /dev/vfio/*",
          "give " + state.identity.user +
              " read-write access to /dev/vfio/* with a udev rule, then sudo udevadm trigger"));
    } else {
      findings.push_back(
          pass(id, node->second.path + " usable", describe_node(node->second, state)));
    }
  }
  if (!seen.empty() && pci.vfio_container.exists &&
      !can_access(pci.vfio_container, state.identity, true))
    findings.push_back(failure(
        "vm.vfio.container", pci.vfio_container.path + " is not readable and writable",
        describe_node(pci.vfio_container, state),
        "sudo chmod 0666 " + pci.vfio_container.path + " (udev's default for the VFIO container)"));
  return findings;
}

// The framebuffers that sit in one of the card's BARs. Without addresses
// (non-root readers see zeros) every framebuffer is suspect on the boot GPU.
std::vector<Framebuffer> framebuffers_on(const GpuCard& card, const SystemState& state,
                                         const PciFacts& pci, bool* certain) {
  *certain = false;
  auto bars = pci.gpu_bars.find(card.gpu.to_string());
  std::vector<Framebuffer> inside, unknown;
  for (const auto& fb : state.framebuffers) {
    if (fb.start == 0 || bars == pci.gpu_bars.end() || bars->second.empty()) {
      unknown.push_back(fb);
      continue;
    }
    for (const auto& bar : bars->second)
      if (fb.start >= bar.start && fb.end <= bar.end) inside.push_back(fb);
  }
  if (!inside.empty()) {
    *certain = true;
    // The platform device that owns the range is named by the driver entries.
    for (const auto& fb : state.framebuffers)
      if (!fb.device.empty()) inside.push_back(fb);
    return inside;
  }
  return card.boot_vga ? unknown : std::vector<Framebuffer>{};
}

std::optional<Finding> framebuffer_finding(const GpuCard& card, const SystemState& state,
                                           const PciFacts& pci) {
  bool certain = false;
  std::vector<Framebuffer> framebuffers = framebuffers_on(card, state, pci, &certain);
  if (framebuffers.empty()) return std::nullopt;
  std::vector<std::string> holders;
  std::string unbind;
  bool simpledrm = false;
  for (const auto& fb : framebuffers) {
    std::string holder = fb.device.empty() ? fb.driver : fb.device;
    if (!contains(holders, holder)) holders.push_back(holder);
    if (fb.driver == "simple-framebuffer" || fb.driver == "simpledrm") simpledrm = true;
    if (!fb.device.empty() && unbind.empty())
      unbind = fmt::format("echo {} | sudo tee /sys/bus/platform/drivers/{}/unbind", fb.device,
                           fb.driver);
  }
  std::string param =
      simpledrm ? "initcall_blacklist=simpledrm_platform_driver_init" : "video=efifb:off";
  std::string fix = unbind.empty()
                        ? "add " + param + " to the kernel command line and reboot"
                        : unbind + " (for good: add " + param + " to the kernel command line)";
  std::string title = fmt::format("a boot framebuffer ({}) holds the memory of {}",
                                  join(holders, ", "), card.gpu.to_string());
  if (certain)
    return failure("vm.framebuffer", title,
                   "its range in /proc/iomem lies inside one of the card's BARs; vfio cannot "
                   "reserve that BAR (\"BAR can't reserve\")",
                   fix);
  return warn("vm.framebuffer", title,
              "the firmware's framebuffer lives in the boot GPU's BAR; vfio then cannot reserve "
              "it (\"BAR can't reserve\")",
              fix);
}

}  // namespace

PciFacts gather_pci_facts(const HostReading& host) {
  const HostRoot& root = host.root();
  PciFacts facts;
  facts.pci = host.pci();
  facts.groups = host.iommu_groups();
  facts.cards = find_gpu_cards(facts.pci, facts.groups);
  for (const auto& group : facts.groups.groups)
    facts.vfio_nodes[group.number] = vfio_group_node(root, group.number);
  facts.vfio_container = vfio_container_node(root);
  if (root.exists(handover_paths::kAllowlist))
    facts.handover_allowlist = read_handover_allowlist(root);
  for (const auto& card : facts.cards)
    if (const PciFunction* gpu = facts.pci.find(card.gpu))
      facts.gpu_bars[card.gpu.to_string()] = pci_bar_ranges(root, gpu->sysfs_path);
  return facts;
}

std::vector<std::string> passed_functions(const VmConfig& config, const PciFacts& pci,
                                          std::optional<GpuBinding> binding) {
  std::vector<std::string> passed;
  auto add = [&](const std::string& address) {
    if (!contains(passed, address)) passed.push_back(address);
  };
  for (const auto& gpu : config.gpus) {
    if (binding && gpu.binding != *binding) continue;
    std::string address = normalised(gpu.address);
    add(address);
    if (gpu.all_functions) {
      if (const GpuCard* card = card_of(pci, address))
        for (const auto& function : card->functions) add(function.to_string());
    } else {
      for (const auto& function : gpu.functions) add(normalised(function));
    }
  }
  return passed;
}

std::vector<Finding> check_gpu_reset(const std::string& id_prefix, const PciFunction& gpu,
                                     const SystemState& state) {
  auto family = amd_reset_bug_family(gpu.vendor_id, gpu.device_id);
  if (!family) return {};
  std::string address = gpu.address.to_string();
  std::string id = id_prefix + address;
  bool loaded = state.has_module("vendor_reset");
  bool device_specific = gpu.reset_methods && !gpu.reset_methods->empty() &&
                         gpu.reset_methods->front() == "device_specific";
  std::string method_fix =
      fmt::format("echo device_specific | sudo tee /sys/bus/pci/devices/{}/reset_method", address);
  if (loaded && device_specific)
    return {pass(id, fmt::format("{} ({}) resets through vendor-reset", address, *family))};
  std::string title = fmt::format("{} is an AMD {} GPU with the reset bug", address, *family);
  std::string methods = gpu.reset_methods ? join(*gpu.reset_methods, " ") : "none";
  if (!loaded)
    return {warn(id, title + ": vendor-reset is not loaded",
                 "after the VM stops, the card stays hung until the host reboots (reset_method: " +
                     methods + ")",
                 "install vendor-reset (dkms), load it at boot (echo vendor-reset | sudo tee "
                 "/etc/modules-load.d/vendor-reset.conf), then " +
                     method_fix)};
  return {warn(id, title + ": reset_method is not device_specific",
               "vendor-reset is loaded, but the kernel tries " + methods + " first", method_fix)};
}

std::vector<Finding> check_vm_passthrough(const VmConfig& config, const SystemState& state,
                                          const PciFacts& pci, const SetupExpectations& setup) {
  std::vector<Finding> findings;
  if (config.gpus.empty()) return findings;
  std::vector<std::string> passed = passed_functions(config, pci);
  if (!pci.groups.enabled) {
    Finding iommu = check_iommu(state, setup);
    findings.push_back(failure("vm.passthrough.iommu",
                               "the VM passes " + join(passed, ", ") + " but the IOMMU is off",
                               iommu.detail, iommu.fix));
  }
  std::vector<std::string> at_start = passed_functions(config, pci, GpuBinding::kStart);
  for (const auto& address : passed)
    findings.push_back(check_function(address, pci, setup, contains(at_start, address)));
  if (pci.groups.enabled) {
    for (auto& finding : check_groups(passed, pci)) findings.push_back(std::move(finding));
    for (auto& finding : check_vfio_nodes(passed, state, pci, setup))
      findings.push_back(std::move(finding));
  }
  for (const auto& gpu : config.gpus) {
    const GpuCard* card = card_of(pci, normalised(gpu.address));
    if (card == nullptr) continue;
    // Single-GPU mode takes the display and the firmware framebuffers down
    // for the run and brings them back (run/single_gpu).
    if (card->boot_vga && config.single_gpu.enabled) {
      findings.push_back(
          pass("vm.gpu.boot", card->gpu.to_string() +
                                  " is the boot GPU: single-GPU mode stops the host's display for "
                                  "the run and brings it back"));
    } else if (card->boot_vga) {
      findings.push_back(
          warn("vm.gpu.boot",
               card->gpu.to_string() + " is the boot GPU: the host console uses it (single-GPU "
                                       "passthrough)",
               "the host screen goes dark while the VM runs, and the firmware's framebuffer may "
               "hold the card",
               "select the other GPU (or the iGPU) as primary display in the firmware setup; or "
               "mark the VM single-GPU ([single_gpu] enabled = true, docs/single-gpu.md) and vfg "
               "stops the desktop for the run and brings it back"));
    }
    if (!config.single_gpu.enabled)
      if (auto framebuffer = framebuffer_finding(*card, state, pci))
        findings.push_back(std::move(*framebuffer));
    if (const PciFunction* function = pci.pci.find(card->gpu))
      for (auto& finding : check_gpu_reset("vm.gpu.reset.", *function, state))
        findings.push_back(std::move(finding));
  }
  return findings;
}

std::vector<Finding> check_host_gpu_resets(const SystemState& state, const PciFacts& pci) {
  std::vector<Finding> findings;
  for (const auto& card : pci.cards) {
    if (card.kind != GpuKind::kDiscrete) continue;
    if (const PciFunction* function = pci.pci.find(card.gpu))
      for (auto& finding : check_gpu_reset("gpu.reset.", *function, state))
        findings.push_back(std::move(finding));
  }
  return findings;
}

}  // namespace vfg::check
