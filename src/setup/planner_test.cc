#include "setup/planner.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace vfg {
namespace {

SetupFacts facts_for(Bootloader bootloader, InitramfsTool initramfs) {
  SetupFacts facts;
  facts.boot.bootloader = bootloader;
  facts.boot.initramfs = initramfs;
  facts.cpu = CpuVendor::kAmd;
  facts.existing_groups = {"kvm"};
  return facts;
}

SetupRequest request_with_gpu() {
  SetupRequest request;
  request.bind = {{"0000:01:00.0", 0x1002, 0x73bf, 0x030000, "amdgpu"},
                  {"0000:01:00.1", 0x1002, 0xab28, 0x040300, "snd_hda_intel"}};
  request.user = {"alice", 1000, {"kvm"}};
  return request;
}

const FileEdit* find_file(const HostPlan& plan, const std::string& path) {
  for (const auto& edit : plan.files)
    if (edit.path == path) return &edit;
  return nullptr;
}

std::vector<std::vector<std::string>> argvs(const HostPlan& plan) {
  std::vector<std::vector<std::string>> out;
  for (const auto& command : plan.commands) out.push_back(command.argv);
  return out;
}

TEST(Planner, RpmOstreeUsesKargsAndTracksTheVfioFile) {
  auto facts = facts_for(Bootloader::kRpmOstree, InitramfsTool::kDracut);
  facts.tool_cmdlines = {"root=UUID=x rw iommu=pt"};
  HostPlan plan = plan_setup(facts, request_with_gpu());
  auto commands = argvs(plan);
  EXPECT_NE(std::find(commands.begin(), commands.end(),
                      std::vector<std::string>{"rpm-ostree", "kargs",
                                               "--append-if-missing=rd.driver.pre=vfio_pci"}),
            commands.end());
  EXPECT_NE(std::find(commands.begin(), commands.end(),
                      std::vector<std::string>{"rpm-ostree", "initramfs-etc",
                                               "--track=/etc/modprobe.d/vfg-vfio.conf"}),
            commands.end());
  for (const auto& command : plan.commands)
    if (command.argv[0] == "rpm-ostree") {
      EXPECT_FALSE(command.undo_argv.empty());
    }
  // AMD: no intel_iommu, and never amd_iommu.
  EXPECT_EQ(plan.targets.kernel_params,
            (std::vector<std::string>{"iommu=pt", "rd.driver.pre=vfio_pci"}));
}

TEST(Planner, LimineAndBoosterEditTheirConfigs) {
  auto facts = facts_for(Bootloader::kLimine, InitramfsTool::kBooster);
  facts.boot.limine_configs = {"/boot/limine.conf"};
  facts.files["/boot/limine.conf"] = "/Arch\n    protocol: linux\n    cmdline: root=X rw\n";
  facts.files["/etc/booster.yaml"] = "compression: zstd\n";
  HostPlan plan = plan_setup(facts, request_with_gpu());
  ASSERT_TRUE(find_file(plan, "/boot/limine.conf"));
  EXPECT_EQ(find_file(plan, "/boot/limine.conf")->new_contents,
            "/Arch\n    protocol: linux\n    cmdline: root=X rw iommu=pt\n");
  ASSERT_TRUE(find_file(plan, "/etc/booster.yaml"));
  auto commands = argvs(plan);
  EXPECT_NE(std::find(commands.begin(), commands.end(),
                      std::vector<std::string>{"/usr/lib/booster/regenerate_images"}),
            commands.end());
}

TEST(Planner, KernelInstallRebuildsEachKernelWithoutAHelper) {
  auto facts = facts_for(Bootloader::kKernelInstall, InitramfsTool::kDracut);
  facts.boot.kernels = {"6.6.1-arch1-1", "6.7.0-arch1-1"};
  facts.files["/etc/kernel/cmdline"] = "root=X rw\n";
  HostPlan plan = plan_setup(facts, request_with_gpu());
  auto commands = argvs(plan);
  EXPECT_NE(std::find(commands.begin(), commands.end(),
                      std::vector<std::string>{"kernel-install", "add", "6.7.0-arch1-1",
                                               "/usr/lib/modules/6.7.0-arch1-1/vmlinuz"}),
            commands.end());
  // kernel-install runs dracut itself: no separate dracut run.
  for (const auto& argv : commands) {
    EXPECT_NE(argv[0], "dracut");
  }
  EXPECT_EQ(find_file(plan, "/etc/kernel/cmdline")->new_contents, "root=X rw iommu=pt\n");
}

TEST(Planner, UnsafeInterruptsOnlyWithoutRemapping) {
  auto facts = facts_for(Bootloader::kSystemdBoot, InitramfsTool::kMkinitcpio);
  facts.interrupt_remapping = false;
  HostPlan plan = plan_setup(facts, request_with_gpu());
  EXPECT_NE(find_file(plan, "/etc/modprobe.d/vfg-vfio.conf")
                ->new_contents.find("allow_unsafe_interrupts=1"),
            std::string::npos);
  facts.interrupt_remapping = std::nullopt;
  plan = plan_setup(facts, request_with_gpu());
  EXPECT_EQ(find_file(plan, "/etc/modprobe.d/vfg-vfio.conf")->new_contents.find("allow_unsafe"),
            std::string::npos);
}

TEST(Planner, StealthLeavesMsrsAloneAndUnknownBootloaderWarns) {
  auto facts = facts_for(Bootloader::kUnknown, InitramfsTool::kUnknown);
  facts.cpu = CpuVendor::kIntel;
  SetupRequest request = request_with_gpu();
  request.msrs = MsrPolicy::kFault;
  HostPlan plan = plan_setup(facts, request);
  EXPECT_FALSE(find_file(plan, "/etc/modprobe.d/vfg-kvm.conf"));
  ASSERT_EQ(plan.warnings.size(), 2u);
  EXPECT_NE(plan.warnings[0].find("intel_iommu=on iommu=pt"), std::string::npos);
  EXPECT_NE(plan.warnings[1].find("initramfs"), std::string::npos);
}

TEST(Planner, AccountsAndMemlockTargets) {
  auto facts = facts_for(Bootloader::kSystemdBoot, InitramfsTool::kMkinitcpio);
  facts.existing_groups = {};
  SetupRequest request = request_with_gpu();
  request.user.groups = {};
  VmConfig config;
  config.name = "win11";
  config.memory.size = 16 * kGiB;
  config.gpus.emplace_back().address = "0000:01:00.0";
  config.looking_glass.enabled = true;
  config.looking_glass.backend = LookingGlassConfig::Backend::kShm;
  config.looking_glass.size = 32 * kMiB;
  request.vms.push_back({host_needs(config), {}, {}});
  HostPlan plan = plan_setup(facts, request);
  auto commands = argvs(plan);
  ASSERT_GE(commands.size(), 2u);
  EXPECT_EQ(commands[0], (std::vector<std::string>{"groupadd", "--system", "kvm"}));
  EXPECT_EQ(plan.commands[0].undo_argv, (std::vector<std::string>{"groupdel", "kvm"}));
  EXPECT_EQ(commands[1], (std::vector<std::string>{"usermod", "-aG", "kvm", "alice"}));
  EXPECT_EQ(plan.targets.memlock, 16 * kGiB + 32 * kMiB + kGiB);
  EXPECT_EQ(plan.targets.vfio_devices, (std::vector<std::string>{"0000:01:00.0", "0000:01:00.1"}));
  EXPECT_TRUE(find_file(plan, "/etc/tmpfiles.d/10-vfg-looking-glass.conf"));
  EXPECT_TRUE(find_file(plan, "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"));
}

TEST(Planner, RootGetsNoAccessRules) {
  auto facts = facts_for(Bootloader::kSystemdBoot, InitramfsTool::kMkinitcpio);
  SetupRequest request = request_with_gpu();
  request.user = {"root", 0, {}};
  HostPlan plan = plan_setup(facts, request);
  EXPECT_FALSE(find_file(plan, "/etc/udev/rules.d/99-vfg-passthrough.rules"));
  EXPECT_NE(plan.warnings.back().find("--user NAME"), std::string::npos);
}

// A signed UKI under Secure Boot ignores /etc/kernel/cmdline unless rebuilt images are
// signed again: setup writes nothing there and promises nothing.
TEST(Planner, SignedUkiUnderSecureBootIsRefusedNotFaked) {
  auto facts = facts_for(Bootloader::kKernelInstall, InitramfsTool::kDracut);
  facts.boot.secure_boot = true;
  facts.boot.esp = "/efi";
  facts.boot.kernels = {"6.17.1-300.fc43.x86_64"};
  facts.boot.ukis = {"/efi/EFI/Linux/fedora-6.17.uki.efi"};
  facts.files["/etc/kernel/cmdline"] = "root=UUID=x rw\n";
  HostPlan plan = plan_setup(facts, request_with_gpu());
  EXPECT_FALSE(find_file(plan, "/etc/kernel/cmdline"));
  EXPECT_TRUE(plan.targets.kernel_params.empty());
  // Nor does it rebuild the images: unsigned ones would not boot.
  EXPECT_EQ(plan.unmet,
            (std::vector<std::string>{"kernel parameters iommu=pt",
                                      "boot images rebuilt (and signed) with the new initramfs"}));
  for (const auto& argv : argvs(plan))
    EXPECT_TRUE(argv[0] != "kernel-install" && argv[0] != "dracut") << argv[0];
  ASSERT_FALSE(plan.warnings.empty());
  EXPECT_NE(plan.warnings.front().find("signed command-line addon"), std::string::npos);
  EXPECT_NE(plan.warnings.front().find("/efi/loader/addons/"), std::string::npos);
  // With sbctl (or ukify keys), rebuilt images are signed again: the usual edit goes ahead.
  facts.boot.signs_ukis = true;
  plan = plan_setup(facts, request_with_gpu());
  ASSERT_TRUE(find_file(plan, "/etc/kernel/cmdline"));
  EXPECT_EQ(plan.targets.kernel_params, std::vector<std::string>{"iommu=pt"});
  EXPECT_TRUE(plan.unmet.empty());
}

// limine-entry-tool with no KERNEL_CMDLINE[default] takes /etc/kernel/cmdline, then the
// running kernel's line: an assignment of setup's parameters alone would drop root=.
TEST(Planner, LimineEntryToolWithoutItsCmdlineKeepsTheOneItFallsBackTo) {
  auto facts = facts_for(Bootloader::kLimine, InitramfsTool::kMkinitcpio);
  facts.boot.programs = {"limine-mkinitcpio"};
  facts.boot.limine_sources = {"/etc/default/limine"};
  facts.files["/etc/default/limine"] = "TARGET_OS_NAME=\"Arch Linux\"\nESP_PATH=\"/boot\"\n";
  facts.files["/etc/kernel/cmdline"] = "root=UUID=x rw vfio-pci.ids=1002:73bf\n";
  facts.files["/etc/mkinitcpio.conf"] = "MODULES=()\nHOOKS=(base udev autodetect modconf)\n";
  HostPlan plan = plan_setup(facts, request_with_gpu());
  EXPECT_FALSE(find_file(plan, "/etc/default/limine"));
  ASSERT_TRUE(find_file(plan, "/etc/kernel/cmdline"));
  EXPECT_EQ(find_file(plan, "/etc/kernel/cmdline")->new_contents, "root=UUID=x rw iommu=pt\n");
  auto commands = argvs(plan);
  EXPECT_NE(
      std::find(commands.begin(), commands.end(), std::vector<std::string>{"limine-mkinitcpio"}),
      commands.end());
  EXPECT_TRUE(plan.unmet.empty());

  // Without either, setup cannot know the line the tool will reuse: it writes nothing.
  facts.files.erase("/etc/kernel/cmdline");
  plan = plan_setup(facts, request_with_gpu());
  EXPECT_FALSE(find_file(plan, "/etc/default/limine"));
  EXPECT_FALSE(find_file(plan, "/etc/kernel/cmdline"));
  EXPECT_EQ(plan.unmet, std::vector<std::string>{"kernel parameters iommu=pt"});
  ASSERT_FALSE(plan.warnings.empty());
  EXPECT_NE(plan.warnings.front().find("no KERNEL_CMDLINE[default] in /etc/default/limine"),
            std::string::npos);
}

// Tools that keep the command line themselves: an earlier vfio-pci.ids there is removed
// through the tool, and put back by undo.
TEST(Planner, EarlierIdsKeptByATool) {
  struct Tool {
    Bootloader bootloader;
    std::vector<std::string> argv, undo;
  };
  const Tool tools[] = {
      {Bootloader::kGrubby,
       {"grubby", "--update-kernel=ALL", "--remove-args=vfio-pci.ids=1002:73bf,1002:ab28"},
       {"grubby", "--update-kernel=ALL", "--args=vfio-pci.ids=1002:73bf,1002:ab28"}},
      {Bootloader::kKernelstub,
       {"kernelstub", "--delete-options", "vfio-pci.ids=1002:73bf,1002:ab28"},
       {"kernelstub", "--add-options", "vfio-pci.ids=1002:73bf,1002:ab28"}},
      {Bootloader::kRpmOstree,
       {"rpm-ostree", "kargs", "--delete-if-present=vfio-pci.ids=1002:73bf,1002:ab28"},
       {"rpm-ostree", "kargs", "--append-if-missing=vfio-pci.ids=1002:73bf,1002:ab28"}},
  };
  for (const auto& tool : tools) {
    auto facts = facts_for(tool.bootloader, InitramfsTool::kDracut);
    facts.tool_cmdlines = {"root=UUID=x rw iommu=pt vfio-pci.ids=1002:73bf,1002:ab28"};
    HostPlan plan = plan_setup(facts, request_with_gpu());
    auto found = std::find_if(plan.commands.begin(), plan.commands.end(),
                              [&](const PlanCommand& c) { return c.argv == tool.argv; });
    ASSERT_NE(found, plan.commands.end()) << tool.argv[0];
    EXPECT_EQ(found->undo_argv, tool.undo);
    // Without a binding there is nothing to protect: the setting stays.
    SetupRequest no_binding = request_with_gpu();
    no_binding.bind.clear();
    for (const auto& command : plan_setup(facts, no_binding).commands)
      EXPECT_NE(command.argv, tool.argv);
  }
}

// GRUB: the drop-in that sets GRUB_CMDLINE_LINUX_DEFAULT last is where it takes effect.
TEST(Planner, GrubEditsTheLastAssignmentAcrossDropIns) {
  auto facts = facts_for(Bootloader::kGrub, InitramfsTool::kInitramfsTools);
  facts.boot.grub_config = "/boot/grub/grub.cfg";
  facts.boot.grub_dropins = {"/etc/default/grub.d/50-cloudimg-settings.cfg",
                             "/etc/default/grub.d/60-empty.cfg"};
  facts.files["/etc/default/grub"] =
      "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet vfio-pci.ids=1002:73bf\"\n";
  facts.files["/etc/default/grub.d/50-cloudimg-settings.cfg"] =
      "GRUB_CMDLINE_LINUX_DEFAULT=\"console=ttyS0\"\n";
  facts.files["/etc/default/grub.d/60-empty.cfg"] = "GRUB_TIMEOUT=0\n";
  HostPlan plan = plan_setup(facts, request_with_gpu());
  ASSERT_TRUE(find_file(plan, "/etc/default/grub.d/50-cloudimg-settings.cfg"));
  EXPECT_EQ(find_file(plan, "/etc/default/grub.d/50-cloudimg-settings.cfg")->new_contents,
            "GRUB_CMDLINE_LINUX_DEFAULT=\"console=ttyS0 iommu=pt\"\n");
  // The overridden main file only loses the earlier ids setting, and the plan says where.
  ASSERT_TRUE(find_file(plan, "/etc/default/grub"));
  EXPECT_EQ(find_file(plan, "/etc/default/grub")->new_contents,
            "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
  EXPECT_FALSE(find_file(plan, "/etc/default/grub.d/60-empty.cfg"));
  EXPECT_NE(std::find_if(plan.notes.begin(), plan.notes.end(),
                         [](const std::string& note) {
                           return note.starts_with(
                               "/etc/default/grub:1: removes the earlier 'vfio-pci.ids=1002:73bf'");
                         }),
            plan.notes.end());
}

}  // namespace
}  // namespace vfg
