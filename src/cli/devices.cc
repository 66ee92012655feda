#include "cli/devices.h"

#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/devices_render.h"
#include "cli/validators.h"
#include "host/hardware.h"
#include "host/usb_watch.h"
#include "util/diagnostics.h"

namespace vfg::cli {

namespace {

struct DevicesOptions {
  std::string family;
  bool json = false;
  bool watch = false;
  int count = 0;
  double timeout_seconds = 0;
};

int run_watch(const HostRoot& root, const DevicesOptions& options) {
  UsbWatchOptions watch;
  watch.max_events = options.count;
  watch.timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));
  watch.on_ready = [] {
    report(Severity::kNote, "watching for USB devices: plug one in (Ctrl-C to stop)");
  };
  auto ended = watch_usb(root, watch, [&options](const UsbDevice& device) {
    std::string line = options.json ? render_usb_plug_json(device) : render_usb_plug_text(device);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  });
  if (!ended) return report_failure(ended.error(), "watching needs /sys/bus/usb/devices");
  // A timeout with fewer devices than asked for is worth an exit status scripts can test.
  return *ended == UsbWatchEnd::kTimeout && options.count > 0 ? 1 : 0;
}

int run_devices(const Context& context, const DevicesOptions& options) {
  auto root = context.host();
  if (!root) return report_failure(root.error());
  if (options.watch) {
    if (options.family != "usb")
      return report_failure(Error{"--watch works with USB only"}, "run 'vfg devices usb --watch'");
    return run_watch(*root, options);
  }
  DeviceSections sections;
  HardwareParts parts;
  if (!options.family.empty()) {
    sections = DeviceSections{false, false, false, false, false};
    if (options.family == "gpu") sections.gpu = true;
    if (options.family == "usb") sections.usb = true;
    if (options.family == "input") sections.input = true;
    if (options.family == "disks") sections.disks = true;
    if (options.family == "cpu") sections.cpu = true;
    // USB buses show their controller's name, which needs the PCI scan.
    parts.pci = sections.gpu || sections.usb;
    parts.usb = sections.usb;
    parts.input = sections.input;
    parts.disks = sections.disks;
    parts.cpu = sections.cpu;
  }
  Hardware hardware = scan_hardware(*root, parts);
  std::string text = options.json ? render_devices_json(hardware, sections)
                                  : render_devices_text(hardware, sections, use_colour(stdout));
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace

void add_devices_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<DevicesOptions>();
  CLI::App* command = app.add_subcommand(
      "devices", "List GPUs (cards, IOMMU groups, verdicts), USB ports, input, disks and CPU");
  command->add_option("FAMILY", options->family, "Show only one family")
      ->check(CLI::IsMember({"gpu", "usb", "input", "disks", "cpu"}));
  command->add_flag("--json", options->json, "Print JSON (schema: docs/devices-json.md)");
  command->add_flag("--watch", options->watch,
                    "With 'usb': print the port of each device as it is plugged in");
  command->add_option("--count", options->count, "With --watch: stop after N devices")
      ->check(CLI::NonNegativeNumber);
  command
      ->add_option("--timeout", options->timeout_seconds,
                   "With --watch: stop after SECONDS (exit status 1 if --count was not reached)")
      ->check(finite_non_negative());
  command->callback([&context, options] { context.exit_code = run_devices(context, *options); });
}

}  // namespace vfg::cli
