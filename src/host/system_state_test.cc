#include "host/system_state.h"

#include <cerrno>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

// A workstation with VT-d on, captured the way the kernel lays it out.
class SystemStateTree : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.write("proc/cpuinfo",
                "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx ept\n\n"
                "processor\t: 1\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx ept\n");
    tree_.write("proc/cmdline",
                "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on iommu=pt "
                "vfio-pci.ids=10de:2684 quiet -- single\n");
    tree_.write("proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
    tree_.write("proc/modules",
                "vfio_pci 16384 0 - Live 0x0000000000000000\n"
                "vfio_iommu_type1 45056 0 - Live 0x0000000000000000\n"
                "kvm_intel 380928 0 - Live 0x0000000000000000\n");
    tree_.mkdir("sys/module/vfio/parameters");
    tree_.write("sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "N\n");
    tree_.mkdir("sys/kernel/iommu_groups/0/devices");
    tree_.mkdir("sys/kernel/iommu_groups/10/devices");
    tree_.mkdir("sys/kernel/iommu_groups/9/devices");
    tree_.write("sys/devices/virtual/iommu/dmar0/intel-iommu/ecap", "f050da\n");
    tree_.symlink("sys/class/iommu/dmar0", "../../devices/virtual/iommu/dmar0");
    tree_.write("proc/interrupts",
                "            CPU0       CPU1\n"
                "   0:         36          0   IR-IO-APIC    2-edge      timer\n"
                " 122:          0         47  IR-PCI-MSI-0000:00:14.0    0-edge      xhci_hcd\n"
                " 123:          0          0  DMAR-MSI    0-edge      dmar0\n");
    tree_.write("proc/self/status",
                "Name:\tvfg\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n"
                "Groups:\t24 27 1000\n");
    tree_.write("proc/self/limits",
                "Limit                     Soft Limit           Hard Limit           Units\n"
                "Max locked memory         8388608              8388608              bytes\n");
    tree_.write("etc/passwd",
                "root:x:0:0:root:/root:/bin/bash\n"
                "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n");
    tree_.write("etc/group",
                "root:x:0:\ncdrom:x:24:alice\nsudo:x:27:alice\nkvm:x:104:alice\n"
                "input:x:105:bob,alice\nalice:x:1000:\n");
    // The user's systemd manager, and the system one that must be ignored.
    tree_.write("proc/1/comm", "systemd\n");
    tree_.write("proc/1/status", "Name:\tsystemd\nUid:\t0\t0\t0\t0\n");
    tree_.write("proc/1/limits",
                "Max locked memory         8388608              8388608   bytes\n");
    tree_.write("proc/1712/comm", "systemd\n");
    tree_.write("proc/1712/status", "Name:\tsystemd\nUid:\t1000\t1000\t1000\t1000\n");
    tree_.write("proc/1712/cmdline", std::string("/lib/systemd/systemd\0--user\0", 28));
    tree_.write("proc/1712/limits",
                "Max locked memory         unlimited            unlimited            bytes\n");
    tree_.write("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "4096\n");
    tree_.write("sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "4000\n");
    tree_.write("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
    tree_.write("sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
    tree_.mkdir("sys/devices/platform/efi-framebuffer.0");
    tree_.write("sys/bus/platform/drivers/efi-framebuffer/bind", "");
    tree_.symlink("sys/bus/platform/drivers/efi-framebuffer/efi-framebuffer.0",
                  "../../../../devices/platform/efi-framebuffer.0");
    tree_.write("proc/iomem",
                "00000000-00000fff : Reserved\n"
                "6000000000-6fffffffff : PCI Bus 0000:01\n"
                "  6000000000-600fffffff : 0000:01:00.0\n"
                "    6000000000-60002fffff : efifb\n");
  }

  testing::TempDir tree_;
};

TEST_F(SystemStateTree, ReadsEveryFact) {
  auto state = read_system_state(HostRoot(tree_.path()));
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ(state->cpu_vendor, "GenuineIntel");
  EXPECT_TRUE(state->cpu_vmx);
  EXPECT_FALSE(state->cpu_svm);
  EXPECT_FALSE(state->cpu_hypervisor);
  EXPECT_EQ(state->kernel_release, "6.1.0-13-amd64");
  EXPECT_EQ(state->cmdline_value("intel_iommu"), "on");
  EXPECT_EQ(state->cmdline_value("vfio_pci.ids"), "10de:2684");  // either spelling
  EXPECT_EQ(state->cmdline_value("quiet"), "");
  EXPECT_EQ(state->cmdline_value("single"), std::nullopt);  // after "--" belongs to init
  EXPECT_TRUE(state->has_module("vfio-pci"));
  EXPECT_TRUE(state->has_module("vfio"));  // built in: only /sys/module
  EXPECT_TRUE(state->has_module("vfio_iommu_type1"));
  EXPECT_FALSE(state->has_module("vendor_reset"));

  EXPECT_EQ(state->iommu.groups, (std::vector<std::string>{"0", "9", "10"}));
  EXPECT_EQ(state->iommu.units, std::vector<std::string>{"dmar0"});
  EXPECT_EQ(state->iommu.interrupt_remapping, true);
  EXPECT_EQ(state->iommu.remapping_evidence, "IR-IO-APIC");
  EXPECT_EQ(state->iommu.remapping_supported, true);  // 0xf050da has bit 3
  EXPECT_FALSE(state->iommu.unsafe_interrupts_allowed);

  EXPECT_EQ(state->identity.uid, 1000u);
  EXPECT_EQ(state->identity.user, "alice");
  EXPECT_TRUE(process_member(*state, "sudo"));
  EXPECT_FALSE(process_member(*state, "kvm"));
  EXPECT_TRUE(configured_member(*state, "kvm"));
  EXPECT_TRUE(configured_member(*state, "input"));
  EXPECT_FALSE(configured_member(*state, "root"));

  ASSERT_TRUE(state->process_memlock);
  EXPECT_EQ(state->process_memlock->soft, 8u << 20);
  EXPECT_EQ(state->process_memlock->hard, 8u << 20);
  ASSERT_TRUE(state->user_manager_memlock);
  EXPECT_EQ(state->user_manager_pid, 1712);
  EXPECT_EQ(state->user_manager_memlock->soft, MemlockLimit::kUnlimited);

  ASSERT_EQ(state->hugepages.size(), 2u);
  EXPECT_EQ(state->hugepages[0].page_size, 2u << 20);
  EXPECT_EQ(state->hugepages[0].total, 4096u);
  EXPECT_EQ(state->hugepages[0].free, 4000u);
  EXPECT_EQ(state->hugepages[1].page_size, 1u << 30);

  ASSERT_EQ(state->framebuffers.size(), 2u);
  EXPECT_EQ(state->framebuffers[0].driver, "efi-framebuffer");
  EXPECT_EQ(state->framebuffers[0].device, "efi-framebuffer.0");
  EXPECT_EQ(state->framebuffers[1].driver, "efifb");
  EXPECT_EQ(state->framebuffers[1].start, 0x6000000000u);
  EXPECT_EQ(state->framebuffers[1].end, 0x60002fffffu);
}

TEST_F(SystemStateTree, AnEmptyTreeIsAMachineWithNothing) {
  testing::TempDir empty;
  auto state = read_system_state(HostRoot(empty.path()));
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_FALSE(state->cpu_vmx);
  EXPECT_FALSE(state->kvm.exists);
  EXPECT_TRUE(state->iommu.groups.empty());
  EXPECT_EQ(state->iommu.interrupt_remapping, std::nullopt);
  EXPECT_FALSE(state->user_manager_memlock);
  EXPECT_FALSE(state->process_memlock);
  EXPECT_FALSE(kvm_runs_guests(*state));
}

TEST_F(SystemStateTree, KvmRunsGuestsOnlyWithCpuSupportAndAccess) {
  // /dev/kvm as udev makes it: crw-rw---- root:kvm.
  tree_.mkdir("dev");
  ASSERT_EQ(::mknod((tree_ / "dev/kvm").c_str(), S_IFCHR | 0660, makedev(10, 232)), 0)
      << "creating a character device needs root";
  ASSERT_EQ(::chown((tree_ / "dev/kvm").c_str(), 0, 104), 0);
  ASSERT_EQ(::chmod((tree_ / "dev/kvm").c_str(), 0660), 0);  // whatever the umask
  auto state = read_system_state(HostRoot(tree_.path()));
  ASSERT_TRUE(state);
  EXPECT_EQ(state->kvm.type, 'c');
  EXPECT_EQ(state->kvm.mode, 0660u);
  EXPECT_EQ(state->kvm.gid, 104u);
  EXPECT_FALSE(state->kvm_open_errno);  // only the live system is opened
  // alice is in kvm only after a re-login: not yet usable.
  EXPECT_FALSE(kvm_runs_guests(*state));
  state->identity.process_gids.push_back(104);
  EXPECT_TRUE(kvm_runs_guests(*state));
  // The same device on a CPU without vmx/svm is a paravirtual KVM: guests hang.
  state->cpu_vmx = false;
  EXPECT_FALSE(kvm_runs_guests(*state));
}

TEST(SystemState, AccessFollowsOwnerGroupOther) {
  Identity alice{1000, "alice", 1000, {1000, 104}};
  NodeInfo node{"/dev/vfio/12", true, 'c', 0600, 1000, 0, 0};
  EXPECT_TRUE(can_access(node, alice, true));
  node.uid = 0;
  EXPECT_FALSE(can_access(node, alice, false));
  node.gid = 104;
  node.mode = 0640;
  EXPECT_TRUE(can_access(node, alice, false));
  EXPECT_FALSE(can_access(node, alice, true));
  node.gid = 5;
  node.mode = 0666;
  EXPECT_TRUE(can_access(node, alice, true));
  node.exists = false;
  EXPECT_FALSE(can_access(node, alice, false));
  Identity root{0, "root", 0, {0}};
  node.exists = true;
  node.mode = 0;
  EXPECT_TRUE(can_access(node, root, true));
}

TEST(SystemState, BarRangesFromTheResourceFile) {
  testing::TempDir tree;
  tree.write("sys/devices/pci0000:00/0000:01:00.0/resource",
             "0x00000000f6000000 0x00000000f6ffffff 0x0000000000040200\n"
             "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
             "0x00000000e0000000 0x00000000efffffff 0x000000000014220c\n");
  auto bars = pci_bar_ranges(HostRoot(tree.path()), "/sys/devices/pci0000:00/0000:01:00.0");
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[0].start, 0xf6000000u);
  EXPECT_EQ(bars[1].end, 0xefffffffu);
  EXPECT_TRUE(pci_bar_ranges(HostRoot(tree.path()), "/sys/devices/none").empty());
}

TEST(SystemState, ParsesMemlockLines) {
  auto limits =
      parse_memlock_limits("Max locked memory         65536                unlimited   bytes");
  ASSERT_TRUE(limits);
  EXPECT_EQ(limits->soft, 65536u);
  EXPECT_EQ(limits->hard, MemlockLimit::kUnlimited);
  EXPECT_FALSE(parse_memlock_limits("Max open files 1024 4096 files"));
}

TEST(SystemState, InterruptRemappingFromChipNames) {
  std::string evidence;
  EXPECT_EQ(parse_interrupt_remapping(" 24: 1 0 IO-APIC 5-edge ACPI:Ged\n"
                                      " 40: 0 9 PCI-MSI-0000:00:02.0 0-edge virtio\n",
                                      &evidence),
            false);
  EXPECT_EQ(evidence, "IO-APIC");
  EXPECT_EQ(parse_interrupt_remapping(" 40: 0 9 IR-PCI-MSIX-0000:01:00.0 0-edge nvme\n", &evidence),
            true);
  EXPECT_EQ(evidence, "IR-PCI-MSIX");
  EXPECT_EQ(parse_interrupt_remapping(" 24: 1 0 GICv3 27 Level arch_timer\n", &evidence),
            std::nullopt);
}

TEST(SystemState, LiveProcessFactsComeFromTheProcess) {
  auto state = read_system_state(HostRoot());
  ASSERT_TRUE(state);
  EXPECT_EQ(state->identity.uid, ::getuid());
  EXPECT_EQ(state->identity.primary_gid, ::getgid());
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_MEMLOCK, &limit), 0);
  ASSERT_TRUE(state->process_memlock);
  if (limit.rlim_cur != RLIM_INFINITY) {
    EXPECT_EQ(state->process_memlock->soft, limit.rlim_cur);
  }
  if (state->kvm.exists) {
    ASSERT_TRUE(state->kvm_open_errno);
    int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    EXPECT_EQ(*state->kvm_open_errno == 0, fd >= 0);
    if (fd >= 0) ::close(fd);
  }
}

}  // namespace
}  // namespace vfg
