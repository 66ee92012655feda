#include "check/passthrough_checks.h"

#include <gtest/gtest.h>

#include "check/reset_bug.h"
#include "support/run_vfg.h"

namespace vfg::check {
namespace {

// The fixture hosts that discovery's tests use, read the same way.
struct FixtureHost {
  explicit FixtureHost(const std::string& name)
      : root(testing::source_path("tests/fixtures/hosts/" + name)) {
    auto read = read_system_state(root);
    EXPECT_TRUE(read);
    if (read) state = *read;
    state.identity = Identity{1000, "alice", 1000, {1000, 104}};
    state.groups = {{"root", 0, {}}, {"kvm", 104, {"alice"}}, {"alice", 1000, {}}};
    pci = gather_pci_facts(HostReading(root));
  }
  HostRoot root;
  SystemState state;
  PciFacts pci;
};

VmConfig passing(const std::string& address) {
  VmConfig config;
  config.name = "win11";
  GpuConfig gpu;
  gpu.address = address;
  config.gpus.push_back(gpu);
  return config;
}

const Finding* find(const std::vector<Finding>& findings, const std::string& id) {
  for (const auto& finding : findings)
    if (finding.id == id) return &finding;
  return nullptr;
}

SetupExpectations known_setup() {
  SetupExpectations setup;
  setup.known = true;
  setup.files = {
      {"/etc/udev/rules.d/99-vfg-passthrough.rules", "rules\n", false, NeedKind::kDeviceAccess}};
  return setup;
}

TEST(Passthrough, ViableCardBoundToVfioPasses) {
  FixtureHost host("intel-igpu-nvidia");
  VmConfig config = passing("0000:01:00.0");
  EXPECT_EQ(passed_functions(config, host.pci),
            (std::vector<std::string>{"0000:01:00.0", "0000:01:00.1"}));
  host.pci.vfio_nodes[1] = NodeInfo{"/dev/vfio/1", true, 'c', 0660, 1000, 104, 0};
  auto findings = check_vm_passthrough(config, host.state, host.pci, {});
  for (const auto& finding : findings) EXPECT_EQ(finding.status, Status::kPass) << finding.title;
  ASSERT_NE(find(findings, "vm.device.0000:01:00.1"), nullptr);
  EXPECT_EQ(find(findings, "vm.group.1")->title,
            "IOMMU group 1 holds only the passed devices (and bridges)");
  EXPECT_EQ(find(findings, "vm.vfio.1")->title, "/dev/vfio/1 usable");
}

TEST(Passthrough, VfioNodeWithoutAccessNamesTheUdevStep) {
  FixtureHost host("intel-igpu-nvidia");
  host.pci.vfio_nodes[1] = NodeInfo{"/dev/vfio/1", true, 'c', 0600, 0, 0, 0};
  auto findings =
      check_vm_passthrough(passing("0000:01:00.0"), host.state, host.pci, known_setup());
  const Finding* node = find(findings, "vm.vfio.1");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->status, Status::kFail);
  EXPECT_EQ(node->fix,
            "run `vfg setup` (udev rule giving alice /dev/vfio/*: "
            "/etc/udev/rules.d/99-vfg-passthrough.rules)");
  ASSERT_EQ(node->files.size(), 1u);
  EXPECT_EQ(node->files[0].path, "/etc/udev/rules.d/99-vfg-passthrough.rules");
  findings = check_vm_passthrough(passing("0000:01:00.0"), host.state, host.pci, {});
  EXPECT_EQ(find(findings, "vm.vfio.1")->fix,
            "give alice read-write access to /dev/vfio/* with a udev rule, then sudo udevadm "
            "trigger");
}

TEST(Passthrough, SharedChipsetGroupIsNotViable) {
  FixtureHost host("chipset-group");
  auto findings =
      check_vm_passthrough(passing("0000:22:00.0"), host.state, host.pci, known_setup());
  const Finding* device = find(findings, "vm.device.0000:22:00.0");
  ASSERT_NE(device, nullptr);
  EXPECT_EQ(device->status, Status::kFail);
  EXPECT_EQ(device->title, "0000:22:00.0 is bound to nvidia, not vfio-pci");
  EXPECT_EQ(device->fix, "run `vfg setup` (binds it to vfio-pci at boot), then reboot");
  const Finding* group = find(findings, "vm.group.2");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->status, Status::kFail);
  EXPECT_EQ(group->title,
            "IOMMU group 2 is not viable: it also holds 0000:01:00.0 (144d:a808, bound to nvme), "
            "0000:03:00.0 (1022:43d0, bound to "
            "xhci_hcd), 0000:03:00.1 (1022:43c8, bound to ahci), 0000:21:00.0 (8086:1539, bound "
            "to igb)");
  EXPECT_EQ(group->fix,
            "move the card to a slot with its own IOMMU group (see `vfg devices gpu`), or "
            "pass every device of the group to the VM");
}

TEST(Passthrough, RebindCommandWithoutAPlan) {
  FixtureHost host("chipset-group");
  auto findings = check_vm_passthrough(passing("0000:22:00.0"), host.state, host.pci, {});
  EXPECT_EQ(find(findings, "vm.device.0000:22:00.0")->fix,
            "sudo modprobe vfio-pci; echo vfio-pci | sudo tee "
            "/sys/bus/pci/devices/0000:22:00.0/driver_override; echo 0000:22:00.0 | sudo tee "
            "/sys/bus/pci/devices/0000:22:00.0/driver/unbind /sys/bus/pci/drivers_probe");
}

TEST(Passthrough, BootPolarisWarnsForConsoleFramebufferAndReset) {
  FixtureHost host("chipset-group");
  host.state.framebuffers = {{"efi-framebuffer", "efi-framebuffer.0", 0, 0}};
  auto findings = check_vm_passthrough(passing("0000:26:00.0"), host.state, host.pci, {});
  const Finding* boot = find(findings, "vm.gpu.boot");
  ASSERT_NE(boot, nullptr);
  EXPECT_EQ(boot->status, Status::kWarn);
  EXPECT_EQ(boot->fix,
            "select the other GPU (or the iGPU) as primary display in the firmware setup; or "
            "mark the VM single-GPU ([single_gpu] enabled = true, docs/single-gpu.md) and vfg "
            "stops the desktop for the run and brings it back");
  const Finding* fb = find(findings, "vm.framebuffer");
  ASSERT_NE(fb, nullptr);
  EXPECT_EQ(fb->title, "a boot framebuffer (efi-framebuffer.0) holds the memory of 0000:26:00.0");
  EXPECT_EQ(fb->fix,
            "echo efi-framebuffer.0 | sudo tee "
            "/sys/bus/platform/drivers/efi-framebuffer/unbind (for good: add "
            "video=efifb:off to the kernel command line)");
  const Finding* reset = find(findings, "vm.gpu.reset.0000:26:00.0");
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->status, Status::kWarn);
  EXPECT_EQ(reset->title,
            "0000:26:00.0 is an AMD Polaris 10 GPU with the reset bug: "
            "vendor-reset is not loaded");
  EXPECT_EQ(reset->fix,
            "install vendor-reset (dkms), load it at boot (echo vendor-reset | sudo "
            "tee /etc/modules-load.d/vendor-reset.conf), then echo device_specific | "
            "sudo tee /sys/bus/pci/devices/0000:26:00.0/reset_method");

  // With vendor-reset loaded the remaining step is the reset method...
  host.state.modules.push_back("vendor_reset");
  std::sort(host.state.modules.begin(), host.state.modules.end());
  findings = check_vm_passthrough(passing("0000:26:00.0"), host.state, host.pci, {});
  EXPECT_EQ(find(findings, "vm.gpu.reset.0000:26:00.0")->fix,
            "echo device_specific | sudo tee /sys/bus/pci/devices/0000:26:00.0/reset_method");
  // ...and with device_specific first, it passes.
  for (auto& function : host.pci.pci.functions)
    if (function.address.to_string() == "0000:26:00.0")
      function.reset_methods = std::vector<std::string>{"device_specific", "bus"};
  findings = check_vm_passthrough(passing("0000:26:00.0"), host.state, host.pci, {});
  EXPECT_EQ(find(findings, "vm.gpu.reset.0000:26:00.0")->status, Status::kPass);
  EXPECT_EQ(find(check_host_gpu_resets(host.state, host.pci), "gpu.reset.0000:26:00.0")->status,
            Status::kPass);
}

TEST(Passthrough, FramebufferInsideABarFailsOutsideIsIgnored) {
  FixtureHost host("intel-igpu-nvidia");  // 01:00.0 is not the boot GPU here
  host.pci.gpu_bars["0000:01:00.0"] = {{0xe0000000, 0xefffffff}, {0xf6000000, 0xf6ffffff}};
  host.state.framebuffers = {{"efi-framebuffer", "efi-framebuffer.0", 0, 0},
                             {"efifb", "", 0xe0000000, 0xe07fffff}};
  auto findings = check_vm_passthrough(passing("0000:01:00.0"), host.state, host.pci, {});
  const Finding* fb = find(findings, "vm.framebuffer");
  ASSERT_NE(fb, nullptr);
  EXPECT_EQ(fb->status, Status::kFail);
  EXPECT_EQ(fb->title,
            "a boot framebuffer (efifb, efi-framebuffer.0) holds the memory of 0000:01:00.0");
  EXPECT_EQ(fb->fix,
            "echo efi-framebuffer.0 | sudo tee "
            "/sys/bus/platform/drivers/efi-framebuffer/unbind (for good: add "
            "video=efifb:off to the kernel command line)");
  // The framebuffer lives in the iGPU's memory: nothing to say about the dGPU.
  host.state.framebuffers[1] = {"efifb", "", 0x4000000000, 0x40007fffff};
  findings = check_vm_passthrough(passing("0000:01:00.0"), host.state, host.pci, {});
  EXPECT_EQ(find(findings, "vm.framebuffer"), nullptr);
}

TEST(Passthrough, SimpledrmNeedsItsOwnParameter) {
  FixtureHost host("chipset-group");
  host.state.framebuffers = {{"simple-framebuffer", "simple-framebuffer.0", 0, 0}};
  auto findings = check_vm_passthrough(passing("0000:26:00.0"), host.state, host.pci, {});
  EXPECT_EQ(find(findings, "vm.framebuffer")->fix,
            "echo simple-framebuffer.0 | sudo tee "
            "/sys/bus/platform/drivers/simple-framebuffer/unbind (for good: add "
            "initcall_blacklist=simpledrm_platform_driver_init to the kernel command line)");
}

TEST(Passthrough, NoFramebufferFindingWithoutAFramebuffer) {
  FixtureHost host("chipset-group");
  host.state.framebuffers.clear();
  auto findings = check_vm_passthrough(passing("0000:26:00.0"), host.state, host.pci, {});
  EXPECT_EQ(find(findings, "vm.framebuffer"), nullptr);
  EXPECT_NE(find(findings, "vm.gpu.boot"), nullptr);
}

TEST(Passthrough, ASingleGpuVmTakesTheBootGpuWithoutWarnings) {
  FixtureHost host("chipset-group");
  host.state.framebuffers = {{"efi-framebuffer", "efi-framebuffer.0", 0, 0}};
  VmConfig config = passing("0000:26:00.0");
  config.single_gpu.enabled = true;
  auto findings = check_vm_passthrough(config, host.state, host.pci, {});
  const Finding* boot = find(findings, "vm.gpu.boot");
  ASSERT_NE(boot, nullptr);
  EXPECT_EQ(boot->status, Status::kPass);
  // The service unbinds the firmware framebuffer itself, and binds it again.
  EXPECT_EQ(find(findings, "vm.framebuffer"), nullptr);
}

TEST(Passthrough, NonBootCardHasNoBootWarning) {
  FixtureHost host("intel-igpu-nvidia");
  auto findings = check_vm_passthrough(passing("0000:01:00.0"), host.state, host.pci, {});
  EXPECT_EQ(find(findings, "vm.gpu.boot"), nullptr);
  EXPECT_EQ(find(findings, "vm.gpu.reset.0000:01:00.0"), nullptr);  // NVIDIA resets fine
}

TEST(Passthrough, IommuOffAndUnknownAddress) {
  FixtureHost host("intel-igpu-nvidia");
  host.pci.groups = IommuGroups{};
  host.state.cpu_vendor = "GenuineIntel";
  host.state.iommu.groups.clear();
  host.state.cmdline.clear();
  auto findings =
      check_vm_passthrough(passing("0000:09:00.0"), host.state, host.pci, known_setup());
  const Finding* iommu = find(findings, "vm.passthrough.iommu");
  ASSERT_NE(iommu, nullptr);
  EXPECT_EQ(iommu->status, Status::kFail);
  EXPECT_EQ(iommu->title, "the VM passes 0000:09:00.0 but the IOMMU is off");
  EXPECT_EQ(iommu->fix,
            "enable VT-d in the firmware (BIOS/UEFI) setup, add intel_iommu=on to "
            "the kernel command line and reboot");
  const Finding* missing = find(findings, "vm.device.0000:09:00.0");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->title, "0000:09:00.0 is not a PCI device on this host");
}

TEST(Passthrough, ResetBugTableCoversPolarisVegaNavi1x) {
  EXPECT_EQ(amd_reset_bug_family(0x1002, 0x67df), std::optional<std::string_view>("Polaris 10"));
  EXPECT_EQ(amd_reset_bug_family(0x1002, 0x687f), std::optional<std::string_view>("Vega 10"));
  EXPECT_EQ(amd_reset_bug_family(0x1002, 0x731f), std::optional<std::string_view>("Navi 10"));
  EXPECT_EQ(amd_reset_bug_family(0x1002, 0x7340), std::optional<std::string_view>("Navi 14"));
  EXPECT_EQ(amd_reset_bug_family(0x1002, 0x73ff), std::nullopt);  // Navi 23 (RDNA2)
  EXPECT_EQ(amd_reset_bug_family(0x10de, 0x67df), std::nullopt);
}

}  // namespace
}  // namespace vfg::check
