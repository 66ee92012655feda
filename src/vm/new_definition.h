// What `vfg new` writes: a definition chosen from the host's hardware. This
// part is pure — hardware facts in, definition text and the files to create
// out — so every fixture host can be tested; the command does the writing.
// The text comes from config_writer: this part decides the value and the
// comments that explain each choice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/block.h"
#include "host/cpu_topology.h"
#include "host/gpu.h"
#include "host/input.h"
#include "host/usb.h"
#include "util/result.h"
#include "vm/vm_config.h"
#include "vm/vm_paths.h"

namespace vfg {

/// The choices given on the command line.
struct NewVmRequest {
  GuestOs os = GuestOs::kWindows;
  /// Installer and driver ISOs (absolute paths, checked to exist by the caller).
  std::string iso;
  std::string virtio_iso;
  /// A size ("128G") for a new qcow2 image, or a block device by its stable name.
  std::string disk = "128G";
  /// "auto", "none" or a PCI address.
  std::string gpu = "auto";
  /// When the card leaves the host's driver (docs/handover.md).
  GpuBinding gpu_binding = GpuBinding::kBoot;
  /// USB ports ("3-1.4.2") or vendor:product ids ("046d:c539").
  std::vector<std::string> usb;
  /// Keyboards and mice by evdev (/dev/input/by-id/...); {"none"} for none.
  /// Empty: for a GPU VM, the keyboard and mouse found on the host.
  std::vector<std::string> input;
  /// Looking Glass (its client also carries keyboard and mouse over SPICE).
  bool looking_glass = false;
  std::optional<uint64_t> memory;
  std::optional<uint32_t> cpus;
};

/// What the host has, as far as a new VM cares.
struct NewVmHost {
  std::vector<GpuCard> gpus;
  std::vector<Disk> disks;
  CpuTopology cpu;
  UsbDevices usb;
  std::vector<InputDevice> input;
  std::optional<uint64_t> memory_total;
};

/// The definition and what has to exist before it can start.
struct NewVmPlan {
  /// The definition, and its text with the comments a user needs (written
  /// by config_writer, the one writer of definitions).
  VmConfig config;
  std::string definition;
  /// The qcow2 image to create (empty when the VM uses a block device).
  std::string image_path;
  uint64_t image_size = 0;
  /// The GPU card passed, if any (its GPU function).
  std::optional<PciAddress> gpu;
  uint64_t memory = 0;
  uint32_t vcpus = 0;
  /// What was chosen and why, for the user.
  std::vector<std::string> notes;
  /// What the user should look at (no GPU, little RAM, ...).
  std::vector<std::string> warnings;
};

/// Guest RAM for a host with `total` bytes: half, at most 32 GiB, leaving the
/// host at least 4 GiB, in whole GiB (never below 2 GiB).
uint64_t default_guest_memory(uint64_t total);

/// Why the host needs `card` for its own screen ("the host boots from it",
/// ...), or empty. A card on vfio-pci shows the host nothing.
std::string host_display_reason(const GpuCard& card, const std::vector<GpuCard>& cards);

/// Picks the GPU card for `--gpu auto`: a discrete card whose IOMMU groups
/// hold nothing else and that does not drive the host's display; of several,
/// one already on vfio-pci. nullptr when none qualifies.
const GpuCard* pick_passthrough_gpu(const std::vector<GpuCard>& cards);

/// Decides everything and renders the definition through config_writer. Fails on a request that
/// cannot be honoured (a disk in use, an unknown GPU or USB port).
Result<NewVmPlan> plan_new_vm(const NewVmRequest& request, const NewVmHost& host,
                              const VmPaths& paths);

}  // namespace vfg
