#include "cli/new.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "cli/vm_target.h"
#include "host/hardware.h"
#include "host/memory.h"
#include "run/qemu_caps_cache.h"
#include "util/diagnostics.h"
#include "util/exclusive_file.h"
#include "util/file_io.h"
#include "util/process.h"
#include "util/strings.h"
#include "util/unique_fd.h"
#include "vm/config_writer.h"
#include "vm/firmware.h"
#include "vm/new_definition.h"
#include "vm/qemu_caps.h"

namespace vfg::cli {

namespace fs = std::filesystem;

namespace {

struct NewOptions {
  std::string name;
  std::string os = "windows";
  std::string iso;
  std::string virtio_iso;
  std::string disk = "128G";
  std::string gpu = "auto";
  std::string gpu_binding = "boot";
  std::vector<std::string> usb;
  std::vector<std::string> input;
  bool looking_glass = false;
  bool reuse_disk = false;
  std::string memory;
  uint32_t cpus = 0;
  bool json = false;
};

/// An ISO named on the command line, as the absolute path the definition needs.
Result<std::string> iso_path(const std::string& given, std::string_view option) {
  if (given.empty()) return std::string();
  std::error_code error;
  fs::path path = fs::absolute(given, error);
  if (!fs::is_regular_file(path, error)) return fail("{} '{}': no such file", option, given);
  return path.lexically_normal().string();
}

Result<NewVmRequest> make_request(const NewOptions& options) {
  NewVmRequest request;
  request.os = options.os == "linux"   ? GuestOs::kLinux
               : options.os == "other" ? GuestOs::kOther
                                       : GuestOs::kWindows;
  auto iso = iso_path(options.iso, "--iso");
  if (!iso) return tl::unexpected(iso.error());
  request.iso = *iso;
  auto virtio = iso_path(options.virtio_iso, "--virtio-iso");
  if (!virtio) return tl::unexpected(virtio.error());
  request.virtio_iso = *virtio;
  request.disk = options.disk;
  request.gpu = options.gpu;
  request.gpu_binding = options.gpu_binding == "start" ? GpuBinding::kStart : GpuBinding::kBoot;
  request.usb = options.usb;
  request.input = options.input;
  request.looking_glass = options.looking_glass;
  if (!options.memory.empty()) {
    auto size = parse_size(options.memory);
    if (!size) return fail("--memory '{}' is not a size such as 16G or 12288M", options.memory);
    request.memory = *size;
  }
  if (options.cpus > 0) request.cpus = options.cpus;
  return request;
}

/// --memory within what a guest can have: at least 128M, no more than the
/// host's RAM (VFIO pins every byte of it; without a GPU it is still absurd),
/// in whole MiB.
Status check_memory_range(uint64_t memory, std::optional<uint64_t> host_total,
                          const std::string& given) {
  constexpr uint64_t kLeast = 128 * kMiB;
  uint64_t most = host_total ? *host_total / kMiB * kMiB : UINT64_MAX;
  if (memory < kLeast || memory > most) {
    if (!host_total) return fail("--memory {} is too small: give at least 128M", given);
    return fail("--memory {} is out of range: give 128M to {} (the host has {} of RAM)", given,
                size_text(most), format_bytes(*host_total));
  }
  if (memory % kMiB != 0) return fail("--memory {} is not a whole number of MiB", given);
  return ok();
}

/// The firmware VARS copy, made now so the VM owns its variable store from
/// the start. Firmware is looked up on this machine (where the VM will run),
/// even when --root points detection at another tree.
std::string copy_firmware_vars(const VmPaths& paths, bool secure_boot,
                               std::vector<std::string>& warnings) {
  auto qemu = probe_qemu_for_user();
  if (!qemu) {
    warnings.push_back(
        fmt::format("QEMU could not be asked for its machine type ({}); the "
                    "firmware variables are copied at the first start",
                    qemu.error().message));
    return {};
  }
  HostRoot live;
  auto config_home = paths.config_file.parent_path().parent_path();
  auto firmware =
      find_firmware({&live, config_home / "qemu" / "firmware"}, {qemu->q35_machine, secure_boot});
  if (!firmware) {
    warnings.push_back(firmware.error().message);
    return {};
  }
  auto copy = ensure_vars_copy(*firmware, paths.vars_file(firmware->vars_format));
  if (!copy) {
    warnings.push_back(copy.error().message);
    return {};
  }
  return copy->string();
}

/// What to type next. A GPU VM needs the host set up (vfio-pci, IOMMU) and
/// a reboot before its first start; `vfg setup` says when nothing is left to do.
std::string next_steps(const std::string& name, bool gpu) {
  std::string steps = "next:\n";
  if (gpu) {
    steps += fmt::format(
        "  vfg setup {0}                # what the host needs for the GPU\n"
        "  sudo vfg setup {0} --apply   # then reboot if it says so\n",
        name);
  }
  steps += fmt::format("  vfg check {0}\n  vfg start {0}\n(change it with 'vfg edit {0}')\n", name);
  return steps;
}

/// Files a removed VM of this name left in its data folder: a disk image,
/// firmware variables, TPM state.
std::vector<std::string> leftover_files(const VmPaths& paths) {
  std::vector<std::string> left;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(paths.data_dir, error))
    left.push_back(entry.path().filename().string());
  std::sort(left.begin(), left.end());
  return left;
}

/// Takes back what a failed `vfg new` made in the data folder (everything but
/// the `kept` files of an earlier VM), and the folder itself when it did not
/// exist before: no disk image or firmware copy is left for a VM that was not
/// written, to be found as an "earlier VM" by the next try.
void remove_made_files(const VmPaths& paths, const std::vector<std::string>& kept,
                       bool had_data_dir) {
  std::error_code error;
  if (!had_data_dir) {
    fs::remove_all(paths.data_dir, error);
    return;
  }
  for (const auto& name : leftover_files(paths))
    if (std::find(kept.begin(), kept.end(), name) == kept.end())
      fs::remove_all(paths.data_dir / name, error);
}

int run_new(const Context& context, const NewOptions& options) {
  auto target = vm_target(options.name);
  if (!target) return report_failure(target.error());
  const VmPaths& paths = target->paths;
  std::error_code error;
  if (fs::exists(paths.config_file, error)) {
    return report_failure(Error{fmt::format("'{}' already exists", paths.config_file.string())},
                          fmt::format("change it with 'vfg edit {}', or remove it to start over; "
                                      "'vfg new' never overwrites a definition",
                                      options.name));
  }
  auto request = make_request(options);
  if (!request) return report_failure(request.error());
  const auto left = leftover_files(paths);
  if (!left.empty() && !options.reuse_disk) {
    return report_failure(
        Error{fmt::format("'{}' still holds {} of an earlier VM named '{}'",
                          paths.data_dir.string(), join(left, ", "), options.name)},
        fmt::format("'vfg new {0} --reuse-disk ...' keeps them (the disk keeps its size and "
                    "contents); 'vfg rm {0}' deletes them",
                    options.name));
  }
  auto root = context.host();
  if (!root) return report_failure(root.error());

  Hardware hardware = scan_hardware(*root);
  NewVmHost host{hardware.gpus, hardware.disks, hardware.cpu,
                 hardware.usb,  hardware.input, read_memory_total(*root)};
  if (request->memory)
    if (auto in_range = check_memory_range(*request->memory, host.memory_total, options.memory);
        !in_range)
      return report_failure(in_range.error());
  auto plan = plan_new_vm(*request, host, paths);
  if (!plan)
    return report_failure(plan.error().with_context(fmt::format("vfg new {}", options.name)));

  // Everything is decided; now the files, the definition last so that a
  // failure before it leaves no VM that points at missing files. A failure
  // after the first file takes back what this run made.
  const bool had_data_dir = fs::exists(paths.data_dir, error);
  auto fail_and_clean_up = [&](const Error& failure, std::string_view hint = {}) {
    remove_made_files(paths, left, had_data_dir);
    return report_failure(failure, hint);
  };
  if (auto made = make_directories(paths.data_dir, 0700); !made)
    return fail_and_clean_up(made.error());
  if (!plan->image_path.empty()) {
    if (fs::exists(plan->image_path, error)) {
      plan->warnings.push_back(fmt::format(
          "--reuse-disk: kept the existing image {} with its own size and contents (--disk {} "
          "was not applied)",
          plan->image_path, options.disk));
    } else {
      auto made = run_command({"qemu-img", "create", "-q", "-f", "qcow2", plan->image_path,
                               std::to_string(plan->image_size)});
      if (!made || !made->status.success()) {
        std::string why = made ? std::string(trim(made->err)) : made.error().message;
        return fail_and_clean_up(
            Error{fmt::format("cannot create the disk image {}: {}", plan->image_path, why)},
            "is qemu-img installed (Debian: qemu-utils)?");
      }
    }
  }
  std::string vars = copy_firmware_vars(paths, request->os == GuestOs::kWindows, plan->warnings);

  if (auto made = make_directories(paths.config_file.parent_path(), 0700); !made)
    return fail_and_clean_up(made.error());
  if (auto created = create_new_file(paths.config_file, plan->definition); !created)
    return fail_and_clean_up(created.error());

  if (options.json) {
    nlohmann::json out = {{"name", options.name},
                          {"file", paths.config_file.string()},
                          {"data_dir", paths.data_dir.string()},
                          {"image", plan->image_path},
                          {"firmware_vars", vars},
                          {"gpu", plan->gpu ? plan->gpu->to_string() : ""},
                          {"memory", plan->memory},
                          {"vcpus", plan->vcpus},
                          {"notes", plan->notes},
                          {"warnings", plan->warnings}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  for (const auto& warning : plan->warnings) report(Severity::kWarning, warning);
  fmt::print("wrote {}\n", paths.config_file.string());
  for (const auto& note : plan->notes) fmt::print("  {}\n", note);
  if (!vars.empty()) fmt::print("  firmware variables: {}\n", vars);
  fmt::print("{}", next_steps(options.name, plan->gpu.has_value()));
  return 0;
}

}  // namespace

void add_new_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<NewOptions>();
  CLI::App* command = app.add_subcommand(
      "new", "Write a VM definition from this host's hardware, with its disk and firmware files");
  command->add_option("NAME", options->name, "The VM's name")->required();
  command->add_option("--os", options->os, "The guest: windows (default), linux or other")
      ->check(CLI::IsMember({"windows", "linux", "other"}));
  command->add_option("--iso", options->iso, "The installer ISO, attached as a boot CD-ROM");
  command->add_option("--virtio-iso", options->virtio_iso,
                      "The virtio-win driver ISO, attached as a second CD-ROM");
  command->add_option("--disk", options->disk,
                      "A size for a new qcow2 image (default 128G), or a whole disk or "
                      "partition by its stable name (/dev/disk/by-id/...)");
  command->add_option("--gpu", options->gpu,
                      "auto (a discrete GPU that can be passed; the default), none, or a PCI "
                      "address");
  command
      ->add_option("--gpu-binding", options->gpu_binding,
                   "boot (vfio-pci holds the card from boot; the default) or start (the host's "
                   "driver keeps it until vfg start, and gets it back at the stop)")
      ->check(CLI::IsMember({"boot", "start"}));
  command->add_option("--usb", options->usb,
                      "USB devices to pass: ports (3-1.4.2) or vendor:product ids; repeatable");
  command->add_option("--input", options->input,
                      "Keyboards and mice to pass by evdev (/dev/input/by-id/...), or none; "
                      "repeatable. Default for a GPU VM: the keyboard and mouse found");
  command->add_flag("--looking-glass", options->looking_glass,
                    "Show the guest in a Looking Glass window (its client also carries "
                    "keyboard and mouse)");
  command->add_flag("--reuse-disk", options->reuse_disk,
                    "Keep the disk image and firmware variables a removed VM of this name left");
  command->add_option("--memory", options->memory,
                      "Guest RAM (default: half the host's, at most 32G, host keeps 4G)");
  command->add_option(
      "--cpus", options->cpus,
      "vCPUs (default: one per core isolcpus= sets aside, else every core but core 0 "
      "and its sibling)");
  command->add_flag("--json", options->json, "Print what was written as JSON");
  command->callback([&context, options] { context.exit_code = run_new(context, *options); });
}

}  // namespace vfg::cli
