#include "vm/config_writer.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/strings.h"

namespace vfg {

namespace {

/// The spellings of each enum value in a definition (docs/config.md).
std::string_view name_of(GuestOs os) {
  return os == GuestOs::kWindows ? "windows" : os == GuestOs::kLinux ? "linux" : "other";
}
std::string_view name_of(Accel accel) {
  return accel == Accel::kKvm ? "kvm" : accel == Accel::kTcg ? "tcg" : "auto";
}
std::string_view name_of(HypervProfile profile) {
  switch (profile) {
    case HypervProfile::kPerformance:
      return "performance";
    case HypervProfile::kStealth:
      return "stealth";
    case HypervProfile::kOff:
      return "off";
    case HypervProfile::kAuto:
      break;
  }
  return "auto";
}
std::string_view name_of(DiskBus bus) {
  return bus == DiskBus::kSata         ? "sata"
         : bus == DiskBus::kVirtioScsi ? "virtio-scsi"
                                       : "virtio-blk";
}
std::string_view name_of(DiskFormat format) {
  return format == DiskFormat::kQcow2 ? "qcow2" : format == DiskFormat::kRaw ? "raw" : "auto";
}
std::string_view name_of(DiskCache cache) {
  switch (cache) {
    case DiskCache::kNone:
      return "none";
    case DiskCache::kWriteback:
      return "writeback";
    case DiskCache::kWritethrough:
      return "writethrough";
    case DiskCache::kDirectsync:
      return "directsync";
    case DiskCache::kUnsafe:
      return "unsafe";
    case DiskCache::kAuto:
      break;
  }
  return "auto";
}
std::string_view name_of(DiskAio aio) {
  return aio == DiskAio::kThreads   ? "threads"
         : aio == DiskAio::kNative  ? "native"
         : aio == DiskAio::kIoUring ? "io_uring"
                                    : "auto";
}
std::string_view name_of(AudioBackend backend) {
  return backend == AudioBackend::kPipewire     ? "pipewire"
         : backend == AudioBackend::kPulseaudio ? "pulseaudio"
         : backend == AudioBackend::kNone       ? "none"
                                                : "auto";
}
std::string_view name_of(NetworkMode mode) {
  return mode == NetworkMode::kBridge ? "bridge"
         : mode == NetworkMode::kTap  ? "tap"
         : mode == NetworkMode::kNone ? "none"
                                      : "user";
}
std::string_view name_of(DisplayConfig::Type type) {
  return type == DisplayConfig::Type::kStd     ? "std"
         : type == DisplayConfig::Type::kSpice ? "spice"
                                               : "none";
}

std::string_view name_of(PlatformConfig::LostTicks policy) {
  switch (policy) {
    case PlatformConfig::LostTicks::kDelay:
      return "delay";
    case PlatformConfig::LostTicks::kDiscard:
      return "discard";
    case PlatformConfig::LostTicks::kQemu:
      return "qemu";
    case PlatformConfig::LostTicks::kAuto:
      break;
  }
  return "auto";
}

std::string forward_text(const PortForward& forward) {
  std::string_view protocol = forward.protocol == PortForward::Protocol::kUdp ? "udp" : "tcp";
  if (forward.host_address.empty())
    return fmt::format("{}:{}:{}", protocol, forward.host_port, forward.guest_port);
  return fmt::format("{}:{}:{}:{}", protocol, forward.host_address, forward.host_port,
                     forward.guest_port);
}

std::string bool_text(bool value) { return value ? "true" : "false"; }

/// Appends keys and tables in order, with the comments asked for.
class Writer {
 public:
  explicit Writer(const DefinitionComments& comments) : comments_(comments) {}

  void comment_lines(const std::vector<std::string>& lines) {
    for (const auto& line : lines) block_.push_back({line.empty() ? "#" : "# " + line, {}});
  }
  void before(const std::string& path) {
    auto found = comments_.before.find(path);
    if (found != comments_.before.end()) comment_lines(found->second);
  }
  /// Whether the caller has a comment for `path`: such a key is written even
  /// when it holds its default, so that the comment has its line.
  [[nodiscard]] bool commented(const std::string& path) const {
    return comments_.before.count(path) > 0 || comments_.trailing.count(path) > 0;
  }
  /// Whether the caller has a comment for table `path` or one of its keys.
  [[nodiscard]] bool commented_within(const std::string& path) const {
    std::string keys = path + ".";
    auto inside = [&](const auto& map) {
      auto it = map.lower_bound(keys);  // the first "path.key", if any
      return map.count(path) > 0 || (it != map.end() && it->first.rfind(keys, 0) == 0);
    };
    return inside(comments_.before) || inside(comments_.trailing);
  }
  /// Starts "[name]" or "[[name]]" (`path` names it for comments).
  void table(const std::string& header, const std::string& path) {
    prefix_ = path.empty() ? "" : path + ".";
    blank_line();
    before(path);
    block_.push_back({header, {}});
  }
  void key(std::string_view name, const std::string& value) {
    std::string path = prefix_ + std::string(name);
    before(path);
    auto trailing = comments_.trailing.find(path);
    block_.push_back({fmt::format("{} = {}", name, value),
                      trailing == comments_.trailing.end() ? "" : trailing->second});
  }
  /// A key written when it differs from its default or has a comment.
  void key_if(bool differs, std::string_view name, const std::string& value) {
    if (differs || commented(prefix_ + std::string(name))) key(name, value);
  }
  /// The comment for a list's place, set apart by a blank line (nothing when there is none).
  void list_comment(const std::string& path) {
    auto found = comments_.before.find(path);
    if (found == comments_.before.end()) return;
    blank_line();
    comment_lines(found->second);
  }
  void blank_line() {
    flush();
    out_ += "\n";
  }
  void string_key(std::string_view name, std::string_view value) { key(name, toml_string(value)); }
  /// A one-line TOML array of values already in TOML syntax.
  void array_key(std::string_view name, const std::vector<std::string>& items) {
    key(name, fmt::format("[{}]", join(items, ", ")));
  }
  void top_level() { prefix_.clear(); }
  std::string text() {
    flush();
    return out_;
  }

 private:
  /// Writes the lines since the last blank line. Their trailing comments line
  /// up in one column, as in the hand-written examples: past the longest
  /// commented line, and at column 24 at least.
  void flush() {
    size_t width = 22;
    for (const auto& [line, trailing] : block_)
      if (!trailing.empty()) width = std::max(width, line.size() + 1);
    for (const auto& [line, trailing] : block_)
      out_ += trailing.empty() ? line + "\n" : fmt::format("{:<{}} # {}\n", line, width, trailing);
    block_.clear();
  }

  const DefinitionComments& comments_;
  std::string out_;
  std::string prefix_;
  /// Lines not yet written, each with its trailing comment (empty for none).
  std::vector<std::pair<std::string, std::string>> block_;
};

void write_top(Writer& w, const VmConfig& config) {
  w.string_key("os", name_of(config.os));
  w.string_key("accel", name_of(config.accel));
  if (config.rtc_localtime) w.key("rtc_localtime", bool_text(*config.rtc_localtime));
  if (config.tpm) w.key("tpm", "true");
  w.key("stop_timeout", std::to_string(config.stop_timeout.count()));
  if (!config.extra_args.empty()) {
    std::vector<std::string> items;
    for (const auto& arg : config.extra_args) items.push_back(toml_string(arg));
    w.array_key("extra_args", items);
  }
}

void write_machine(Writer& w, const VmConfig& config) {
  const VmConfig d;
  w.table("[memory]", "memory");
  w.string_key("size", size_text(config.memory.size));
  if (config.memory.prealloc) w.key("prealloc", "true");
  if (config.memory.hugepages != HugePages::kNone)
    w.string_key("hugepages", config.memory.hugepages == HugePages::k1G ? "1G" : "2M");
  if (config.memory.lock) w.key("lock", "true");

  const CpuConfig& cpu = config.cpu;
  w.table("[cpu]", "cpu");
  w.key("sockets", std::to_string(cpu.sockets));
  w.key("cores", std::to_string(cpu.cores));
  w.key("threads", std::to_string(cpu.threads));
  w.string_key("model", cpu.model);
  if (cpu.hyperv != HypervProfile::kAuto) w.string_key("hyperv", name_of(cpu.hyperv));
  if (!cpu.hv_vendor_id.empty()) w.string_key("hv_vendor_id", cpu.hv_vendor_id);
  if (cpu.host_phys_bits_limit)
    w.key("host_phys_bits_limit", std::to_string(*cpu.host_phys_bits_limit));
  if (cpu.pin.mode == CpuPin::Mode::kOff) w.string_key("pin", "off");
  if (cpu.pin.mode == CpuPin::Mode::kList) {
    std::vector<std::string> cpus;
    for (uint32_t host_cpu : cpu.pin.host_cpus) cpus.push_back(std::to_string(host_cpu));
    w.array_key("pin", cpus);
  }
  if (cpu.host_cores != d.cpu.host_cores) w.key("host_cores", std::to_string(cpu.host_cores));
  if (cpu.isolate) w.key("isolate", "true");

  const FirmwareConfig& firmware = config.firmware;
  w.table("[firmware]", "firmware");
  w.string_key("type", firmware.type == FirmwareConfig::Type::kBios ? "bios" : "uefi");
  if (firmware.secure_boot) w.key("secure_boot", "true");
  if (!firmware.code.empty()) w.string_key("code", firmware.code);
  if (!firmware.vars.empty()) w.string_key("vars", firmware.vars);
}

void write_disk(Writer& w, const DiskConfig& disk, size_t index) {
  w.table("[[disk]]", fmt::format("disk[{}]", index));
  w.string_key("path", disk.path);
  if (disk.media == DiskMedia::kCdrom) w.string_key("media", "cdrom");
  // The loader makes a CD-ROM SATA unless told otherwise.
  DiskBus default_bus = disk.media == DiskMedia::kCdrom ? DiskBus::kSata : DiskBus::kVirtioBlk;
  if (disk.bus != default_bus) w.string_key("bus", name_of(disk.bus));
  if (disk.format != DiskFormat::kAuto) w.string_key("format", name_of(disk.format));
  if (disk.cache != DiskCache::kAuto) w.string_key("cache", name_of(disk.cache));
  if (disk.aio != DiskAio::kAuto) w.string_key("aio", name_of(disk.aio));
  if (!disk.discard) w.key("discard", "false");
  if (disk.read_only) w.key("read_only", "true");
  if (disk.boot_index) w.key("boot_index", std::to_string(*disk.boot_index));
  if (!disk.serial.empty()) w.string_key("serial", disk.serial);
}

void write_gpu(Writer& w, const GpuConfig& gpu, size_t index) {
  w.table("[[gpu]]", fmt::format("gpu[{}]", index));
  w.string_key("address", gpu.address);
  if (gpu.all_functions) {
    w.string_key("functions", "all");
  } else {
    std::vector<std::string> functions;
    for (const auto& function : gpu.functions) functions.push_back(toml_string(function));
    w.array_key("functions", functions);
  }
  if (!gpu.rom_file.empty()) w.string_key("rom", gpu.rom_file);
  if (!gpu.rom_bar) w.key("rom_bar", "false");
  if (gpu.x_vga) w.key("x_vga", "true");
  w.key_if(gpu.binding != GpuBinding::kBoot, "binding",
           toml_string(gpu.binding == GpuBinding::kStart ? "start" : "boot"));
}

void write_usb(Writer& w, const UsbHostConfig& usb, size_t index) {
  w.table("[[usb]]", fmt::format("usb[{}]", index));
  if (usb.by_port()) {
    w.string_key("port", fmt::format("{}-{}", usb.hostbus, usb.hostport));
  } else {
    w.string_key("id", fmt::format("{:04x}:{:04x}", usb.vendor_id, usb.product_id));
  }
}

void write_input(Writer& w, const InputConfig& input, size_t index) {
  const InputConfig d;
  w.table("[[input]]", fmt::format("input[{}]", index));
  w.string_key("evdev", input.evdev);
  if (input.grab_all) w.key("grab_all", "true");
  if (input.repeat) w.key("repeat", "true");
  if (input.grab_toggle != d.grab_toggle) w.string_key("grab_toggle", input.grab_toggle);
}

/// Writes the comments for a list's place and then each entry.
template <typename T>
void write_list(Writer& w, const std::string& name, const std::vector<T>& items,
                void (*write)(Writer&, const T&, size_t)) {
  w.top_level();
  w.list_comment(name);
  for (size_t i = 0; i < items.size(); ++i) write(w, items[i], i);
}

void write_devices(Writer& w, const VmConfig& config) {
  const VmConfig d;
  w.table("[audio]", "audio");
  if (!config.audio.enabled) w.key("enabled", "false");
  w.string_key("backend", name_of(config.audio.backend));
  if (!config.audio.server.empty()) w.string_key("server", config.audio.server);

  const NetworkConfig& network = config.network;
  w.table("[network]", "network");
  w.string_key("mode", name_of(network.mode));
  if (network.model != d.network.model)
    w.string_key("model", network.model == NicModel::kE1000e ? "e1000e" : "virtio");
  if (!network.mac.empty()) w.string_key("mac", network.mac);
  if (!network.smb.empty()) w.string_key("smb", network.smb);
  if (!network.forwards.empty()) {
    std::vector<std::string> forwards;
    for (const auto& forward : network.forwards)
      forwards.push_back(toml_string(forward_text(forward)));
    w.array_key("forwards", forwards);
  }
  if (network.bridge != d.network.bridge) w.string_key("bridge", network.bridge);
  if (!network.tap.empty()) w.string_key("tap", network.tap);

  const LookingGlassConfig& lg = config.looking_glass;
  const LookingGlassConfig dlg;
  bool lg_changed = lg.enabled || lg.width != dlg.width || lg.height != dlg.height || lg.hdr ||
                    lg.backend != dlg.backend || lg.device != dlg.device ||
                    lg.shm_path != dlg.shm_path || lg.size;
  if (lg_changed) {
    w.table("[looking_glass]", "looking_glass");
    w.key("enabled", bool_text(lg.enabled));
    if (lg.width != dlg.width) w.key("width", std::to_string(lg.width));
    if (lg.height != dlg.height) w.key("height", std::to_string(lg.height));
    if (lg.hdr) w.key("hdr", "true");
    if (lg.backend != dlg.backend)
      w.string_key("backend", lg.backend == LookingGlassConfig::Backend::kShm ? "shm" : "kvmfr");
    if (lg.device != dlg.device) w.string_key("device", lg.device);
    if (lg.shm_path != dlg.shm_path) w.string_key("shm_path", lg.shm_path);
    if (lg.size) w.string_key("size", size_text(*lg.size));
  }

  w.table("[display]", "display");
  w.string_key("type", name_of(config.display.type));
  if (!config.display.spice_socket.empty())
    w.string_key("spice_socket", config.display.spice_socket);

  if (config.boot.enabled() || !config.boot.initrd.empty() || !config.boot.append.empty()) {
    w.table("[boot]", "boot");
    if (!config.boot.kernel.empty()) w.string_key("kernel", config.boot.kernel);
    if (!config.boot.initrd.empty()) w.string_key("initrd", config.boot.initrd);
    if (!config.boot.append.empty()) w.string_key("append", config.boot.append);
  }
}

/// The [platform] table: the keys given explicitly (unset ones take the
/// per-OS default when loaded, so they are left out to keep it).
void write_platform(Writer& w, const PlatformConfig& platform) {
  const PlatformConfig d;
  auto optional_bool = [&](std::string_view name, const std::optional<bool>& value) {
    if (value) w.key(name, bool_text(*value));
  };
  bool given = platform.rtc_driftfix || platform.pit_lost_ticks != d.pit_lost_ticks ||
               platform.hpet || platform.s3 || platform.s4 ||
               platform.dump_guest_core != d.dump_guest_core ||
               platform.guest_agent != d.guest_agent || w.commented_within("platform");
  if (!given) return;
  w.table("[platform]", "platform");
  optional_bool("rtc_driftfix", platform.rtc_driftfix);
  if (platform.pit_lost_ticks != d.pit_lost_ticks)
    w.string_key("pit_lost_ticks", name_of(platform.pit_lost_ticks));
  optional_bool("hpet", platform.hpet);
  optional_bool("s3", platform.s3);
  optional_bool("s4", platform.s4);
  w.key_if(platform.dump_guest_core != d.dump_guest_core, "dump_guest_core",
           bool_text(platform.dump_guest_core));
  w.key_if(platform.guest_agent != d.guest_agent, "guest_agent", bool_text(platform.guest_agent));
}

void write_single_gpu(Writer& w, const SingleGpuConfig& single) {
  if (!single.enabled) return;
  const SingleGpuConfig d;
  w.table("[single_gpu]", "single_gpu");
  w.key("enabled", "true");
  if (!single.keyboard.empty()) w.string_key("keyboard", single.keyboard);
  if (single.chord != d.chord) w.string_key("chord", single.chord);
  w.key_if(single.take_timeout != d.take_timeout, "take_timeout",
           std::to_string(single.take_timeout));
}

}  // namespace

std::string toml_string(std::string_view text) {
  // JSON's escaping is valid in a TOML basic string; invalid UTF-8 is replaced, not thrown.
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string size_text(uint64_t bytes) {
  if (bytes != 0 && bytes % kGiB == 0) return fmt::format("{}G", bytes / kGiB);
  if (bytes != 0 && bytes % kMiB == 0) return fmt::format("{}M", bytes / kMiB);
  if (bytes != 0 && bytes % 1024 == 0) return fmt::format("{}K", bytes / 1024);
  return std::to_string(bytes);
}

std::string write_vm_config(const VmConfig& config, const DefinitionComments& comments) {
  Writer w(comments);
  w.comment_lines(comments.header);
  if (!comments.header.empty()) w.blank_line();
  write_top(w, config);
  write_machine(w, config);
  write_list(w, "disk", config.disks, write_disk);
  write_list(w, "gpu", config.gpus, write_gpu);
  write_list(w, "usb", config.usb, write_usb);
  write_list(w, "input", config.inputs, write_input);
  write_devices(w, config);
  write_platform(w, config.platform);
  write_single_gpu(w, config.single_gpu);
  return w.text();
}

}  // namespace vfg
