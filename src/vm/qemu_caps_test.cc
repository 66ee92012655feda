#include "vm/qemu_caps.h"

#include <map>

#include <fmt/format.h>

#include <gtest/gtest.h>

namespace vfg {
namespace {

TEST(QemuCaps, ParsesVersionsAndAliases) {
  auto caps = parse_qemu_version(
      "QEMU emulator version 8.1.3 (Debian 1:8.1.3+ds-1)\nCopyright (c) 2003-2023\n");
  ASSERT_TRUE(caps);
  EXPECT_EQ(caps->version, "8.1.3");
  EXPECT_TRUE(caps->run_with);
  EXPECT_TRUE(caps->at_least(8, 1));
  EXPECT_FALSE(caps->at_least(8, 2));
  EXPECT_FALSE(parse_qemu_version("garbage"));
  EXPECT_EQ(parse_q35_alias("pc   Standard PC (alias of pc-i440fx-9.0)\n"
                            "q35                  Standard PC (Q35 + ICH9, 2009) (alias of "
                            "pc-q35-9.0)\n"),
            "pc-q35-9.0");
  EXPECT_EQ(parse_q35_alias("pc-q35-7.2  Standard PC\n"), std::nullopt);
  EXPECT_EQ(parse_audio_drivers("Available audio drivers:\nnone\npa\npipewire\n"),
            (std::vector<std::string>{"none", "pa", "pipewire"}));
}

// What QEMU 7.2 (Debian 12) and 11.1 (Debian unstable, SPICE module removed)
// print, trimmed to the lines that matter.
TEST(QemuCaps, ReadsTheHelpOfOldAndNewQemu) {
  QemuCapabilities old_qemu;
  parse_qemu_help(
      "-name string1[,process=string2][,debug-threads=on|off]\n"
      "-spice [port=port][,tls-port=secured-port][,x509-dir=<dir>]\n",
      "List of user creatable objects:\n  authz-list\n  memory-backend-file\n",
      "name options:\n  debug-threads=<bool (on/off)> - When enabled, name the individual "
      "threads; defaults off.\nNOTE: The thread names are for debugging and not a\nstable "
      "API.\n  guest=<str>            - Sets the name of the guest.\n",
      "spice options:\n  addr=<str>\n  disable-ticketing=<bool (on/off)>\n", old_qemu);
  EXPECT_TRUE(old_qemu.spice);
  EXPECT_FALSE(old_qemu.monitor_object);
  EXPECT_TRUE(old_qemu.thread_names_on_request);
  EXPECT_FALSE(old_qemu.shim);
  EXPECT_FALSE(old_qemu.run_with);

  QemuCapabilities new_qemu;
  parse_qemu_help(
      "-name string1[,process=string2][,debug-threads=on|off]\n"
      "-shim shim.efi use 'shim.efi' to boot the kernel\n"
      "-spice [port=port][,tls-port=secured-port][,x509-dir=<dir>]\n"
      "-run-with [async-teardown=on|off][,chroot=dir]\n",
      "List of user creatable objects:\n  memory-backend-file\n  monitor-hmp\n  monitor-qmp\n"
      "  pr-manager-helper\n",
      "name options:\n  debug-threads=<bool (on/off)> - Enable thread names(deprecated, always "
      "enabled where supported)\n  guest=<str>            - Sets the name of the guest.\n",
      "qemu-system-x86_64: -spice help: There is no option group 'spice'\n"
      "qemu-system-x86_64: -spice help: Perhaps you want to install qemu-system-modules-spice "
      "package?\n",
      new_qemu);
  // -help lists -spice, but the module is not there.
  EXPECT_FALSE(new_qemu.spice);
  EXPECT_TRUE(new_qemu.monitor_object);
  EXPECT_FALSE(new_qemu.thread_names_on_request);
  EXPECT_TRUE(new_qemu.shim);
  EXPECT_TRUE(new_qemu.run_with);
}

/// What the tested stacks' QEMUs can do (docs/qemu-versions.md), by version.
struct KnownQemu {
  std::string q35_machine;
  bool pipewire;
  bool run_with;
  bool monitor_object;
  bool thread_names_on_request;
  bool shim;
};

// The QEMU on $PATH (Debian 12's 7.2, or 11.1 under scripts/with-current-stack.sh)
// is probed for real.
TEST(QemuCaps, ProbesTheInstalledQemu) {
  const std::map<std::string, KnownQemu> known = {
      {"7.2", {"pc-q35-7.2", false, false, false, true, false}},
      {"11.1", {"pc-q35-11.1", true, true, true, false, true}},
  };
  auto caps = probe_qemu();
  ASSERT_TRUE(caps) << caps.error().message;
  auto expected = known.find(fmt::format("{}.{}", caps->major, caps->minor));
  ASSERT_NE(expected, known.end())
      << "QEMU " << caps->version << " is not a tested version; add what it can do here";
  EXPECT_EQ(caps->q35_machine, expected->second.q35_machine);
  EXPECT_TRUE(caps->audiodev_pa);
  EXPECT_EQ(caps->audiodev_pipewire, expected->second.pipewire);
  EXPECT_EQ(caps->run_with, expected->second.run_with);
  EXPECT_EQ(caps->monitor_object, expected->second.monitor_object);
  EXPECT_EQ(caps->thread_names_on_request, expected->second.thread_names_on_request);
  EXPECT_EQ(caps->shim, expected->second.shim);
  // Both stacks install SPICE (Debian unstable as qemu-system-modules-spice).
  EXPECT_TRUE(caps->spice);
  EXPECT_TRUE(caps->qxl);
  EXPECT_TRUE(caps->usb_host);
  EXPECT_TRUE(caps->ivshmem);
  EXPECT_NE(caps->binary.find('/'), std::string::npos);
  // The second probe comes from the cache and says the same.
  auto again = probe_qemu();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->version, caps->version);
  EXPECT_FALSE(probe_qemu("qemu-system-does-not-exist"));
}

}  // namespace
}  // namespace vfg
