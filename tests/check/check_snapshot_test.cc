// A snapshot carries what `vfg check` reads about the machine, so a report
// from a user's snapshot matches the one their machine gives.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

using testing::run_vfg;

TEST(CheckSnapshot, ReadinessFactsSurviveASnapshot) {
  testing::TempDir tree, out;
  tree.write("proc/cpuinfo", "vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n");
  tree.write("proc/cmdline", "intel_iommu=on\n");
  tree.write("proc/interrupts", " 122: 0 47 IR-PCI-MSI-0000:00:14.0 0-edge xhci_hcd\n");
  tree.write("proc/iomem", "  e0000000-e02fffff : efifb\n");
  tree.write("sys/module/vendor_reset/initstate", "live\n");
  // One group with one function, linked as the kernel links them.
  tree.write("sys/devices/pci0000:00/0000:00:00.0/vendor", "0x8086\n");
  tree.write("sys/devices/pci0000:00/0000:00:00.0/class", "0x060000\n");
  tree.symlink("sys/bus/pci/devices/0000:00:00.0", "../../../devices/pci0000:00/0000:00:00.0");
  tree.symlink("sys/devices/pci0000:00/0000:00:00.0/iommu_group", "../../../kernel/iommu_groups/0");
  tree.symlink("sys/kernel/iommu_groups/0/devices/0000:00:00.0",
               "../../../../devices/pci0000:00/0000:00:00.0");
  tree.write("sys/devices/virtual/iommu/dmar0/intel-iommu/ecap", "f050da\n");
  tree.symlink("sys/class/iommu/dmar0", "../../devices/virtual/iommu/dmar0");
  tree.write("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "512\n");
  tree.write("sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "500\n");
  tree.mkdir("sys/devices/platform/efi-framebuffer.0");
  tree.symlink("sys/bus/platform/drivers/efi-framebuffer/efi-framebuffer.0",
               "../../../../devices/platform/efi-framebuffer.0");
  std::string archive = (out / "snap.tar.gz").string();
  auto snap = run_vfg({"--root", tree.path().string(), "snapshot", archive});
  ASSERT_EQ(snap.exit_code, 0) << snap.err;

  auto direct = run_vfg({"--root", tree.path().string(), "check", "--json"});
  auto restored = run_vfg({"--root", archive, "check", "--json"});
  ASSERT_FALSE(restored.out.empty()) << restored.err;
  auto a = nlohmann::json::parse(direct.out);
  auto b = nlohmann::json::parse(restored.out);
  EXPECT_EQ(a["findings"], b["findings"]);
  bool remapping = false;
  for (const auto& finding : b["findings"])
    if (finding["id"] == "iommu.interrupt_remapping") remapping = finding["status"] == "pass";
  EXPECT_TRUE(remapping) << restored.out;
}

}  // namespace
}  // namespace vfg
