#include "check/vm_checks.h"

#include <fmt/format.h>

#include "check/host_checks.h"
#include "check/input_path_check.h"
#include "check/setup_fix.h"
#include "util/strings.h"
#include "vm/hugepage_size.h"

namespace vfg::check {

namespace {

std::string kib(uint64_t bytes) { return std::to_string((bytes + 1023) / 1024); }

std::string limit_text(uint64_t bytes) {
  return bytes == MemlockLimit::kUnlimited ? "unlimited" : format_bytes(bytes);
}

}  // namespace

Finding device_access_failure(const std::string& id, const std::string& title, const NodeInfo& node,
                              const SystemState& state, const SetupExpectations& setup,
                              const std::string& what, const std::string& manual) {
  SetupFix rule = setup_fix(setup, NeedKind::kDeviceAccess, what);
  // The rule is there; udev applies it when the device appears or is triggered.
  if (rule.in_place)
    return warn(id, title + " yet: the udev rule is written", describe_node(node, state),
                access_fix(node, state, "sudo udevadm trigger, or replug the device"));
  return with_fix_files(failure(id, title, describe_node(node, state),
                                access_fix(node, state, rule.known() ? rule.text : manual)),
                        rule);
}

Finding check_vm_accel(const VmConfig& config, const SystemState& state) {
  const std::string id = "vm.accel";
  bool kvm = kvm_runs_guests(state);
  switch (config.accel) {
    case Accel::kTcg:
      return pass(id, "runs with TCG, as the definition asks (software emulation)");
    case Accel::kKvm:
      if (kvm) return pass(id, "runs with KVM");
      return failure(id, "the definition asks for KVM, but KVM cannot run guests here",
                     check_kvm(state).title,
                     "fix KVM (see kvm.usable), or set accel = \"auto\" to fall back to TCG");
    case Accel::kAuto:
      break;
  }
  if (kvm) return pass(id, "runs with KVM");
  Finding host = check_kvm(state);
  return warn(id, "runs with TCG (software emulation): KVM cannot run guests here", host.detail,
              host.fix);
}

std::vector<Finding> check_vm_memlock(const VmConfig& config, const SystemState& state,
                                      const SetupExpectations& setup) {
  const std::string id = "vm.memlock";
  const LockedMemoryNeed locked = config.locked_memory_need();
  uint64_t need = locked.bytes;
  if (need == 0) return {};
  std::string detail = fmt::format("needs {} ({})", format_bytes(need), locked.detail);
  if (!state.process_memlock) {
    if (state.identity.uid == 0)
      return {pass(id, "memlock: root is not limited (CAP_IPC_LOCK)", detail)};
    return {warn(id, "memlock limit unknown: the tree has no /proc/self/limits", detail,
                 "run `vfg check` on the machine itself")};
  }
  const MemlockLimit& limit = *state.process_memlock;
  detail += fmt::format("; this process may lock {} (hard {})", limit_text(limit.soft),
                        limit_text(limit.hard));
  if (state.user_manager_memlock)
    detail +=
        fmt::format(", the systemd user manager {}", limit_text(state.user_manager_memlock->soft));
  SetupFix step = setup_fix(setup, NeedKind::kMemlock, "memlock limit");
  std::string raise = step.known()
                          ? step.text + ", then log out and back in"
                          : fmt::format(
                                "raise the memlock limit of {} to {} KiB (limits.conf), then log "
                                "out and back in",
                                state.identity.user, kib(need));
  if (state.identity.uid == 0 && limit.soft < need)
    return {pass(id, "memlock: root is not limited (CAP_IPC_LOCK)", detail)};
  // Without PCI devices only mem-lock=on locks the RAM.
  const std::string cannot =
      config.gpus.empty() ? "QEMU cannot lock the guest's RAM" : "VFIO cannot pin the guest's RAM";
  if (limit.soft >= need) {
    if (state.user_manager_memlock && state.user_manager_memlock->soft < need)
      return {with_fix_files(
          warn(id, "memlock enough here, but units of the systemd user manager get less", detail,
               step.in_place ? "sudo systemctl daemon-reload, then log out and back in" : raise),
          step)};
    return {pass(id, "memlock limit covers the VM", detail)};
  }
  // Written by setup (or by hand from this fix) but not read yet: pam_limits
  // applies it at the next login. Still a failure: this session cannot start
  // the VM, and vfg start must refuse rather than leave it to a QEMU error.
  if (step.in_place)
    return {failure(id, "memlock limit written, but this session started before it", detail,
                    "log out and back in")};
  if (limit.hard >= need)
    return {with_fix_files(
        failure(id, "memlock soft limit too low: " + cannot, detail,
                fmt::format("run `ulimit -l {}` in this shell before `vfg start` (the hard "
                            "limit allows it); for good: {}",
                            kib(need), raise)),
        step)};
  return {with_fix_files(failure(id, "memlock limit too low: " + cannot, detail, raise), step)};
}

std::vector<Finding> check_vm_hugepages(const VmConfig& config, const SystemState& state) {
  const std::string id = "vm.hugepages";
  uint64_t size = hugepage_bytes(config.memory.hugepages);
  if (size == 0) return {};
  uint64_t want = hugepages_needed(config.memory);
  const HugepagePool* pool = nullptr;
  for (const auto& candidate : state.hugepages)
    if (candidate.page_size == size) pool = &candidate;
  std::string pool_path = hugepage_pool_file(size);
  if (pool == nullptr)
    return {failure(id, fmt::format("no {} hugepage pool on this kernel", format_bytes(size)),
                    "the kernel or CPU does not support this page size",
                    "set hugepages = \"2M\" (or none) in the definition")};
  std::string detail = fmt::format("needs {} pages of {}; the pool has {} free of {}", want,
                                   format_bytes(size), pool->free, pool->total);
  if (pool->free >= want)
    return {pass(
        id,
        fmt::format("hugepages: {} free pages of {} cover the RAM", pool->free, format_bytes(size)),
        detail)};
  uint64_t total = pool->total + (want - pool->free);
  std::string fix = fmt::format("echo {} | sudo tee {}", total, pool_path);
  if (size == kGiB) fix += " (1 GiB pages are best reserved at boot: hugepagesz=1G hugepages=N)";
  return {failure(id,
                  fmt::format("hugepages: {} free pages of {} cannot hold {} of RAM", pool->free,
                              format_bytes(size), format_bytes(config.memory.size)),
                  detail, fix)};
}

std::vector<Finding> check_vm_looking_glass(const VmConfig& config, const SystemState& state,
                                            const VmResourceFacts& facts,
                                            const SetupExpectations& setup) {
  const std::string id = "vm.looking_glass";
  const LookingGlassConfig& lg = config.looking_glass;
  if (!lg.enabled) return {};
  const NodeInfo& node = facts.looking_glass_node;
  const uint64_t bytes = lg.effective_size();
  std::string size = format_bytes(bytes);
  std::string modprobe = "sudo modprobe kvmfr static_size_mb=" + std::to_string(bytes / kMiB);
  if (lg.backend == LookingGlassConfig::Backend::kKvmfr) {
    SetupFix module = setup_fix(setup, NeedKind::kKvmfrModule, "kvmfr module");
    // Written files load the module at the next boot; until then it takes a modprobe.
    std::string load = module.known() && !module.in_place
                           ? module.text + ", then reboot (or " + modprobe + ")"
                           : modprobe;
    if (!node.exists)
      return {with_fix_files(failure(id, node.path + " is missing: the kvmfr module is not loaded",
                                     "Looking Glass needs " + size, load),
                             module)};
    if (node.type == 'f')
      return {failure(id, node.path + " is a regular file, not the kvmfr device",
                      "QEMU ran before the kvmfr module was loaded and created it",
                      "sudo rm " + node.path + " && " + modprobe)};
    if (node.type != 'c')
      return {failure(id, node.path + " is not a character device", describe_node(node, state),
                      "sudo rm -r " + node.path + " && " + modprobe)};
    if (!can_access(node, state.identity, true)) {
      SetupFix rule = setup_fix(setup, NeedKind::kKvmfrAccess, "udev rule for kvmfr");
      std::string title = node.path + " is not readable and writable by " + state.identity.user;
      if (rule.in_place)
        return {warn(id, title + " yet: the udev rule is written", describe_node(node, state),
                     access_fix(node, state, "sudo udevadm trigger --subsystem-match=kvmfr"))};
      return {with_fix_files(
          failure(id, title, describe_node(node, state),
                  access_fix(node, state,
                             rule.known() ? rule.text
                                          : "give " + state.identity.user +
                                                " read-write access to it with a udev rule")),
          rule)};
    }
    return {pass(
        id,
        "Looking Glass: " + node.path + " is the kvmfr device, usable by " + state.identity.user,
        describe_node(node, state) + "; the VM maps " + size)};
  }
  // /dev/shm: `vfg start` creates a missing file, private to the user. Any
  // user can create one there first, and whoever owns it reads the guest's screen.
  if (!node.exists)
    return {pass(id, "Looking Glass: vfg creates " + node.path + " (" + size + ")",
                 "it is created on start, owned by " + state.identity.user + ", mode 0600")};
  if (node.type == 'l')
    return {failure(id, node.path + " is a symlink; vfg does not follow one there",
                    "another user may have planted it", "rm " + node.path)};
  if (node.type != 'f')
    return {failure(id, node.path + " is not a regular file", describe_node(node, state),
                    "sudo rm -r " + node.path)};
  if (node.uid != state.identity.uid)
    return {failure(id, node.path + " is not owned by " + state.identity.user,
                    describe_node(node, state) + "; its owner can read the guest's screen",
                    "sudo rm " + node.path)};
  if ((node.mode & 0007) != 0)
    return {failure(id, node.path + " is readable by every local user",
                    describe_node(node, state) + "; anyone could read the guest's screen",
                    fmt::format("chmod {:04o} {}", node.mode & 0770, node.path))};
  if (!can_access(node, state.identity, true)) {
    SetupFix tmpfiles =
        setup_fix(setup, NeedKind::kSharedFile, "tmpfiles rule for the Looking Glass file");
    std::string title = node.path + " is not readable and writable by " + state.identity.user;
    // The rule is written; systemd-tmpfiles applies it at boot or when asked.
    if (tmpfiles.in_place)
      return {warn(id, title + " yet: the tmpfiles rule is written", describe_node(node, state),
                   "sudo systemd-tmpfiles --create")};
    return {with_fix_files(
        failure(id, title, describe_node(node, state),
                tmpfiles.known() ? tmpfiles.text
                                 : "sudo chown " + state.identity.user + " " + node.path),
        tmpfiles)};
  }
  if (node.size != 0 && node.size != bytes)
    return {failure(
        id, fmt::format("{} holds {}, the VM maps {}", node.path, format_bytes(node.size), size),
        "the size changed since QEMU created the file", "rm " + node.path)};
  return {pass(id, "Looking Glass: " + node.path + " usable by " + state.identity.user,
               describe_node(node, state))};
}

std::vector<Finding> check_vm_disks(const VmConfig& config, const SystemState& state,
                                    const VmResourceFacts& facts, const SetupExpectations& setup) {
  std::vector<Finding> findings;
  for (size_t i = 0; i < config.disks.size() && i < facts.disks.size(); ++i) {
    const DiskConfig& disk = config.disks[i];
    const NodeInfo& node = facts.disks[i];
    std::string id = fmt::format("vm.disk.{}", i);
    bool write = !disk.read_only && disk.media != DiskMedia::kCdrom;
    if (!node.exists) {
      findings.push_back(
          failure(id, disk.path + " does not exist", "",
                  is_block_device_path(disk.path)
                      ? "check the path with `ls -l /dev/disk/by-id/`"
                      : "create it: qemu-img create -f qcow2 " + shell_quote(disk.path) + " 128G"));
      continue;
    }
    if (is_block_device_path(disk.path) && node.type != 'b') {
      findings.push_back(failure(id, disk.path + " is not a block device",
                                 describe_node(node, state),
                                 "name a disk or partition, e.g. from /dev/disk/by-id/"));
      continue;
    }
    if (!can_access(node, state.identity, write)) {
      findings.push_back(device_access_failure(
          id,
          fmt::format("{} is not {} by {}", disk.path, write ? "readable and writable" : "readable",
                      state.identity.user),
          node, state, setup, "udev rule giving " + state.identity.user + " this disk",
          "sudo chown " + state.identity.user + " " + shell_quote(disk.path) +
              " (until the next boot; a udev rule makes it last)"));
      continue;
    }
    findings.push_back(
        pass(id, fmt::format("disk {} usable", disk.path), describe_node(node, state)));
  }
  return findings;
}

std::vector<Finding> check_vm_inputs(const VmConfig& config, const SystemState& state,
                                     const VmResourceFacts& facts) {
  std::vector<Finding> findings;
  for (size_t i = 0; i < config.inputs.size() && i < facts.inputs.size(); ++i) {
    const NodeInfo& node = facts.inputs[i];
    std::string id = fmt::format("vm.input.{}", i);
    const std::string& path = config.inputs[i].evdev;
    if (!node.exists) {
      findings.push_back(failure(id, path + " does not exist", "the device is unplugged or renamed",
                                 "pick one from `ls /dev/input/by-id/`"));
      continue;
    }
    if (!can_access(node, state.identity, false)) {
      findings.push_back(failure(
          id, fmt::format("{} is not readable by {}", path, state.identity.user),
          describe_node(node, state),
          access_fix(node, state,
                     "add a udev rule giving " + state.identity.user + " read access to it")));
      continue;
    }
    findings.push_back(pass(id, "input " + path + " readable", describe_node(node, state)));
  }
  return findings;
}

std::vector<Finding> check_vm_usb(const VmConfig& config, const SystemState& state,
                                  const VmResourceFacts& facts, const SetupExpectations& setup) {
  std::vector<Finding> findings;
  for (size_t i = 0; i < config.usb.size() && i < facts.usb.size(); ++i) {
    const UsbHostConfig& usb = config.usb[i];
    std::string id = fmt::format("vm.usb.{}", i);
    std::string what = usb.by_port()
                           ? fmt::format("USB port {}-{}", usb.hostbus, usb.hostport)
                           : fmt::format("USB device {:04x}:{:04x}", usb.vendor_id, usb.product_id);
    const auto& matches = facts.usb[i];
    if (matches.empty()) {
      findings.push_back(warn(id, fmt::format("nothing is plugged in as {} now", what),
                              "QEMU attaches it when it appears",
                              "plug it in; `vfg devices` lists USB devices by port"));
      continue;
    }
    bool all_usable = true;
    for (const auto& [device, node] : matches) {
      if (can_access(node, state.identity, true)) continue;
      all_usable = false;
      findings.push_back(device_access_failure(
          id,
          fmt::format("{} ({}) is not readable and writable by {}", what, device.display_name(),
                      state.identity.user),
          node, state, setup, "udev rule for this USB device",
          "give " + state.identity.user +
              " read-write access to it with a udev rule (a chown is lost on every replug)"));
      break;
    }
    if (all_usable)
      findings.push_back(
          pass(id, fmt::format("{}: {} usable", what, matches.front().first.display_name()),
               describe_node(matches.front().second, state)));
  }
  return findings;
}

std::vector<Finding> check_vm_resources(const VmConfig& config, const HostFacts& host,
                                        const VmResourceFacts& facts,
                                        const SetupExpectations& setup) {
  std::vector<Finding> findings;
  auto append = [&](std::vector<Finding> more) {
    for (auto& finding : more) findings.push_back(std::move(finding));
  };
  findings.push_back(check_vm_accel(config, host.system));
  append(check_vm_memlock(config, host.system, setup));
  append(check_vm_hugepages(config, host.system));
  append(check_vm_looking_glass(config, host.system, facts, setup));
  append(check_vm_disks(config, host.system, facts, setup));
  append(check_vm_inputs(config, host.system, facts));
  findings.push_back(check_vm_input_path(config));
  append(check_vm_usb(config, host.system, facts, setup));
  append(check_vm_single_gpu(config, facts.single_gpu));
  return findings;
}

}  // namespace vfg::check
