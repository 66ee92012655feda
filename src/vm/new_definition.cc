#include "vm/new_definition.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "util/strings.h"
#include "vm/config_loader.h"
#include "vm/config_syntax.h"
#include "vm/config_writer.h"

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
  choice.cores = per_core > 1 ? static_cast<uint32_t>(rest.size()) : available;
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
  UsbHostConfig usb;
  std::string comment;
};

Result<UsbChoice> choose_usb(const std::string& text, const UsbDevices& usb) {
  UsbHostConfig parsed;
  if (parse_usb_id(text, parsed)) {
    for (const auto& device : usb.devices) {
      if (device.vendor_id == parsed.vendor_id && device.product_id == parsed.product_id)
        return UsbChoice{parsed, device.display_name()};
    }
    return UsbChoice{parsed, text + " (not plugged in now)"};
  }
  for (const auto& device : usb.devices) {
    if (device.name != text) continue;
    if (device.is_root_hub() || device.is_hub()) {
      return fail("USB port {} holds a hub ({}); pass the ports of the devices behind it", text,
                  device.display_name());
    }
    UsbHostConfig port;
    if (!parse_usb_port(text, port)) break;
    return UsbChoice{port, device.display_name()};
  }
  std::vector<std::string> ports;
  for (const auto& device : usb.devices)
    if (!device.is_root_hub() && !device.is_hub())
      ports.push_back(fmt::format("{} ({})", device.name, device.display_name()));
  return fail("no USB device is plugged into port '{}'; devices now: {} (see 'vfg devices usb')",
              text, ports.empty() ? "none" : join(ports, ", "));
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

const GpuCard* pick_passthrough_gpu(const std::vector<GpuCard>& cards) {
  const GpuCard* pick = nullptr;
  for (const auto& card : cards) {
    if (card.kind != GpuKind::kDiscrete || card.verdict != GpuVerdict::kPassable) continue;
    // The card the firmware boots from drives the host's console; leave it to the host.
    if (pick == nullptr || (pick->boot_vga && !card.boot_vga)) pick = &card;
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
    if (card == nullptr) {
      plan.warnings.push_back(fmt::format(
          "no GPU can be passed through, so the VM gets an emulated display instead; {}",
          describe_cards(host.gpus)));
    }
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
  }
  // The definition as a value; the writer renders it with the reasons as
  // comments.
  VmConfig config;
  config.name = paths.name;
  config.os = request.os;
  config.tpm = windows;
  config.memory.size = plan.memory;
  config.cpu.sockets = 1;
  config.cpu.cores = cpu.cores;
  config.cpu.threads = cpu.threads;
  config.firmware.secure_boot = windows;
  config.audio.backend = AudioBackend::kAuto;
  config.network.mode = NetworkMode::kUser;
  if (!virtio_drivers) config.network.model = NicModel::kE1000e;
  DefinitionComments comments;
  comments.header = {fmt::format("VM '{}', written by 'vfg new' from this "
                                 "host's hardware. Keys: docs/config.md.",
                                 paths.name),
                     fmt::format("Change it with 'vfg edit {0}', check it with "
                                 "'vfg check {0}', start it with",
                                 paths.name),
                     fmt::format("'vfg start {}'.", paths.name)};
  comments.trailing["accel"] = "KVM when the host can run guests, TCG otherwise";
  comments.trailing["tpm"] = "TPM 2.0 through swtpm: Windows 11 requires it";
  comments.trailing["stop_timeout"] = "seconds 'vfg stop' waits for the guest to power off";
  comments.trailing["audio.backend"] = "pipewire | pulseaudio | none";
  comments.before["cpu.sockets"] = {cpu.why};
  comments.before["firmware.secure_boot"] = {
      "OVMF with Microsoft's keys enrolled: Windows 11 requires Secure Boot."};
  if (!virtio_drivers)
    comments.before["network.model"] = {
        "e1000e works without drivers; \"virtio\" is faster once they are "
        "installed."};

  if (card != nullptr) {
    plan.gpu = card->gpu;
    PciAddress function0 = card->gpu;
    function0.function = 0;
    std::vector<PciAddress> others;
    for (const auto& function : card->functions)
      if (!function.same_slot(function0)) others.push_back(function);
    std::string passes = addresses(card->functions);
    GpuConfig gpu;
    gpu.address = function0.to_string();
    config.gpus.push_back(gpu);
    comments.before["gpu[0]"] = {fmt::format(
        "The {} GPU at {}{}, with every function of its card ({}).", to_string(card->kind),
        card->gpu.to_string(), card->boot_vga ? " (the host boots from it)" : "", passes)};
    plan.notes.push_back(fmt::format("GPU: {} with {}", card->gpu.to_string(), passes));
    if (card->boot_vga)
      plan.warnings.push_back(
          fmt::format("the host boots from {}: its console goes dark while the "
                      "VM owns it; another card "
                      "as the firmware's primary display avoids that",
                      card->gpu.to_string()));
    if (!others.empty())
      plan.notes.push_back(
          fmt::format("{} sits behind the card's own switch in another slot; "
                      "functions = \"all\" passes "
                      "it too",
                      addresses(others)));
    config.display.type = DisplayConfig::Type::kNone;
    comments.before["display.type"] = {"The passed GPU drives its own monitor."};
  } else {
    comments.before["gpu"] = {
        fmt::format("No GPU passed through ({}).",
                    request.gpu == "none" ? "--gpu none" : describe_cards(host.gpus)),
        "To add one later:", "[[gpu]]", "address = \"01:00.0\"", "functions = \"all\""};
    if (request.gpu == "none") plan.notes.emplace_back("GPU: none (--gpu none)");
    config.display.type = DisplayConfig::Type::kStd;
    comments.before["display.type"] = {"An emulated display in a window, since no GPU is passed."};
  }

  // Disks: the system disk, then the installer and driver CD-ROMs.
  DiskConfig system;
  if (is_block_device_path(request.disk)) {
    auto chosen = choose_block_device(request, host, plan.notes);
    if (!chosen) return tl::unexpected(chosen.error());
    system = *chosen;
    comments.before["disk[0]"] = {
        "The system disk: a whole disk or partition "
        "by its stable name, used raw."};
  } else {
    auto size = parse_size(request.disk);
    if (!size || *size < kGiB)
      return fail("--disk '{}' is neither a size such as 128G nor /dev/disk/by-id/...",
                  request.disk);
    plan.image_size = *size;
    plan.image_path = (paths.data_dir / "system.qcow2").string();
    system.path = plan.image_path;
    comments.before["disk[0]"] = {fmt::format(
        "The system disk: a {} qcow2 image that grows as Windows fills it.", format_bytes(*size))};
    plan.notes.push_back(
        fmt::format("system disk: {} qcow2 image {}", format_bytes(*size), plan.image_path));
    if (windows && *size < kWindows11Disk)
      plan.warnings.emplace_back("Windows 11 refuses to install on a disk smaller than 64 GiB");
  }
  bool installing = !request.iso.empty();
  if (!virtio_drivers) {
    system.bus = DiskBus::kSata;
    comments.before["disk[0].bus"] = {
        "SATA, because the Windows installer has no virtio driver; with the "
        "virtio-win",
        "drivers installed, \"virtio-blk\" is faster."};
  }
  system.boot_index = installing ? 2 : 1;
  config.disks.push_back(system);
  if (installing) {
    DiskConfig iso;
    iso.path = request.iso;
    iso.media = DiskMedia::kCdrom;
    iso.bus = DiskBus::kSata;
    iso.boot_index = 1;
    comments.before[fmt::format("disk[{}]", config.disks.size())] = {
        "The installer boots first while Windows installs (press a key when it "
        "asks).",
        "Once Windows runs from the disk, remove this [[disk]] (and the "
        "virtio-win one)",
        fmt::format("with 'vfg edit {}'.", paths.name)};
    config.disks.push_back(iso);
  }
  if (!request.virtio_iso.empty()) {
    DiskConfig drivers;
    drivers.path = request.virtio_iso;
    drivers.media = DiskMedia::kCdrom;
    drivers.bus = DiskBus::kSata;
    comments.before[fmt::format("disk[{}]", config.disks.size())] = {
        "virtio-win drivers: load viostor\\w11\\amd64 when the installer finds "
        "no disk,",
        "then run virtio-win-guest-tools.exe in Windows."};
    config.disks.push_back(drivers);
  }

  // USB.
  for (const auto& text : request.usb) {
    auto choice = choose_usb(text, host.usb);
    if (!choice) return tl::unexpected(choice.error());
    comments.before[fmt::format("usb[{}]", config.usb.size())] = {choice->comment};
    config.usb.push_back(choice->usb);
  }

  plan.definition = write_vm_config(config, comments);

  // What vfg new writes must be what vfg start accepts.
  ConfigParse parsed = parse_vm_config(plan.definition, paths.config_file.string(), paths.name);
  if (parsed.diagnostics.has_errors()) {
    return fail("the definition written for '{}' does not validate:\n{}", paths.name,
                parsed.diagnostics.render());
  }
  return plan;
}

}  // namespace vfg
