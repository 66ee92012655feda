// Checks across keys, run after every section was read.
#include <map>
#include <set>

#include <fmt/format.h>

#include "host/boot_paths.h"
#include "util/host_values.h"
#include "util/strings.h"
#include "vm/config_sections.h"
#include "vm/config_syntax.h"
#include "vm/looking_glass.h"

namespace vfg {

namespace {

void validate_memory(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  const MemoryConfig& memory = config.memory;
  if (memory.size < 128 * kMiB) {
    diagnostics.error("memory.size", fmt::format("{} is too small; give the guest at least 128M",
                                                 format_bytes(memory.size)));
  } else if (memory.size % kMiB != 0) {
    diagnostics.error("memory.size", "must be a whole number of MiB");
  }
  uint64_t page = memory.hugepages == HugePages::k1G   ? kGiB
                  : memory.hugepages == HugePages::k2M ? 2 * kMiB
                                                       : 0;
  if (page != 0 && memory.size % page != 0) {
    diagnostics.error("memory.size",
                      fmt::format("{} is not a multiple of the {} huge page size; round it to "
                                  "whole pages",
                                  format_bytes(memory.size), format_bytes(page)));
  }
}

void validate_cpu(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  const CpuConfig& cpu = config.cpu;
  if (cpu.vcpus() > 255) {
    diagnostics.error("cpu", fmt::format("sockets × cores × threads = {} vCPUs; at most 255 are "
                                         "supported",
                                         cpu.vcpus()));
  }
  if (cpu.pin.mode == CpuPin::Mode::kList && !cpu.pin.host_cpus.empty() &&
      cpu.pin.host_cpus.size() != cpu.vcpus()) {
    diagnostics.error("cpu.pin", fmt::format("lists {} host CPUs for {} vCPUs; give one per vCPU",
                                             cpu.pin.host_cpus.size(), cpu.vcpus()));
  }
  if (!cpu.hv_vendor_id.empty() && effective_hyperv(config) != HypervProfile::kPerformance) {
    diagnostics.warning("cpu.hv_vendor_id",
                        "has no effect without Hyper-V enlightenments (cpu.hyperv = "
                        "\"performance\")");
  }
}

void validate_firmware(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  const FirmwareConfig& firmware = config.firmware;
  if (firmware.code.empty() != firmware.vars.empty()) {
    diagnostics.error(firmware.code.empty() ? "firmware.vars" : "firmware.code",
                      "give both 'code' and 'vars' (from the same firmware build) or neither");
  }
  if (firmware.type == FirmwareConfig::Type::kBios && firmware.secure_boot) {
    diagnostics.error("firmware.secure_boot", "needs UEFI firmware; remove type = \"bios\"");
  }
  if (firmware.type == FirmwareConfig::Type::kBios && !firmware.code.empty()) {
    diagnostics.error("firmware.code", "is a UEFI image; it cannot be used with type = \"bios\"");
  }
  if (config.tpm && firmware.type == FirmwareConfig::Type::kBios) {
    diagnostics.warning("tpm", "Windows 11 needs UEFI with a TPM; BIOS guests rarely use one");
  }
}

void validate_disks(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  std::map<uint32_t, size_t> boot_indexes;
  std::map<std::string, size_t> paths;
  size_t sata = 0;
  for (size_t i = 0; i < config.disks.size(); ++i) {
    const DiskConfig& disk = config.disks[i];
    std::string key = fmt::format("disk[{}]", i);
    if (disk.path.empty()) continue;  // reported by the reader
    bool block = is_block_device_path(disk.path);
    if (block) {
      // The stable name ends up in a udev rule that `vfg setup` writes as root.
      std::string_view name = std::string_view(disk.path).substr(disk.path.rfind('/') + 1);
      Status safe = check_path_under(disk.path, "/dev");
      if (safe) safe = check_udev_match_value(name);
      if (!safe)
        diagnostics.error(key + ".path", fmt::format("'{}' {}", disk.path, safe.error().message));
    }
    if (block && is_unstable_block_device_name(disk.path)) {
      diagnostics.error(key + ".path",
                        fmt::format("'{}' is a kernel name that can point at another disk after a "
                                    "reboot; use its stable name under /dev/disk/by-id/ (whole "
                                    "disks) or /dev/disk/by-partuuid/ (partitions): 'ls -l "
                                    "/dev/disk/by-id /dev/disk/by-partuuid | grep {}'",
                                    disk.path, disk.path.substr(5)));
    }
    if (block && disk.format == DiskFormat::kQcow2) {
      diagnostics.error(key + ".format", "a block device is used raw; remove format = \"qcow2\"");
    }
    if (disk.bus == DiskBus::kSata && ++sata == 7) {
      diagnostics.error(key + ".bus",
                        "q35's SATA controller has 6 ports; use \"virtio-scsi\" "
                        "for more disks");
    }
    if (disk.media == DiskMedia::kCdrom && disk.bus == DiskBus::kVirtioBlk) {
      diagnostics.error(key + ".bus",
                        "virtio-blk cannot be a CD-ROM; use bus = \"sata\" or \"virtio-scsi\"");
    }
    bool direct = disk.cache == DiskCache::kNone || disk.cache == DiskCache::kDirectsync ||
                  (disk.cache == DiskCache::kAuto && block);
    if (disk.aio == DiskAio::kNative && !direct) {
      diagnostics.error(key + ".aio",
                        "\"native\" needs O_DIRECT; use cache = \"none\" or aio = \"io_uring\"");
    }
    if (disk.boot_index) {
      auto [it, inserted] = boot_indexes.emplace(*disk.boot_index, i);
      if (!inserted) {
        diagnostics.error(key + ".boot_index",
                          fmt::format("{} is also used by disk[{}]; boot indexes must differ",
                                      *disk.boot_index, it->second));
      }
    }
    auto [it, inserted] = paths.emplace(disk.path, i);
    if (!inserted) {
      diagnostics.error(
          key + ".path",
          fmt::format("'{}' is also disk[{}]; a disk can be attached once", disk.path, it->second));
    }
  }
}

void validate_gpus(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  std::map<std::string, size_t> cards;
  for (size_t i = 0; i < config.gpus.size(); ++i) {
    const GpuConfig& gpu = config.gpus[i];
    if (gpu.address.empty()) continue;
    std::string key = fmt::format("gpu[{}]", i);
    std::string card = gpu.address.substr(0, gpu.address.size() - 2);
    auto [it, inserted] = cards.emplace(card, i);
    if (!inserted) {
      diagnostics.error(key + ".address",
                        fmt::format("card {} is also gpu[{}]", gpu.address, it->second));
    }
    for (const auto& function : gpu.functions) {
      if (function.substr(0, function.size() - 2) != card) {
        diagnostics.error(key + ".functions",
                          fmt::format("{} is not a function of the card at {}; list only "
                                      "functions of this card",
                                      function, gpu.address));
      } else if (function == gpu.address) {
        diagnostics.error(key + ".functions",
                          fmt::format("{} is the card's function 0, which 'address' already "
                                      "passes",
                                      function));
      }
    }
  }
  size_t vga = 0;
  for (const auto& gpu : config.gpus) vga += gpu.x_vga ? 1 : 0;
  if (vga > 1) diagnostics.error("gpu", "only one GPU can have x_vga = true");
}

void validate_usb(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  std::set<std::string> seen;
  for (size_t i = 0; i < config.usb.size(); ++i) {
    const UsbHostConfig& usb = config.usb[i];
    std::string id = usb.by_port() ? fmt::format("{}-{}", usb.hostbus, usb.hostport)
                                   : fmt::format("{:04x}:{:04x}", usb.vendor_id, usb.product_id);
    if (id == "0000:0000") continue;  // reported by the reader
    if (!seen.insert(id).second) {
      diagnostics.error(fmt::format("usb[{}]", i), fmt::format("{} is listed twice", id));
    }
  }
}

void validate_network(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  const NetworkConfig& network = config.network;
  if (network.mode != NetworkMode::kUser) {
    if (!network.smb.empty()) {
      diagnostics.error("network.smb", "needs mode = \"user\" (QEMU's built-in SMB server)");
    }
    if (!network.forwards.empty()) {
      diagnostics.error("network.forwards",
                        "need mode = \"user\"; with a bridge or tap the guest "
                        "is reachable directly");
    }
  }
  if (network.mode == NetworkMode::kBridge && network.bridge.empty()) {
    diagnostics.error(diagnostics.position_of("network.mode"), "network.bridge",
                      "mode = \"bridge\" needs a bridge name such as \"br0\"");
  }
  if (network.mode == NetworkMode::kTap && network.tap.empty()) {
    diagnostics.error(diagnostics.position_of("network.mode"), "network.tap",
                      "mode = \"tap\" needs the name of a tap interface");
  }
  std::set<std::pair<int, uint16_t>> host_ports;
  for (const auto& forward : network.forwards) {
    if (!host_ports.emplace(static_cast<int>(forward.protocol), forward.host_port).second) {
      diagnostics.error("network.forwards",
                        fmt::format("host port {} is forwarded twice", forward.host_port));
    }
  }
}

void validate_looking_glass(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  const LookingGlassConfig& lg = config.looking_glass;
  if (!lg.enabled) return;
  if (lg.backend == LookingGlassConfig::Backend::kShm) {
    // `vfg setup` writes this path into a tmpfiles.d file that systemd-tmpfiles runs as root.
    if (auto safe = check_path_under(lg.shm_path, boot_paths::kSharedMemoryDir); !safe)
      diagnostics.error("looking_glass.shm_path",
                        fmt::format("'{}' {}", lg.shm_path, safe.error().message));
  }
  if (!lg.size) return;
  uint64_t size = *lg.size;
  uint64_t needed = looking_glass_size(lg.width, lg.height, lg.hdr);
  if (round_up_power_of_two(size) != size) {
    diagnostics.error("looking_glass.size",
                      fmt::format("{} is not a power of two, which QEMU requires; use {}",
                                  format_bytes(size), format_bytes(round_up_power_of_two(size))));
  } else if (size < needed) {
    diagnostics.error("looking_glass.size",
                      fmt::format("{} is too small for {}x{}{}; it needs {} (or remove 'size' to "
                                  "have it computed)",
                                  format_bytes(size), lg.width, lg.height, lg.hdr ? " HDR" : "",
                                  format_bytes(needed)));
  }
}

void validate_boot(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  const KernelBootConfig& boot = config.boot;
  if (boot.kernel.empty() && !boot.initrd.empty()) {
    diagnostics.error("boot.initrd", "needs boot.kernel");
  }
  if (boot.kernel.empty() && !boot.append.empty()) {
    diagnostics.error("boot.append", "needs boot.kernel");
  }
}

// The card must come back to the host at the stop, and the chord's keyboard
// must stay with the host: a keyboard the guest grabs cannot end the run.
void validate_single_gpu(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  const SingleGpuConfig& single = config.single_gpu;
  if (!single.enabled) return;
  if (config.gpus.size() != 1) {
    diagnostics.error("single_gpu.enabled",
                      fmt::format("a single-GPU VM passes the host's one card; this VM has {} "
                                  "[[gpu]] entries",
                                  config.gpus.size()));
  } else if (config.gpus.front().binding != GpuBinding::kStart) {
    diagnostics.error("single_gpu.enabled",
                      "the card must go back to the host at the stop; add binding = \"start\" "
                      "to its [[gpu]]");
  }
  for (size_t i = 0; i < config.inputs.size(); ++i)
    if (!single.keyboard.empty() && config.inputs[i].evdev == single.keyboard)
      diagnostics.error("single_gpu.keyboard",
                        fmt::format("'{}' is also input[{}]: the guest would grab it and the "
                                    "chord could not bring the desktop back; name another "
                                    "keyboard",
                                    single.keyboard, i));
}

}  // namespace

void validate_vm_config(const VmConfig& config, ConfigDiagnostics& diagnostics) {
  validate_memory(config, diagnostics);
  validate_cpu(config, diagnostics);
  validate_firmware(config, diagnostics);
  validate_disks(config, diagnostics);
  validate_gpus(config, diagnostics);
  validate_usb(config, diagnostics);
  validate_network(config, diagnostics);
  validate_looking_glass(config, diagnostics);
  validate_boot(config, diagnostics);
  validate_single_gpu(config, diagnostics);
}

}  // namespace vfg
