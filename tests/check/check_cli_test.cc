// End-to-end: `vfg --root TREE check` over generated host trees, compared
// word for word (findings, fixes, exit status), in both output formats.
#include <cstring>

#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/unique_fd.h"

namespace vfg {
namespace {

using testing::run_vfg;
using testing::TempDir;

// A character device node in a tree (the tests run as root, like CI).
void make_char_device(const TempDir& tree, const std::string& relative, mode_t mode, gid_t gid) {
  tree.mkdir(std::filesystem::path(relative).parent_path().string());
  std::string path = (tree / relative).string();
  ASSERT_EQ(::mknod(path.c_str(), S_IFCHR | mode, makedev(10, 232)), 0) << std::strerror(errno);
  ASSERT_EQ(::chown(path.c_str(), 0, gid), 0);
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

// An Intel desktop where everything is in place for alice (uid 1000, in kvm).
void write_ready_host(const TempDir& tree) {
  tree.write("proc/cpuinfo", "vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx ept\n");
  tree.write("proc/cmdline", "root=/dev/sda1 intel_iommu=on iommu=pt\n");
  tree.write("proc/modules",
             "vfio_pci 16384 0 - Live 0x0\nvfio_iommu_type1 45056 0 - Live 0x0\n"
             "vfio 45056 2 vfio_pci,vfio_iommu_type1, Live 0x0\n");
  tree.mkdir("sys/kernel/iommu_groups/0/devices");
  tree.mkdir("sys/kernel/iommu_groups/1/devices");
  tree.mkdir("sys/class/iommu/dmar0");
  tree.write("proc/interrupts", " 122: 0 47 IR-PCI-MSI-0000:00:14.0 0-edge xhci_hcd\n");
  tree.write("proc/self/status",
             "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n"
             "Groups:\t104 1000\n");
  tree.write("proc/self/limits", "Max locked memory  unlimited  unlimited  bytes\n");
  tree.write("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  tree.write("etc/group", "root:x:0:\nkvm:x:104:alice\nalice:x:1000:\n");
  make_char_device(tree, "dev/kvm", 0660, 104);
}

// A listening PulseAudio socket, so the audio finding passes for real.
struct SoundServer {
  explicit SoundServer(const std::filesystem::path& runtime) {
    std::filesystem::create_directories(runtime / "pulse");
    path = (runtime / "pulse/native").string();
    fd = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd.get(), 4), 0);
  }
  std::string path;
  UniqueFd fd;
};

const nlohmann::json* finding(const nlohmann::json& report, const std::string& id) {
  for (const auto& item : report["findings"])
    if (item["id"] == id) return &item;
  return nullptr;
}

TEST(CheckCli, ReadyHostPassesEverything) {
  TempDir tree, runtime;
  write_ready_host(tree);
  SoundServer sound(runtime.path());
  auto run = run_vfg({"--root", tree.path().string(), "check"},
                     {{"XDG_RUNTIME_DIR", runtime.path().string()}});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out,
            "Host\n"
            "  ✓ CPU virtualization: Intel VT-x (vmx)\n"
            "  ✓ KVM usable: /dev/kvm opens read-write\n"
            "      crw-rw---- root:kvm /dev/kvm\n"
            "  ✓ IOMMU on: 2 groups\n"
            "      units dmar0\n"
            "  ✓ interrupt remapping on\n"
            "      /proc/interrupts shows IR-PCI-MSI chips\n"
            "  ✓ kernel parameters in effect: intel_iommu=on iommu=pt\n"
            "      /proc/cmdline has intel_iommu=on iommu=pt\n"
            "  ✓ no ACS override: IOMMU groups are as the hardware isolates them\n"
            "  ✓ vfio modules loaded: vfio, vfio_pci, vfio_iommu_type1\n"
            "  ✓ alice is in groups: kvm, alice\n"
            "  ✓ PulseAudio socket reachable\n"
            "      " +
                sound.path +
                "\n"
                "\n"
                "9 passed, 0 warnings, 0 failures\n");
  EXPECT_EQ(run.err, "");
}

// The setup plan is made from the tree, so fixes name the `vfg setup` step.
TEST(CheckCli, BrokenHostGivesEveryFixAndExitTwo) {
  TempDir tree, runtime;
  write_ready_host(tree);
  // No VT-x, VT-d off, a session older than the kvm membership, an ACS
  // override, vfio not loaded and no sound server.
  tree.write("proc/cpuinfo", "vendor_id\t: GenuineIntel\nflags\t\t: fpu hypervisor\n");
  tree.write("proc/cmdline", "root=/dev/sda1 pcie_acs_override=downstream\n");
  tree.write("proc/modules", "");
  std::filesystem::remove_all(tree / "sys");
  tree.write("proc/self/status",
             "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n"
             "Groups:\t1000\n");
  auto run = run_vfg({"--root", tree.path().string(), "check"},
                     {{"XDG_RUNTIME_DIR", runtime.path().string()}});
  EXPECT_EQ(run.exit_code, 2);
  std::string runtime_dir = runtime.path().string();
  EXPECT_EQ(run.out,
            "Host\n"
            "  ✗ CPU virtualization extensions are not available\n"
            "      /proc/cpuinfo flags show neither vmx nor svm; this system itself runs under a "
            "hypervisor\n"
            "      fix: enable nested virtualization on the outer hypervisor, or run on bare "
            "metal with VT-x/AMD-V enabled in the firmware setup\n"
            "  ✗ /dev/kvm is not usable by alice: QEMU falls back to TCG (software emulation, "
            "far too slow for games)\n"
            "      crw-rw---- root:kvm /dev/kvm\n"
            "      fix: log out and back in: alice was added to group 'kvm' after this session "
            "started (or run `newgrp kvm` in this shell)\n"
            "  ✗ IOMMU is off: devices cannot be passed through\n"
            "      /sys/kernel/iommu_groups is empty and no DMAR or AMD-Vi unit is registered in "
            "/sys/class/iommu\n"
            "      fix: enable VT-d in the firmware (BIOS/UEFI) setup, run `vfg setup` (adds "
            "intel_iommu=on to the kernel command line) and reboot\n"
            "  ! kernel parameters not in effect: intel_iommu=on iommu=pt\n"
            "      /proc/cmdline lacks what the setup plan wants\n"
            "      fix: run `vfg setup` (kernel command line step), then reboot\n"
            "  ! ACS override in effect (pcie_acs_override=downstream)\n"
            "      the patched kernel splits IOMMU groups the hardware does not isolate, so "
            "passed devices may still reach host memory through peer-to-peer DMA\n"
            "      fix: move the GPU to a slot whose IOMMU group is isolated, then remove "
            "pcie_acs_override from the kernel command line\n"
            "  ! vfio modules not loaded: vfio, vfio_pci, vfio_iommu_type1\n"
            "      neither /proc/modules nor /sys/module lists them\n"
            "      fix: sudo modprobe vfio-pci (`vfg setup` loads it at boot, before the GPU "
            "driver)\n"
            "  ! re-login pending: alice was added to kvm after this session started\n"
            "      /etc/group lists the membership, this process does not carry it\n"
            "      fix: log out and back in (or run `newgrp kvm` in this shell)\n"
            "  ! no sound server socket reachable\n"
            "      neither " +
                runtime_dir + "/pipewire-0 nor " + runtime_dir +
                "/pulse/native exists\n"
                "      fix: systemctl --user start pipewire pipewire-pulse (or start PulseAudio)\n"
                "\n"
                "0 passed, 5 warnings, 3 failures\n");
}

TEST(CheckCli, JsonCarriesIdsStatusesAndFixes) {
  TempDir tree;
  write_ready_host(tree);
  tree.write("proc/interrupts", " 40: 0 9 PCI-MSI-0000:00:02.0 0-edge virtio\n");
  auto run =
      run_vfg({"--root", tree.path().string(), "check", "--json"}, {{"XDG_RUNTIME_DIR", ""}});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  auto report = nlohmann::json::parse(run.out);
  EXPECT_TRUE(report["vm"].is_null());
  EXPECT_EQ(report["status"], "fail");
  EXPECT_EQ(report["exit_code"], 2);
  EXPECT_EQ(report["summary"]["fail"], 1);
  EXPECT_EQ(report["summary"]["warn"], 1);
  const auto* remap = finding(report, "iommu.interrupt_remapping");
  ASSERT_NE(remap, nullptr);
  EXPECT_EQ((*remap)["status"], "fail");
  EXPECT_EQ((*remap)["title"], "interrupt remapping off: vfio refuses to assign devices");
  EXPECT_EQ((*remap)["detail"], "/proc/interrupts shows PCI-MSI chips without the IR- prefix");
  const auto* audio = finding(report, "audio.socket");
  ASSERT_NE(audio, nullptr);
  EXPECT_EQ((*audio)["status"], "warn");
  EXPECT_EQ((*audio)["fix"], "run vfg from your desktop session (it sets XDG_RUNTIME_DIR)");
  for (const auto& item : report["findings"])
    if (item["status"] == "pass") {
      EXPECT_EQ(item["fix"], "") << item["id"];
    }
}

TEST(CheckCli, UnknownVmIsAnErrorWithAHint) {
  TempDir tree, config;
  write_ready_host(tree);
  auto run = run_vfg({"--root", tree.path().string(), "check", "nosuchvm"},
                     {{"XDG_CONFIG_HOME", config.path().string()}});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("vfg: error: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("nosuchvm.toml"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("VM definitions live in $XDG_CONFIG_HOME/vfg/NAME.toml"),
            std::string::npos);
}

TEST(CheckCli, VmOnAChipsetGroupNamesItsNeighbours) {
  TempDir config;
  config.write("vfg/win11.toml", "[memory]\nsize = \"16G\"\n\n[[gpu]]\naddress = \"22:00.0\"\n");
  auto run = run_vfg({"--root", testing::source_path("tests/fixtures/hosts/chipset-group"), "check",
                      "win11", "--json"},
                     {{"XDG_CONFIG_HOME", config.path().string()}, {"XDG_RUNTIME_DIR", ""}});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  auto report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["vm"], "win11");
  const auto* device = finding(report, "vm.device.0000:22:00.1");
  ASSERT_NE(device, nullptr);
  EXPECT_EQ((*device)["title"], "0000:22:00.1 is bound to snd_hda_intel, not vfio-pci");
  // The setup plan made from the same tree binds the card: the fix is its step.
  EXPECT_EQ((*device)["detail"],
            "0000:22:00.1 (10de:0fb9, bound to snd_hda_intel); the setup plan binds it to "
            "vfio-pci at boot");
  EXPECT_EQ((*device)["fix"], "run `vfg setup` (binds it to vfio-pci at boot), then reboot");
  const auto* group = finding(report, "vm.group.2");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ((*group)["status"], "fail");
  EXPECT_NE((*group)["title"].get<std::string>().find("0000:21:00.0 (8086:1539, bound to igb)"),
            std::string::npos);
}

}  // namespace
}  // namespace vfg
