#include "vm/new_definition.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/strings.h"
#include "vm/config_loader.h"
#include "vm/config_syntax.h"

namespace vfg {

namespace {

constexpr uint64_t kHostKeeps = 4 * kGiB;
constexpr uint64_t kGuestCap = 32 * kGiB;
constexpr uint64_t kGuestFloor = 2 * kGiB;
constexpr uint64_t kWindows11Ram = 4 * kGiB;
constexpr uint64_t kWindows11Disk = 64 * kGiB;

/// A TOML basic string (JSON's escaping is valid TOML).
std::string toml_string(std::string_view text) { return nlohmann::json(std::string(text)).dump(); }

std::string size_text(uint64_t bytes) {
  return bytes % kGiB == 0 ? fmt::format("{}G", bytes / kGiB) : fmt::format("{}M", bytes / kMiB);
}

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

struct CpuChoice {
  uint32_t cores = 4;
  uint32_t threads = 2;
  std::string why;
};

CpuChoice choose_cpus(const NewVmRequest& request, const CpuTopology& cpu,
                      std::vector<std::string>& warnings) {
  CpuChoice choice;
  const CpuCore* reserved = cpu.core_of(0);
  if (reserved == nullptr && !cpu.cores.empty()) reserved = &cpu.cores.front();
  std::vector<const CpuCore*> rest;
  std::set<size_t> thread_counts;
  uint32_t available = 0;
  for (const auto& core : cpu.cores) {
    if (&core == reserved) continue;
    rest.push_back(&core);
    thread_counts.insert(core.threads.size());
    available += static_cast<uint32_t>(core.threads.size());
  }
  uint32_t per_core = thread_counts.size() == 1 ? static_cast<uint32_t>(*thread_counts.begin()) : 1;
  std::string reserve_text =
      reserved == nullptr
          ? std::string()
          : fmt::format("core 0 (CPU {}) stays with the host",
                        fmt::join(reserved->threads.begin(), reserved->threads.end(), ", "));
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

/// The disk or partition with stable name `path`, and its usage.
struct FoundBlock {
  std::string kernel_name;
  std::string description;
  const BlockUsage* usage = nullptr;
};

std::optional<FoundBlock> find_block(const std::vector<Disk>& disks, const std::string& path) {
  for (const auto& disk : disks) {
    if (std::find(disk.by_id.begin(), disk.by_id.end(), path) != disk.by_id.end() ||
        disk.dev_path == path) {
      return FoundBlock{disk.name,
                        fmt::format("whole disk {} ({}, {})", disk.name,
                                    disk.model.empty() ? "unknown model" : disk.model,
                                    format_bytes(disk.size_bytes)),
                        &disk.usage};
    }
    for (const auto& part : disk.partitions) {
      if (std::find(part.stable_names.begin(), part.stable_names.end(), path) !=
              part.stable_names.end() ||
          "/dev/" + part.name == path) {
        return FoundBlock{
            part.name, fmt::format("partition {} ({})", part.name, format_bytes(part.size_bytes)),
            &part.usage};
      }
    }
  }
  return std::nullopt;
}

std::string usage_reasons(const BlockUsage& usage) {
  std::vector<std::string> reasons;
  if (usage.root) reasons.emplace_back("it holds the host's root file system");
  if (usage.swap) reasons.emplace_back("it is the host's swap");
  if (!usage.mounts.empty())
    reasons.push_back(fmt::format("it is mounted at {}", join(usage.mounts, ", ")));
  if (!usage.holders.empty())
    reasons.push_back(fmt::format("it is part of {}", join(usage.holders, ", ")));
  return join(reasons, "; ");
}

std::string offerable_disks(const std::vector<Disk>& disks) {
  std::vector<std::string> names;
  for (const auto& disk : disks)
    if (disk.offerable()) names.push_back(disk.stable_path());
  return names.empty() ? "none (every disk is in use)" : join(names, ", ");
}

Result<DiskConfig> choose_block_device(const NewVmRequest& request, const NewVmHost& host,
                                       std::vector<std::string>& notes) {
  const std::string& path = request.disk;
  auto found = find_block(host.disks, path);
  if (is_unstable_block_device_name(path)) {
    std::string names;
    if (found) {
      for (const auto& disk : host.disks) {
        if (disk.name == found->kernel_name && !disk.by_id.empty()) names = join(disk.by_id, ", ");
        for (const auto& part : disk.partitions)
          if (part.name == found->kernel_name) names = join(part.stable_names, ", ");
      }
    }
    return fail(
        "'{}' is a kernel name that can point at another disk after a reboot; give a "
        "stable name instead{}",
        path, names.empty() ? " (ls -l /dev/disk/by-id)" : ": " + names);
  }
  if (!found) {
    return fail("no disk or partition on this host is named '{}'; disks free to give: {}", path,
                offerable_disks(host.disks));
  }
  if (found->usage != nullptr && found->usage->in_use()) {
    return fail("refusing {} ({}): {}; the guest would corrupt it. Disks free to give: {}", path,
                found->description, usage_reasons(*found->usage), offerable_disks(host.disks));
  }
  DiskConfig disk;
  disk.path = path;
  notes.push_back(fmt::format("system disk: {}", found->description));
  return disk;
}

struct UsbChoice {
  std::string key;  ///< `port = "..."` or `id = "..."`
  std::string comment;
};

/// A USB port as `vfg devices usb` may show it ("hostbus=1,hostport=3.1",
/// "USB 1-3.1") in the one spelling definitions use: "1-3.1".
std::string usb_port_spelling(std::string text) {
  if (text.rfind("USB ", 0) == 0) text = text.substr(4);
  constexpr std::string_view kBus = "hostbus=", kPort = ",hostport=";
  size_t port = text.find(kPort);
  if (text.rfind(kBus, 0) == 0 && port != std::string::npos)
    return text.substr(kBus.size(), port - kBus.size()) + "-" + text.substr(port + kPort.size());
  return text;
}

Result<UsbChoice> choose_usb(const std::string& given, const UsbDevices& usb) {
  std::string text = usb_port_spelling(given);
  UsbHostConfig parsed;
  if (parse_usb_id(text, parsed)) {
    for (const auto& device : usb.devices) {
      if (device.vendor_id == parsed.vendor_id && device.product_id == parsed.product_id)
        return UsbChoice{"id = " + toml_string(text), device.display_name()};
    }
    return UsbChoice{"id = " + toml_string(text), text + " (not plugged in now)"};
  }
  for (const auto& device : usb.devices) {
    if (device.name != text) continue;
    if (device.is_root_hub() || device.is_hub()) {
      return fail("USB port {} holds a hub ({}); pass the ports of the devices behind it", text,
                  device.display_name());
    }
    return UsbChoice{"port = " + toml_string(text), device.display_name()};
  }
  std::vector<std::string> ports;
  for (const auto& device : usb.devices)
    if (!device.is_root_hub() && !device.is_hub())
      ports.push_back(fmt::format("{} ({})", device.name, device.display_name()));
  return fail("no USB device is plugged into port '{}'; devices now: {} (see 'vfg devices usb')",
              text, ports.empty() ? "none" : join(ports, ", "));
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

std::string input_section(const std::string& evdev, std::string_view comment, bool grab_all) {
  return fmt::format("\n# {}\n[[input]]\nevdev = {}\n{}", comment, toml_string(evdev),
                     grab_all ? "grab_all = true       # the toggle switches every device\n" : "");
}

/// How the user types and points in a GPU VM: evdev devices asked for or
/// found, else USB devices or the Looking Glass client. Renders the
/// [[input]] tables.
Result<std::string> choose_inputs(const NewVmRequest& request, const NewVmHost& host, bool gpu_vm,
                                  NewVmPlan& plan) {
  bool none = request.input.size() == 1 && request.input.front() == "none";
  std::string sections;
  if (!request.input.empty() && !none) {
    for (size_t i = 0; i < request.input.size(); ++i) {
      const std::string& path = request.input[i];
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
      sections +=
          input_section(path, fmt::format("{} ({})", found->name, to_string(found->kind)), i == 0);
      plan.notes.push_back(fmt::format("input: {} by evdev", path));
    }
    return sections;
  }
  if (!gpu_vm) return sections;  // the emulated display's window takes keyboard and mouse
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
    return sections;
  }
  const InputDevice* keyboard = first_input(host.input, InputKind::kKeyboard);
  const InputDevice* mouse = first_input(host.input, InputKind::kMouse);
  if (keyboard == nullptr && mouse == nullptr) {
    plan.warnings.emplace_back(
        "no keyboard or mouse was found, and the GPU's screen has no window to type into: "
        "give the guest one with --usb PORT (see 'vfg devices usb'), --input "
        "/dev/input/by-id/... or --looking-glass");
    return sections;
  }
  std::vector<std::string> chosen;
  for (const InputDevice* device : {keyboard, mouse}) {
    if (device == nullptr) continue;
    sections += input_section(device->by_id.front(),
                              fmt::format("{} ({})", device->name, to_string(device->kind)),
                              device == keyboard);
    chosen.push_back(device->by_id.front());
  }
  plan.notes.push_back(
      fmt::format("input: {} by evdev; both Ctrl keys together switch them between host and guest "
                  "(other choices: --input PATH, --usb PORT, --looking-glass)",
                  join(chosen, " and ")));
  return sections;
}

/// The [platform] table a Windows guest gets: what libvirt and Proxmox give one.
constexpr std::string_view kWindowsPlatform =
    "\n[platform]\n"
    "rtc_driftfix = true       # the RTC catches up on ticks missed while the host was busy\n"
    "pit_lost_ticks = \"delay\"  # missed PIT ticks are delivered late, not dropped\n"
    "hpet = false              # Windows keeps time better without the HPET\n"
    "s3 = false                # a passed-through GPU often fails to resume from sleep\n"
    "s4 = false\n"
    "dump_guest_core = false   # a QEMU crash does not dump the guest's RAM\n"
    "guest_agent = false       # true once qemu-ga (virtio-win guest tools) is installed\n";

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
  bool virtio_drivers = !windows || !request.virtio_iso.empty();

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
  std::string gpu_section;
  if (card != nullptr) {
    plan.gpu = card->gpu;
    PciAddress function0 = card->gpu;
    function0.function = 0;
    std::vector<PciAddress> others;
    for (const auto& function : card->functions)
      if (!function.same_slot(function0)) others.push_back(function);
    std::string passes = addresses(card->functions);
    gpu_section = fmt::format(
        "\n# The {} GPU at {}{}, with every function of its card ({}).\n[[gpu]]\naddress = "
        "{}\nfunctions = \"all\"\n",
        to_string(card->kind), card->gpu.to_string(),
        card->boot_vga ? " (the host boots from it)" : "", passes,
        toml_string(function0.to_string()));
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
  } else {
    gpu_section = fmt::format(
        "\n# No GPU passed through ({}).\n# To add one later:\n# [[gpu]]\n# address = "
        "\"01:00.0\"\n# functions = \"all\"\n",
        request.gpu == "none" ? "--gpu none" : describe_cards(host.gpus));
    if (request.gpu == "none") plan.notes.emplace_back("GPU: none (--gpu none)");
  }

  // Disks: the system disk, then the installer and driver CD-ROMs.
  DiskConfig system;
  std::string system_comment;
  if (is_block_device_path(request.disk)) {
    auto chosen = choose_block_device(request, host, plan.notes);
    if (!chosen) return tl::unexpected(chosen.error());
    system = *chosen;
    system_comment = "# The system disk: a whole disk or partition by its stable name, used raw.";
  } else {
    auto size = parse_size(request.disk);
    if (!size || *size < kGiB)
      return fail("--disk '{}' is neither a size such as 128G nor /dev/disk/by-id/...",
                  request.disk);
    plan.image_size = *size;
    plan.image_path = (paths.data_dir / "system.qcow2").string();
    system.path = plan.image_path;
    system_comment = fmt::format(
        "# The system disk: a {} qcow2 image that grows as Windows fills it.", format_bytes(*size));
    plan.notes.push_back(
        fmt::format("system disk: {} qcow2 image {}", format_bytes(*size), plan.image_path));
    if (windows && *size < kWindows11Disk)
      plan.warnings.emplace_back("Windows 11 refuses to install on a disk smaller than 64 GiB");
  }
  bool installing = !request.iso.empty();
  std::string disks =
      "\n" + system_comment + "\n[[disk]]\npath = " + toml_string(system.path) + "\n";
  if (!virtio_drivers) {
    disks +=
        "# SATA, because the Windows installer has no virtio driver; with the virtio-win\n"
        "# drivers installed, \"virtio-blk\" is faster.\nbus = \"sata\"\n";
  }
  disks += fmt::format("boot_index = {}\n", installing ? 2 : 1);
  if (installing) {
    disks += fmt::format(
        "\n# The installer boots first while Windows installs (press a key when it asks).\n"
        "# Once Windows runs from the disk, remove this [[disk]] (and the virtio-win one)\n"
        "# with 'vfg edit {}'.\n[[disk]]\npath = {}\nmedia = \"cdrom\"\nboot_index = 1\n",
        paths.name, toml_string(request.iso));
  }
  if (!request.virtio_iso.empty()) {
    disks += fmt::format(
        "\n# virtio-win drivers: load viostor\\w11\\amd64 when the installer finds no disk,\n"
        "# then run virtio-win-guest-tools.exe in Windows.\n[[disk]]\npath = {}\nmedia = "
        "\"cdrom\"\n",
        toml_string(request.virtio_iso));
  }

  // USB.
  std::string usb;
  for (const auto& text : request.usb) {
    auto choice = choose_usb(text, host.usb);
    if (!choice) return tl::unexpected(choice.error());
    usb += fmt::format("\n# {}\n[[usb]]\n{}\n", choice->comment, choice->key);
  }

  auto inputs = choose_inputs(request, host, card != nullptr, plan);
  if (!inputs) return tl::unexpected(inputs.error());
  usb += *inputs;

  std::string_view os = windows ? "windows" : request.os == GuestOs::kLinux ? "linux" : "other";
  std::string head = fmt::format(
      "# VM '{0}', written by 'vfg new' from this host's hardware. Keys: docs/config.md.\n"
      "# Change it with 'vfg edit {0}', check it with 'vfg check {0}', start it with\n"
      "# 'vfg start {0}'.\n\n"
      "os = \"{1}\"\naccel = \"auto\"         # KVM when the host can run guests, TCG otherwise\n",
      paths.name, os);
  if (windows) head += "tpm = true             # TPM 2.0 through swtpm: Windows 11 requires it\n";
  head += "stop_timeout = 60      # seconds 'vfg stop' waits for the guest to power off\n";
  std::string machine = fmt::format(
      "\n[memory]\nsize = \"{}\"\n\n[cpu]\n# {}\nsockets = 1\ncores = {}\nthreads = {}\n"
      "model = \"host\"\n\n[firmware]\ntype = \"uefi\"\n",
      size_text(plan.memory), cpu.why, cpu.cores, cpu.threads);
  if (windows) {
    machine +=
        "# OVMF with Microsoft's keys enrolled: Windows 11 requires Secure Boot.\n"
        "secure_boot = true\n";
  }
  std::string rest = "\n[audio]\nbackend = \"auto\"       # pipewire | pulseaudio | none\n";
  rest += "\n[network]\nmode = \"user\"\n";
  if (!virtio_drivers)
    rest +=
        "# e1000e works without drivers; \"virtio\" is faster once they are installed.\nmodel = "
        "\"e1000e\"\n";
  rest += card != nullptr
              ? "\n[display]\n# The passed GPU drives its own monitor.\ntype = \"none\"\n"
              : "\n[display]\n# An emulated display in a window, since no GPU is passed.\ntype = "
                "\"std\"\n";
  if (request.looking_glass) {
    rest +=
        "\n# The guest's screen in a window on the host (the Looking Glass host app runs in\n"
        "# Windows); its client also carries keyboard and mouse. Keys: docs/config.md.\n"
        "[looking_glass]\nenabled = true\n";
  }
  if (windows) rest += kWindowsPlatform;
  plan.definition = head + machine + disks + gpu_section + usb + rest;

  // What vfg new writes must be what vfg start accepts.
  ConfigParse parsed = parse_vm_config(plan.definition, paths.config_file.string(), paths.name);
  if (parsed.diagnostics.has_errors()) {
    return fail("the definition written for '{}' does not validate:\n{}", paths.name,
                parsed.diagnostics.render());
  }
  return plan;
}

}  // namespace vfg
