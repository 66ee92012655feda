#include "check/input_path_check.h"

#include <fmt/format.h>

namespace vfg::check {

Finding check_vm_input_path(const VmConfig& config) {
  const std::string id = "vm.input_path";
  if (config.gpus.empty()) return pass(id, "keyboard and mouse: the VM's window takes them");
  if (!config.inputs.empty())
    return pass(id, fmt::format("keyboard and mouse: {} evdev device{} ([[input]])",
                                config.inputs.size(), config.inputs.size() == 1 ? "" : "s"));
  if (!config.usb.empty())
    return pass(id, fmt::format("keyboard and mouse: the {} USB device{} passed ([[usb]])",
                                config.usb.size(), config.usb.size() == 1 ? "" : "s"));
  if (config.looking_glass.enabled)
    return pass(id, "keyboard and mouse: the Looking Glass client (SPICE)");
  if (config.display.type != DisplayConfig::Type::kNone)
    return pass(id, "keyboard and mouse: the emulated display");
  return failure(
      id, "the VM passes a GPU but gives the guest no keyboard or mouse",
      "the GPU's monitor shows the guest, but nothing reaches it: no [[input]], no [[usb]], no "
      "Looking Glass and display.type = \"none\"; Windows Setup could not be operated",
      fmt::format(
          "'vfg edit {}' and add an [[input]] with evdev = \"/dev/input/by-id/...-event-kbd\" "
          "(and one for the mouse; 'ls /dev/input/by-id'), or a [[usb]] port from "
          "'vfg devices usb'",
          config.name));
}

}  // namespace vfg::check
