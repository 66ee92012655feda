// Readers of the machine-wide sections: memory, cpu, firmware, audio, display,
// platform, boot, single_gpu.
#include "vm/config_sections.h"

#include <fmt/format.h>

#include "host/boot_paths.h"
#include "host/key_chord.h"
#include "util/host_values.h"

namespace vfg {

void read_memory(TableReader& table, MemoryConfig& memory) {
  table.read_size("size", memory.size);
  table.read_bool("prealloc", memory.prealloc);
  table.read_bool("lock", memory.lock);
  // hugepages = false | "2M" | "1G": a bare `true` cannot say which size.
  if (const ConfigValue* value = table.get_any("hugepages")) {
    if (value->kind == ConfigValue::Kind::kBool && !value->boolean) {
      memory.hugepages = HugePages::kNone;
    } else if (value->kind == ConfigValue::Kind::kBool) {
      table.error("hugepages", "say which size: \"2M\" or \"1G\" (or false for none)");
    } else if (value->kind == ConfigValue::Kind::kString) {
      table.read_enum("hugepages", memory.hugepages,
                      {{"2M", HugePages::k2M}, {"1G", HugePages::k1G}});
    } else {
      table.error("hugepages", fmt::format("expected false, \"2M\" or \"1G\", got {}",
                                           with_article(value->kind)));
    }
  }
}

void read_cpu(TableReader& table, CpuConfig& cpu) {
  table.read_uint("sockets", cpu.sockets, 1, 16);
  table.read_uint("cores", cpu.cores, 1, 256);
  table.read_uint("threads", cpu.threads, 1, 8);
  table.read_string("model", cpu.model);
  if (cpu.model.empty()) table.error("model", "cannot be empty; use \"host\"");
  table.read_enum("hyperv", cpu.hyperv,
                  {{"performance", HypervProfile::kPerformance},
                   {"stealth", HypervProfile::kStealth},
                   {"off", HypervProfile::kOff}});
  table.read_string("hv_vendor_id", cpu.hv_vendor_id);
  if (cpu.hv_vendor_id.size() > 12) {
    table.error("hv_vendor_id", fmt::format("'{}' is {} characters long; QEMU allows at most 12",
                                            cpu.hv_vendor_id, cpu.hv_vendor_id.size()));
  }
  table.read_uint("host_phys_bits_limit", cpu.host_phys_bits_limit, 32, 52);
  table.read_uint("host_cores", cpu.host_cores, 0, 64);
  table.read_bool("isolate", cpu.isolate);
  // pin = "auto" | "off" | [host CPU for vCPU 0, for vCPU 1, ...]
  if (const ConfigValue* value = table.get_any("pin")) {
    if (value->kind == ConfigValue::Kind::kString) {
      table.read_enum("pin", cpu.pin.mode,
                      {{"auto", CpuPin::Mode::kAuto}, {"off", CpuPin::Mode::kOff}});
    } else if (value->kind == ConfigValue::Kind::kArray) {
      cpu.pin.mode = CpuPin::Mode::kList;
      for (const auto& item : value->items) {
        if (item.kind != ConfigValue::Kind::kInteger || item.integer < 0 || item.integer > 8191) {
          table.error("pin", "expected a list of host CPU numbers (0..8191), one per vCPU");
          cpu.pin.host_cpus.clear();
          break;
        }
        cpu.pin.host_cpus.push_back(static_cast<uint32_t>(item.integer));
      }
    } else {
      table.error("pin", fmt::format("expected \"auto\", \"off\" or a list of host CPUs, got {}",
                                     with_article(value->kind)));
    }
  }
}

void read_firmware(TableReader& table, FirmwareConfig& firmware) {
  table.read_enum("type", firmware.type,
                  {{"uefi", FirmwareConfig::Type::kUefi}, {"bios", FirmwareConfig::Type::kBios}});
  table.read_bool("secure_boot", firmware.secure_boot);
  table.read_path("code", firmware.code);
  table.read_path("vars", firmware.vars);
}

void read_audio(TableReader& table, AudioConfig& audio) {
  table.read_bool("enabled", audio.enabled);
  table.read_enum("backend", audio.backend,
                  {{"auto", AudioBackend::kAuto},
                   {"pipewire", AudioBackend::kPipewire},
                   {"pulseaudio", AudioBackend::kPulseaudio},
                   {"none", AudioBackend::kNone}});
  table.read_path("server", audio.server);
}

void read_display(TableReader& table, DisplayConfig& display) {
  table.read_enum("type", display.type,
                  {{"none", DisplayConfig::Type::kNone},
                   {"std", DisplayConfig::Type::kStd},
                   {"spice", DisplayConfig::Type::kSpice}});
  table.read_path("spice_socket", display.spice_socket);
}

void read_platform(TableReader& table, PlatformConfig& platform) {
  table.read_bool("rtc_driftfix", platform.rtc_driftfix);
  table.read_enum("pit_lost_ticks", platform.pit_lost_ticks,
                  {{"auto", PlatformConfig::LostTicks::kAuto},
                   {"delay", PlatformConfig::LostTicks::kDelay},
                   {"discard", PlatformConfig::LostTicks::kDiscard},
                   {"qemu", PlatformConfig::LostTicks::kQemu}});
  table.read_bool("hpet", platform.hpet);
  table.read_bool("s3", platform.s3);
  table.read_bool("s4", platform.s4);
  table.read_bool("dump_guest_core", platform.dump_guest_core);
  table.read_bool("guest_agent", platform.guest_agent);
}

void read_single_gpu(TableReader& table, SingleGpuConfig& single_gpu) {
  table.read_bool("enabled", single_gpu.enabled);
  table.read_path("keyboard", single_gpu.keyboard);
  if (!single_gpu.keyboard.empty())
    if (auto grammar = check_path_under(single_gpu.keyboard, boot_paths::kInputDir); !grammar)
      table.error("keyboard", fmt::format("'{}' {}; name the keyboard by /dev/input/by-id/…",
                                          single_gpu.keyboard, grammar.error().message));
  if (const ConfigValue* value = table.get("chord", ConfigValue::Kind::kString)) {
    if (auto chord = parse_key_chord(value->string); chord) {
      single_gpu.chord = value->string;
    } else {
      table.error("chord", chord.error().message);
    }
  }
  // Less than 10 s is shorter than QEMU's own start on a busy host.
  table.read_uint("take_timeout", single_gpu.take_timeout, 10, 600);
}

void read_boot(TableReader& table, KernelBootConfig& boot) {
  table.read_path("kernel", boot.kernel);
  table.read_path("initrd", boot.initrd);
  table.read_string("append", boot.append);
}

}  // namespace vfg
