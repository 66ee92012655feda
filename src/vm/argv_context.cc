#include "vm/argv_context.h"

#include <fmt/format.h>

namespace vfg {

namespace {
/// Root ports sit in slots 0x10.. of pcie.0, eight functions per slot
/// (docs/pcie.txt: "prefer grouping root ports into multi-function devices").
constexpr size_t kFirstRootPortSlot = 0x10;
}  // namespace

std::string qemu_opts_escape(std::string_view value) {
  std::string escaped;
  for (char c : value) {
    escaped += c;
    if (c == ',') escaped += ',';
  }
  return escaped;
}

void ArgvContext::add(std::string_view option, std::string value) {
  body_.emplace_back(option);
  body_.push_back(std::move(value));
}

void ArgvContext::flag(std::string_view option) { body_.emplace_back(option); }

void ArgvContext::add_json(std::string_view option, const Json& value) {
  add(option, value.dump());
}

std::string ArgvContext::root_port() { return fmt::format("rp{}", root_ports_++); }

std::vector<std::string> ArgvContext::finish(std::vector<std::string> head) const {
  std::vector<std::string> argv = std::move(head);
  for (size_t i = 0; i < root_ports_; ++i) {
    size_t slot = kFirstRootPortSlot + i / 8;
    size_t function = i % 8;
    Json port = {{"driver", "pcie-root-port"},
                 {"id", fmt::format("rp{}", i)},
                 {"bus", "pcie.0"},
                 {"addr", fmt::format("{:02x}.{}", slot, function)},
                 // (chassis, slot) must be unique per root port; slot stays 0.
                 {"chassis", i + 1},
                 {"port", kFirstRootPortSlot + i}};
    bool more_in_slot = function == 0 && i + 1 < root_ports_;
    if (more_in_slot) port["multifunction"] = true;
    argv.emplace_back("-device");
    argv.push_back(port.dump());
  }
  argv.insert(argv.end(), body_.begin(), body_.end());
  return argv;
}

}  // namespace vfg
