// The pieces build_qemu_argv assembles (internal to the argv builder). Device
// families append to `body` and take PCIe root ports as they need them; the
// root ports are emitted before every device, since QEMU creates -device
// entries in command-line order and a bus must exist before its devices.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vm/launch_plan.h"

namespace vfg {

/// JSON keeps keys in insertion order so "driver" comes first in the output.
using Json = nlohmann::ordered_json;

/// Doubles commas: QEMU's option syntax ("a=b,c=d") reads ",," as a literal comma.
std::string qemu_opts_escape(std::string_view value);

class ArgvContext {
 public:
  ArgvContext(const VmConfig& vm, const LaunchPlan& launch) : config(vm), plan(launch) {}

  const VmConfig& config;
  const LaunchPlan& plan;
  std::vector<std::string> notices;

  /// Appends "-option value".
  void add(std::string_view option, std::string value);
  /// Appends a lone flag ("-S").
  void flag(std::string_view option);
  /// Appends "-option {json}" (-device, -object, -blockdev, -netdev, -audiodev).
  void add_json(std::string_view option, const Json& value);

  /// A new pcie-root-port on pcie.0; returns its id for the device's "bus".
  std::string root_port();

  /// The whole argv: binary, `head`, the root ports, then `body`.
  [[nodiscard]] std::vector<std::string> finish(std::vector<std::string> head) const;

 private:
  std::vector<std::string> body_;
  size_t root_ports_ = 0;
};

/// Device families, in the order they appear on the command line.
void add_gpus(ArgvContext& context);
void add_disks(ArgvContext& context);
void add_network(ArgvContext& context);
void add_usb(ArgvContext& context);
void add_inputs(ArgvContext& context);
void add_audio(ArgvContext& context);
void add_looking_glass(ArgvContext& context);

/// The -cpu value, with notices for what TCG cannot do.
std::string cpu_option(const VmConfig& config, const LaunchPlan& plan,
                       std::vector<std::string>& notices);

}  // namespace vfg
