// `vfg check` on the machine running the tests. Every expectation is derived
// here from the machine itself, read without vfg's code, so the test holds on
// a workstation with VT-d as on a sandbox without an IOMMU, and fails when
// the report disagrees with the machine.
#include <filesystem>
#include <fstream>
#include <regex>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <stdio.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

namespace fs = std::filesystem;
using testing::run_vfg;

struct MachineFacts {
  bool cpu_virt = false;
  bool kvm_exists = false;
  bool kvm_opens = false;
  bool iommu_on = false;
  bool vfio_loaded = true;

  MachineFacts() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    std::regex flags_line(R"(^flags\s*:.*\b(vmx|svm)\b)");
    while (std::getline(cpuinfo, line))
      if (std::regex_search(line, flags_line)) cpu_virt = true;
    kvm_exists = fs::exists("/dev/kvm");
    int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    kvm_opens = fd >= 0;
    if (fd >= 0) ::close(fd);
    std::error_code ec;
    iommu_on =
        fs::exists("/sys/kernel/iommu_groups", ec) && !fs::is_empty("/sys/kernel/iommu_groups", ec);
    std::ifstream modules_file("/proc/modules");
    std::string modules((std::istreambuf_iterator<char>(modules_file)), {});
    for (std::string name : {"vfio", "vfio_pci", "vfio_iommu_type1"})
      if (!fs::exists("/sys/module/" + name) && modules.find(name + " ") == std::string::npos)
        vfio_loaded = false;
  }
  [[nodiscard]] bool kvm_runs_guests() const { return cpu_virt && kvm_exists && kvm_opens; }
};

// What `qemu-system-x86_64 -version` says, read here with a regex of its own.
std::string qemu_version() {
  FILE* pipe = ::popen("qemu-system-x86_64 -version 2>/dev/null", "r");
  if (pipe == nullptr) return "";
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  ::pclose(pipe);
  std::smatch match;
  std::regex version(R"(version (\d+\.\d+\.\d+))");
  return std::regex_search(output, match, version) ? match[1].str() : "";
}

// Whether the distribution's firmware descriptors include one with `feature`.
bool descriptor_with(const std::string& feature) {
  std::error_code ec;
  for (const char* dir : {"/usr/share/qemu/firmware", "/etc/qemu/firmware"}) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::ifstream file(entry.path());
      std::string text((std::istreambuf_iterator<char>(file)), {});
      if (text.find("\"uefi\"") != std::string::npos && text.find(feature) != std::string::npos)
        return true;
    }
  }
  return false;
}

const nlohmann::json* finding(const nlohmann::json& report, const std::string& id) {
  for (const auto& item : report["findings"])
    if (item["id"] == id) return &item;
  return nullptr;
}

std::string status_of(const nlohmann::json& report, const std::string& id) {
  const auto* item = finding(report, id);
  return item == nullptr ? "absent" : (*item)["status"].get<std::string>();
}

int expected_exit(const nlohmann::json& report) {
  int worst = 0;
  for (const auto& item : report["findings"])
    worst = std::max(worst, item["status"] == "fail" ? 2 : item["status"] == "warn" ? 1 : 0);
  return worst;
}

TEST(CheckThisMachine, HostReportMatchesTheMachine) {
  MachineFacts machine;
  auto run = run_vfg({"check", "--json"});
  auto report = nlohmann::json::parse(run.out);
  EXPECT_EQ(run.exit_code, expected_exit(report));

  EXPECT_EQ(status_of(report, "cpu.virt"), machine.cpu_virt ? "pass" : "fail");
  const auto* kvm = finding(report, "kvm.usable");
  ASSERT_NE(kvm, nullptr);
  EXPECT_EQ((*kvm)["status"], machine.kvm_runs_guests() ? "pass" : "fail");
  if (!machine.kvm_runs_guests()) {
    // The fallback is named whatever the reason.
    EXPECT_NE((*kvm)["title"].get<std::string>().find("QEMU falls back to TCG"), std::string::npos);
  }
  if (machine.kvm_exists && machine.kvm_opens && !machine.cpu_virt) {
    EXPECT_EQ((*kvm)["title"],
              "KVM cannot run guests here: QEMU falls back to TCG (software "
              "emulation, far too slow for games)");
  }

  EXPECT_EQ(status_of(report, "iommu.enabled"), machine.iommu_on ? "pass" : "fail");
  // Interrupt remapping is judged only with an IOMMU to remap through.
  EXPECT_EQ(status_of(report, "iommu.interrupt_remapping") != "absent", machine.iommu_on);
  EXPECT_EQ(status_of(report, "modules.vfio"), machine.vfio_loaded ? "pass" : "warn");
  if (::getuid() == 0) {
    EXPECT_EQ(finding(report, "user.groups")->at("title"),
              "running as root: device access does not depend on groups");
  }
  if (!machine.iommu_on || !machine.cpu_virt) {
    EXPECT_EQ(run.exit_code, 2);
  }
}

TEST(CheckThisMachine, QemuAndFirmwareAsInstalled) {
  auto report = nlohmann::json::parse(run_vfg({"check", "--json"}).out);
  std::string version = qemu_version();
  const auto* qemu = finding(report, "qemu.present");
  ASSERT_NE(qemu, nullptr);
  if (version.empty()) {
    EXPECT_EQ((*qemu)["status"], "fail");
  } else {
    EXPECT_EQ((*qemu)["status"], "pass");
    EXPECT_EQ((*qemu)["title"], "QEMU " + version);
  }
  bool uefi = descriptor_with("pc-q35-*");
  EXPECT_EQ(status_of(report, "firmware.ovmf"), !version.empty() && uefi ? "pass" : "fail");
}

TEST(CheckThisMachine, SecureBootFirmwareWhenAskedFor) {
  testing::TempDir config;
  config.write("vfg/sb.toml", "[firmware]\nsecure_boot = true\n\n[audio]\nenabled = false\n");
  auto run = run_vfg({"check", "sb", "--json"}, {{"XDG_CONFIG_HOME", config.path().string()}});
  auto report = nlohmann::json::parse(run.out);
  bool secure = !qemu_version().empty() && descriptor_with("secure-boot");
  EXPECT_EQ(status_of(report, "vm.firmware"), secure ? "pass" : "fail") << run.out;
  if (secure) {
    EXPECT_EQ(finding(report, "vm.firmware")
                  ->at("title")
                  .get<std::string>()
                  .rfind("Secure Boot UEFI firmware: ", 0),
              0u);
  }
}

TEST(CheckThisMachine, HumanReportMarksTheIommuFinding) {
  MachineFacts machine;
  auto run = run_vfg({"check"});
  std::string line =
      machine.iommu_on ? "  ✓ IOMMU on: " : "  ✗ IOMMU is off: devices cannot be passed through\n";
  EXPECT_NE(run.out.find(line), std::string::npos) << run.out;
}

TEST(CheckThisMachine, VmPassingAGpuIsRefusedWithoutAnIommu) {
  MachineFacts machine;
  testing::TempDir config;
  config.write("vfg/game.toml", "[memory]\nsize = \"4G\"\n\n[[gpu]]\naddress = \"0000:01:00.0\"\n");
  auto run = run_vfg({"check", "game", "--json"}, {{"XDG_CONFIG_HOME", config.path().string()}});
  auto report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["vm"], "game");
  EXPECT_EQ(status_of(report, "vm.passthrough.iommu"), machine.iommu_on ? "absent" : "fail");
  const auto* accel = finding(report, "vm.accel");
  ASSERT_NE(accel, nullptr);
  if (machine.kvm_runs_guests()) {
    EXPECT_EQ((*accel)["title"], "runs with KVM");
  } else {
    EXPECT_EQ((*accel)["title"], "runs with TCG (software emulation): KVM cannot run guests here");
  }
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
}  // namespace vfg
