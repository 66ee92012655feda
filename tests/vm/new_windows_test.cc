// The first Windows VM on real machines' PCI topologies (the fixture hosts):
// `vfg new` then `vfg args`, as a newcomer runs them, and what the definition
// and QEMU's command line must hold for the evening to go right: a way to type
// and point, the right card (never the host's own screen), and the timing and
// power defaults a Windows guest gets from libvirt and Proxmox.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"
#include "vm/config_loader.h"
#include "vm/launch_plan.h"

namespace vfg {
namespace {

class NewWindows : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> env() const {
    return {{"HOME", home_.path().string()},
            {"XDG_CONFIG_HOME", (home_ / "config").string()},
            {"XDG_DATA_HOME", (home_ / "data").string()},
            {"XDG_RUNTIME_DIR", (home_ / "run").string()},
            {"XDG_STATE_HOME", (home_ / ".local/state").string()}};
  }
  testing::VfgRun vfg(const std::string& fixture, std::vector<std::string> args) const {
    args.insert(args.begin(), {"--root", testing::source_path("tests/fixtures/hosts/" + fixture)});
    return testing::run_vfg(args, env());
  }
  testing::TempDir home_;
};

bool has_pair(const std::vector<std::string>& argv, const std::string& option,
              const std::string& value) {
  for (size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == option && argv[i + 1] == value) return true;
  return false;
}

/// A KVM host with Debian's OVMF and QEMU 7.2 that resolved the VM's card to
/// its GPU function.
LaunchPlan kvm_host_plan(const VmConfig& config, const std::string& gpu) {
  LaunchPlan plan;
  plan.kvm = true;
  plan.qemu.binary = "qemu-system-x86_64";
  plan.qemu.major = 7;
  plan.qemu.minor = 2;
  plan.qemu.q35_machine = "pc-q35-7.2";
  FirmwareFiles firmware;
  firmware.code = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd";
  firmware.vars_template = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd";
  firmware.requires_smm = true;
  plan.firmware = firmware;
  plan.paths = VmPaths::make({"/c/vfg", "/d/vfg", "/run/user/1000/vfg", "/s/vfg"}, config.name);
  plan.vars_copy = plan.paths.vars_file().string();
  plan.audio = AudioBackend::kNone;
  if (!gpu.empty()) plan.gpu_functions = {{gpu}};
  return plan;
}

std::string value_after(const std::vector<std::string>& argv, const std::string& option) {
  auto it = std::find(argv.begin(), argv.end(), option);
  return it != argv.end() && it + 1 != argv.end() ? *(it + 1) : "";
}

TEST_F(NewWindows, EveryFixtureHostGetsAnInputPathTheRightCardAndWindowsDefaults) {
  // The card `--gpu auto` must take; "" = none (the only passable card is the host's screen).
  const std::map<std::string, std::string> expected_gpu = {
      {"intel-igpu-nvidia", "0000:01:00.0"},   // on vfio-pci, next to the host's iGPU
      {"nvidia-turing", "0000:0a:00.0"},       // the only card, already on vfio-pci
      {"amd-apu-dgpu", "0000:03:00.0"},        // on vfio-pci; the APU drives the host
      {"intel-arc", "0000:05:00.0"},           // the iGPU is the boot display
      {"hybrid-laptop", "0000:01:00.0"},       // the iGPU drives the laptop's panel
      {"two-identical-gpus", "0000:0b:00.0"},  // 0a:00.0 is the boot display
      {"amd-navi", ""},                        // its only card, on amdgpu: the host's screen
      {"chipset-group", ""},                   // one card shared, the other the boot display
      {"vmd", ""},                             // the dGPU is the boot display
      {"server-bmc", ""},                      // a BMC's VGA only
  };
  for (const auto& [host, gpu] : expected_gpu) {
    SCOPED_TRACE(host);
    std::string name = "win-" + host;
    auto made = vfg(host, {"new", name, "--json"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    auto doc = nlohmann::json::parse(made.out);
    EXPECT_EQ(doc["gpu"], gpu) << doc.dump(2);
    auto config = load_vm_config(home_ / ("config/vfg/" + name + ".toml"));
    ASSERT_TRUE(config) << config.error().message;

    // An input path: with a GPU, the keyboard and mouse found, by stable name.
    if (!gpu.empty()) {
      ASSERT_EQ(config->inputs.size(), 2u) << home_.read("config/vfg/" + name + ".toml");
      EXPECT_TRUE(config->inputs[0].evdev.ends_with("-event-kbd")) << config->inputs[0].evdev;
      EXPECT_TRUE(config->inputs[0].grab_all);
      EXPECT_TRUE(config->inputs[1].evdev.ends_with("-event-mouse")) << config->inputs[1].evdev;
      EXPECT_EQ(config->inputs[0].evdev.rfind("/dev/input/by-id/", 0), 0u);
      EXPECT_NE(doc["notes"].dump().find("by evdev"), std::string::npos) << doc.dump(2);
    } else {
      EXPECT_EQ(config->display.type, DisplayConfig::Type::kStd);
    }
    auto checked = nlohmann::json::parse(vfg(host, {"check", name, "--json"}).out, nullptr, false);
    ASSERT_TRUE(checked.is_object());
    std::string input_path = "(missing)";
    for (const auto& finding : checked["findings"])
      if (finding["id"] == "vm.input_path") input_path = finding["status"].get<std::string>();
    EXPECT_EQ(input_path, "pass");

    // The Windows defaults, in the definition and on QEMU's command line.
    EXPECT_EQ(config->platform.rtc_driftfix, true);
    EXPECT_EQ(config->platform.hpet, false);
    EXPECT_EQ(config->platform.s3, false);
    EXPECT_EQ(config->platform.s4, false);
    EXPECT_EQ(config->platform.pit_lost_ticks, PlatformConfig::LostTicks::kDelay);
    EXPECT_FALSE(config->platform.dump_guest_core);
    // QEMU's command line for the definition on a KVM host with Debian's OVMF
    // (the fixture trees hold hardware, not firmware or a QEMU to probe).
    auto command = build_qemu_argv(*config, kvm_host_plan(*config, gpu));
    ASSERT_TRUE(command) << command.error().message;
    const std::vector<std::string>& argv = command->argv;
    EXPECT_TRUE(has_pair(argv, "-global", "kvm-pit.lost_tick_policy=delay"));
    EXPECT_EQ(value_after(argv, "-rtc"), "base=localtime,driftfix=slew");
    std::string machine = value_after(argv, "-machine");
    EXPECT_NE(machine.find(",hpet=off"), std::string::npos) << machine;
    EXPECT_NE(machine.find(",dump-guest-core=off"), std::string::npos) << machine;
    EXPECT_TRUE(has_pair(argv, "-global", "ICH9-LPC.disable_s3=1"));
    EXPECT_TRUE(has_pair(argv, "-global", "ICH9-LPC.disable_s4=1"));
    for (const auto& input : config->inputs) {
      bool passed = std::any_of(argv.begin(), argv.end(), [&](const std::string& arg) {
        return arg.find("input-linux") != std::string::npos &&
               arg.find(input.evdev) != std::string::npos;
      });
      EXPECT_TRUE(passed) << input.evdev;
    }
    if (!gpu.empty()) {
      // Bound by name: clang before 16 (clang-tidy parses with 14) cannot capture a
      // structured binding.
      bool card = std::any_of(argv.begin(), argv.end(), [&address = gpu](const std::string& arg) {
        return arg.find("vfio-pci") != std::string::npos && arg.find(address) != std::string::npos;
      });
      EXPECT_TRUE(card) << gpu;
    }
  }
}

TEST_F(NewWindows, InputChoicesFromTheCommandLine) {
  // USB ports carry the keyboard and mouse: no evdev added.
  auto usb = vfg("intel-igpu-nvidia", {"new", "usb", "--usb", "1-3.1", "--json"});
  ASSERT_EQ(usb.exit_code, 0) << usb.err;
  EXPECT_TRUE(load_vm_config(home_ / "config/vfg/usb.toml")->inputs.empty());
  EXPECT_NE(usb.out.find("input: the USB devices passed with --usb"), std::string::npos);
  // Looking Glass: its client carries them.
  auto lg = vfg("intel-igpu-nvidia", {"new", "lg", "--looking-glass", "--json"});
  ASSERT_EQ(lg.exit_code, 0) << lg.err;
  auto lg_config = load_vm_config(home_ / "config/vfg/lg.toml");
  ASSERT_TRUE(lg_config) << lg_config.error().message;
  EXPECT_TRUE(lg_config->looking_glass.enabled);
  EXPECT_TRUE(lg_config->inputs.empty());
  // An explicit device, and one the host does not have.
  std::string mouse = "/dev/input/by-id/usb-Logitech_USB_Receiver-if01-event-mouse";
  auto given = vfg("intel-igpu-nvidia", {"new", "given", "--input", mouse, "--json"});
  ASSERT_EQ(given.exit_code, 0) << given.err;
  auto given_config = load_vm_config(home_ / "config/vfg/given.toml");
  ASSERT_TRUE(given_config);
  ASSERT_EQ(given_config->inputs.size(), 1u);
  EXPECT_EQ(given_config->inputs[0].evdev, mouse);
  auto wrong = vfg("intel-igpu-nvidia", {"new", "wrong", "--input", "/dev/input/by-id/nope"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("usb-Logitech_USB_Receiver-event-kbd"), std::string::npos) << wrong.err;
  // None at all: written, but 'vfg check' fails it.
  auto none = vfg("intel-igpu-nvidia", {"new", "blind", "--input", "none", "--json"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("--input none: the guest gets no keyboard or mouse"), std::string::npos);
  auto check = vfg("intel-igpu-nvidia", {"check", "blind"});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_NE(check.out.find("the VM passes a GPU but gives the guest no keyboard or mouse"),
            std::string::npos)
      << check.out;
}

// A VM re-created under the same name finds the old disk: reusing it is a
// choice the user makes, and `vfg rm` clears it.
TEST_F(NewWindows, LeftoversAreReusedOnlyWhenAskedAndRmRemovesThem) {
  ASSERT_EQ(vfg("nvidia-turing", {"new", "win", "--disk", "80G"}).exit_code, 0);
  auto image = home_ / "data/vfg/win/system.qcow2";
  ASSERT_TRUE(std::filesystem::exists(image));
  auto running = testing::run_vfg({"rm", "nope"}, env());
  EXPECT_EQ(running.exit_code, 2);
  EXPECT_NE(running.err.find("no VM named 'nope'"), std::string::npos) << running.err;

  auto kept = testing::run_vfg({"rm", "win", "--keep-disk"}, env());
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_FALSE(std::filesystem::exists(home_ / "config/vfg/win.toml"));
  EXPECT_TRUE(std::filesystem::exists(image));
  EXPECT_NE(kept.out.find("'vfg new win --reuse-disk'"), std::string::npos) << kept.out;

  auto refused = vfg("nvidia-turing", {"new", "win", "--disk", "200G"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("still holds OVMF_VARS.fd, system.qcow2 of an earlier VM named "
                             "'win'"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("--reuse-disk"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(home_ / "config/vfg/win.toml"));

  auto reused = vfg("nvidia-turing", {"new", "win", "--disk", "200G", "--reuse-disk", "--json"});
  ASSERT_EQ(reused.exit_code, 0) << reused.err;
  EXPECT_NE(reused.out.find("kept the existing image"), std::string::npos) << reused.out;
  EXPECT_NE(reused.out.find("--disk 200G was not applied"), std::string::npos) << reused.out;

  // The last run's log (under $XDG_STATE_HOME) goes too.
  home_.write(".local/state/vfg/win/qemu.log", "vfg: the guest powered off\n");
  auto removed = testing::run_vfg({"rm", "win"}, env());
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_FALSE(std::filesystem::exists(home_ / ".local/state/vfg/win"));
  EXPECT_FALSE(std::filesystem::exists(home_ / "data/vfg/win"));
  EXPECT_FALSE(std::filesystem::exists(home_ / "config/vfg/win.toml"));
  EXPECT_EQ(vfg("nvidia-turing", {"new", "win"}).exit_code, 0);
}

}  // namespace
}  // namespace vfg
