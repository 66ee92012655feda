#include "check/run_checks.h"

#include "check/host_checks.h"

namespace vfg::check {

namespace {

// Block devices, evdev nodes and kvmfr are host paths; image files are the user's.
NodeInfo stat_path(const HostRoot& root, const std::string& path) {
  if (is_block_device_path(path)) return stat_node(root, path);
  return stat_node(HostRoot(), path);
}

std::vector<Finding> vm_findings(const CheckInput& input) {
  std::vector<Finding> findings;
  if (input.vm == nullptr) return findings;
  const VmConfig& vm = *input.vm;
  auto append = [&](std::vector<Finding> more) {
    for (auto& finding : more) findings.push_back(std::move(finding));
  };
  append(check_vm_resources(vm, input.host, input.vm_resources, input.setup));
  append(check_vm_passthrough(vm, input.host.system, input.pci, input.setup));
  append(check_vm_qemu_features(vm, input.software));
  append(check_vm_firmware(vm, input.software));
  append(check_vm_audio(vm, input.host.audio, input.vm_resources.audio_server, input.software));
  return findings;
}

}  // namespace

VmResourceFacts gather_vm_resources(const HostRoot& root, const VmConfig& config) {
  VmResourceFacts facts;
  const LookingGlassConfig& lg = config.looking_glass;
  // The /dev/shm file is the user's, in a directory every user can write:
  // a symlink there is described, never followed.
  if (lg.enabled)
    facts.looking_glass_node = lg.backend == LookingGlassConfig::Backend::kKvmfr
                                   ? stat_path(root, lg.memory_path())
                                   : stat_node(root, lg.memory_path(), Symlinks::kReport);
  for (const auto& disk : config.disks) facts.disks.push_back(stat_path(root, disk.path));
  for (const auto& input : config.inputs) facts.inputs.push_back(stat_path(root, input.evdev));
  if (!config.usb.empty()) {
    UsbDevices plugged = scan_usb(root);
    for (const auto& wanted : config.usb) {
      std::vector<std::pair<UsbDevice, NodeInfo>> matches;
      for (const auto& device : plugged.devices) {
        bool match =
            wanted.by_port()
                ? device.bus == static_cast<int>(wanted.hostbus) && device.port == wanted.hostport
                : device.vendor_id == wanted.vendor_id && device.product_id == wanted.product_id;
        if (match) matches.emplace_back(device, usb_device_node(root, device.bus, device.address));
      }
      facts.usb.push_back(std::move(matches));
    }
  }
  if (!config.audio.server.empty()) facts.audio_server = probe_audio_socket(config.audio.server);
  return facts;
}

Result<CheckInput> gather_check_input(const HostReading& host, const VmConfig* vm,
                                      const SetupExpectations& setup, const QemuProbe& qemu_probe) {
  const HostRoot& root = host.root();
  auto host_facts = gather_host_facts(host);
  if (!host_facts) return tl::unexpected(host_facts.error());
  CheckInput input;
  input.host = std::move(*host_facts);
  input.pci = gather_pci_facts(host);
  input.software = gather_software(root, vm != nullptr && vm->firmware.secure_boot, qemu_probe);
  input.setup = setup;
  input.vm = vm;
  if (vm != nullptr) {
    input.vm_resources = gather_vm_resources(root, *vm);
    input.vm_resources.single_gpu =
        gather_single_gpu_facts(root, *vm, input.host.system.identity.user);
  }
  return input;
}

Report judge(const CheckInput& input) {
  Report report;
  if (input.vm != nullptr) report.vm_name = input.vm->name;
  report.findings = check_host(input.host, input.setup);
  for (auto& finding : check_host_software(input.software))
    report.findings.push_back(std::move(finding));
  for (auto& finding : check_host_gpu_resets(input.host.system, input.pci))
    report.findings.push_back(std::move(finding));
  for (auto& finding : vm_findings(input)) report.findings.push_back(std::move(finding));
  return report;
}

Report judge_preflight(const CheckInput& input) {
  Report report;
  if (input.vm != nullptr) report.vm_name = input.vm->name;
  report.findings = vm_findings(input);
  return report;
}

Result<Report> preflight(const VmConfig& config, const HostReading& host,
                         const SetupExpectations& setup, const QemuProbe& qemu_probe) {
  auto input = gather_check_input(host, &config, setup, qemu_probe);
  if (!input) return fail(input.error(), "checking VM '" + config.name + "'");
  return judge_preflight(*input);
}

}  // namespace vfg::check
