// vfg setup on six distributions' real file layouts: the plan each gets, the
// generated files checked with the real tools, apply/undo byte-identical on the
// whole tree, a second apply with nothing to do, and a kill at every step.
#include <algorithm>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "cli/setup_render.h"
#include "host/host_root.h"
#include "setup/applier.h"
#include "setup/gather.h"
#include "setup/kernel_params.h"
#include "setup/planner.h"
#include "support/failing_file_writer.h"
#include "support/setup_tree.h"
#include "support/udev_verify.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {
namespace {

using TempDir = testing::ScratchDir;
using cli::render_status;
using testing::FailingFileWriter;

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
    {"ubuntu-cloud-grub",
     "intel-igpu-nvidia",
     "0000:01:00.0",
     Bootloader::kGrub,
     InitramfsTool::kInitramfsTools,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf",
      "/etc/default/grub.d/50-cloudimg-settings.cfg", "/etc/initramfs-tools/modules",
      "/etc/udev/rules.d/99-vfg-passthrough.rules", "/etc/udev/rules.d/70-vfg-kvmfr.rules",
      "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"usermod", "update-grub", "update-initramfs", "udevadm", "udevadm", "systemctl"}},
    {"ubuntu-dracut",
     "nvidia-turing",
     "0000:0a:00.0",
     Bootloader::kGrub,
     InitramfsTool::kDracut,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf", "/etc/default/grub",
      "/etc/dracut.conf.d/10-vfg-vfio.conf", "/etc/udev/rules.d/99-vfg-passthrough.rules",
      "/etc/udev/rules.d/70-vfg-kvmfr.rules", "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"usermod", "update-grub", "dracut", "udevadm", "udevadm", "systemctl"}},
    {"arch-limine",
     "two-identical-gpus",
     "0000:0b:00.0",
     Bootloader::kLimine,
     InitramfsTool::kMkinitcpio,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf",
      "/boot/EFI/arch-limine/limine.conf", "/etc/mkinitcpio.conf",
      "/etc/udev/rules.d/99-vfg-passthrough.rules", "/etc/udev/rules.d/70-vfg-kvmfr.rules",
      "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"mkinitcpio", "udevadm", "udevadm", "systemctl"}},
    {"cachyos-limine",
     "intel-igpu-nvidia",
     "0000:01:00.0",
     Bootloader::kLimine,
     InitramfsTool::kMkinitcpio,
     {"/etc/modprobe.d/vfg-vfio.conf", "/etc/modprobe.d/vfg-kvm.conf",
      "/etc/modprobe.d/vfg-kvmfr.conf", "/etc/modules-load.d/vfg-kvmfr.conf", "/etc/default/limine",
      "/etc/mkinitcpio.conf", "/etc/udev/rules.d/99-vfg-passthrough.rules",
      "/etc/udev/rules.d/70-vfg-kvmfr.rules", "/etc/security/limits.d/95-vfg-memlock.conf",
      "/etc/systemd/system/user@1000.service.d/vfg-memlock.conf"},
     {"limine-mkinitcpio", "udevadm", "udevadm", "systemctl"}},
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

// What a tool that keeps the command line itself (grubby, kernelstub) holds once the
// plan's commands ran: `line` with the words of `add_flag` arguments added and those
// of `remove_flag` arguments taken out, as the tool does. Commands are never run
// against a tree, so this is the one place their effect is modelled.
std::string after_tool_commands(const std::string& line, const HostPlan& plan,
                                const std::string& tool, const std::string& add_flag,
                                const std::string& remove_flag) {
  std::vector<std::string> words = split_whitespace(line);
  for (const auto& command : plan.commands) {
    if (command.argv[0] != tool) continue;
    for (size_t i = 1; i < command.argv.size(); ++i) {
      const std::string& arg = command.argv[i];
      std::string value;
      bool add = false;
      if (add_flag.back() == '=') {  // --args=WORDS
        if (arg.starts_with(add_flag)) {
          value = arg.substr(add_flag.size());
          add = true;
        } else if (arg.starts_with(remove_flag)) {
          value = arg.substr(remove_flag.size());
        }
      } else if ((arg == add_flag || arg == remove_flag) && i + 1 < command.argv.size()) {
        value = command.argv[i + 1];  // --add-options WORDS
        add = arg == add_flag;
      }
      for (const auto& word : split_whitespace(value)) {
        std::erase(words, word);
        if (add) words.push_back(word);
      }
    }
  }
  return join(words, " ");
}

// Every command line the kernel can get from the tree, as (where, text). GRUB: bash
// sources /etc/default/grub then /etc/default/grub.d/*.cfg exactly as grub-mkconfig
// does; limine-entry-tool: bash sources /etc/default/limine then its drop-ins; the
// rest are read as their loaders read them. Tools that keep the line themselves
// (grubby, kernelstub) hold what the tree has plus what the plan's commands give them.
std::vector<std::pair<std::string, std::string>> effective_cmdlines(const TempDir& dir,
                                                                    const Distro& distro,
                                                                    const HostPlan& plan) {
  BootSetup boot = detect_boot_setup(HostRoot(dir.path()));
  std::vector<std::pair<std::string, std::string>> out;
  auto text = [&](const std::string& path) {
    std::ifstream in(dir / path.substr(1));
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  switch (boot.bootloader) {
    case Bootloader::kGrub:
      out.push_back({"grub-mkconfig", run_ok({"bash", "-c",
                                              "sysconfdir=\"$1/etc\"\n"
                                              "if test -f ${sysconfdir}/default/grub ; then\n"
                                              "  . ${sysconfdir}/default/grub\n"
                                              "fi\n"
                                              "if test -d ${sysconfdir}/default/grub.d; then\n"
                                              "  for x in ${sysconfdir}/default/grub.d/*.cfg; do\n"
                                              "    if [ -e \"${x}\" ]; then\n"
                                              "      . \"${x}\"\n"
                                              "    fi\n"
                                              "  done\n"
                                              "fi\n"
                                              "printf '%s %s' \"$GRUB_CMDLINE_LINUX\" "
                                              "\"$GRUB_CMDLINE_LINUX_DEFAULT\"",
                                              "bash", dir.path().string()})});
      break;
    case Bootloader::kLimine:
      if (!boot.limine_sources.empty()) {
        std::string script = "declare -A KERNEL_CMDLINE\n";
        for (const auto& source : boot.limine_sources) script += ". \"$1" + source + "\"\n";
        script += "printf '%s' \"${KERNEL_CMDLINE[default]}\"";
        out.push_back(
            {"limine-entry-tool", run_ok({"bash", "-c", script, "bash", dir.path().string()})});
        break;
      }
      for (const auto& config : boot.limine_configs)
        for (const auto& line : split(text(config), '\n'))
          if (auto at = line.find("cmdline:"); at != std::string::npos)
            out.push_back({config, line.substr(at + 8)});
      break;
    case Bootloader::kSystemdBoot:
      for (const auto& entry : boot.loader_entries)
        out.push_back({entry, loader_entry_options(text(entry))});
      break;
    case Bootloader::kKernelInstall:
      out.push_back({"/etc/kernel/cmdline", text("/etc/kernel/cmdline")});
      break;
    case Bootloader::kGrubby:
      for (const auto& entry : boot.loader_entries)
        out.push_back({entry, after_tool_commands(loader_entry_options(text(entry)), plan, "grubby",
                                                  "--args=", "--remove-args=")});
      break;
    case Bootloader::kKernelstub: {
      auto config = nlohmann::json::parse(text("/etc/kernelstub/configuration"));
      std::vector<std::string> options = config["user"]["kernel_options"];
      out.push_back({"kernelstub", after_tool_commands(join(options, " "), plan, "kernelstub",
                                                       "--add-options", "--delete-options")});
      break;
    }
    default:
      break;
  }
  EXPECT_FALSE(out.empty()) << distro.name;
  return out;
}

// What a write killed between creating and renaming its temporary file leaves
// (util/file_io.cc names it ".NAME.vfg-XXXXXX"): one beside every file the plan
// touches, beside the journal and among the backups, wherever the directory exists
// already. Managed files are written only once the journal exists, so only then can
// they leave any.
void leave_killed_write_litter(const TempDir& dir, const HostPlan& plan) {
  std::vector<std::string> paths{"/var/lib/vfg/setup-journal", "/var/lib/vfg/setup-backup/x"};
  if (std::filesystem::exists(dir / "var/lib/vfg/setup-journal"))
    for (const auto& edit : plan.files) paths.push_back(edit.path);
  for (const auto& path : paths) {
    std::filesystem::path file = dir / path.substr(1);
    if (!std::filesystem::is_directory(file.parent_path())) continue;
    std::ofstream(file.parent_path() / ("." + file.filename().string() + ".vfg-K1ll3d")) << "half";
  }
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

  // Today's udev (Debian unstable's) takes every rule setup wrote, without a warning.
  for (const auto& edit : plan.files)
    if (edit.path.starts_with("/etc/udev/rules.d/")) {
      auto verdict =
          testing::udevadm_verify(edit.path.substr(edit.path.rfind('/') + 1), edit.new_contents);
      EXPECT_TRUE(verdict.clean) << edit.path << ":\n" << verdict.output;
    }

  bool intel = distro.hardware == "intel-igpu-nvidia";
  std::string params = intel ? "intel_iommu=on iommu=pt" : "iommu=pt";
  // What the kernel gets after regeneration, read the way each tool reads it.
  for (const auto& [source, cmdline] : effective_cmdlines(dir, distro, plan)) {
    std::string words = " " + join(split_whitespace(cmdline), " ") + " ";
    for (const auto& param : plan.targets.kernel_params)
      EXPECT_NE(words.find(" " + param + " "), std::string::npos)
          << source << " lacks " << param << ": " << cmdline;
    EXPECT_EQ(cmdline.find("vfio-pci.ids"), std::string::npos) << source << ": " << cmdline;
    EXPECT_EQ(cmdline.find("vfio_pci.ids"), std::string::npos) << source << ": " << cmdline;
  }
  std::map<std::string, std::string> expected_grub{
      {"arch-grub", " loglevel=3 quiet nvidia_drm.modeset=1 " + params},
      {"ubuntu-grub", " quiet splash " + params},
      {"ubuntu-cloud-grub", " console=tty1 console=ttyS0 " + params},
      {"ubuntu-dracut", " quiet splash " + params}};
  if (expected_grub.count(distro.name)) {
    EXPECT_EQ(effective_cmdlines(dir, distro, plan).at(0).second, expected_grub[distro.name]);
  }
  // One vfio-pci ids setting at most: setup's own (the last one would win).
  size_t ids = 0;
  for (size_t at = config.find("options vfio_pci"); at != std::string::npos;
       at = config.find("options vfio_pci", at + 1))
    if (config.substr(at, config.find('\n', at) - at).find(" ids=") != std::string::npos) ++ids;
  EXPECT_EQ(ids, shared_ids ? 0u : 1u) << config;
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

// What --status says, judged from the plan recomputed on the tree: a hand edit of a
// managed file, or a later file that sets the command line again, is never "the
// host matches the plan".
TEST_P(SetupDistro, StatusJudgesTheEffectiveResult) {
  const Distro& distro = GetParam();
  TempDir dir;
  testing::compose_host(dir, distro.name, distro.hardware);
  TreeFileWriter writer{HostRoot(dir.path())};
  HostPlan plan = plan_host(dir, distro);
  ASSERT_TRUE(apply_plan(plan, writer, {}));
  auto status = setup_status(writer, plan_host(dir, distro));
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_TRUE(status->matches_plan()) << render_status(*status);
  EXPECT_NE(render_status(*status).find("the host matches the plan."), std::string::npos);

  // A hand edit of each managed file.
  for (const auto& edit : plan.files) {
    std::filesystem::path file = dir / edit.path.substr(1);
    std::string kept = edit.new_contents;
    std::ofstream(file, std::ios::app) << "# edited by hand\n";
    status = setup_status(writer, plan_host(dir, distro));
    ASSERT_TRUE(status) << status.error().message;
    std::string shown = render_status(*status);
    EXPECT_FALSE(status->matches_plan()) << edit.path << ":\n" << shown;
    EXPECT_NE(shown.find("CHANGED  " + edit.path), std::string::npos) << shown;
    EXPECT_EQ(shown.find("matches the plan"), std::string::npos) << edit.path << ":\n" << shown;
    std::ofstream(file, std::ios::trunc) << kept;
  }

  // A file read after setup's sets the command line again, without the parameters.
  std::string later;
  if (distro.bootloader == Bootloader::kGrub)
    later = "etc/default/grub.d/99-local.cfg\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n";
  if (distro.name == "cachyos-limine")
    later = "etc/limine-entry-tool.d/99-local.conf\nKERNEL_CMDLINE[default]=\"quiet rw\"\n";
  if (later.empty()) return;
  std::filesystem::path file = dir / later.substr(0, later.find('\n'));
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << later.substr(later.find('\n') + 1);
  status = setup_status(writer, plan_host(dir, distro));
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_FALSE(status->matches_plan()) << render_status(*status);
  EXPECT_GT(status->pending_files, 0u);
  EXPECT_EQ(render_status(*status).find("matches the plan"), std::string::npos);
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
      HostPlan plan = plan_host(dir, distro);
      if (apply_plan(plan, dying, {})) {
        ASSERT_GT(k, 10u);
        return;  // k changes finish the apply: every earlier kill point was tried
      }
      leave_killed_write_litter(dir, plan);
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
