// `vfg new` end to end over the fixture hosts: the binary reads the tree
// given with --root, picks the GPU card, memory and CPUs, creates the disk
// image and the firmware variables, and writes a definition the loader accepts.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "host/memory.h"
#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "vm/config_loader.h"
#include "vm/new_definition.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;

class NewCli : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> env() const {
    return {{"HOME", home_.path().string()},
            {"XDG_CONFIG_HOME", (home_ / "config").string()},
            {"XDG_DATA_HOME", (home_ / "data").string()},
            {"XDG_RUNTIME_DIR", (home_ / "run").string()}};
  }
  /// Runs `vfg --root FIXTURE new NAME args... --json`.
  testing::VfgRun vfg_new(const std::string& fixture, const std::string& name,
                          std::vector<std::string> args = {}) const {
    std::vector<std::string> argv = {
        "--root", testing::source_path("tests/fixtures/hosts/" + fixture), "new", name};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.emplace_back("--json");
    return testing::run_vfg(argv, env());
  }
  /// The definition as `vfg start` would load it: it must validate.
  VmConfig load(const std::string& name) const {
    auto config = load_vm_config(home_ / ("config/vfg/" + name + ".toml"));
    EXPECT_TRUE(config) << config.error().message;
    return config ? *config : VmConfig{};
  }
  static std::string gpu_of(const testing::VfgRun& run) {
    auto doc = nlohmann::json::parse(run.out, nullptr, false);
    return doc.is_object() ? doc.value("gpu", "?") : "?";
  }
  testing::TempDir home_;
};

TEST_F(NewCli, WindowsOnIntelIgpuPlusNvidiaGetsTheNvidiaCardAndInstallMedia) {
  std::string iso = home_.write("Win11_24H2.iso", "iso").string();
  std::string virtio = home_.write("virtio-win.iso", "iso").string();
  auto run = vfg_new("intel-igpu-nvidia", "win11",
                     {"--iso", iso, "--virtio-iso", virtio, "--usb", "1-3.1", "--disk", "80G"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto doc = nlohmann::json::parse(run.out);
  EXPECT_EQ(doc["gpu"], "0000:01:00.0");
  // 32 GiB host: half of it; 8 cores without SMT: all but core 0.
  EXPECT_EQ(doc["memory"], 16 * kGiB);
  EXPECT_EQ(doc["vcpus"], 7);

  VmConfig config = load("win11");
  EXPECT_TRUE(config.tpm);
  EXPECT_TRUE(config.firmware.secure_boot);
  EXPECT_EQ(config.memory.size, 16 * kGiB);
  EXPECT_EQ(config.cpu.cores, 7u);
  EXPECT_EQ(config.cpu.threads, 1u);
  ASSERT_EQ(config.gpus.size(), 1u);
  EXPECT_EQ(config.gpus[0].address, "0000:01:00.0");
  EXPECT_TRUE(config.gpus[0].all_functions);
  ASSERT_EQ(config.usb.size(), 1u);
  EXPECT_EQ(config.usb[0].hostbus, 1u);
  EXPECT_EQ(config.usb[0].hostport, "3.1");
  EXPECT_EQ(config.display.type, DisplayConfig::Type::kNone);

  // The installer boots first, the system disk second, the drivers CD not at all.
  ASSERT_EQ(config.disks.size(), 3u);
  std::string image = (home_ / "data/vfg/win11/system.qcow2").string();
  EXPECT_EQ(config.disks[0].path, image);
  EXPECT_EQ(config.disks[0].bus, DiskBus::kVirtioBlk);
  EXPECT_EQ(config.disks[0].boot_index, 2u);
  EXPECT_EQ(config.disks[1].path, iso);
  EXPECT_EQ(config.disks[1].media, DiskMedia::kCdrom);
  EXPECT_EQ(config.disks[1].boot_index, 1u);
  EXPECT_EQ(config.disks[2].path, virtio);
  EXPECT_EQ(config.disks[2].media, DiskMedia::kCdrom);
  EXPECT_FALSE(config.disks[2].boot_index);

  // The files it needs exist: a real qcow2 image and the Secure Boot VARS copy.
  auto info = run_command({"qemu-img", "info", "--output=json", image});
  ASSERT_TRUE(info && info->status.success()) << (info ? info->err : info.error().message);
  auto image_info = nlohmann::json::parse(info->out);
  EXPECT_EQ(image_info["format"], "qcow2");
  EXPECT_EQ(image_info["virtual-size"], 80 * kGiB);
  EXPECT_EQ(read_file(home_ / "data/vfg/win11/OVMF_VARS.fd").value_or("x"),
            read_file("/usr/share/OVMF/OVMF_VARS_4M.ms.fd").value_or("y"));

  // Never overwritten.
  auto again = vfg_new("intel-igpu-nvidia", "win11");
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
}

TEST_F(NewCli, PicksTheRightCardOnEveryFixtureHost) {
  // Two identical cards: the one the host does not boot from.
  auto two = vfg_new("two-identical-gpus", "two");
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(gpu_of(two), "0000:0b:00.0");
  EXPECT_EQ(load("two").gpus.at(0).address, "0000:0b:00.0");
  // A card sharing its group with the chipset is not passable, and the clean
  // one is the host's screen: none is taken without --gpu, and each is named.
  auto chipset = vfg_new("chipset-group", "chipset");
  ASSERT_EQ(chipset.exit_code, 0) << chipset.err;
  EXPECT_EQ(gpu_of(chipset), "");
  EXPECT_TRUE(load("chipset").gpus.empty());
  EXPECT_NE(chipset.out.find("left 0000:26:00.0 (the host boots from it); '--gpu 0000:26:00.0' "
                             "takes it instead"),
            std::string::npos)
      << chipset.out;
  EXPECT_NE(chipset.out.find("left 0000:22:00.0 (shares its IOMMU group"), std::string::npos)
      << chipset.out;
  // An AMD APU's graphics stay with the host.
  auto apu = vfg_new("amd-apu-dgpu", "apu");
  ASSERT_EQ(apu.exit_code, 0) << apu.err;
  EXPECT_EQ(gpu_of(apu), "0000:03:00.0");
  // A hybrid laptop: the NVIDIA dGPU, not the Intel iGPU.
  auto laptop = vfg_new("hybrid-laptop", "laptop");
  ASSERT_EQ(laptop.exit_code, 0) << laptop.err;
  EXPECT_EQ(gpu_of(laptop), "0000:01:00.0");
  EXPECT_EQ(load("laptop").memory.size, 8 * kGiB);
  // Navi is the host's only card, on amdgpu: taking it would blank the host's screen.
  auto navi_auto = vfg_new("amd-navi", "navi-auto");
  ASSERT_EQ(navi_auto.exit_code, 0) << navi_auto.err;
  EXPECT_EQ(gpu_of(navi_auto), "");
  EXPECT_NE(navi_auto.out.find("left 0000:0c:00.0 (the host boots from it)"), std::string::npos)
      << navi_auto.out;
  // Asked for, its HDMI audio behind the card's switch in another slot goes along.
  auto navi = vfg_new("amd-navi", "navi", {"--gpu", "0c:00.0"});
  ASSERT_EQ(navi.exit_code, 0) << navi.err;
  EXPECT_EQ(gpu_of(navi), "0000:0c:00.0");
  EXPECT_NE(navi.out.find("the host boots from 0000:0c:00.0"), std::string::npos) << navi.out;
  EXPECT_NE(navi.out.find("0000:0d:00.0 sits behind the card's own switch"), std::string::npos)
      << navi.out;
  EXPECT_TRUE(load("navi").gpus.at(0).all_functions);
  // Turing: all four functions of the card.
  auto turing = vfg_new("nvidia-turing", "turing");
  ASSERT_EQ(turing.exit_code, 0) << turing.err;
  EXPECT_EQ(gpu_of(turing), "0000:0a:00.0");
  EXPECT_TRUE(load("turing").gpus.at(0).all_functions);
}

TEST_F(NewCli, AServerWithOnlyABmcGetsAWorkingVmWithoutAGpuAndSaysWhy) {
  auto run = vfg_new("server-bmc", "srv");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto doc = nlohmann::json::parse(run.out);
  EXPECT_EQ(doc["gpu"], "");
  std::string warnings = doc["warnings"].dump();
  EXPECT_NE(warnings.find("no GPU can be passed through"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("0000:03:00.0 (bmc"), std::string::npos) << warnings;
  VmConfig config = load("srv");
  EXPECT_TRUE(config.gpus.empty());
  EXPECT_EQ(config.display.type, DisplayConfig::Type::kStd);
  // 256 GiB host: capped at 32 GiB. 20 cores × 2 threads: core 0 and its sibling stay.
  EXPECT_EQ(config.memory.size, 32 * kGiB);
  EXPECT_EQ(config.cpu.cores, 19u);
  EXPECT_EQ(config.cpu.threads, 2u);
  // No virtio drivers given: a disk and NIC the installer knows.
  EXPECT_EQ(config.disks.at(0).bus, DiskBus::kSata);
  EXPECT_EQ(config.network.model, NicModel::kE1000e);

  // The human output names the cards and their verdicts too.
  auto text = testing::run_vfg(
      {"--root", testing::source_path("tests/fixtures/hosts/server-bmc"), "new", "srv2"}, env());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.err.find("vfg: warning: no GPU can be passed through"), std::string::npos)
      << text.err;
}

TEST_F(NewCli, GpuNoneAndAnExplicitAddress) {
  auto none =
      vfg_new("intel-igpu-nvidia", "plain", {"--gpu", "none", "--cpus", "4", "--memory", "6G"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  VmConfig plain = load("plain");
  EXPECT_TRUE(plain.gpus.empty());
  EXPECT_EQ(plain.cpu.vcpus(), 4u);
  EXPECT_EQ(plain.memory.size, 6 * kGiB);

  auto first = vfg_new("two-identical-gpus", "first", {"--gpu", "0a:00.0"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(load("first").gpus.at(0).address, "0000:0a:00.0");
  auto bmc = vfg_new("server-bmc", "bmc", {"--gpu", "03:00.0"});
  EXPECT_EQ(bmc.exit_code, 2);
  auto missing = vfg_new("server-bmc", "missing", {"--gpu", "05:00.0"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("is not a GPU on this host"), std::string::npos) << missing.err;
}

TEST_F(NewCli, RefusesDisksInUseAndUnstableNamesAndWritesNothing) {
  // Holds root, swap, /boot/efi and is in a RAID 1.
  auto root_disk =
      vfg_new("server-bmc", "srv",
              {"--disk", "/dev/disk/by-id/ata-INTEL_SSDSC2KB480G8_PHYF12345678480BGN0"});
  EXPECT_EQ(root_disk.exit_code, 2);
  EXPECT_NE(root_disk.err.find("holds the host's root file system"), std::string::npos)
      << root_disk.err;
  EXPECT_NE(root_disk.err.find("md127"), std::string::npos) << root_disk.err;
  EXPECT_NE(root_disk.err.find("ata-ST4000NM000A-2HZ100_WJG0ABC0"), std::string::npos);
  // A kernel name is refused with the stable names to use instead.
  auto kernel_name = vfg_new("server-bmc", "srv", {"--disk", "/dev/sdc"});
  EXPECT_EQ(kernel_name.exit_code, 2);
  EXPECT_NE(kernel_name.err.find("/dev/disk/by-id/ata-ST4000NM000A-2HZ100_WJG0ABC0"),
            std::string::npos)
      << kernel_name.err;
  auto unknown = vfg_new("server-bmc", "srv", {"--disk", "/dev/disk/by-id/nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_FALSE(fs::exists(home_ / "config/vfg/srv.toml"));
  EXPECT_FALSE(fs::exists(home_ / "data/vfg/srv"));

  // A free disk is taken raw, by its stable name, with no image made.
  auto free_disk =
      vfg_new("server-bmc", "srv", {"--disk", "/dev/disk/by-id/ata-ST4000NM000A-2HZ100_WJG0ABC1"});
  ASSERT_EQ(free_disk.exit_code, 0) << free_disk.err;
  EXPECT_EQ(load("srv").disks.at(0).path, "/dev/disk/by-id/ata-ST4000NM000A-2HZ100_WJG0ABC1");
  EXPECT_FALSE(fs::exists(home_ / "data/vfg/srv/system.qcow2"));
}

// A snapshot of this machine carries its RAM, so a VM planned from it is sized
// like one planned here.
TEST_F(NewCli, ASnapshotOfThisHostSizesMemoryLikeTheHost) {
  std::string snapshot = (home_ / "host.tar.gz").string();
  auto saved = testing::run_vfg({"snapshot", snapshot}, env());
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  auto run = testing::run_vfg({"--root", snapshot, "new", "here", "--json"}, env());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto total = read_memory_total(HostRoot());
  ASSERT_TRUE(total);
  EXPECT_EQ(nlohmann::json::parse(run.out)["memory"], default_guest_memory(*total));
  EXPECT_EQ(load("here").memory.size, default_guest_memory(*total));
}

}  // namespace
}  // namespace vfg
