// The readers of each section of a VM definition (internal to the loader).
#pragma once

#include "vm/config_diagnostics.h"
#include "vm/config_reader.h"
#include "vm/vm_config.h"

namespace vfg {

void read_memory(TableReader& table, MemoryConfig& memory);
void read_cpu(TableReader& table, CpuConfig& cpu);
void read_firmware(TableReader& table, FirmwareConfig& firmware);
void read_audio(TableReader& table, AudioConfig& audio);
void read_display(TableReader& table, DisplayConfig& display);
void read_platform(TableReader& table, PlatformConfig& platform);
void read_boot(TableReader& table, KernelBootConfig& boot);
void read_single_gpu(TableReader& table, SingleGpuConfig& single_gpu);
void read_disk(TableReader& table, DiskConfig& disk);
void read_gpu(TableReader& table, GpuConfig& gpu);
void read_usb(TableReader& table, UsbHostConfig& usb);
void read_input(TableReader& table, InputConfig& input);
void read_network(TableReader& table, NetworkConfig& network);
void read_looking_glass(TableReader& table, LookingGlassConfig& looking_glass);

/// Checks that need more than one key (conflicts, sizes that must agree).
void validate_vm_config(const VmConfig& config, ConfigDiagnostics& diagnostics);

}  // namespace vfg
