// vfg setup on six distributions' real file layouts: the plan each gets, the
// generated files checked with the real tools, apply/undo byte-identical on the
// whole tree, a second apply with nothing to do, and a kill at every step.
#include <algorithm>

#include <gtest/gtest.h>

#include "host/host_root.h"
#include "setup/applier.h"
#include "setup/gather.h"
#include "setup/planner.h"
#include "support/setup_tree.h"
#include "util/process.h"

namespace vfg {
namespace {

using TempDir = testing::ScratchDir;

struct Distro {
  std::string name;
  std::string hardware;
  std::string gpu;
  Bootloader bootloader;
  InitramfsTool initramfs;
  std::vector<std::string> files;     // paths the plan writes, in order
  std::vector<std::string> commands;  // first word of each command, in order
};

const Distro kDistros[] = {
    {"arch-grub",
     "intel-igpu-nvidia",
     "0000:01:00.0",
     Bootloader::kGrub,
     InitramfsTool::kMkinitcpio,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf", "/etc/default/grub",
      "/etc/mkinitcpio.conf", "/etc/udev/rules.d/99-vfg-passthrough.rules",
      "/etc/udev/rules.d/70-vfg-kvmfr.rules", "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"usermod", "grub-mkconfig", "mkinitcpio", "udevadm", "udevadm", "systemctl"}},
    {"arch-systemd-boot",
     "nvidia-turing",
     "0000:0a:00.0",
     Bootloader::kSystemdBoot,
     InitramfsTool::kMkinitcpio,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf",
      "/boot/loader/entries/arch-fallback.conf", "/boot/loader/entries/arch.conf",
      "/etc/mkinitcpio.conf", "/etc/udev/rules.d/99-vfg-passthrough.rules",
      "/etc/udev/rules.d/70-vfg-kvmfr.rules", "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"mkinitcpio", "udevadm", "udevadm", "systemctl"}},
    {"endeavouros-uki",
     "two-identical-gpus",
     "0000:0b:00.0",
     Bootloader::kKernelInstall,
     InitramfsTool::kDracut,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf", "/etc/kernel/cmdline",
      "/etc/dracut.conf.d/10-vfg-vfio.conf", "/etc/udev/rules.d/99-vfg-passthrough.rules",
      "/etc/udev/rules.d/70-vfg-kvmfr.rules", "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"usermod", "reinstall-kernels", "udevadm", "udevadm", "systemctl"}},
    {"fedora-grubby",
     "intel-igpu-nvidia",
     "0000:01:00.0",
     Bootloader::kGrubby,
     InitramfsTool::kDracut,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf",
      "/etc/dracut.conf.d/10-vfg-vfio.conf", "/etc/udev/rules.d/99-vfg-passthrough.rules",
      "/etc/udev/rules.d/70-vfg-kvmfr.rules", "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"grubby", "usermod", "dracut", "udevadm", "udevadm", "systemctl"}},
    {"ubuntu-grub",
     "two-identical-gpus",
     "0000:0b:00.0",
     Bootloader::kGrub,
     InitramfsTool::kInitramfsTools,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf", "/etc/default/grub",
      "/etc/initramfs-tools/modules", "/etc/udev/rules.d/99-vfg-passthrough.rules",
      "/etc/udev/rules.d/70-vfg-kvmfr.rules", "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"usermod", "update-grub", "update-initramfs", "udevadm", "udevadm", "systemctl"}},
    {"popos-kernelstub",
     "intel-igpu-nvidia",
     "0000:01:00.0",
     Bootloader::kKernelstub,
     InitramfsTool::kInitramfsTools,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf",
      "/etc/initramfs-tools/modules", "/etc/udev/rules.d/99-vfg-passthrough.rules",
      "/etc/udev/rules.d/70-vfg-kvmfr.rules", "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"kernelstub", "update-initramfs", "udevadm", "udevadm", "systemctl"}},
};

void PrintTo(const Distro& distro, std::ostream* os) { *os << distro.name; }

// Passing the GPU is what makes it need a locked-memory limit.
VmConfig win11(const std::string& gpu) {
  VmConfig vm;
  vm.name = "win11";
  vm.gpus.emplace_back().address = gpu;
  vm.memory.size = 16 * kGiB;
  vm.looking_glass.enabled = true;
  vm.disks.push_back({});
  vm.disks.back().path = "/dev/disk/by-partuuid/8a6c2d5e-1f3b-4c7d-9e0a-b1c2d3e4f5a6";
  vm.usb.push_back({3, "1.4", 0, 0});
  return vm;
}

HostPlan plan_host(const TempDir& dir, const Distro& distro) {
  HostRoot root(dir.path());
  TreeFileWriter writer(root);
  SetupArgs args;
  args.user = "alice";
  args.gpus = {distro.gpu};
  args.vms = {win11(distro.gpu)};
  auto inputs = gather_setup_inputs(HostReading(root), writer, args);
  EXPECT_TRUE(inputs) << inputs.error().message;
  if (!inputs) return {};
  EXPECT_EQ(inputs->facts.boot.bootloader, distro.bootloader) << distro.name;
  EXPECT_EQ(inputs->facts.boot.initramfs, distro.initramfs) << distro.name;
  return plan_setup(inputs->facts, inputs->request);
}

std::string run_ok(const std::vector<std::string>& argv) {
  auto out = run_command(argv, std::chrono::seconds(60));
  EXPECT_TRUE(out && out->status.success())
      << argv[0] << ": " << (out ? out->err : out.error().message);
  return out ? out->out + out->err : "";
}

class SetupDistro : public ::testing::TestWithParam<Distro> {};

TEST_P(SetupDistro, PlansTheRightFilesAndCommands) {
  const Distro& distro = GetParam();
  TempDir dir;
  testing::compose_host(dir, distro.name, distro.hardware);
  HostPlan plan = plan_host(dir, distro);
  std::vector<std::string> files, commands;
  for (const auto& edit : plan.files) files.push_back(edit.path);
  for (const auto& command : plan.commands) commands.push_back(command.argv[0]);
  EXPECT_EQ(files, distro.files);
  EXPECT_EQ(commands, distro.commands);
  EXPECT_TRUE(plan.warnings.empty()) << plan.warnings.front();
  for (const auto& edit : plan.files)
    EXPECT_EQ(edit.new_contents.find("amd_iommu"), std::string::npos);
}

TEST_P(SetupDistro, GeneratedFilesPassTheRealTools) {
  const Distro& distro = GetParam();
  TempDir dir;
  testing::compose_host(dir, distro.name, distro.hardware);
  HostPlan plan = plan_host(dir, distro);
  TreeFileWriter writer{HostRoot(dir.path())};
  ASSERT_TRUE(apply_plan(plan, writer, {}));

  std::string config =
      run_ok({"modprobe", "-C", (dir / "etc/modprobe.d").string(), "--showconfig"});
  EXPECT_EQ(config.find("ignoring bad line"), std::string::npos) << config;
  EXPECT_NE(config.find("softdep nvidia pre: vfio-pci"), std::string::npos);
  bool shared_ids = distro.hardware == "two-identical-gpus";
  EXPECT_EQ(
      config.find("install vfio_pci for d in 0000:0b:00.0 0000:0b:00.1;") != std::string::npos,
      shared_ids);
  EXPECT_EQ(config.find("options vfio_pci ids=") != std::string::npos, !shared_ids);

  bool intel = distro.hardware == "intel-igpu-nvidia";
  std::string params = intel ? "intel_iommu=on iommu=pt" : "iommu=pt";
  if (distro.bootloader == Bootloader::kGrub) {
    std::string cmdline =
        run_ok({"bash", "-c", ". \"$1\"; printf %s \"$GRUB_CMDLINE_LINUX_DEFAULT\"", "bash",
                (dir / "etc/default/grub").string()});
    EXPECT_EQ(cmdline, distro.name == "arch-grub"
                           ? "loglevel=3 quiet nvidia_drm.modeset=1 " + params
                           : "quiet splash " + params);
  }
  if (distro.initramfs == InitramfsTool::kMkinitcpio) {
    std::string arrays = run_ok({"bash", "-c", ". \"$1\"; echo \"${MODULES[*]}|${HOOKS[*]}\"",
                                 "bash", (dir / "etc/mkinitcpio.conf").string()});
    EXPECT_EQ(arrays.substr(0, arrays.find(' ', 30)).rfind("vfio_pci vfio vfio_iommu_type1", 0), 0u)
        << arrays;
    EXPECT_NE(arrays.find(" modconf "), std::string::npos) << arrays;
  }
  if (distro.initramfs == InitramfsTool::kDracut) {
    std::string trace =
        run_ok({"dracut", "--conf", "/dev/null", "--confdir", (dir / "etc/dracut.conf.d").string(),
                "--no-kernel", "--list-modules", "--debug"});
    EXPECT_NE(trace.find("force_drivers=' vfio_pci vfio vfio_iommu_type1 '"), std::string::npos);
    EXPECT_EQ(trace.find(".conf: line"), std::string::npos);
  }
}

TEST_P(SetupDistro, ApplyTwiceThenUndoGivesBackTheIdenticalTree) {
  const Distro& distro = GetParam();
  TempDir dir;
  testing::compose_host(dir, distro.name, distro.hardware);
  auto before = testing::snapshot(dir.path());
  TreeFileWriter writer{HostRoot(dir.path())};
  auto applied = apply_plan(plan_host(dir, distro), writer, {});
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_NE(testing::snapshot(dir.path()), before);
  auto again = apply_plan(plan_host(dir, distro), writer, {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->nothing_to_do);
  auto undone = undo_setup(writer, {}, false);
  ASSERT_TRUE(undone) << undone.error().message;
  EXPECT_EQ(testing::snapshot_difference(testing::snapshot(dir.path()), before), "");
}

TEST_P(SetupDistro, KillAtEveryStepIsRepairedByApplyOrUndo) {
  const Distro& distro = GetParam();
  TempDir pristine;
  testing::compose_host(pristine, distro.name, distro.hardware);
  auto before = testing::snapshot(pristine.path());
  TempDir reference;
  testing::copy_tree(pristine.path(), reference.path());
  {
    TreeFileWriter writer{HostRoot(reference.path())};
    ASSERT_TRUE(apply_plan(plan_host(reference, distro), writer, {}));
  }
  auto applied = testing::snapshot(reference.path());

  for (size_t k = 0;; ++k) {
    for (bool finish_with_apply : {true, false}) {
      TempDir dir;
      testing::copy_tree(pristine.path(), dir.path());
      TreeFileWriter writer{HostRoot(dir.path())};
      FailingFileWriter dying(writer, k);
      if (apply_plan(plan_host(dir, distro), dying, {})) {
        ASSERT_GT(k, 10u);
        return;  // k changes finish the apply: every earlier kill point was tried
      }
      if (finish_with_apply) {
        auto finished = apply_plan(plan_host(dir, distro), writer, {});
        ASSERT_TRUE(finished) << k << ": " << finished.error().message;
        auto now = testing::snapshot(dir.path());
        // The journal differs in which commands ran when; every other entry matches.
        now.erase("var/lib/vfg/setup-journal");
        auto expected = applied;
        expected.erase("var/lib/vfg/setup-journal");
        EXPECT_EQ(testing::snapshot_difference(now, expected), "")
            << "kill after " << k << " changes, then --apply";
      } else {
        auto undone = undo_setup(writer, {}, false);
        ASSERT_TRUE(undone) << k << ": " << undone.error().message;
        EXPECT_EQ(testing::snapshot_difference(testing::snapshot(dir.path()), before), "")
            << "kill after " << k << ", then --undo";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Distros, SetupDistro, ::testing::ValuesIn(kDistros),
                         [](const auto& param_info) {
                           std::string name = param_info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace vfg
