// VmConfig: what the user wants, as plain structs with their defaults written
// inline. The TOML loader fills it (reporting every problem of a file at
// once); tests build it directly. Nothing here reads the host: "auto" values
// are resolved later from what the host has (see LaunchPlan).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vfg {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;
inline constexpr uint64_t kGiB = uint64_t{1} << 30;

/// The guest operating system; it picks defaults (Hyper-V, RTC, serial log).
enum class GuestOs { kWindows, kLinux, kOther };

/// How QEMU runs guest code. kAuto = KVM when the host can really run guests, else TCG.
enum class Accel { kAuto, kKvm, kTcg };

/// Backing pages for guest RAM.
enum class HugePages { kNone, k2M, k1G };

/// Guest RAM.
struct MemoryConfig {
  uint64_t size = 8 * kGiB;  ///< bytes; a multiple of 1 MiB (and of the huge page size)
  bool prealloc = false;     ///< allocate all of it at start (prealloc=on)
  HugePages hugepages = HugePages::kNone;
  bool lock = false;  ///< -overcommit mem-lock=on (needs memlock for 2× RAM with VFIO)
};

/// Hyper-V enlightenments. kAuto = kPerformance for Windows guests, kOff otherwise.
enum class HypervProfile {
  kAuto,
  kPerformance,  ///< every enlightenment a non-nested Windows guest benefits from
  kStealth,      ///< no enlightenments, KVM signature and hypervisor bit hidden
  kOff,          ///< plain CPU model
};

/// Which host CPUs the vCPUs are pinned to (applied by the launcher, KVM only).
struct CpuPin {
  enum class Mode { kAuto, kOff, kList };
  Mode mode = Mode::kAuto;
  std::vector<uint32_t> host_cpus;  ///< kList: host CPU for vCPU i at index i
};

/// vCPUs and the CPU model.
struct CpuConfig {
  uint32_t sockets = 1;
  uint32_t cores = 4;
  uint32_t threads = 2;
  std::string model = "host";  ///< "host" (replaced by "max" under TCG) or any QEMU model
  HypervProfile hyperv = HypervProfile::kAuto;
  /// Hyper-V vendor id (≤ 12 characters); empty keeps QEMU's "Microsoft Hv".
  std::string hv_vendor_id;
  /// host-phys-bits=on,host-phys-bits-limit=N (32..52); nullopt leaves QEMU's default.
  std::optional<uint32_t> host_phys_bits_limit;
  CpuPin pin;
  /// Cores `pin = "auto"` keeps for the host and QEMU's own threads (core 0 first).
  uint32_t host_cores = 1;
  /// While the VM runs, confine the rest of the system to those cores (root or polkit).
  bool isolate = false;

  [[nodiscard]] uint32_t vcpus() const { return sockets * cores * threads; }
};

/// Firmware the guest boots.
struct FirmwareConfig {
  enum class Type { kUefi, kBios };
  Type type = Type::kUefi;
  bool secure_boot = false;
  /// Explicit OVMF images instead of the QEMU firmware descriptors; both or neither.
  std::string code;
  std::string vars;  ///< the template; each VM gets its own copy
};

/// The bus a disk is attached with.
enum class DiskBus { kVirtioBlk, kVirtioScsi, kSata };
/// Image format; kAuto = qcow2 for "*.qcow2" files, raw otherwise (always raw for block devices).
enum class DiskFormat { kAuto, kQcow2, kRaw };
/// Host page cache use. kAuto = kNone (O_DIRECT) for block devices, kWriteback for images.
enum class DiskCache { kAuto, kNone, kWriteback, kWritethrough, kDirectsync, kUnsafe };
/// I/O engine. kAuto = kNative for block devices, kThreads for images.
enum class DiskAio { kAuto, kThreads, kNative, kIoUring };
/// What the guest sees.
enum class DiskMedia { kDisk, kCdrom };

/// One disk or CD-ROM. A path under /dev is a block device (by a stable name).
struct DiskConfig {
  std::string path;
  DiskMedia media = DiskMedia::kDisk;
  DiskBus bus = DiskBus::kVirtioBlk;
  DiskFormat format = DiskFormat::kAuto;
  DiskCache cache = DiskCache::kAuto;
  DiskAio aio = DiskAio::kAuto;
  bool discard = true;     ///< pass TRIM through (discard=unmap)
  bool read_only = false;  ///< CD-ROMs are always read-only
  std::optional<uint32_t> boot_index;
  std::string serial;  ///< shown to the guest; empty = none
};

/// When a card leaves its host driver for vfio-pci.
enum class GpuBinding {
  kBoot,   ///< vfio-pci claims it at boot (vfio-pci.ids): the host never uses it
  kStart,  ///< the host's driver has it until `vfg start`, and gets it back at the stop
};

/// One passed-through graphics card.
struct GpuConfig {
  /// Function 0 of the card, normalised "dddd:bb:dd.f" (5-digit domains kept).
  std::string address;
  /// True: every function of the card found on the host (GPU + HDMI audio + USB-C...).
  bool all_functions = true;
  /// With all_functions false: the other functions to pass, normalised like `address`.
  std::vector<std::string> functions;
  std::string rom_file;  ///< absolute path of a VBIOS image; empty = the card's own
  bool x_vga = false;    ///< legacy VGA (rarely needed with OVMF)
  /// False: the guest sees no ROM BAR (rombar=0), so its firmware does not run the card's
  /// option ROM.
  bool rom_bar = true;
  GpuBinding binding = GpuBinding::kBoot;
};

/// Single-GPU mode (docs/single-gpu.md): the card passed is the one that
/// drives the host's display. `vfg start` runs the VM from a system service
/// that takes the desktop down, and always brings it back.
struct SingleGpuConfig {
  bool enabled = false;
  /// A keyboard that stays with the host (/dev/input/by-id/…-event-kbd):
  /// holding `chord` on it ends the run at once. Empty: no chord.
  std::string keyboard;
  std::string chord = "leftctrl+leftalt+end";
  /// Seconds the VM has to take the card before the desktop comes back.
  uint32_t take_timeout = 60;
};

/// A USB device passed through: by physical port (stable per port) or by vendor:product.
struct UsbHostConfig {
  uint32_t hostbus = 0;  ///< with `hostport`: "3-1.4.2" → bus 3
  std::string hostport;  ///< "1.4.2"; empty when matching by id
  uint16_t vendor_id = 0;
  uint16_t product_id = 0;  ///< both 0 when matching by port

  [[nodiscard]] bool by_port() const { return !hostport.empty(); }
};

/// An evdev device passed to the guest with input-linux.
struct InputConfig {
  std::string evdev;  ///< /dev/input/by-id/...-event-kbd
  bool grab_all = false;
  bool repeat = false;
  std::string grab_toggle = "ctrl-ctrl";  ///< one of QEMU's GrabToggleKeys
};

enum class AudioBackend { kAuto, kPipewire, kPulseaudio, kNone };

/// Guest sound (ich9-intel-hda + hda-duplex).
struct AudioConfig {
  bool enabled = true;
  AudioBackend backend = AudioBackend::kAuto;
  std::string server;  ///< explicit server socket path; empty = the user's default
};

enum class NetworkMode { kUser, kBridge, kTap, kNone };
enum class NicModel { kVirtio, kE1000e };

/// A host port forwarded into a user-mode network guest.
struct PortForward {
  enum class Protocol { kTcp, kUdp };
  Protocol protocol = Protocol::kTcp;
  std::string host_address;  ///< empty = all addresses
  uint16_t host_port = 0;
  uint16_t guest_port = 0;
};

struct NetworkConfig {
  NetworkMode mode = NetworkMode::kUser;
  NicModel model = NicModel::kVirtio;
  std::string mac;  ///< empty = QEMU's default
  std::string smb;  ///< user mode: host directory shared as \\10.0.2.4\qemu
  std::vector<PortForward> forwards;
  std::string bridge = "br0";  ///< bridge mode (qemu-bridge-helper)
  std::string tap;             ///< tap mode: an existing tap interface
};

/// Looking Glass shared memory.
struct LookingGlassConfig {
  enum class Backend { kKvmfr, kShm };
  bool enabled = false;
  uint32_t width = 1920;
  uint32_t height = 1080;
  bool hdr = false;
  Backend backend = Backend::kKvmfr;
  std::string device = "/dev/kvmfr0";               ///< kKvmfr
  std::string shm_path = "/dev/shm/looking-glass";  ///< kShm
  /// Explicit size in bytes (a power of two); nullopt = computed from the resolution.
  std::optional<uint64_t> size;

  /// The size QEMU maps: `size` when given, else computed from the resolution
  /// (see looking_glass.h). Defined in looking_glass.cc.
  [[nodiscard]] uint64_t effective_size() const;
  /// What QEMU maps and the client opens: the kvmfr device or the /dev/shm file.
  [[nodiscard]] const std::string& memory_path() const {
    return backend == Backend::kKvmfr ? device : shm_path;
  }
};

struct DisplayConfig {
  enum class Type { kNone, kStd, kSpice };
  Type type = Type::kNone;
  /// SPICE UNIX socket (used with Looking Glass or type spice); empty = the runtime dir's.
  std::string spice_socket;
};

/// What the guest sees of clocks, timers and power states, and the host's
/// core dumps. nullopt = the per-OS default (see the effective_* helpers):
/// Windows gets what libvirt and Proxmox give a Windows guest.
struct PlatformConfig {
  /// How the PIT makes up for ticks the guest missed (KVM's in-kernel PIT).
  enum class LostTicks { kAuto, kDelay, kDiscard, kQemu };
  /// -rtc driftfix=slew: catch up on missed RTC interrupts (Windows keeps time by them).
  std::optional<bool> rtc_driftfix;
  LostTicks pit_lost_ticks = LostTicks::kAuto;
  /// The HPET; Windows runs smoother on the Hyper-V clock without it.
  std::optional<bool> hpet;
  /// ACPI S3 (suspend to RAM) and S4 (hibernate) offered to the guest; a
  /// passed-through GPU often fails to resume from S3.
  std::optional<bool> s3;
  std::optional<bool> s4;
  /// Guest RAM in QEMU's core dump (off: a crash would dump gigabytes).
  bool dump_guest_core = false;
  /// A virtio-serial channel for the QEMU guest agent (qemu-ga in the guest).
  bool guest_agent = false;
};

/// Direct kernel boot (Linux guests, tests).
struct KernelBootConfig {
  std::string kernel;
  std::string initrd;
  std::string append;

  [[nodiscard]] bool enabled() const { return !kernel.empty(); }
};

/// The RLIMIT_MEMLOCK a VM needs. VFIO pins all guest RAM and mem-lock=on
/// mlocks it; both charge the same limit, so with both the RAM counts twice.
/// Looking Glass memory is mapped into the guest like RAM, and 1 GiB covers
/// what QEMU itself locks (libvirt's rule: RAM + 1 GiB).
struct LockedMemoryNeed {
  uint64_t bytes = 0;   ///< 0: nothing beyond the kernel's default
  std::string formula;  ///< the rule in words: "RAM + Looking Glass + 1 GiB"
  std::string detail;   ///< the same with the numbers: "16 GiB RAM + 64 MiB Looking Glass + 1 GiB"
};

/// A whole VM definition.
struct VmConfig {
  std::string name;
  GuestOs os = GuestOs::kWindows;
  Accel accel = Accel::kAuto;
  MemoryConfig memory;
  CpuConfig cpu;
  /// RTC in local time (what Windows expects); nullopt = true for Windows guests.
  std::optional<bool> rtc_localtime;
  FirmwareConfig firmware;
  std::vector<DiskConfig> disks;
  std::vector<GpuConfig> gpus;
  std::vector<UsbHostConfig> usb;
  std::vector<InputConfig> inputs;
  AudioConfig audio;
  NetworkConfig network;
  LookingGlassConfig looking_glass;
  DisplayConfig display;
  KernelBootConfig boot;
  PlatformConfig platform;
  SingleGpuConfig single_gpu;
  bool tpm = false;  ///< TPM 2.0 through swtpm (Windows 11)
  /// How long `stop` waits for the guest to power off before quitting QEMU.
  std::chrono::seconds stop_timeout{60};
  /// Appended verbatim after everything else (escape hatch).
  std::vector<std::string> extra_args;

  /// Locked memory QEMU needs; defined in host_needs.cc.
  [[nodiscard]] LockedMemoryNeed locked_memory_need() const;
};

/// The Hyper-V profile after applying the per-OS default.
[[nodiscard]] inline HypervProfile effective_hyperv(const VmConfig& config) {
  if (config.cpu.hyperv != HypervProfile::kAuto) return config.cpu.hyperv;
  return config.os == GuestOs::kWindows ? HypervProfile::kPerformance : HypervProfile::kOff;
}

/// Whether the RTC runs in local time after applying the per-OS default.
[[nodiscard]] inline bool effective_rtc_localtime(const VmConfig& config) {
  return config.rtc_localtime.value_or(config.os == GuestOs::kWindows);
}

/// Platform defaults: Windows guests get RTC drift correction, delayed lost
/// PIT ticks, no HPET and no S3/S4; other guests keep QEMU's defaults.
[[nodiscard]] inline bool effective_rtc_driftfix(const VmConfig& config) {
  return config.platform.rtc_driftfix.value_or(config.os == GuestOs::kWindows);
}
[[nodiscard]] inline PlatformConfig::LostTicks effective_pit_lost_ticks(const VmConfig& config) {
  if (config.platform.pit_lost_ticks != PlatformConfig::LostTicks::kAuto)
    return config.platform.pit_lost_ticks;
  return config.os == GuestOs::kWindows ? PlatformConfig::LostTicks::kDelay
                                        : PlatformConfig::LostTicks::kQemu;
}
[[nodiscard]] inline bool effective_hpet(const VmConfig& config) {
  return config.platform.hpet.value_or(config.os != GuestOs::kWindows);
}
[[nodiscard]] inline bool effective_s3(const VmConfig& config) {
  return config.platform.s3.value_or(config.os != GuestOs::kWindows);
}
[[nodiscard]] inline bool effective_s4(const VmConfig& config) {
  return config.platform.s4.value_or(config.os != GuestOs::kWindows);
}

/// Whether a disk path names a block device rather than an image file.
[[nodiscard]] inline bool is_block_device_path(const std::string& path) {
  return path.rfind("/dev/", 0) == 0;
}

/// Whether QEMU needs a SPICE server (Looking Glass input or a SPICE display).
[[nodiscard]] inline bool wants_spice(const VmConfig& config) {
  return config.looking_glass.enabled || config.display.type == DisplayConfig::Type::kSpice;
}

}  // namespace vfg
