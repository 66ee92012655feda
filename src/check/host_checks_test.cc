#include "check/host_checks.h"

#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "util/unique_fd.h"

namespace vfg::check {
namespace {

// A host ready for passthrough: Intel with VT-x and VT-d, remapping on, vfio
// loaded, alice in kvm, /dev/kvm crw-rw---- root:kvm.
SystemState ready_host() {
  SystemState state;
  state.cpu_vendor = "GenuineIntel";
  state.cpu_vmx = true;
  state.kvm = NodeInfo{"/dev/kvm", true, 'c', 0660, 0, 104, 0};
  state.iommu.groups = {"0", "1", "12"};
  state.iommu.units = {"dmar0", "dmar1"};
  state.iommu.interrupt_remapping = true;
  state.iommu.remapping_evidence = "IR-PCI-MSI";
  state.cmdline = {"root=/dev/sda1", "intel_iommu=on", "iommu=pt", "quiet"};
  state.modules = {"kvm", "kvm_intel", "vfio", "vfio_iommu_type1", "vfio_pci"};
  state.identity = Identity{1000, "alice", 1000, {1000, 104}};
  state.groups = {{"root", 0, {}}, {"kvm", 104, {"alice"}}, {"alice", 1000, {}}};
  return state;
}

SetupExpectations plan_with(std::vector<std::string> params) {
  SetupExpectations setup;
  setup.known = true;
  setup.kernel_params = std::move(params);
  return setup;
}

TEST(CpuVirtualization, PassesWithVmxAndFailsWithout) {
  auto state = ready_host();
  Finding ok = check_cpu_virtualization(state);
  EXPECT_EQ(ok.status, Status::kPass);
  EXPECT_EQ(ok.title, "CPU virtualization: Intel VT-x (vmx)");
  state.cpu_vmx = false;
  Finding bad = check_cpu_virtualization(state);
  EXPECT_EQ(bad.status, Status::kFail);
  EXPECT_EQ(bad.fix, "enable Intel VT-x or AMD SVM in the firmware (BIOS/UEFI) setup");
  state.cpu_hypervisor = true;
  EXPECT_EQ(check_cpu_virtualization(state).fix,
            "enable nested virtualization on the outer hypervisor, or run on bare metal with "
            "VT-x/AMD-V enabled in the firmware setup");
}

TEST(Kvm, PassesWhenUsable) {
  Finding ok = check_kvm(ready_host());
  EXPECT_EQ(ok.status, Status::kPass);
  EXPECT_EQ(ok.id, "kvm.usable");
  EXPECT_EQ(ok.detail, "crw-rw---- root:kvm /dev/kvm");
}

TEST(Kvm, MissingDeviceNamesTheModuleAndTcg) {
  auto state = ready_host();
  state.kvm.exists = false;
  Finding bad = check_kvm(state);
  EXPECT_EQ(bad.status, Status::kFail);
  EXPECT_EQ(bad.title,
            "/dev/kvm is missing: QEMU falls back to TCG (software emulation, far "
            "too slow for games)");
  EXPECT_EQ(bad.fix, "sudo modprobe kvm_intel");
}

TEST(Kvm, ParavirtualKvmFallsBackToTcg) {
  auto state = ready_host();
  state.cpu_vmx = false;
  state.cpu_hypervisor = true;
  Finding bad = check_kvm(state);
  EXPECT_EQ(bad.status, Status::kFail);
  EXPECT_EQ(bad.title,
            "KVM cannot run guests here: QEMU falls back to TCG (software emulation, "
            "far too slow for games)");
  EXPECT_EQ(bad.fix,
            "run on hardware with VT-x/AMD-V, or enable nested virtualization on the "
            "outer hypervisor");
}

TEST(Kvm, NotInGroupSaysHowToJoinOrRelogin) {
  auto state = ready_host();
  state.identity.process_gids = {1000};
  state.groups[1].members.clear();
  Finding bad = check_kvm(state);
  EXPECT_EQ(bad.status, Status::kFail);
  EXPECT_EQ(bad.fix, "sudo usermod -aG kvm alice, then log out and back in");
  state.groups[1].members = {"alice"};
  EXPECT_EQ(check_kvm(state).fix,
            "log out and back in: alice was added to group 'kvm' after this session started (or "
            "run `newgrp kvm` in this shell)");
}

TEST(Iommu, PassesWithGroups) {
  Finding ok = check_iommu(ready_host(), {});
  EXPECT_EQ(ok.status, Status::kPass);
  EXPECT_EQ(ok.title, "IOMMU on: 3 groups");
  EXPECT_EQ(ok.detail, "units dmar0, dmar1");
}

TEST(Iommu, IntelFixDependsOnWhatSetupDoes) {
  auto state = ready_host();
  state.iommu.groups.clear();
  state.iommu.units.clear();
  state.cmdline = {"quiet"};
  Finding bad = check_iommu(state, plan_with({"intel_iommu=on", "iommu=pt"}));
  EXPECT_EQ(bad.status, Status::kFail);
  EXPECT_EQ(bad.detail,
            "/sys/kernel/iommu_groups is empty and no DMAR or AMD-Vi unit is "
            "registered in /sys/class/iommu");
  EXPECT_EQ(bad.fix,
            "enable VT-d in the firmware (BIOS/UEFI) setup, run `vfg setup` (adds "
            "intel_iommu=on to the kernel command line) and reboot");
  EXPECT_EQ(check_iommu(state, {}).fix,
            "enable VT-d in the firmware (BIOS/UEFI) setup, add intel_iommu=on to the kernel "
            "command line and reboot");
  state.cmdline = {"intel_iommu=on"};
  EXPECT_EQ(check_iommu(state, {}).fix, "enable VT-d in the firmware (BIOS/UEFI) setup");
}

TEST(Iommu, AmdNeedsOnlyFirmware) {
  auto state = ready_host();
  state.cpu_vendor = "AuthenticAMD";
  state.cpu_vmx = false;
  state.cpu_svm = true;
  state.iommu.groups.clear();
  EXPECT_EQ(check_iommu(state, {}).fix,
            "enable the IOMMU (AMD-Vi) in the firmware (BIOS/UEFI) setup and reboot; the kernel "
            "turns it on by itself");
}

TEST(InterruptRemapping, PassesFailsAndIsSkippedWithoutIommu) {
  auto state = ready_host();
  auto ok = check_interrupt_remapping(state);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].status, Status::kPass);
  EXPECT_EQ(ok[0].detail, "/proc/interrupts shows IR-PCI-MSI chips");

  state.iommu.interrupt_remapping = false;
  state.iommu.remapping_evidence = "PCI-MSI";
  auto bad = check_interrupt_remapping(state);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].status, Status::kFail);
  EXPECT_EQ(bad[0].fix,
            "enable interrupt remapping (x2APIC) in the firmware setup; a platform without it "
            "needs `options vfio_iommu_type1 allow_unsafe_interrupts=1` in /etc/modprobe.d "
            "(weakens isolation)");
  state.cmdline.push_back("intremap=off");
  EXPECT_EQ(check_interrupt_remapping(state)[0].fix,
            "remove intremap=off from the kernel command line and reboot");
  state.iommu.unsafe_interrupts_allowed = true;
  EXPECT_EQ(check_interrupt_remapping(state)[0].status, Status::kWarn);

  state.iommu.groups.clear();
  EXPECT_TRUE(check_interrupt_remapping(state).empty());
}

TEST(KernelParams, ComparesThePlanWithProcCmdline) {
  auto state = ready_host();
  Finding ok = check_kernel_params(state, plan_with({"intel_iommu=on", "iommu=pt"}));
  EXPECT_EQ(ok.status, Status::kPass);
  EXPECT_EQ(ok.title, "kernel parameters in effect: intel_iommu=on iommu=pt");
  EXPECT_EQ(ok.detail, "/proc/cmdline has intel_iommu=on iommu=pt");
  state.cmdline = {"quiet", "iommu=pt"};
  Finding bad = check_kernel_params(state, plan_with({"intel_iommu=on", "iommu=pt"}));
  EXPECT_EQ(bad.status, Status::kWarn);
  EXPECT_EQ(bad.title, "kernel parameters not in effect: intel_iommu=on");
  EXPECT_EQ(bad.fix, "run `vfg setup` (kernel command line step), then reboot");
  // Without a plan, the relevant parameters in effect are shown.
  EXPECT_EQ(check_kernel_params(ready_host(), {}).title,
            "kernel command line: intel_iommu=on iommu=pt");
}

TEST(AcsOverride, FlaggedWhenOnTheCommandLine) {
  auto state = ready_host();
  EXPECT_EQ(check_acs_override(state).status, Status::kPass);
  state.cmdline.push_back("pcie_acs_override=downstream,multifunction");
  Finding bad = check_acs_override(state);
  EXPECT_EQ(bad.status, Status::kWarn);
  EXPECT_EQ(bad.title, "ACS override in effect (pcie_acs_override=downstream,multifunction)");
  EXPECT_EQ(bad.fix,
            "move the GPU to a slot whose IOMMU group is isolated, then remove "
            "pcie_acs_override from the kernel command line");
}

TEST(VfioModules, NamesTheMissingOnes) {
  auto state = ready_host();
  EXPECT_EQ(check_vfio_modules(state).status, Status::kPass);
  state.modules = {"vfio"};
  Finding bad = check_vfio_modules(state);
  EXPECT_EQ(bad.status, Status::kWarn);
  EXPECT_EQ(bad.title, "vfio modules not loaded: vfio_pci, vfio_iommu_type1");
  EXPECT_EQ(bad.fix,
            "sudo modprobe vfio-pci (`vfg setup` loads it at boot, before the GPU driver)");
}

TEST(UserGroups, ReloginPending) {
  auto state = ready_host();
  Finding ok = check_user_groups(state);
  EXPECT_EQ(ok.status, Status::kPass);
  EXPECT_EQ(ok.title, "alice is in groups: kvm, alice");
  state.identity.process_gids = {1000};
  Finding bad = check_user_groups(state);
  EXPECT_EQ(bad.status, Status::kWarn);
  EXPECT_EQ(bad.title, "re-login pending: alice was added to kvm after this session started");
  EXPECT_EQ(bad.fix, "log out and back in (or run `newgrp kvm` in this shell)");
}

// A real listening socket, so "reachable" is a real connect().
UniqueFd listen_on(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(::listen(fd.get(), 1), 0);
  return fd;
}

TEST(Audio, ReachableSocketPassesStaleOrMissingWarns) {
  testing::TempDir runtime;
  Finding missing = check_audio(gather_audio(runtime.path()));
  EXPECT_EQ(missing.status, Status::kWarn);
  EXPECT_EQ(missing.fix, "systemctl --user start pipewire pipewire-pulse (or start PulseAudio)");
  {
    UniqueFd server = listen_on(runtime / "pulse/native");
    Finding ok = check_audio(gather_audio(runtime.path()));
    EXPECT_EQ(ok.status, Status::kPass);
    EXPECT_EQ(ok.title, "PulseAudio socket reachable");
  }
  // The server is gone, its socket file stays: refused, so not reachable.
  Finding stale = check_audio(gather_audio(runtime.path()));
  EXPECT_EQ(stale.status, Status::kWarn);
  EXPECT_EQ(stale.detail, (runtime / "pulse/native").string() +
                              " exists but refuses connections (a stale socket)");
  Finding unset = check_audio(gather_audio(""));
  EXPECT_EQ(unset.fix, "run vfg from your desktop session (it sets XDG_RUNTIME_DIR)");
}

TEST(Report, ExitCodeIsTheWorstStatus) {
  Report report;
  EXPECT_EQ(report.exit_code(), 0);
  report.findings.push_back(pass("a", "fine"));
  EXPECT_EQ(report.exit_code(), 0);
  report.findings.push_back(warn("b", "meh", "", "do x"));
  EXPECT_EQ(report.exit_code(), 1);
  report.findings.push_back(failure("c", "bad", "", "do y"));
  EXPECT_EQ(report.exit_code(), 2);
  EXPECT_EQ(report.failures().size(), 1u);
  EXPECT_EQ(report.find("b")->fix, "do x");
}

}  // namespace
}  // namespace vfg::check
