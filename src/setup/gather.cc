#include "setup/gather.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/boot_paths.h"
#include "host/gpu.h"
#include "host/iommu.h"
#include "host/passwd.h"
#include "host/pci.h"
#include "host/system_state.h"
#include "host/trusted_path.h"
#include "setup/kernel_params.h"
#include "setup/planner.h"
#include "setup/request_check.h"
#include "util/strings.h"

namespace vfg {

namespace {

// udev (systemd) treats ids below this as system accounts (SYS_GID_MAX + 1 on every
// distribution's default login.defs).
constexpr uint32_t kFirstRegularGid = 1000;

SetupPciFunction to_setup(const PciFunction& fn) {
  return {fn.address.to_string(), fn.vendor_id,           fn.device_id,
          fn.class_code,          fn.driver.value_or(""), fn.driver_module.value_or("")};
}

std::optional<bool> remapping(const SystemState& state) {
  // Before the IOMMU is on, /proc/interrupts cannot show remapping; only the
  // hardware capability (Intel's dmar ecap) can tell then. Unknown never adds
  // the unsafe option.
  if (state.iommu.remapping_supported) return state.iommu.remapping_supported;
  if (!state.iommu.groups.empty()) return state.iommu.interrupt_remapping;
  return std::nullopt;
}

Status add_card_functions(const std::string& text, const PciDevices& pci,
                          const std::vector<GpuCard>& cards, std::vector<SetupPciFunction>& bind,
                          std::vector<std::string>& warnings) {
  auto address = PciAddress::parse(text);
  if (!address) return fail("'{}' is not a PCI address (like 0000:01:00.0)", text);
  const GpuCard* card = nullptr;
  for (const auto& c : cards)
    if (std::find(c.functions.begin(), c.functions.end(), *address) != c.functions.end()) card = &c;
  std::vector<PciAddress> functions;
  if (card) {
    functions = card->functions;
    if (card->verdict != GpuVerdict::kPassable)
      warnings.push_back(fmt::format("the card at {} is {}: see 'vfg check'", card->gpu.to_string(),
                                     to_string(card->verdict)));
  } else if (pci.find(*address)) {
    functions.push_back(*address);
  } else {
    return fail("no PCI device at {}", address->to_string());
  }
  for (const auto& fn_address : functions) {
    const PciFunction* fn = pci.find(fn_address);
    if (!fn) continue;
    SetupPciFunction item = to_setup(*fn);
    if (std::none_of(bind.begin(), bind.end(),
                     [&](const SetupPciFunction& b) { return b.address == item.address; }))
      bind.push_back(item);
  }
  return ok();
}

/// Adds a start-bound function to its card's list (the card's whole set of
/// functions for a whole-card binding).
Status add_handover_function(const BindingNeed& binding, const PciDevices& pci,
                             const std::vector<GpuCard>& cards,
                             std::vector<std::vector<SetupPciFunction>>& handover) {
  auto card = PciAddress::parse(binding.card);
  if (!card) return fail("'{}' is not a PCI address (like 0000:01:00.0)", binding.card);
  auto entry = std::find_if(handover.begin(), handover.end(), [&](const auto& functions) {
    return functions.front().address == card->to_string();
  });
  if (entry == handover.end()) {
    handover.emplace_back();
    entry = std::prev(handover.end());
  }
  std::vector<std::string> ignored;
  std::vector<SetupPciFunction> functions;
  if (binding.whole_card) {
    if (auto added = add_card_functions(binding.address, pci, cards, functions, ignored); !added)
      return added;
  } else {
    auto address = PciAddress::parse(binding.address);
    const PciFunction* fn = address ? pci.find(*address) : nullptr;
    if (fn == nullptr) return fail("no PCI device at {}", binding.address);
    functions.push_back(to_setup(*fn));
  }
  for (auto& fn : functions)
    if (std::none_of(entry->begin(), entry->end(),
                     [&](const SetupPciFunction& b) { return b.address == fn.address; }))
      entry->push_back(std::move(fn));
  // Function 0 names the card: keep it first.
  std::stable_partition(entry->begin(), entry->end(), [&](const SetupPciFunction& fn) {
    return fn.address == card->to_string();
  });
  return ok();
}

/// The vfg the handover service will run as root. On this machine it is this
/// very program, which must then be root's alone; a tree (--root) plans for
/// vfg installed as a package.
Result<std::string> handover_binary(const HostRoot& root, const SetupArgs& args,
                                    std::vector<std::string>& warnings) {
  if (!args.vfg_binary.empty()) return args.vfg_binary;
  if (!root.is_live()) {
    warnings.push_back(
        "the handover service runs /usr/bin/vfg: the path of the packaged vfg in the tree");
    return std::string("/usr/bin/vfg");
  }
  auto own = own_executable();
  if (!own) return fail("cannot tell where this vfg is (/proc/self/exe)");
  if (auto trusted = check_root_only_path(*own); !trusted)
    return fail(
        "the handover service would run {} as root, but {}; install vfg where only root can "
        "change it (a package, or `sudo cmake --install build/release` to /usr/local) and run "
        "setup with that vfg",
        *own, trusted.error().message);
  return *own;
}

}  // namespace

std::optional<SetupDisk> disk_from_path(const std::string& path) {
  constexpr std::string_view kByPartuuid = "/dev/disk/by-partuuid/";
  constexpr std::string_view kById = "/dev/disk/by-id/";
  if (path.starts_with(kByPartuuid))
    return SetupDisk{"ID_PART_ENTRY_UUID", path.substr(kByPartuuid.size()), false, path, {}};
  if (!path.starts_with(kById)) return std::nullopt;
  std::string name = path.substr(kById.size());
  std::string partition;
  if (auto part = name.rfind("-part");
      part != std::string::npos && parse_uint(std::string_view(name).substr(part + 5))) {
    partition = name.substr(part + 5);
    name = name.substr(0, part);
  }
  // udev names by-id links BUS-SERIAL (ata-, nvme-, scsi-, usb-...) and wwn-WWN.
  std::string property = "ID_SERIAL";
  if (name.starts_with("wwn-")) {
    property = "ID_WWN_WITH_EXTENSION";
    name = name.substr(4);
  } else if (auto dash = name.find('-'); dash != std::string::npos) {
    name = name.substr(dash + 1);
  } else {
    return std::nullopt;
  }
  return SetupDisk{property, name, partition.empty(), path, partition};
}

SetupVm setup_vm_from_needs(HostNeeds needs, std::vector<std::string>* warnings) {
  SetupVm vm;
  for (const auto* disk : needs.nodes_of(DeviceNodeNeed::Kind::kDisk)) {
    if (auto stable = disk_from_path(disk->path))
      vm.disks.push_back(*stable);
    else if (warnings)
      warnings->push_back(fmt::format(
          "{}: {} is a kernel name that can change between boots; name it by "
          "/dev/disk/by-id/... or /dev/disk/by-partuuid/... so setup can write an access rule",
          needs.vm, disk->path));
  }
  for (const auto* node : needs.nodes_of(DeviceNodeNeed::Kind::kUsb)) {
    const UsbHostConfig& usb = node->usb;
    SetupUsb item;
    if (usb.by_port())
      item.port = fmt::format("{}-{}", usb.hostbus, usb.hostport);
    else {
      item.vendor = usb.vendor_id;
      item.product = usb.product_id;
    }
    vm.usb.push_back(item);
  }
  vm.needs = std::move(needs);
  return vm;
}

Result<SetupInputs> gather_setup_inputs(const HostReading& host, FileWriter& files,
                                        const SetupArgs& args) {
  const HostRoot& root = host.root();
  SetupInputs inputs;
  SetupFacts& facts = inputs.facts;
  SetupRequest& request = inputs.request;
  facts.boot = detect_boot_setup(root);

  const auto& state = host.system_state();
  if (!state) return tl::unexpected(state.error());
  if (state->cpu_vendor == "GenuineIntel") facts.cpu = CpuVendor::kIntel;
  if (state->cpu_vendor == "AuthenticAMD") facts.cpu = CpuVendor::kAmd;
  facts.interrupt_remapping = remapping(*state);
  for (const auto& group : state->groups) facts.existing_groups.push_back(group.name);

  const PciDevices& pci = host.pci();
  for (const auto& fn : pci.functions) facts.pci.push_back(to_setup(fn));
  auto cards = find_gpu_cards(pci, host.iommu_groups());

  for (const auto& gpu : args.gpus)
    if (auto added = add_card_functions(gpu, pci, cards, request.bind, inputs.warnings); !added)
      return tl::unexpected(added.error().with_context("--gpu"));
  for (const auto& vm : args.vms) {
    HostNeeds needs = host_needs(vm);
    for (const auto& binding : needs.bindings) {
      if (binding.at_start) {
        if (auto added = add_handover_function(binding, pci, cards, request.handover); !added)
          return tl::unexpected(added.error().with_context(vm.name));
        continue;
      }
      if (binding.whole_card) {
        if (auto added =
                add_card_functions(binding.address, pci, cards, request.bind, inputs.warnings);
            !added)
          return tl::unexpected(added.error().with_context(vm.name));
        continue;
      }
      auto parsed = PciAddress::parse(binding.address);
      const PciFunction* fn = parsed ? pci.find(*parsed) : nullptr;
      if (!fn) return fail("{}: no PCI device at {}", vm.name, binding.address);
      request.bind.push_back(to_setup(*fn));
    }
    request.single_gpu = request.single_gpu || vm.single_gpu.enabled;
    request.vms.push_back(setup_vm_from_needs(std::move(needs), &inputs.warnings));
  }

  // The user: named, else the one who ran sudo, else whoever runs this.
  request.user.name = args.user;
  if (request.user.name.empty())
    if (const char* sudo_user = std::getenv("SUDO_USER")) request.user.name = sudo_user;
  if (request.user.name.empty()) request.user.name = state->identity.user;
  request.group = args.group;
  request.msrs = args.msrs;
  request.memlock_unlimited = args.memlock_unlimited;
  if (!request.handover.empty()) {
    if (auto binary = handover_binary(root, args, inputs.warnings))
      request.vfg_binary = *binary;
    else
      return tl::unexpected(binary.error());
  }
  // Nothing below may read a path or plan a file from a value that fails its grammar.
  if (auto safe = check_setup_request(request); !safe) return tl::unexpected(safe.error());
  std::optional<uint32_t> primary_gid;
  if (auto entry = account_by_name(root, request.user.name)) {
    request.user.uid = entry->uid;
    primary_gid = entry->gid;
  }
  if (!request.user.uid && request.user.name != "root" && !request.user.name.empty())
    inputs.warnings.push_back(
        fmt::format("no user '{}' in {}", request.user.name, boot_paths::kPasswdFile));
  for (const auto& group : state->groups)
    if (group.name == request.group && group.gid >= kFirstRegularGid)
      return fail(
          "group '{}' has gid {}, which is not a system group: udev from systemd 258 "
          "ignores GROUP= for it and /dev/vfio stays root-only; name a system group "
          "with --group (setup creates one with groupadd --system if it is missing)",
          group.name, group.gid);
  for (const auto& group : state->groups)
    if (std::find(group.members.begin(), group.members.end(), request.user.name) !=
            group.members.end() ||
        (primary_gid && group.gid == *primary_gid))
      request.user.groups.push_back(group.name);

  for (const auto& path : planned_paths(facts.boot, request)) {
    auto current = files.read(path);
    if (!current) return tl::unexpected(current.error());
    if (*current) facts.files[path] = (*current)->contents;
  }

  // Command lines kept by tools (not files setup edits): what they hold now.
  switch (facts.boot.bootloader) {
    case Bootloader::kGrubby:
    case Bootloader::kRpmOstree:
      for (const auto& entry : facts.boot.loader_entries)
        if (auto text = root.read_attr(entry))
          facts.tool_cmdlines.push_back(loader_entry_options(*text));
      break;
    case Bootloader::kKernelstub:
      if (auto text = root.read_attr(boot_paths::kKernelstubConfig)) {
        auto json = nlohmann::json::parse(*text, nullptr, false);
        if (!json.is_discarded() && json.contains("user") &&
            json["user"].contains("kernel_options") && json["user"]["kernel_options"].is_array()) {
          std::vector<std::string> words;
          for (const auto& word : json["user"]["kernel_options"])
            if (word.is_string()) words.push_back(word.get<std::string>());
          facts.tool_cmdlines.push_back(join(words, " "));
        }
      }
      break;
    default:
      break;
  }
  return inputs;
}

Result<HostPlan> plan_host_setup(const HostReading& host, const SetupArgs& args) {
  TreeFileWriter files(host.root());
  auto inputs = gather_setup_inputs(host, files, args);
  if (!inputs) return tl::unexpected(inputs.error());
  HostPlan plan = plan_setup(inputs->facts, inputs->request);
  plan.warnings.insert(plan.warnings.begin(), inputs->warnings.begin(), inputs->warnings.end());
  return plan;
}

}  // namespace vfg
