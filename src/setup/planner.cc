#include "setup/planner.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/boot_paths.h"
#include "host/display_takeover.h"
#include "setup/access_gen.h"
#include "setup/handover_gen.h"
#include "setup/initramfs_edit.h"
#include "setup/kernel_params.h"
#include "setup/modprobe_gen.h"
#include "setup/plan_builder.h"
#include "util/host_values.h"
#include "util/strings.h"

namespace vfg {

namespace {

namespace bp = boot_paths;

std::string path_in(std::string_view dir, std::string_view name) {
  return join_host_path(dir, name);
}

const std::string kVfioConf = path_in(bp::kModprobeDir, "vfg-vfio.conf");
const std::string kKvmConf = path_in(bp::kModprobeDir, "vfg-kvm.conf");
const std::string kKvmfrConf = path_in(bp::kModprobeDir, "vfg-kvmfr.conf");
const std::string kKvmfrLoad = path_in(bp::kModulesLoadDir, "vfg-kvmfr.conf");
const std::string kDracutDropIn = path_in(bp::kDracutConfDir, "10-vfg-vfio.conf");
const std::string kPassthroughRules = path_in(bp::kUdevRulesDir, "99-vfg-passthrough.rules");
const std::string kKvmfrRules = path_in(bp::kUdevRulesDir, "70-vfg-kvmfr.rules");
const std::string kLgTmpfiles = path_in(bp::kTmpfilesDir, "10-vfg-looking-glass.conf");
const std::string kLimitsConf = path_in(bp::kLimitsDir, "95-vfg-memlock.conf");
const std::string kHugepagesSysctl = path_in(bp::kSysctlDir, "80-vfg-hugepages.conf");
const std::string kHandoverRule = path_in(bp::kPolkitRulesDir, "50-vfg-handover.rules");
const std::string kSingleGpuUnit = path_in(bp::kSystemdSystemDir, single_gpu_paths::kUnitTemplate);

std::string handover_unit_path(HandoverOp op) {
  return path_in(bp::kSystemdSystemDir, handover_unit_template(op));
}

std::string user_manager_dropin(const SetupRequest& request) {
  std::string unit = request.user.uid ? fmt::format("user@{}.service.d", *request.user.uid)
                                      : std::string("user@.service.d");
  return path_in(path_in(bp::kSystemdSystemDir, unit), "vfg-memlock.conf");
}

bool wants_looking_glass(const SetupRequest& request, DeviceNodeNeed::Kind kind) {
  return std::any_of(request.vms.begin(), request.vms.end(),
                     [&](const SetupVm& vm) { return vm.looking_glass(kind) != nullptr; });
}

// An earlier vfio-pci ids= setting in `text` disarmed, and the plan's reader told
// which ones go, by file and line.
std::string disarm_vfio_ids(PlanBuilder& b, const std::string& path, const std::string& text,
                            VfioIdsSyntax syntax) {
  std::string edited = without_vfio_ids(text, syntax);
  if (edited == text) return edited;
  size_t number = 0;
  for (const auto& line : split(text, '\n')) {
    ++number;
    if (without_vfio_ids(line, syntax) != line)
      b.plan().notes.push_back(fmt::format(
          "{}:{}: disables the earlier '{}': a second vfio-pci ids setting would override "
          "setup's binding",
          path, number, trim(line)));
  }
  return edited;
}

void plan_initramfs(PlanBuilder& b, bool binding) {
  const BootSetup& boot = b.facts().boot;
  auto modules = vfio_initramfs_modules();
  for (const auto& module : modules)
    if (auto safe = check_module_name(module); !safe) {
      b.plan().warnings.push_back(fmt::format("module '{}' {}", module, safe.error().message));
      return;
    }
  std::vector<std::vector<std::string>> regenerate;
  switch (boot.initramfs) {
    case InitramfsTool::kMkinitcpio: {
      std::string path(bp::kMkinitcpioConf);
      if (binding) {
        auto edited = edit_mkinitcpio_conf(b.current(path).value_or(""), modules);
        if (edited)
          b.file(path, *edited, FileRole::kInitramfs,
                 "load vfio modules first and include modprobe.d (modconf hook)");
        else {
          b.plan().warnings.push_back(edited.error().message);
          b.plan().unmet.push_back("vfio modules first in the initramfs");
        }
      }
      regenerate = {{"mkinitcpio", "-P"}};
      if (boot.bootloader == Bootloader::kLimine && !boot.limine_sources.empty())
        regenerate = {limine_regenerate_command(boot)};
      break;
    }
    case InitramfsTool::kDracut:
      if (binding)
        b.file(kDracutDropIn, dracut_force_drivers_conf(modules), FileRole::kInitramfs,
               "load vfio modules before any GPU driver");
      regenerate = {{"dracut", "--regenerate-all", "--force"}};
      break;
    case InitramfsTool::kInitramfsTools: {
      std::string path(bp::kInitramfsToolsModules);
      // Its lines are modprobe arguments: a guide's "vfio_pci ids=..." there is read
      // after modprobe.d and wins.
      if (binding)
        b.file(path,
               edit_initramfs_tools_modules(disarm_vfio_ids(b, path, b.current(path).value_or(""),
                                                            VfioIdsSyntax::kModuleList),
                                            modules),
               FileRole::kInitramfs, "load vfio modules early in the initramfs");
      regenerate = {{"update-initramfs", "-u", "-k", "all"}};
      break;
    }
    case InitramfsTool::kBooster: {
      std::string path(bp::kBoosterYaml);
      if (binding)
        b.file(path, edit_booster_yaml(b.current(path).value_or(""), modules), FileRole::kInitramfs,
               "force-load vfio modules in the initramfs");
      regenerate = {{"/usr/lib/booster/regenerate_images"}};
      break;
    }
    case InitramfsTool::kUnknown:
      if (binding) {
        b.plan().warnings.push_back(
            "cannot tell which tool builds the initramfs; make sure vfio_pci, vfio and "
            "vfio_iommu_type1 load from it before any GPU driver, with /etc/modprobe.d inside");
        b.plan().unmet.push_back("vfio modules first in the initramfs");
      }
      break;
  }
  bool boot_images_stale = b.changed(FileRole::kModprobe) || b.changed(FileRole::kInitramfs);
  if (boot.bootloader == Bootloader::kKernelInstall) {
    // The images (often UKIs carrying the command line) come from kernel-install or the
    // mkinitcpio presets; rebuilding them covers the initramfs as well.
    if (!boot_images_stale && !b.changed(FileRole::kKernelCmdline)) return;
    if (boot.unsigned_uki_rebuild()) {
      b.plan().warnings.push_back(
          "Secure Boot is on and nothing here signs rebuilt unified kernel images, so setup "
          "does not rebuild them (an unsigned image would not boot): rebuild and sign them "
          "yourself so their initramfs carries the vfio modules and /etc/modprobe.d");
      b.plan().unmet.push_back("boot images rebuilt (and signed) with the new initramfs");
      return;
    }
    for (auto& argv : kernel_install_commands(boot))
      b.command(argv, "rebuild the boot images with the new command line and initramfs", true);
    return;
  }
  if (boot.bootloader == Bootloader::kRpmOstree) {
    // rpm-ostree builds the initramfs on the server; it only carries /etc files it tracks.
    if (b.changed(FileRole::kModprobe))
      b.command({"rpm-ostree", "initramfs-etc", "--track=" + kVfioConf},
                "carry the vfio-pci options into the initramfs", false,
                {"rpm-ostree", "initramfs-etc", "--untrack=" + kVfioConf});
    return;
  }
  if (!boot_images_stale) return;
  for (auto& argv : regenerate) b.command(argv, "rebuild the initramfs", true);
}

void plan_access(PlanBuilder& b) {
  const SetupRequest& request = b.request();
  if (request.user.name.empty() || request.user.name == "root") {
    b.plan().warnings.push_back(
        "no unprivileged user to give device access to; run with sudo from your account or "
        "pass --user NAME");
    return;
  }
  const auto& groups = b.facts().existing_groups;
  if (std::find(groups.begin(), groups.end(), request.group) == groups.end())
    b.command({"groupadd", "--system", request.group}, "create the group " + request.group, false,
              {"groupdel", request.group});
  const auto& member_of = request.user.groups;
  if (std::find(member_of.begin(), member_of.end(), request.group) == member_of.end())
    b.command({"usermod", "-aG", request.group, request.user.name},
              fmt::format("add {} to {} (takes effect at the next login)", request.user.name,
                          request.group),
              false, {"gpasswd", "-d", request.user.name, request.group});

  b.file(kPassthroughRules, passthrough_udev_rules(request), FileRole::kUdev,
         "device access for " + request.user.name + ": /dev/vfio, disks, USB",
         NeedKind::kDeviceAccess);
  if (wants_looking_glass(request, DeviceNodeNeed::Kind::kKvmfr))
    b.file(kKvmfrRules, kvmfr_udev_rules(request), FileRole::kUdev,
           "kvmfr device access (before 73-seat-late.rules)", NeedKind::kKvmfrAccess);
  if (wants_looking_glass(request, DeviceNodeNeed::Kind::kSharedFile)) {
    b.file(kLgTmpfiles, looking_glass_tmpfiles(request), FileRole::kTmpfiles,
           "the Looking Glass shared memory file, 0660 for " + request.user.name,
           NeedKind::kSharedFile);
    if (b.changed(FileRole::kTmpfiles))
      b.command({"systemd-tmpfiles", "--create", kLgTmpfiles}, "create the file now", false);
  }
  if (b.changed(FileRole::kUdev)) {
    b.command({"udevadm", "control", "--reload"}, "load the new udev rules", true);
    b.command({"udevadm", "trigger", "--action=change"}, "apply them to existing devices", true);
  }

  // Only a VM says how much it locks; one that neither passes devices nor
  // locks its memory needs no more than the kernel's default.
  MemlockNeed need = memlock_need(request.vms);
  if (request.vms.empty() || (need.bytes() == 0 && !request.memlock_unlimited)) return;
  b.file(kLimitsConf, memlock_limits_conf(request.user.name, need, request.memlock_unlimited),
         FileRole::kLimits, "locked-memory limit for VFIO (next login)", NeedKind::kMemlock);
  b.file(user_manager_dropin(request), memlock_systemd_dropin(need, request.memlock_unlimited),
         FileRole::kSystemdUnit, "the same limit for the systemd user manager", NeedKind::kMemlock);
  if (b.changed(FileRole::kSystemdUnit))
    b.command({"systemctl", "daemon-reload"}, "load the user manager drop-in", true);
}

void plan_modules(PlanBuilder& b, bool binding) {
  const SetupRequest& request = b.request();
  if (binding) {
    BindingChoice choice = choose_binding(request.bind, b.facts().pci);
    b.plan().notes.push_back(choice.reason);
    bool unsafe = b.facts().interrupt_remapping == false;
    if (unsafe)
      b.plan().warnings.push_back(
          "this platform has no interrupt remapping: setup allows unsafe interrupts, which lets "
          "a passed device forge interrupts on the host");
    b.file(kVfioConf, vfio_modprobe_conf(request.bind, choice, unsafe), FileRole::kModprobe,
           "vfio-pci claims the passthrough devices first");
    // modprobe reads every file; another one's ids= would replace or add to setup's.
    for (const auto& path : b.facts().boot.modprobe_confs) {
      if (path == kVfioConf || path == kKvmConf || path == kKvmfrConf) continue;
      auto old = b.current(path);
      if (!old) continue;
      std::string edited = disarm_vfio_ids(b, path, *old, VfioIdsSyntax::kModprobeOptions);
      if (edited == *old) continue;
      b.file(path, edited, FileRole::kModprobe, "disable an earlier vfio-pci ids setting");
    }
  }
  if (request.msrs == MsrPolicy::kIgnore)
    b.file(kKvmConf, kvm_modprobe_conf(), FileRole::kModuleOptions, "ignore unknown guest MSRs");
  std::vector<uint64_t> sizes;
  std::vector<std::string> names;
  for (const auto& vm : request.vms)
    if (vm.looking_glass(DeviceNodeNeed::Kind::kKvmfr)) {
      sizes.push_back(vm.needs.looking_glass_mib());
      names.push_back(vm.name());
    }
  if (!sizes.empty()) {
    b.file(kKvmfrConf, kvmfr_modprobe_conf(sizes, names), FileRole::kModuleOptions,
           "kvmfr devices sized for Looking Glass", NeedKind::kKvmfrModule);
    b.file(kKvmfrLoad, "# Written by vfg setup: load kvmfr at boot for Looking Glass.\nkvmfr\n",
           FileRole::kModulesLoad, "load kvmfr at boot", NeedKind::kKvmfrModule);
  }
}

void plan_handover(PlanBuilder& b) {
  const SetupRequest& request = b.request();
  if (request.handover.empty()) return;
  std::vector<std::vector<std::string>> cards;
  std::vector<std::string> names;
  for (const auto& card : request.handover) {
    std::vector<std::string> functions;
    for (const auto& fn : card) functions.push_back(fn.address);
    names.push_back(functions.front());
    cards.push_back(std::move(functions));
  }
  b.file(std::string(handover_paths::kAllowlist), render_allowlist(cards), FileRole::kHandover,
         "the cards the handover service may move: " + join(names, ", "));
  for (HandoverOp op : {HandoverOp::kRelease, HandoverOp::kReturn})
    b.file(handover_unit_path(op), handover_unit_text(op, request.vfg_binary),
           FileRole::kSystemdUnit, fmt::format("the handover service ({})", to_string(op)));
  if (request.single_gpu)
    b.file(kSingleGpuUnit, single_gpu_unit_text(request.vfg_binary), FileRole::kSystemdUnit,
           "the single-GPU service: takes the display for a VM and brings it back");
  b.file(kHandoverRule, handover_polkit_rule(request.group, request.single_gpu),
         FileRole::kHandover,
         "lets " + request.group + " start the handover units, and nothing else");
  if (b.changed(FileRole::kSystemdUnit))
    b.command({"systemctl", "daemon-reload"}, "load the handover units", true);
  b.plan().notes.push_back(fmt::format(
      "{} stay{} with the host's driver until `vfg start` hands {} to vfio-pci, and come{} back at "
      "the stop",
      join(names, ", "), names.size() == 1 ? "s" : "", names.size() == 1 ? "it" : "them",
      names.size() == 1 ? "s" : ""));
}

void plan_hugepages(PlanBuilder& b) {
  HugePageReservation reservation = hugepage_reservation(b.request().vms);
  if (reservation.pages_1g > 0)
    b.plan().notes.push_back(fmt::format(
        "reserves {} GiB of RAM as 1 GiB hugepages at boot: the host cannot use it, even while "
        "no VM runs",
        reservation.pages_1g));
  if (reservation.pages_2m > 0) {
    b.file(kHugepagesSysctl,
           fmt::format("# Written by vfg setup: 2 MiB hugepages for VM RAM ({} reserved).\n"
                       "vm.nr_hugepages = {}\n",
                       format_bytes(reservation.pages_2m * (2ull << 20)), reservation.pages_2m),
           FileRole::kSysctl, "reserve 2 MiB hugepages");
    b.plan().notes.push_back(fmt::format(
        "reserves {} of RAM as 2 MiB hugepages: the host cannot use it, even while no VM runs",
        format_bytes(reservation.pages_2m * (2ull << 20))));
    if (b.changed(FileRole::kSysctl))
      b.command({"sysctl", "-p", kHugepagesSysctl}, "reserve the pages now", false);
  }
}

}  // namespace

std::vector<KernelParam> wanted_kernel_params(const SetupFacts& facts,
                                              const SetupRequest& request) {
  std::vector<KernelParam> params;
  if (facts.cpu == CpuVendor::kIntel) params.push_back({"intel_iommu", "on"});
  params.push_back({"iommu", "pt"});
  HugePageReservation reservation = hugepage_reservation(request.vms);
  if (reservation.pages_1g > 0) {
    params.push_back({"default_hugepagesz", "1G"});
    params.push_back({"hugepagesz", "1G"});
    params.push_back({"hugepages", std::to_string(reservation.pages_1g)});
  }
  if (facts.boot.bootloader == Bootloader::kRpmOstree && !request.bind.empty())
    params.push_back({"rd.driver.pre", "vfio_pci"});
  return params;
}

std::vector<std::string> planned_paths(const BootSetup& boot, const SetupRequest& request) {
  std::vector<std::string> paths{std::string(bp::kDefaultGrub),
                                 std::string(bp::kKernelCmdline),
                                 std::string(bp::kMkinitcpioConf),
                                 std::string(bp::kInitramfsToolsModules),
                                 std::string(bp::kBoosterYaml),
                                 kVfioConf,
                                 kKvmConf,
                                 kKvmfrConf,
                                 kKvmfrLoad,
                                 kDracutDropIn,
                                 kPassthroughRules,
                                 kKvmfrRules,
                                 kLgTmpfiles,
                                 kLimitsConf,
                                 kHugepagesSysctl,
                                 std::string(handover_paths::kAllowlist),
                                 handover_unit_path(HandoverOp::kRelease),
                                 handover_unit_path(HandoverOp::kReturn),
                                 kHandoverRule,
                                 kSingleGpuUnit,
                                 user_manager_dropin(request)};
  for (const auto& entry : boot.loader_entries) paths.push_back(entry);
  paths.insert(paths.end(), boot.grub_dropins.begin(), boot.grub_dropins.end());
  paths.insert(paths.end(), boot.modprobe_confs.begin(), boot.modprobe_confs.end());
  paths.insert(paths.end(), boot.limine_configs.begin(), boot.limine_configs.end());
  paths.insert(paths.end(), boot.limine_sources.begin(), boot.limine_sources.end());
  return paths;
}

HostPlan plan_setup(const SetupFacts& facts, const SetupRequest& request) {
  PlanBuilder b(facts, request);
  bool binding = !request.bind.empty();
  b.plan().notes.push_back(fmt::format(
      "{}: bootloader {} ({}), initramfs {} ({})",
      facts.boot.distro.pretty_name.empty() ? "unknown distribution"
                                            : facts.boot.distro.pretty_name,
      to_string(facts.boot.bootloader),
      facts.boot.bootloader_evidence.empty() ? "nothing found" : facts.boot.bootloader_evidence,
      to_string(facts.boot.initramfs),
      facts.boot.initramfs_evidence.empty() ? "nothing found" : facts.boot.initramfs_evidence));
  if (facts.cpu != CpuVendor::kIntel)
    b.plan().notes.push_back(
        "not an Intel CPU: no intel_iommu=on (the AMD IOMMU is on by default; amd_iommu=on is "
        "not a valid value)");
  PlanTargets& targets = b.plan().targets;
  for (const auto& param : wanted_kernel_params(facts, request))
    targets.kernel_params.push_back(param.text());
  for (const auto& fn : request.bind) targets.vfio_devices.push_back(fn.address);
  if (!request.user.name.empty() && request.user.name != "root")
    targets.user_groups.push_back(request.group);
  if (uint64_t memlock = memlock_need(request.vms).bytes(); memlock > 0) targets.memlock = memlock;
  targets.memlock_unlimited = request.memlock_unlimited;
  plan_modules(b, binding);
  plan_hugepages(b);
  plan_handover(b);
  plan_kernel_cmdline(b);
  plan_initramfs(b, binding);
  plan_access(b);
  // Regeneration runs after the commands that change accounts or kernel args.
  std::stable_partition(b.plan().commands.begin(), b.plan().commands.end(),
                        [](const PlanCommand& c) { return !c.regenerate; });
  return std::move(b.plan());
}

}  // namespace vfg
