#include "setup/access_gen.h"

#include <gtest/gtest.h>

#include "setup/planner.h"
#include "support/temp_dir.h"
#include "support/udev_verify.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {
namespace {

SetupRequest request_with_everything() {
  SetupRequest request;
  request.user.name = "nobody";  // exists on every Debian system, so udev resolves it
  request.group = "kvm";
  VmConfig config;
  config.name = "win11";
  config.memory.size = 16 * kGiB;
  config.gpus.emplace_back().address = "0000:01:00.0";
  config.looking_glass.enabled = true;
  config.looking_glass.backend = LookingGlassConfig::Backend::kShm;
  config.looking_glass.size = 64 * kMiB;
  SetupVm vm;
  vm.needs = host_needs(config);
  vm.disks = {{"ID_PART_ENTRY_UUID", "8a6c2d5e-1f3b-4c7d-9e0a-b1c2d3e4f5a6", false, "p", {}},
              {"ID_SERIAL", "Samsung_SSD_980_PRO_1TB_S5GXNF0R123456", true, "d", {}},
              {"ID_SERIAL", "WDC_WD40EFRX-68N32N0_WD-WCC7K1234567", false, "q", "2"}};
  vm.usb = {{"3-1.4", 0, 0}, {"", 0x046d, 0xc539}};
  request.vms.push_back(vm);
  return request;
}

// udev 252 has no `udevadm verify`; `udevadm test` parses every rules file and
// names each line it rejects. A private mount namespace shows it only our rules.
std::string udev_complaints(const std::string& rules) {
  testing::TempDir dir;
  dir.write("rules/99-test.rules", rules);
  std::string script =
      "set -e; mount -t tmpfs tmpfs /run; mount --bind \"$1\" /etc/udev/rules.d; "
      "udevadm test --action=add /sys/class/net/lo 2>&1";
  auto out = run_command({"unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                          "sh", (dir / "rules").string()});
  EXPECT_TRUE(out && out->status.success()) << (out ? out->err : out.error().message);
  std::string complaints;
  bool read = false;
  for (const auto& line : split(out ? out->out : "", '\n')) {
    if (line.find("Reading rules file: /etc/udev/rules.d/99-test.rules") != std::string::npos)
      read = true;
    else if (line.find("99-test.rules") != std::string::npos)
      complaints += line + "\n";
  }
  EXPECT_TRUE(read) << "udevadm did not read the rules";
  return complaints;
}

TEST(AccessRules, UdevParsesEveryRule) {
  SetupRequest request = request_with_everything();
  std::string rules = passthrough_udev_rules(request);
  EXPECT_NE(rules.find("SUBSYSTEM==\"vfio\", GROUP=\"kvm\", MODE=\"0660\"\n"), std::string::npos);
  // systemd 258 ignores OWNER= for a non-system user; access goes through the group.
  EXPECT_EQ(rules.find("OWNER="), std::string::npos);
  EXPECT_EQ(kvmfr_udev_rules(request).find("OWNER="), std::string::npos);
  EXPECT_NE(rules.find("ENV{ID_PART_ENTRY_UUID}==\"8a6c2d5e-1f3b-4c7d-9e0a-b1c2d3e4f5a6\""),
            std::string::npos);
  EXPECT_NE(rules.find("ENV{DEVTYPE}==\"disk\", ENV{ID_SERIAL}==\"Samsung"), std::string::npos);
  EXPECT_NE(rules.find("ATTR{partition}==\"2\", ENV{ID_SERIAL}==\"WDC"), std::string::npos);
  EXPECT_NE(rules.find("KERNEL==\"3-1.4\""), std::string::npos);
  EXPECT_NE(rules.find("ATTR{idVendor}==\"046d\", ATTR{idProduct}==\"c539\""), std::string::npos);
  EXPECT_EQ(rules.find("nvme0n1"), std::string::npos);
  EXPECT_EQ(udev_complaints(rules), "");
  EXPECT_EQ(udev_complaints(kvmfr_udev_rules(request)), "");
  // And the check can fail: a broken rule is reported.
  EXPECT_NE(udev_complaints("SUBSYSTEM==\"vfio\", BOGUS=\"x\"\n"), "");
}

// Today's udev (Debian unstable's, systemd 258+) must accept every line without
// a warning, under the file names setup gives them.
TEST(AccessRules, CurrentUdevVerifiesWithoutWarnings) {
  SetupRequest request = request_with_everything();
  auto passthrough =
      testing::udevadm_verify("99-vfg-passthrough.rules", passthrough_udev_rules(request));
  EXPECT_TRUE(passthrough.clean) << passthrough.output;
  auto kvmfr = testing::udevadm_verify("70-vfg-kvmfr.rules", kvmfr_udev_rules(request));
  EXPECT_TRUE(kvmfr.clean) << kvmfr.output;
  // The check fails on what setup used to write: OWNER= a regular user is a warning.
  auto owner = testing::udevadm_verify(
      "99-owner.rules", "SUBSYSTEM==\"vfio\", OWNER=\"nobody\", GROUP=\"kvm\", MODE=\"0660\"\n");
  EXPECT_FALSE(owner.clean) << owner.output;
}

// uaccess is applied by 73-seat-late.rules: a rule tagging it must come first.
TEST(AccessRules, UaccessRulesSortBefore73SeatLate) {
  SetupRequest request = request_with_everything();
  EXPECT_NE(kvmfr_udev_rules(request).find("TAG+=\"uaccess\""), std::string::npos);
  std::string kvmfr_rules;
  for (const auto& path : planned_paths(BootSetup{}, request))
    if (path.ends_with("kvmfr.rules")) kvmfr_rules = path.substr(path.rfind('/') + 1);
  ASSERT_FALSE(kvmfr_rules.empty());
  EXPECT_LT(kvmfr_rules, "73-seat-late.rules");
  EXPECT_EQ(passthrough_udev_rules(request).find("uaccess"), std::string::npos);
}

TEST(AccessRules, TmpfilesAndMemlock) {
  SetupRequest request = request_with_everything();
  EXPECT_NE(looking_glass_tmpfiles(request).find("f /dev/shm/looking-glass 0660 nobody kvm -\n"),
            std::string::npos);
  MemlockNeed need = memlock_need(request.vms);
  EXPECT_EQ(need.bytes(), 16 * kGiB + 64 * kMiB + kGiB);
  EXPECT_EQ(need.vm, "win11");
  // limits.conf counts KiB, LimitMEMLOCK bytes.
  EXPECT_NE(memlock_limits_conf("alice", need, false).find("alice hard memlock 17891328\n"),
            std::string::npos);
  EXPECT_NE(memlock_systemd_dropin(need, false).find("LimitMEMLOCK=18320719872\n"),
            std::string::npos);
  EXPECT_NE(memlock_limits_conf("alice", need, true).find("alice soft memlock unlimited\n"),
            std::string::npos);
  EXPECT_NE(memlock_systemd_dropin(need, true).find("LimitMEMLOCK=infinity\n"), std::string::npos);
  // The comment states the rule the number comes from.
  EXPECT_NE(memlock_limits_conf("alice", need, false)
                .find("17.1 GiB for win11 (RAM + Looking Glass + 1 GiB)"),
            std::string::npos)
      << memlock_limits_conf("alice", need, false);
}

// One rule for the limit, the same one `vfg check` judges by.
TEST(AccessRules, MemlockFollowsTheDefinition) {
  VmConfig config;
  config.name = "locked";
  config.memory.size = 8 * kGiB;
  config.memory.lock = true;
  SetupVm vm;
  vm.needs = host_needs(config);
  // mem-lock=on alone: mlock charges the RAM once.
  EXPECT_EQ(memlock_need({vm}).bytes(), 9 * kGiB);
  EXPECT_NE(memlock_limits_conf("alice", memlock_need({vm}), false).find("(RAM + 1 GiB)"),
            std::string::npos);
  // With VFIO as well, mlock and pinning both count, so the RAM counts twice.
  config.gpus.emplace_back().address = "0000:01:00.0";
  vm.needs = host_needs(config);
  EXPECT_EQ(memlock_need({vm}).bytes(), 17 * kGiB);
  EXPECT_EQ(memlock_need({vm}).bytes(), config.locked_memory_need().bytes);
  // Neither: nothing beyond the kernel's default.
  config.gpus.clear();
  config.memory.lock = false;
  vm.needs = host_needs(config);
  EXPECT_EQ(memlock_need({vm}).bytes(), 0u);
}

TEST(AccessRules, HugepagesForTheLargestVm) {
  auto vm = [](uint64_t ram, HugePages pages) {
    VmConfig config;
    config.memory.size = ram;
    config.memory.hugepages = pages;
    return SetupVm{host_needs(config), {}, {}};
  };
  SetupVm small = vm(8 * kGiB, HugePages::k1G);
  SetupVm big = vm(12 * kGiB + 1, HugePages::k1G);
  SetupVm two_meg = vm(4 * kGiB, HugePages::k2M);
  auto reservation = hugepage_reservation({small, big, two_meg});
  EXPECT_EQ(reservation.pages_1g, 13u);
  EXPECT_EQ(reservation.pages_2m, 2048u);
}

}  // namespace
}  // namespace vfg
