// GPUs, network, USB, evdev input, audio and Looking Glass.
#include <fmt/format.h>

#include "vm/argv_context.h"

namespace vfg {

void add_gpus(ArgvContext& context) {
  for (size_t card = 0; card < context.config.gpus.size(); ++card) {
    const GpuConfig& gpu = context.config.gpus[card];
    const std::vector<std::string>& functions = context.plan.gpu_functions[card];
    // All functions of a card share one root port as one multifunction
    // device, as on the host (the driver expects the HDMI audio beside the GPU).
    std::string port = context.root_port();
    // Functions of the card's slot keep their number; one from another slot
    // (behind the card's own switch) takes the next free one.
    std::string slot = functions.front().substr(0, functions.front().size() - 1);
    std::string used;
    for (const auto& host : functions)
      if (host.compare(0, slot.size(), slot) == 0) used += host.back();
    for (const auto& host : functions) {
      char function = host.back();
      if (host.compare(0, slot.size(), slot) != 0) {
        function = '1';
        while (used.find(function) != std::string::npos && function < '7') ++function;
        used += function;
      }
      Json device = {{"driver", "vfio-pci"},
                     {"host", host},
                     {"id", fmt::format("gpu{}-{}", card, function)},
                     {"bus", port},
                     {"addr", fmt::format("00.{}", function)}};
      if (function == '0') {
        if (functions.size() > 1) device["multifunction"] = true;
        if (gpu.x_vga) device["x-vga"] = true;
        if (!gpu.rom_file.empty()) device["romfile"] = gpu.rom_file;
        if (!gpu.rom_bar) device["rombar"] = 0;
      }
      context.add_json("-device", device);
    }
  }
}

namespace {

std::string hostfwd(const PortForward& forward) {
  return fmt::format("{}:{}:{}-:{}",
                     forward.protocol == PortForward::Protocol::kTcp ? "tcp" : "udp",
                     forward.host_address, forward.host_port, forward.guest_port);
}

}  // namespace

void add_network(ArgvContext& context) {
  const NetworkConfig& network = context.config.network;
  Json netdev = {{"id", "net0"}};
  switch (network.mode) {
    case NetworkMode::kNone:
      return;
    case NetworkMode::kUser: {
      netdev = {{"type", "user"}, {"id", "net0"}};
      if (!network.smb.empty()) netdev["smb"] = network.smb;
      if (!network.forwards.empty()) {
        Json forwards = Json::array();
        for (const auto& forward : network.forwards)
          forwards.push_back({{"str", hostfwd(forward)}});
        netdev["hostfwd"] = forwards;
      }
      break;
    }
    case NetworkMode::kBridge:
      // qemu-bridge-helper (setuid) creates the tap for an unprivileged QEMU.
      netdev = {{"type", "bridge"}, {"id", "net0"}, {"br", network.bridge}};
      break;
    case NetworkMode::kTap:
      netdev = {{"type", "tap"},
                {"id", "net0"},
                {"ifname", network.tap},
                {"script", "no"},
                {"downscript", "no"}};
      break;
  }
  context.add_json("-netdev", netdev);
  Json device = {{"driver", network.model == NicModel::kE1000e ? "e1000e" : "virtio-net-pci"},
                 {"netdev", "net0"},
                 {"id", "nic0"},
                 {"bus", context.root_port()},
                 {"addr", "00.0"}};
  if (!network.mac.empty()) device["mac"] = network.mac;
  context.add_json("-device", device);
}

void add_usb(ArgvContext& context) {
  const auto& usb = context.config.usb;
  if (usb.empty()) return;
  // Enough ports of each speed for every device, never fewer than QEMU's 4.
  size_t ports = std::max<size_t>(4, std::min<size_t>(15, usb.size()));
  context.add_json("-device", Json{{"driver", "qemu-xhci"},
                                   {"id", "xhci"},
                                   {"p2", ports},
                                   {"p3", ports},
                                   {"bus", context.root_port()},
                                   {"addr", "00.0"}});
  for (size_t i = 0; i < usb.size(); ++i) {
    const UsbHostConfig& device = usb[i];
    Json json = {{"driver", "usb-host"}, {"id", fmt::format("usb{}", i)}, {"bus", "xhci.0"}};
    if (device.by_port()) {
      // Whatever is plugged into that physical port is passed through.
      json["hostbus"] = device.hostbus;
      json["hostport"] = device.hostport;
    } else {
      json["vendorid"] = device.vendor_id;
      json["productid"] = device.product_id;
    }
    context.add_json("-device", json);
  }
}

void add_inputs(ArgvContext& context) {
  const auto& inputs = context.config.inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputConfig& input = inputs[i];
    // QEMU spells these two properties differently: grab_all, grab-toggle.
    context.add_json("-object", Json{{"qom-type", "input-linux"},
                                     {"id", fmt::format("input{}", i)},
                                     {"evdev", input.evdev},
                                     {"grab_all", input.grab_all},
                                     {"repeat", input.repeat},
                                     {"grab-toggle", input.grab_toggle}});
  }
}

void add_audio(ArgvContext& context) {
  if (!context.config.audio.enabled) return;
  Json audiodev = {{"driver", "none"}, {"id", "snd0"}};
  switch (context.plan.audio) {
    case AudioBackend::kPipewire:
      audiodev["driver"] = "pipewire";
      break;
    case AudioBackend::kPulseaudio:
      audiodev["driver"] = "pa";
      if (!context.plan.audio_server.empty()) {
        audiodev["server"] = "unix:" + context.plan.audio_server;
      }
      break;
    case AudioBackend::kNone:
    case AudioBackend::kAuto:
      break;
  }
  context.add_json("-audiodev", audiodev);
  // The ICH9 sound controller is an integrated device: it sits on pcie.0 at its real slot.
  context.add_json(
      "-device",
      Json{{"driver", "ich9-intel-hda"}, {"id", "hda"}, {"bus", "pcie.0"}, {"addr", "1b.0"}});
  context.add_json("-device",
                   Json{{"driver", "hda-duplex"}, {"bus", "hda.0"}, {"audiodev", "snd0"}});
}

void add_looking_glass(ArgvContext& context) {
  const LookingGlassConfig& lg = context.config.looking_glass;
  if (!lg.enabled) return;
  context.add_json("-object", Json{{"qom-type", "memory-backend-file"},
                                   {"id", "lg-mem"},
                                   {"mem-path", lg.memory_path()},
                                   {"size", lg.effective_size()},
                                   {"share", true}});
  context.add_json("-device", Json{{"driver", "ivshmem-plain"},
                                   {"id", "lg"},
                                   {"memdev", "lg-mem"},
                                   {"bus", "pcie.0"},
                                   {"addr", "0e.0"}});
}

}  // namespace vfg
