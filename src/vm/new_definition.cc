#include "vm/new_definition.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "util/strings.h"
#include "vm/config_loader.h"
#include "vm/config_syntax.h"
#include "vm/config_writer.h"
#include "vm/core_split.h"
#include "vm/new_definition_devices.h"

namespace vfg {

namespace {

constexpr uint64_t kHostKeeps = 4 * kGiB;
constexpr uint64_t kGuestCap = 32 * kGiB;
constexpr uint64_t kGuestFloor = 2 * kGiB;
constexpr uint64_t kWindows11Ram = 4 * kGiB;
constexpr uint64_t kWindows11Disk = 64 * kGiB;

std::string addresses(const std::vector<PciAddress>& list) {
  std::vector<std::string> names;
  for (const auto& address : list) names.push_back(address.to_string());
  return join(names, ", ");
}

/// Why a card cannot be passed as it is, in a few words.
std::string verdict_reason(const GpuCard& card) {
  switch (card.verdict) {
    case GpuVerdict::kPassable:
      return "passable";
    case GpuVerdict::kShared:
      return fmt::format("shares its IOMMU group with {}", addresses(card.shared_with));
    case GpuVerdict::kIommuOff:
      return "no IOMMU groups (the IOMMU is off; see 'vfg setup')";
    case GpuVerdict::kIntegrated:
      return "integrated graphics (the host keeps it)";
    case GpuVerdict::kBmc:
      return "the server management controller's display";
  }
  return "unknown";
}

std::string describe_cards(const std::vector<GpuCard>& cards) {
  if (cards.empty()) return "no GPU was found";
  std::vector<std::string> parts;
  for (const auto& card : cards)
    parts.push_back(fmt::format("{} ({}: {})", card.gpu.to_string(), to_string(card.kind),
                                verdict_reason(card)));
  return "cards seen: " + join(parts, "; ");
}

// "on CPUs 4-7, which isolcpus= sets aside for guests; CPUs 0-3 stay with the
// host" or "core 0 (CPU 0, 8) stays with the host".
std::string describe_host_share(const CoreSplit& split) {
  if (!split.set_aside_by.empty()) {
    return fmt::format("on CPUs {}, which {} sets aside for guests; CPUs {} stay with the host",
                       format_cpu_list(split.set_aside), split.set_aside_by,
                       format_cpu_list(threads_of(split.host)));
  }
  if (split.host.empty()) return {};
  const CpuCore& first = *split.host.front();
  if (split.host.size() == 1) {
    return fmt::format("core {} (CPU {}) stays with the host", first.core_id,
                       fmt::join(first.threads.begin(), first.threads.end(), ", "));
  }
  return fmt::format("CPUs {} stay with the host", format_cpu_list(threads_of(split.host)));
}

struct CpuChoice {
  uint32_t cores = 4;
  uint32_t threads = 2;
  std::string why;
};

CpuChoice choose_cpus(const NewVmRequest& request, const CpuTopology& cpu,
                      std::vector<std::string>& warnings) {
  CpuChoice choice;
  // The split the pin plan makes at start, with the host_cores the new definition has.
  CoreSplit split = split_cores(cpu, CpuConfig{}.host_cores);
  const std::vector<const CpuCore*>& rest = split.guest;
  std::set<size_t> thread_counts;
  uint32_t available = 0;
  for (const CpuCore* core : rest) {
    thread_counts.insert(core->threads.size());
    available += static_cast<uint32_t>(core->threads.size());
  }
  uint32_t per_core = thread_counts.size() == 1 ? static_cast<uint32_t>(*thread_counts.begin()) : 1;
  std::string reserve_text = describe_host_share(split);
  if (request.cpus) {
    uint32_t wanted = *request.cpus;
    if (per_core > 1 && wanted % per_core == 0) {
      choice = {wanted / per_core, per_core, ""};
    } else {
      choice = {wanted, 1, ""};
    }
    choice.why = fmt::format("{} vCPUs as asked", wanted);
    if (available > 0 && wanted > available)
      warnings.push_back(fmt::format(
          "--cpus {} is more than the {} CPUs left after the host's reserve ({}); the guest "
          "will compete with the host for them",
          wanted, available, reserve_text));
    return choice;
  }
  if (cpu.cores.empty()) {
    choice.why = "the host's CPU topology is unknown; 4 cores with 2 threads each";
    return choice;
  }
  if (rest.empty()) {
    warnings.emplace_back("the host has a single core; the guest shares it");
    choice = {1, 1, "1 vCPU on a single-core host"};
    return choice;
  }
  choice.threads = per_core;
  // One vCPU core per host core: on a hybrid CPU (SMT performance cores next
  // to single-thread efficiency cores) that is what pinning can place.
  choice.cores = static_cast<uint32_t>(rest.size());
  choice.cores = std::min<uint32_t>(choice.cores, 255 / choice.threads);
  choice.why =
      fmt::format("{} vCPUs ({} cores × {} thread{}); {}", choice.cores * choice.threads,
                  choice.cores, choice.threads, choice.threads == 1 ? "" : "s", reserve_text);
  return choice;
}

/// Notes on the card `--gpu auto` took and the ones it left, with the flag
/// that takes another.
void explain_gpu_pick(const GpuCard* card, const std::vector<GpuCard>& cards, NewVmPlan& plan) {
  bool screens_only = std::any_of(cards.begin(), cards.end(), [&](const GpuCard& other) {
    return other.kind == GpuKind::kDiscrete && other.verdict == GpuVerdict::kPassable;
  });
  if (card == nullptr && screens_only) {
    plan.warnings.emplace_back(
        "no GPU was taken: each passable card shows the host's own screen, which 'vfg setup "
        "--apply' would take away; the VM gets an emulated display instead (the notes name the "
        "'--gpu' that takes a card anyway)");
  } else if (card == nullptr) {
    plan.warnings.push_back(
        fmt::format("no GPU can be passed through, so the VM gets an emulated display instead; {}",
                    describe_cards(cards)));
  } else {
    plan.notes.push_back(
        fmt::format("GPU: took {} ({}{})", card->gpu.to_string(),
                    card->on_vfio() ? "already on vfio-pci" : "a passable discrete card",
                    card->boot_vga ? "" : ", the host does not boot from it"));
  }
  for (const auto& other : cards) {
    if (&other == card || other.kind != GpuKind::kDiscrete) continue;
    std::string why = host_display_reason(other, cards);
    if (why.empty() && other.verdict != GpuVerdict::kPassable) why = verdict_reason(other);
    if (why.empty()) why = card != nullptr && card->on_vfio() ? "not on vfio-pci" : "a later card";
    plan.notes.push_back(fmt::format("GPU: left {} ({}); '--gpu {}' takes it instead",
                                     other.gpu.to_string(), why, other.gpu.to_string()));
  }
}

/// The first evdev node of `kind` with a stable by-id name, or nullptr.
const InputDevice* first_input(const std::vector<InputDevice>& devices, InputKind kind) {
  for (const auto& device : devices)
    if (device.kind == kind && !device.by_id.empty()) return &device;
  return nullptr;
}

/// A definition being built: the value and the comments that explain it.
struct Definition {
  VmConfig config;
  DefinitionComments comments;
};

/// Adds an evdev device; the first grabs every device at the toggle.
void add_input(Definition& definition, const std::string& evdev, const InputDevice& device) {
  InputConfig input;
  input.evdev = evdev;
  input.grab_all = definition.config.inputs.empty();
  std::string path = fmt::format("input[{}]", definition.config.inputs.size());
  definition.comments.before[path] = {fmt::format("{} ({})", device.name, to_string(device.kind))};
  if (input.grab_all)
    definition.comments.trailing[path + ".grab_all"] = "the toggle switches every device";
  definition.config.inputs.push_back(input);
}

/// How the user types and points in a GPU VM: evdev devices asked for or
/// found, else USB devices or the Looking Glass client. Adds the [[input]]
/// entries to the definition.
Status choose_inputs(const NewVmRequest& request, const NewVmHost& host, bool gpu_vm,
                     NewVmPlan& plan, Definition& definition) {
  bool none = request.input.size() == 1 && request.input.front() == "none";
  if (!request.input.empty() && !none) {
    for (const std::string& path : request.input) {
      const InputDevice* found = nullptr;
      for (const auto& device : host.input) {
        if (std::find(device.by_id.begin(), device.by_id.end(), path) != device.by_id.end() ||
            std::find(device.by_path.begin(), device.by_path.end(), path) != device.by_path.end())
          found = &device;
      }
      if (found == nullptr) {
        std::vector<std::string> names;
        for (const auto& device : host.input)
          for (const auto& link : device.by_id) names.push_back(link);
        return fail(
            "--input '{}' is not a keyboard or mouse of this host; give a "
            "/dev/input/by-id/ name: {}",
            path, names.empty() ? "none found" : join(names, ", "));
      }
      add_input(definition, path, *found);
      plan.notes.push_back(fmt::format("input: {} by evdev", path));
    }
    return ok();
  }
  if (!gpu_vm) return ok();  // the emulated display's window takes keyboard and mouse
  if (none || !request.usb.empty() || request.looking_glass) {
    std::string how = request.looking_glass  ? "the Looking Glass client (SPICE)"
                      : !request.usb.empty() ? "the USB devices passed with --usb"
                                             : "";
    if (how.empty()) {
      plan.warnings.emplace_back(
          "--input none: the guest gets no keyboard or mouse; its installer cannot be operated "
          "until --usb or [[input]] gives it one ('vfg check' fails such a VM)");
    } else {
      plan.notes.push_back("input: " + how);
    }
    return ok();
  }
  const InputDevice* keyboard = first_input(host.input, InputKind::kKeyboard);
  const InputDevice* mouse = first_input(host.input, InputKind::kMouse);
  if (keyboard == nullptr && mouse == nullptr) {
    plan.warnings.emplace_back(
        "no keyboard or mouse was found, and the GPU's screen has no window to type into: "
        "give the guest one with --usb PORT (see 'vfg devices usb'), --input "
        "/dev/input/by-id/... or --looking-glass");
    return ok();
  }
  std::vector<std::string> chosen;
  for (const InputDevice* device : {keyboard, mouse}) {
    if (device == nullptr) continue;
    add_input(definition, device->by_id.front(), *device);
    chosen.push_back(device->by_id.front());
  }
  plan.notes.push_back(
      fmt::format("input: {} by evdev; both Ctrl keys together switch them between host and guest "
                  "(other choices: --input PATH, --usb PORT, --looking-glass)",
                  join(chosen, " and ")));
  return ok();
}

/// The top of the file, the machine and what a Windows guest gets: the
/// timers and power states libvirt and Proxmox give one, TPM and Secure Boot.
void add_machine(Definition& definition, const NewVmRequest& request, const NewVmPlan& plan,
                 const CpuChoice& cpu, const std::string& name) {
  VmConfig& config = definition.config;
  DefinitionComments& comments = definition.comments;
  comments.header = {
      fmt::format("VM '{}', written by 'vfg new' from this host's hardware. Keys: docs/config.md.",
                  name),
      fmt::format("Change it with 'vfg edit {0}', check it with 'vfg check {0}', start it with",
                  name),
      fmt::format("'vfg start {}'.", name)};
  config.name = name;
  config.os = request.os;
  comments.trailing["accel"] = "KVM when the host can run guests, TCG otherwise";
  comments.trailing["stop_timeout"] = "seconds 'vfg stop' waits for the guest to power off";
  config.memory.size = plan.memory;
  config.cpu.sockets = 1;
  config.cpu.cores = cpu.cores;
  config.cpu.threads = cpu.threads;
  comments.before["cpu.sockets"] = {cpu.why};
  comments.trailing["audio.backend"] = "pipewire | pulseaudio | none";
  if (request.os != GuestOs::kWindows) return;
  config.tpm = true;
  comments.trailing["tpm"] = "TPM 2.0 through swtpm: Windows 11 requires it";
  config.firmware.secure_boot = true;
  comments.before["firmware.secure_boot"] = {
      "OVMF with Microsoft's keys enrolled: Windows 11 requires Secure Boot."};
  PlatformConfig& platform = config.platform;
  platform.rtc_driftfix = true;
  comments.trailing["platform.rtc_driftfix"] =
      "the RTC catches up on ticks missed while the host was busy";
  platform.pit_lost_ticks = PlatformConfig::LostTicks::kDelay;
  comments.trailing["platform.pit_lost_ticks"] = "missed PIT ticks are delivered late, not dropped";
  platform.hpet = false;
  comments.trailing["platform.hpet"] = "Windows keeps time better without the HPET";
  platform.s3 = false;
  comments.trailing["platform.s3"] = "a passed-through GPU often fails to resume from sleep";
  platform.s4 = false;
  comments.trailing["platform.dump_guest_core"] = "a QEMU crash does not dump the guest's RAM";
  comments.trailing["platform.guest_agent"] =
      "true once qemu-ga (virtio-win guest tools) is installed";
}

/// The passed GPU with every function of its card, or the comment that says
/// how to add one.
void add_gpu(Definition& definition, const GpuCard* card, const NewVmRequest& request,
             const NewVmHost& host, NewVmPlan& plan) {
  if (card == nullptr) {
    definition.comments.before["gpu"] = {
        fmt::format("No GPU passed through ({}).",
                    request.gpu == "none" ? "--gpu none" : describe_cards(host.gpus)),
        "To add one later:", "[[gpu]]", "address = \"01:00.0\"", "functions = \"all\""};
    if (request.gpu == "none") plan.notes.emplace_back("GPU: none (--gpu none)");
    return;
  }
  plan.gpu = card->gpu;
  PciAddress function0 = card->gpu;
  function0.function = 0;
  std::vector<PciAddress> others;
  for (const auto& function : card->functions)
    if (!function.same_slot(function0)) others.push_back(function);
  std::string passes = addresses(card->functions);
  GpuConfig gpu;
  gpu.address = function0.to_string();
  gpu.binding = request.gpu_binding;
  definition.config.gpus.push_back(gpu);
  definition.comments.trailing["gpu[0].binding"] =
      "boot: vfio-pci from boot | start: the host's until vfg start";
  definition.comments.before["gpu[0]"] = {fmt::format(
      "The {} GPU at {}{}, with every function of its card ({}).", to_string(card->kind),
      card->gpu.to_string(), card->boot_vga ? " (the host boots from it)" : "", passes)};
  plan.notes.push_back(fmt::format("GPU: {} with {}", card->gpu.to_string(), passes));
  if (card->boot_vga)
    plan.warnings.push_back(fmt::format(
        "the host boots from {}: its console goes dark while the VM owns it; another card "
        "as the firmware's primary display avoids that",
        card->gpu.to_string()));
  if (!others.empty())
    plan.notes.push_back(fmt::format(
        "{} sits behind the card's own switch in another slot; functions = \"all\" passes "
        "it too",
        addresses(others)));
}

/// The system disk, then the installer and driver CD-ROMs.
Status add_disks(Definition& definition, const NewVmRequest& request, const NewVmHost& host,
                 const VmPaths& paths, NewVmPlan& plan) {
  bool windows = request.os == GuestOs::kWindows;
  DefinitionComments& comments = definition.comments;
  DiskConfig system;
  if (is_block_device_path(request.disk)) {
    auto chosen = choose_block_device(request.disk, host.disks, plan.notes);
    if (!chosen) return tl::unexpected(chosen.error());
    system = *chosen;
    comments.before["disk[0]"] = {
        "The system disk: a whole disk or partition by its stable name, used raw."};
  } else {
    auto size = parse_size(request.disk);
    if (!size || *size < kGiB)
      return fail("--disk '{}' is neither a size such as 128G nor /dev/disk/by-id/...",
                  request.disk);
    plan.image_size = *size;
    plan.image_path = (paths.data_dir / "system.qcow2").string();
    system.path = plan.image_path;
    comments.before["disk[0]"] = {
        fmt::format("The system disk: a {} qcow2 image that grows as {} fills it.",
                    format_bytes(*size), windows ? "Windows" : "the guest")};
    plan.notes.push_back(
        fmt::format("system disk: {} qcow2 image {}", format_bytes(*size), plan.image_path));
    if (windows && *size < kWindows11Disk)
      plan.warnings.emplace_back("Windows 11 refuses to install on a disk smaller than 64 GiB");
  }
  if (windows && request.virtio_iso.empty()) {
    system.bus = DiskBus::kSata;
    comments.before["disk[0].bus"] = {
        "SATA, because the Windows installer has no virtio driver; with the virtio-win",
        "drivers installed, \"virtio-blk\" is faster."};
  }
  bool installing = !request.iso.empty();
  system.boot_index = installing ? 2 : 1;
  std::vector<DiskConfig>& disks = definition.config.disks;
  disks.push_back(system);
  DiskConfig cdrom;
  cdrom.media = DiskMedia::kCdrom;
  cdrom.bus = DiskBus::kSata;
  if (installing) {
    comments.before["disk[1]"] = {
        "The installer boots first while Windows installs (press a key when it asks).",
        "Once Windows runs from the disk, remove this [[disk]] (and the virtio-win one)",
        fmt::format("with 'vfg edit {}'.", paths.name)};
    DiskConfig installer = cdrom;
    installer.path = request.iso;
    installer.boot_index = 1;
    disks.push_back(installer);
  }
  if (!request.virtio_iso.empty()) {
    comments.before[fmt::format("disk[{}]", disks.size())] = {
        "virtio-win drivers: load viostor\\w11\\amd64 when the installer finds no disk,",
        "then run virtio-win-guest-tools.exe in Windows."};
    DiskConfig drivers = cdrom;
    drivers.path = request.virtio_iso;
    disks.push_back(drivers);
  }
  return ok();
}

/// Network, display and Looking Glass, as fit the GPU and the drivers at hand.
void add_devices(Definition& definition, const NewVmRequest& request, bool gpu_vm) {
  VmConfig& config = definition.config;
  DefinitionComments& comments = definition.comments;
  if (request.os == GuestOs::kWindows && request.virtio_iso.empty()) {
    config.network.model = NicModel::kE1000e;
    comments.before["network.model"] = {
        "e1000e works without drivers; \"virtio\" is faster once they are installed."};
  }
  config.display.type = gpu_vm ? DisplayConfig::Type::kNone : DisplayConfig::Type::kStd;
  comments.before["display.type"] = {
      gpu_vm ? "The passed GPU drives its own monitor."
             : "An emulated display in a window, since no GPU is passed."};
  if (request.looking_glass) {
    config.looking_glass.enabled = true;
    comments.before["looking_glass"] = {
        "The guest's screen in a window on the host (the Looking Glass host app runs in",
        "Windows); its client also carries keyboard and mouse. Keys: docs/config.md."};
  }
}

}  // namespace

uint64_t default_guest_memory(uint64_t total) {
  // MemTotal is a little under the installed RAM (firmware and kernel
  // reservations): count in whole GiB, so 32 GiB of RAM gives 16, not 15.
  total = (total + kGiB / 2) / kGiB * kGiB;
  uint64_t guest = std::min(total / 2, kGuestCap);
  if (total > kHostKeeps) guest = std::min(guest, total - kHostKeeps);
  guest = guest / kGiB * kGiB;
  return std::max(guest, kGuestFloor);
}

std::string host_display_reason(const GpuCard& card, const std::vector<GpuCard>& cards) {
  if (card.on_vfio()) return {};
  if (card.boot_vga) return "the host boots from it";
  if (card.shows_output) return "the host shows a screen on it";
  size_t host_cards = std::count_if(cards.begin(), cards.end(), [](const GpuCard& other) {
    return !other.on_vfio() && other.kind != GpuKind::kBmc;
  });
  if (host_cards == 1) return "it is the only card the host has for its own screen";
  return {};
}

const GpuCard* pick_passthrough_gpu(const std::vector<GpuCard>& cards) {
  const GpuCard* pick = nullptr;
  for (const auto& card : cards) {
    if (card.kind != GpuKind::kDiscrete || card.verdict != GpuVerdict::kPassable) continue;
    // Taking the host's screen away at the next boot is never a default.
    if (!host_display_reason(card, cards).empty()) continue;
    // A card already on vfio-pci is the one the user set aside for guests.
    if (pick == nullptr || (!pick->on_vfio() && card.on_vfio())) pick = &card;
  }
  return pick;
}

Result<NewVmPlan> plan_new_vm(const NewVmRequest& request, const NewVmHost& host,
                              const VmPaths& paths) {
  NewVmPlan plan;
  bool windows = request.os == GuestOs::kWindows;

  // Memory.
  if (request.memory) {
    plan.memory = *request.memory;
    if (host.memory_total && plan.memory + kHostKeeps > *host.memory_total)
      plan.warnings.push_back(fmt::format("{} leaves the host less than {} of its {}",
                                          format_bytes(plan.memory), format_bytes(kHostKeeps),
                                          format_bytes(*host.memory_total)));
  } else if (host.memory_total) {
    plan.memory = default_guest_memory(*host.memory_total);
    plan.notes.push_back(fmt::format(
        "memory: {} (half of the host's {}, at most 32 GiB, leaving the host at least 4 GiB)",
        format_bytes(plan.memory), format_bytes(*host.memory_total)));
  } else {
    plan.memory = 8 * kGiB;
    plan.notes.emplace_back("memory: 8 GiB (the host's RAM could not be read)");
  }
  if (windows && plan.memory < kWindows11Ram)
    plan.warnings.push_back(fmt::format("Windows 11 needs at least 4 GiB of RAM; the VM gets {}",
                                        format_bytes(plan.memory)));

  CpuChoice cpu = choose_cpus(request, host.cpu, plan.warnings);
  plan.vcpus = cpu.cores * cpu.threads;
  plan.notes.push_back("CPUs: " + cpu.why);

  // GPU.
  const GpuCard* card = nullptr;
  if (request.gpu == "auto") {
    card = pick_passthrough_gpu(host.gpus);
    explain_gpu_pick(card, host.gpus, plan);
  } else if (request.gpu != "none") {
    auto address = PciAddress::parse(request.gpu);
    if (!address) return fail("--gpu '{}' is not auto, none or a PCI address", request.gpu);
    for (const auto& candidate : host.gpus) {
      if (std::find(candidate.functions.begin(), candidate.functions.end(), *address) !=
          candidate.functions.end())
        card = &candidate;
    }
    if (card == nullptr)
      return fail("{} is not a GPU on this host; {}", address->to_string(),
                  describe_cards(host.gpus));
    if (card->kind == GpuKind::kBmc)
      return fail("{} is {}; it cannot drive a guest's display", card->gpu.to_string(),
                  verdict_reason(*card));
    if (card->verdict != GpuVerdict::kPassable)
      plan.warnings.push_back(fmt::format("{} {}; 'vfg check' will say what to do about it",
                                          card->gpu.to_string(), verdict_reason(*card)));
    if (std::string why = host_display_reason(*card, host.gpus); !why.empty() && !card->boot_vga)
      plan.warnings.push_back(fmt::format(
          "{}: {}; once 'vfg setup --apply' binds it to vfio-pci, the host loses that screen",
          card->gpu.to_string(), why));
  }
  Definition definition;
  add_machine(definition, request, plan, cpu, paths.name);
  add_gpu(definition, card, request, host, plan);
  if (auto disks = add_disks(definition, request, host, paths, plan); !disks)
    return tl::unexpected(disks.error());
  for (size_t i = 0; i < request.usb.size(); ++i) {
    auto choice = choose_usb(request.usb[i], host.usb);
    if (!choice) return tl::unexpected(choice.error());
    definition.comments.before[fmt::format("usb[{}]", i)] = {choice->comment};
    definition.config.usb.push_back(choice->usb);
  }
  if (auto inputs = choose_inputs(request, host, card != nullptr, plan, definition); !inputs)
    return tl::unexpected(inputs.error());
  add_devices(definition, request, card != nullptr);
  plan.config = definition.config;
  plan.definition = write_vm_config(definition.config, definition.comments);

  // What vfg new writes must be what vfg start accepts.
  ConfigParse parsed = parse_vm_config(plan.definition, paths.config_file.string(), paths.name);
  if (parsed.diagnostics.has_errors()) {
    return fail("the definition written for '{}' does not validate:\n{}", paths.name,
                parsed.diagnostics.render());
  }
  return plan;
}

}  // namespace vfg
