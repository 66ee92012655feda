// What the corpus does not show of a script's -boot settings and of a passed
// card's vfio-pci properties: each is carried, kept or has its line.
#include <algorithm>

#include <gtest/gtest.h>

#include "import/import_source.h"
#include "support/import_fixture.h"

namespace vfg {
namespace {

/// The fixture host with a Vega card at 03:00.0 and its HDMI audio at 03:00.1.
ImportHost apu_host() { return testing::fixture_import_host("amd-apu-dgpu"); }

TEST(ScriptBootSettings, MenuAndStrictAreKeptAndTheOrderBecomesBootIndex) {
  const char* script =
      "qemu-system-x86_64 -m 4G -drive file=/vm/a.img,format=raw,if=virtio \\\n"
      "  -cdrom /vm/install.iso -boot order=d,menu=on,splash-time=500,strict=off\n";
  auto imported = import_source(script, "run.sh", "t", apu_host(), {});
  ASSERT_TRUE(imported) << imported.error().message;
  const ImportResult& result = imported->result;
  std::vector<std::string> kept = {"-boot", "menu=on,splash-time=500"};
  EXPECT_NE(std::search(result.config.extra_args.begin(), result.config.extra_args.end(),
                        kept.begin(), kept.end()),
            result.config.extra_args.end())
      << ::testing::PrintToString(result.config.extra_args);
  std::string source = "-boot order=d,menu=on,splash-time=500,strict=off";
  EXPECT_EQ(testing::report_lines(result, source),
            (std::vector<std::string>{
                "changed: vfg boots by each disk's boot_index (the first of the order gets "
                "boot_index = 1)",
                "carried: strict=off: QEMU's default, as vfg runs it",
                "not carried: menu=on,splash-time=500: vfg has no key for the firmware's boot "
                "menu or a strict boot order; kept in extra_args"}));
  ASSERT_EQ(result.config.disks.size(), 2u);
  EXPECT_EQ(result.config.disks[1].media, DiskMedia::kCdrom);
  EXPECT_EQ(result.config.disks[1].boot_index, 1u);
}

TEST(ScriptGpuSettings, WhatAGpuTableCannotHoldIsReported) {
  const char* script =
      "qemu-system-x86_64 -m 4G \\\n"
      "  -device vfio-pci,host=03:00.0,multifunction=on,rombar=0,bootindex=2 \\\n"
      "  -device vfio-pci,host=03:00.1,romfile=/roms/audio.rom,rombar=1\n";
  auto imported = import_source(script, "run.sh", "t", apu_host(), {});
  ASSERT_TRUE(imported) << imported.error().message;
  const ImportResult& result = imported->result;
  ASSERT_EQ(result.config.gpus.size(), 1u);
  EXPECT_EQ(result.config.gpus[0].address, "0000:03:00.0");
  // The first function's hidden ROM BAR is the card's rom_bar, named in the card's own line.
  EXPECT_FALSE(result.config.gpus[0].rom_bar);
  EXPECT_EQ(testing::report_lines(result, "vfio-pci 0000:03:00.0, 0000:03:00.1")[0],
            "carried: [[gpu]] address = \"0000:03:00.0\", functions = \"all\", rom_bar = false");
  EXPECT_TRUE(testing::report_lines(result, "vfio-pci 0000:03:00.0 rombar=0").empty());
  EXPECT_EQ(testing::report_lines(result, "vfio-pci 0000:03:00.0 bootindex=2"),
            std::vector<std::string>{"not carried: vfg has no key for it on a [[gpu]]"});
  EXPECT_EQ(testing::report_lines(result, "vfio-pci 0000:03:00.1 romfile=/roms/audio.rom"),
            std::vector<std::string>{"not carried: [[gpu]] rom, rom_bar and x_vga are for the "
                                     "card's first function only"});
  EXPECT_EQ(testing::report_lines(result, "vfio-pci 0000:03:00.1 rombar=1"),
            std::vector<std::string>{"carried: the ROM BAR shown: QEMU's default, as vfg runs it"});
}

TEST(ScriptGpuSettings, AHiddenRomBarOnAnotherFunctionIsReportedAndTheCardKeepsItsOwn) {
  const char* script =
      "qemu-system-x86_64 -m 4G -device vfio-pci,host=03:00.0,multifunction=on \\\n"
      "  -device vfio-pci,host=03:00.1,rombar=0\n";
  auto imported = import_source(script, "run.sh", "t", apu_host(), {});
  ASSERT_TRUE(imported) << imported.error().message;
  const ImportResult& result = imported->result;
  ASSERT_EQ(result.config.gpus.size(), 1u);
  EXPECT_TRUE(result.config.gpus[0].rom_bar);
  EXPECT_EQ(testing::report_lines(result, "vfio-pci 0000:03:00.1 rombar=0"),
            std::vector<std::string>{"not carried: [[gpu]] rom, rom_bar and x_vga are for the "
                                     "card's first function only"});
}

}  // namespace
}  // namespace vfg
