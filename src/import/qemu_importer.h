// The state of importing one QEMU command line, shared by from_qemu.cc
// (machine, memory, CPU, sound, display) and from_qemu_devices.cc (-device,
// networks, input, GPUs). Internal to src/import/.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "import/from_qemu.h"
#include "import/qemu_disks.h"
#include "import/qemu_options.h"
#include "util/strings.h"

namespace vfg {

inline std::string as_written(const QemuOption& option) {
  if (option.name.empty()) return option.value;
  return option.has_value ? fmt::format("-{} {}", option.name, option.value) : "-" + option.name;
}

/// QEMU reads a size without a unit as MiB (-m) and accepts k/M/G/T suffixes.
inline std::optional<uint64_t> qemu_size(std::string text, bool default_mib) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.back())) != 0 && default_mib)
    text += "M";
  return parse_size(text);
}

inline std::optional<uint32_t> number(const std::string& text) {
  auto value = parse_uint(text);
  if (!value || *value > 4096) return std::nullopt;
  return static_cast<uint32_t>(*value);
}

/// Everything importing one command line needs as it walks the options.
/// Walks the options once; each handler returns false for what goes to extra_args.
class QemuImporter {
 public:
  QemuImporter(const QemuInvocation& invocation, const std::string& name, const ImportHost& host,
               const ShellEnvironment& environment)
      : invocation_(invocation), host_(host), environment_(environment) {
    result_.config.name = name;
    // Nothing in the source means nothing in the VM: start from "absent".
    result_.config.audio.enabled = false;
    result_.config.network.mode = NetworkMode::kNone;
    options_ = parse_qemu_options(invocation.argv);
  }

  ImportResult run() {
    for (const auto& problem : invocation_.unresolved)
      result_.not_carried(fmt::format("line {}", invocation_.line), problem);
    read_environment();
    index_objects();
    // Drives first: a -device may name a drive given later on the command line.
    std::vector<bool> handled(options_.size(), false);
    for (size_t i = 0; i < options_.size(); ++i)
      if (QemuDisks::is_drive(options_[i])) handled[i] = handle(options_[i]);
    for (size_t i = 0; i < options_.size(); ++i)
      if (!QemuDisks::is_drive(options_[i])) handled[i] = handle(options_[i]);
    disks_.finish(result_);
    finish_gpus();
    finish_display();
    for (size_t i = 0; i < options_.size(); ++i) {
      if (handled[i] || consumed_.contains(i)) continue;
      const QemuOption& option = options_[i];
      result_.config.extra_args.push_back("-" + option.name);
      if (option.has_value) result_.config.extra_args.push_back(option.value);
      result_.not_carried(as_written(option), "vfg has no key for it; kept in extra_args");
    }
    return std::move(result_);
  }

 private:
  VmConfig& config() { return result_.config; }

  void read_environment() {
    for (const auto& [name, value] : invocation_.environment) {
      std::string source = fmt::format("{}={}", name, value);
      if (name == "QEMU_AUDIO_DRV") {
        config().audio.enabled = value != "none";
        set_audio_backend(value, source);
      } else if (name == "QEMU_PA_SERVER") {
        set_audio_server(value, source);
      } else if (name.starts_with("QEMU_")) {
        result_.not_carried(source, "vfg starts QEMU with its own environment");
      }
    }
  }

  void set_audio_backend(const std::string& driver, const std::string& source) {
    if (driver == "pa" || driver == "pulse" || driver == "pulseaudio") {
      config().audio.backend = AudioBackend::kPulseaudio;
      result_.carried(source, "audio.backend = \"pulseaudio\"");
    } else if (driver == "pipewire") {
      config().audio.backend = AudioBackend::kPipewire;
      result_.carried(source, "audio.backend = \"pipewire\"");
    } else if (driver == "none") {
      result_.carried(source, "audio.enabled = false");
    } else {
      result_.changed(source, fmt::format("vfg plays through PipeWire or PulseAudio, not {}; "
                                          "audio.backend = \"auto\" picks the one running",
                                          driver));
    }
  }

  void set_audio_server(std::string server, const std::string& source) {
    if (server.starts_with("unix:")) server.erase(0, 5);
    import_audio_server(result_, server, source, environment_);
  }

  /// Objects referenced by id from other options (memory backends, rng, tpm).
  void index_objects() {
    for (size_t i = 0; i < options_.size(); ++i) {
      const QemuOption& option = options_[i];
      if (option.name == "object") {
        if (auto id = option.properties.get("id")) objects_[*id] = i;
      } else if (option.name == "chardev" || option.name == "tpmdev" || option.name == "netdev" ||
                 option.name == "audiodev") {
        if (auto id = option.properties.get("id")) by_id_[option.name + ":" + *id] = i;
      }
    }
  }

  const QemuOption* object(const std::string& id) {
    auto found = objects_.find(id);
    if (found == objects_.end()) return nullptr;
    consumed_.insert(found->second);
    return &options_[found->second];
  }

  const QemuOption* referenced(const std::string& kind, const std::string& id) {
    auto found = by_id_.find(kind + ":" + id);
    if (found == by_id_.end()) return nullptr;
    consumed_.insert(found->second);
    return &options_[found->second];
  }

  bool handle(const QemuOption& option);
  bool handle_machine(const QemuOption& option);
  /// -global settings that are [platform] keys (the PIT's lost ticks, S3, S4); false for others.
  bool handle_platform_global(const QemuOption& option);
  bool handle_memory_backend(const QemuProperties& backend, const std::string& source);
  bool handle_cpu(const QemuOption& option);
  bool handle_smp(const QemuOption& option);
  bool handle_device(const QemuOption& option);
  bool handle_netdev(const QemuProperties& netdev, const std::string& source);
  bool handle_input(const QemuOption& option);
  /// What a passed card's function sets that vfg's [[gpu]] has no key for (rombar=0, a
  /// bootindex, ...): each reported.
  void report_gpu_function_settings(const std::string& address, const QemuProperties& props,
                                    bool function0);
  void finish_gpus();
  void finish_display();

  const QemuInvocation& invocation_;
  const ImportHost& host_;
  const ShellEnvironment& environment_;
  ImportResult result_;
  std::vector<QemuOption> options_;
  std::map<std::string, size_t> objects_;
  std::map<std::string, size_t> by_id_;
  std::set<size_t> consumed_;
  QemuDisks disks_{host_};
  /// vfio-pci functions by slot ("0000:01:00"), with the options that passed them.
  std::map<std::string, std::vector<std::pair<char, QemuProperties>>> vfio_slots_;
  std::vector<std::string> vfio_sources_;
  bool display_device_ = false;
  bool spice_ = false;
  bool display_none_ = false;
  std::string nic_model_;
};

}  // namespace vfg
