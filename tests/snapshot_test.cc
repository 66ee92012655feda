// `vfg snapshot` and `--root FILE.tar.gz`: a snapshot of a machine reads back
// as the same machine, with serials scrubbed unless asked to keep them.
#include "host/snapshot.h"

#include <gtest/gtest.h>

#include "support/run_vfg.h"
#include "support/temp_dir.h"

namespace vfg {
namespace {

using testing::run_vfg;
using testing::source_path;

TEST(SnapshotTest, RoundTripsAFixtureMachine) {
  testing::TempDir dir;
  std::string fixture = source_path("tests/fixtures/hosts/intel-arc");
  std::string archive = (dir / "snap.tar.gz").string();
  auto snap = run_vfg({"--root", fixture, "snapshot", archive, "--keep-serials"});
  ASSERT_EQ(snap.exit_code, 0) << snap.err;
  EXPECT_NE(snap.out.find("wrote " + archive), std::string::npos);
  auto original = run_vfg({"--root", fixture, "devices", "--json"});
  auto restored = run_vfg({"--root", archive, "devices", "--json"});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(original.out, restored.out);
}

TEST(SnapshotTest, ScrubsSerialsByDefault) {
  testing::TempDir dir;
  std::string fixture = source_path("tests/fixtures/hosts/intel-igpu-nvidia");
  std::string archive = (dir / "snap.tar.gz").string();
  ASSERT_EQ(run_vfg({"--root", fixture, "snapshot", archive}).exit_code, 0);
  auto restored = run_vfg({"--root", archive, "devices"});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  for (std::string_view serial : {"S4EWNX0R123456A", "S3Z9NB0K123456X", "WD-WX12D345678",
                                  "0F022015AF1C1D7C5C9A4BE2F5001C07", "0025388b91d2a1b4"})
    EXPECT_EQ(restored.out.find(serial), std::string::npos) << serial;
  // Everything else survives: the card, its verdict, the disk's model.
  EXPECT_NE(restored.out.find("GP104 [GeForce GTX 1080]"), std::string::npos);
  EXPECT_NE(restored.out.find("verdict: passable"), std::string::npos);
  EXPECT_NE(restored.out.find("/dev/disk/by-id/nvme-Samsung_SSD_970_EVO_Plus_1TB_SERIAL"),
            std::string::npos);
  EXPECT_NE(restored.out.find("/dev/disk/by-id/nvme-eui.SERIAL"), std::string::npos);
}

TEST(SnapshotTest, KeepsKernelSymlinksRelative) {
  HostRoot root(source_path("tests/fixtures/hosts/amd-navi"));
  auto entries = collect_snapshot(root, {});
  bool found = false;
  for (const auto& entry : entries) {
    if (entry.path != "/sys/bus/pci/devices/0000:0d:00.0") continue;
    found = true;
    EXPECT_EQ(entry.kind, SnapshotEntry::Kind::kSymlink);
    EXPECT_EQ(entry.data,
              "../../../devices/pci0000:00/0000:00:03.1/0000:0a:00.0/0000:0b:01.0/0000:0d:00.0");
  }
  EXPECT_TRUE(found);
}

TEST(SnapshotTest, ScrubText) {
  EXPECT_EQ(scrub_text("nvme-Model_ABC123-part1 ABC123", {"ABC123"}),
            "nvme-Model_SERIAL1-part1 SERIAL1");
  EXPECT_EQ(scrub_text("link/ether 3c:7c:3f:aa:bb:cc brd", {}), "link/ether 02:00:00:00:00:00 brd");
  EXPECT_EQ(scrub_text("0000:00:14.0", {}), "0000:00:14.0");
}

TEST(SnapshotTest, RootThatIsNeitherTreeNorSnapshotFails) {
  testing::TempDir dir;
  auto junk = dir.write("junk.tar.gz", "not a tarball");
  auto run = run_vfg({"--root", junk.string(), "devices"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("vfg: error: --root '" + junk.string() + "' is not a snapshot"),
            std::string::npos)
      << run.err;
  auto missing = run_vfg({"--root", (dir / "nope").string(), "devices"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace vfg
