// Boots the busybox guest with a command line from build_qemu_argv carrying
// every device that needs no real hardware, then compares the PCI topology
// QEMU reports (query-pci) and the guest sees (its VFG-PCI serial lines)
// with the definition.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "run/qmp_client.h"
#include "support/qmp_wait.h"
#include "support/temp_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "vm/launch_plan.h"

namespace vfg {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

/// The definition: a Linux guest by direct kernel boot under TCG, with disks
/// on three buses, user networking, a USB port, silent HDA and Looking Glass.
VmConfig boot_config(const testing::TempDir& temp) {
  VmConfig config;
  config.name = "boot";
  config.os = GuestOs::kLinux;
  config.accel = Accel::kTcg;
  config.memory.size = 256 * kMiB;
  config.cpu.sockets = 1;
  config.cpu.cores = 2;
  config.cpu.threads = 1;
  config.firmware.type = FirmwareConfig::Type::kBios;
  config.boot.kernel = std::string(VFG_GUEST_DIR) + "/vmlinuz";
  config.boot.initrd = std::string(VFG_GUEST_DIR) + "/initrd.gz";
  config.boot.append = "console=ttyS0 quiet";
  DiskConfig system;
  system.path = (temp / "system.qcow2").string();
  DiskConfig data;
  data.path = (temp / "data.raw").string();
  data.bus = DiskBus::kVirtioScsi;
  DiskConfig sata;
  sata.path = (temp / "sata.raw").string();
  sata.bus = DiskBus::kSata;
  config.disks = {system, data, sata};
  UsbHostConfig usb;
  usb.hostbus = 1;
  usb.hostport = "1";  // QEMU waits for a device to appear there
  config.usb = {usb};
  config.audio.backend = AudioBackend::kNone;
  config.looking_glass.enabled = true;
  config.looking_glass.backend = LookingGlassConfig::Backend::kShm;
  config.looking_glass.shm_path = (temp / "looking-glass").string();
  return config;
}

/// vendor:device as query-pci reports it.
std::string pci_id(const nlohmann::json& device) {
  return fmt::format("{:04x}:{:04x}", device["id"]["vendor"].get<int>(),
                     device["id"]["device"].get<int>());
}

class QemuBoot : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(fs::path(VFG_GUEST_DIR) / "vmlinuz"))
        << "the test guest is missing; run scripts/build-guest.sh build/guest";
  }

  /// The launch plan for `config` on this host's QEMU under TCG, its directories in temp_.
  void plan_under_tcg(const VmConfig& config) {
    auto qemu = probe_qemu();
    ASSERT_TRUE(qemu) << qemu.error().message;
    plan_.kvm = false;
    plan_.qemu = *qemu;
    plan_.paths = VmPaths::make(
        {temp_ / "config/vfg", temp_ / "data/vfg", temp_ / "run/vfg", temp_ / "state/vfg"},
        config.name);
    plan_.audio = AudioBackend::kNone;
    ASSERT_TRUE(make_directories(plan_.paths.runtime_dir, 0700));
    ASSERT_TRUE(make_directories(plan_.paths.state_dir, 0700));
  }

  std::string serial_log() const {
    std::ifstream file(plan_.paths.serial_log);
    std::stringstream contents;
    contents << file.rdbuf();
    return contents.str();
  }

  testing::TempDir temp_;
  LaunchPlan plan_;
};

TEST_F(QemuBoot, GuestSeesTheDefinedPciTopology) {
  VmConfig config = boot_config(temp_);
  auto made = run_command({"qemu-img", "create", "-q", "-f", "qcow2", config.disks[0].path, "64M"});
  ASSERT_TRUE(made && made->status.success());
  temp_.write("data.raw", std::string(1 << 20, '\0'));
  temp_.write("sata.raw", std::string(1 << 20, '\0'));

  ASSERT_NO_FATAL_FAILURE(plan_under_tcg(config));
  auto command = build_qemu_argv(config, plan_);
  ASSERT_TRUE(command) << command.error().message;

  SpawnOptions options;
  options.argv = command->argv;
  options.stdout_mode = Stdio::kFile;
  options.stdout_path = plan_.paths.log_file.string();
  options.stderr_mode = Stdio::kFile;
  options.stderr_path = plan_.paths.log_file.string();
  auto child = spawn(options);  // killed by its destructor whatever happens below
  ASSERT_TRUE(child) << child.error().message;

  // QEMU creates the QMP socket before it starts the (paused) machine.
  // Bounds, not timings: a TCG boot on a loaded two-core machine can take
  // minutes; ctest's own limit for a test is 300 s.
  auto deadline = std::chrono::steady_clock::now() + 270s;
  auto qmp = testing::connect_when_listening(*child, plan_.paths.qmp_socket, plan_.paths.log_file,
                                             deadline);
  ASSERT_TRUE(qmp) << qmp.error().message;

  ASSERT_TRUE(qmp->execute("cont"));
  std::string log;
  while (std::chrono::steady_clock::now() < deadline &&
         log.find("VFG-GUEST ready") == std::string::npos) {
    auto exited = child->wait_for(100ms);
    ASSERT_TRUE(exited && !*exited)
        << "QEMU exited: " << read_file(plan_.paths.log_file).value_or("");
    log = serial_log();
  }
  ASSERT_NE(log.find("VFG-GUEST ready"), std::string::npos) << log;
  // Root ports get their bus numbers from the firmware, so ask once the guest runs.
  auto buses = qmp->execute("query-pci");
  ASSERT_TRUE(buses) << buses.error().message;
  // Bus 0 by slot.function, and what sits behind each root port.
  std::map<std::string, std::string> root_bus;
  std::map<std::string, std::string> behind_port;
  for (const auto& device : (*buses)[0]["devices"]) {
    std::string where =
        fmt::format("{:02x}.{}", device["slot"].get<int>(), device["function"].get<int>());
    root_bus[where] = pci_id(device) + " " + device.value("qdev_id", "");
    if (device.contains("pci_bridge")) {
      for (const auto& child_device :
           device["pci_bridge"].value("devices", nlohmann::json::array())) {
        behind_port[device["qdev_id"]] =
            pci_id(child_device) + " " + child_device.value("qdev_id", "");
      }
    }
  }
  std::map<std::string, std::string> expected_root = {
      {"00.0", "8086:29c0 "},     // q35 host bridge
      {"0e.0", "1af4:1110 lg"},   // Looking Glass ivshmem
      {"10.0", "1b36:000c rp0"},  // root ports, grouped in slot 0x10
      {"10.1", "1b36:000c rp1"}, {"10.2", "1b36:000c rp2"},
      {"10.3", "1b36:000c rp3"}, {"1b.0", "8086:293e hda"},  // ICH9 HD audio
      {"1f.0", "8086:2918 "},                                // LPC
      {"1f.2", "8086:2922 "},                                // AHCI (the SATA disk)
      {"1f.3", "8086:2930 "},                                // SMBus
  };
  EXPECT_EQ(root_bus, expected_root);
  std::map<std::string, std::string> expected_ports = {
      {"rp0", "1af4:1048 scsi0"},      // virtio-scsi controller for disk 1
      {"rp1", "1af4:1042 disk0-dev"},  // virtio-blk disk 0
      {"rp2", "1af4:1041 nic0"},       // virtio-net
      {"rp3", "1b36:000d xhci"},       // qemu-xhci with the usb-host port
  };
  EXPECT_EQ(behind_port, expected_ports);

  // "VFG-PCI 0000:01:00.0 0x1af4:0x1048 class=0x010000"
  std::multiset<std::string> seen;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("VFG-PCI ", 0) != 0) continue;
    std::istringstream words(line);
    std::string tag, address, ids;
    words >> tag >> address >> ids;
    seen.insert(ids);
  }
  for (const char* ids : {"0x1af4:0x1048", "0x1af4:0x1042", "0x1af4:0x1041", "0x1b36:0x000d",
                          "0x1af4:0x1110", "0x8086:0x293e", "0x8086:0x2922"}) {
    EXPECT_EQ(seen.count(ids), 1u) << ids << " missing from the guest's view:\n" << log;
  }
  EXPECT_EQ(seen.count("0x1b36:0x000c"), 4u) << log;
  EXPECT_EQ(fs::file_size(config.looking_glass.shm_path), 32u * kMiB);
}

// No VFIO device here: QEMU sets every property of a card's vfio-pci devices and only then
// looks for the host device, so an unknown or mistyped property fails before that does.
TEST_F(QemuBoot, QemuTakesEveryPropertyOfAPassedCard) {
  VmConfig config = boot_config(temp_);
  config.disks.clear();
  config.usb.clear();
  config.looking_glass.enabled = false;
  GpuConfig gpu;
  gpu.address = "0000:fe:1f.0";
  gpu.rom_file = (temp_ / "vbios.rom").string();
  gpu.x_vga = true;
  gpu.rom_bar = false;
  config.gpus = {gpu};
  ASSERT_NO_FATAL_FAILURE(plan_under_tcg(config));
  plan_.gpu_functions = {{"0000:fe:1f.0", "0000:fe:1f.1"}};
  auto command = build_qemu_argv(config, plan_);
  ASSERT_TRUE(command) << command.error().message;
  std::string device;
  for (size_t i = 0; i + 1 < command->argv.size(); ++i)
    if (command->argv[i + 1].find("\"gpu0-0\"") != std::string::npos) device = command->argv[i + 1];
  for (const char* property :
       {"\"multifunction\":true", "\"x-vga\":true", "\"romfile\":", "\"rombar\":0"})
    EXPECT_NE(device.find(property), std::string::npos) << property << " in " << device;

  auto ran = run_command(command->argv, 60s);
  ASSERT_TRUE(ran) << ran.error().message;
  EXPECT_FALSE(ran->status.success());
  std::string error = ran->out + ran->err + read_file(plan_.paths.log_file).value_or("");
  EXPECT_NE(error.find("/sys/bus/pci/devices/0000:fe:1f.0: no such host device"), std::string::npos)
      << error;
}

}  // namespace
}  // namespace vfg
