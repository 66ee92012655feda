// vfg setup on layouts that are variants of the distribution trees: an earlier
// passthrough guide's line in /etc/initramfs-tools/modules, and Secure Boot with
// signed unified kernel images.
#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "cli/setup_render.h"
#include "host/host_root.h"
#include "setup/applier.h"
#include "setup/gather.h"
#include "setup/planner.h"
#include "support/setup_tree.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {
namespace {

using TempDir = testing::ScratchDir;
using cli::render_status;

struct Layout {
  std::string name;      // tests/fixtures/setup/NAME
  std::string hardware;  // tests/fixtures/hosts/NAME
  std::string gpu;       // the card to bind
};

HostPlan plan_host(const TempDir& dir, const Layout& layout) {
  HostRoot root(dir.path());
  TreeFileWriter writer(root);
  SetupArgs args;
  args.user = "alice";
  args.gpus = {layout.gpu};
  auto inputs = gather_setup_inputs(HostReading(root), writer, args);
  EXPECT_TRUE(inputs) << inputs.error().message;
  return inputs ? plan_setup(inputs->facts, inputs->request) : HostPlan{};
}

std::string run_ok(const std::vector<std::string>& argv) {
  auto out = run_command(argv, std::chrono::seconds(60));
  EXPECT_TRUE(out && out->status.success())
      << argv[0] << ": " << (out ? out->err : out.error().message);
  return out ? out->out + out->err : "";
}

// Ubuntu guides put "vfio_pci ids=..." in /etc/initramfs-tools/modules. The initramfs
// runs `modprobe $line` for each line (load_modules in initramfs-tools'
// scripts/functions), after modprobe.d, so that ids= would win over setup's.
TEST(SetupEarlierAttempts, IdsInInitramfsToolsModulesAreDisarmed) {
  const Layout ubuntu{"ubuntu-grub", "intel-igpu-nvidia", "0000:01:00.0"};
  TempDir dir;
  testing::compose_host(dir, ubuntu.name, ubuntu.hardware);
  std::filesystem::path modules = dir / "etc/initramfs-tools/modules";
  std::ofstream(modules, std::ios::app) << "vfio\nvfio_pci ids=10de:1b80,10de:10f0 disable_vga=1\n";
  auto before = testing::snapshot(dir.path());
  HostPlan plan = plan_host(dir, ubuntu);
  EXPECT_NE(std::find(plan.notes.begin(), plan.notes.end(),
                      "/etc/initramfs-tools/modules:13: disables the earlier 'vfio_pci "
                      "ids=10de:1b80,10de:10f0 disable_vga=1': a second vfio-pci ids setting "
                      "would override setup's binding"),
            plan.notes.end())
      << join(plan.notes, "\n");
  TreeFileWriter writer{HostRoot(dir.path())};
  ASSERT_TRUE(apply_plan(plan, writer, {}));

  // initramfs-tools' own loop over the file, printing what it would run.
  std::string runs = run_ok({"sh", "-c",
                             "while read -r m; do [ -z \"$m\" ] && continue; "
                             "[ \"$(printf '%.1s' \"$m\")\" = '#' ] && continue; "
                             "echo modprobe $m; done < \"$1\"",
                             "sh", modules.string()});
  EXPECT_EQ(runs.find("ids="), std::string::npos) << runs;
  EXPECT_NE(runs.find("modprobe vfio_pci disable_vga=1\n"), std::string::npos) << runs;
  EXPECT_NE(runs.find("modprobe vfio_iommu_type1\n"), std::string::npos) << runs;
  // The one ids= left is setup's, in modprobe.d.
  std::string config =
      run_ok({"modprobe", "-C", (dir / "etc/modprobe.d").string(), "--showconfig"});
  EXPECT_NE(config.find("options vfio_pci ids=10de:1b80,10de:10f0"), std::string::npos) << config;

  EXPECT_TRUE(apply_plan(plan_host(dir, ubuntu), writer, {})->nothing_to_do);
  ASSERT_TRUE(undo_setup(writer, {}, false));
  EXPECT_EQ(testing::snapshot_difference(testing::snapshot(dir.path()), before), "");
}

// EndeavourOS's UKI layout with Secure Boot on and nothing to sign rebuilt images: the
// signed UKI ignores /etc/kernel/cmdline and an unsigned rebuild would not boot, so
// setup neither edits the line nor rebuilds, and --status never says the host matches.
TEST(SetupSecureBoot, SignedUkisAreLeftToTheUserAndStatusSaysSo) {
  const Layout eos{"endeavouros-uki", "two-identical-gpus", "0000:0b:00.0"};
  TempDir dir;
  testing::compose_host(dir, eos.name, eos.hardware);
  std::filesystem::path efivars = dir / "sys/firmware/efi/efivars";
  std::filesystem::create_directories(efivars);
  // Attributes (non-volatile, boot and runtime access), then 1: Secure Boot is on.
  std::ofstream(efivars / "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c")
      << std::string("\x06\x00\x00\x00\x01", 5);
  auto before = testing::snapshot(dir.path());
  HostPlan plan = plan_host(dir, eos);
  for (const auto& edit : plan.files) EXPECT_NE(edit.path, "/etc/kernel/cmdline");
  for (const auto& command : plan.commands)
    EXPECT_TRUE(command.argv[0] != "reinstall-kernels" && command.argv[0] != "kernel-install")
        << command.argv[0];
  EXPECT_TRUE(plan.targets.kernel_params.empty());
  EXPECT_EQ(plan.unmet,
            (std::vector<std::string>{"kernel parameters iommu=pt",
                                      "boot images rebuilt (and signed) with the new initramfs"}));

  TreeFileWriter writer{HostRoot(dir.path())};
  ASSERT_TRUE(apply_plan(plan, writer, {}));
  auto status = setup_status(writer, plan_host(dir, eos));
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_FALSE(status->matches_plan());
  std::string shown = render_status(*status);
  EXPECT_NE(shown.find("NOT DONE kernel parameters iommu=pt"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("matches the plan"), std::string::npos) << shown;
  ASSERT_TRUE(undo_setup(writer, {}, false));
  EXPECT_EQ(testing::snapshot_difference(testing::snapshot(dir.path()), before), "");
}

}  // namespace
}  // namespace vfg
