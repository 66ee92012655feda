#include "host/card_handover.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace vfg {
namespace {

constexpr std::string_view kCard = "0000:02:00.0";

/// A tree with one card (a display and an audio function on their host
/// drivers) and an allowlist naming it.
struct CardTree {
  testing::TempDir tree;
  CardTree() {
    for (std::string_view fn : {"0000:02:00.0", "0000:02:00.1", "0000:01:00.0"}) {
      std::string dir = "sys/bus/pci/devices/" + std::string(fn);
      tree.write(dir + "/driver_override", "(null)\n");
      tree.write(dir + "/vendor", "0x1234\n");
    }
    tree.mkdir("sys/bus/pci/drivers/bochs-drm");
    tree.symlink("sys/bus/pci/devices/0000:02:00.0/driver", "../../drivers/bochs-drm");
    tree.write("etc/vfg/handover.allow", render_allowlist({{"0000:02:00.0", "0000:02:00.1"}}));
    tree.mkdir("run");
  }
  [[nodiscard]] HostRoot root() const { return HostRoot(tree.path()); }
};

HandoverOptions quiet() {
  HandoverOptions options;
  options.log = [](const std::string&) {};
  return options;
}

TEST(CardHandover, AllowlistRoundTripsAndNamesTheBadLine) {
  std::string text = render_allowlist({{"0000:03:00.0", "0000:04:00.1"}, {"0000:0a:00.0"}});
  auto cards = parse_allowlist(text, "/etc/vfg/handover.allow");
  ASSERT_TRUE(cards) << cards.error().message;
  ASSERT_EQ(cards->size(), 2U);
  EXPECT_EQ((*cards)[0].card.to_string(), "0000:03:00.0");
  ASSERT_EQ((*cards)[0].functions.size(), 2U);
  EXPECT_EQ((*cards)[0].functions[1].to_string(), "0000:04:00.1");
  EXPECT_EQ((*cards)[1].functions.size(), 1U);

  for (std::string_view bad : {"03:00.0", "0000:03:00.0/../x", "0000:03:00.9", "../../etc"}) {
    auto refused = parse_allowlist("# cards\n" + std::string(bad) + "\n", "allow");
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("allow:2:"), std::string::npos)
        << refused.error().message;
  }
}

TEST(CardHandover, RefusesAnAddressNotOnTheList) {
  CardTree card;
  auto refused = serve_handover(card.root(), HandoverOp::kRelease, "0000:01:00.0", quiet());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("is not on the handover allowlist"), std::string::npos);
  // Nothing was touched, not even the state directory.
  EXPECT_FALSE(std::filesystem::exists(card.tree / "run/vfg-handover"));
}

TEST(CardHandover, RefusesWhatIsNotACanonicalAddress) {
  CardTree card;
  for (std::string_view bad : {"../../../etc", "2:00.0", "0000:02:00.0 ", "0000:02:00.0/x", ""}) {
    auto refused = serve_handover(card.root(), HandoverOp::kRelease, bad, quiet());
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().message.find("is not a PCI address"), std::string::npos) << bad;
  }
}

TEST(CardHandover, RefusesAnAllowlistOthersCanWrite) {
  CardTree card;
  ASSERT_EQ(::chmod((card.tree / "etc/vfg/handover.allow").c_str(), 0666), 0);
  auto refused = serve_handover(card.root(), HandoverOp::kRelease, std::string(kCard), quiet());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("writable by no one else"), std::string::npos);
}

TEST(CardHandover, RefusesASecondRequestForTheSameCard) {
  CardTree card;
  std::filesystem::create_directories(card.tree / "run/vfg-handover");
  int lock = ::open((card.tree / "run/vfg-handover/0000:02:00.0.lock").c_str(),
                    O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(lock, 0);
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);
  auto refused = serve_handover(card.root(), HandoverOp::kRelease, std::string(kCard), quiet());
  ::close(lock);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("another handover of 0000:02:00.0 is in progress"),
            std::string::npos);
}

TEST(CardHandover, ReleaseNamesEveryHolderAndChangesNothing) {
  CardTree card;
  card.tree.mkdir("sys/bus/pci/devices/0000:02:00.0/drm/card0");
  card.tree.write("proc/4321/comm", "Xorg\n");
  card.tree.write("proc/4321/maps", "");
  card.tree.symlink("proc/4321/fd/7", "/dev/dri/card0");
  card.tree.write("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  auto result = serve_handover(card.root(), HandoverOp::kRelease, std::string(kCard), quiet());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_FALSE(result->ok);
  ASSERT_EQ(result->holders.size(), 1U);
  EXPECT_EQ(describe(result->holders[0]), "pid 4321 Xorg (user root) has /dev/dri/card0 open");
  EXPECT_EQ(card.tree.read("sys/bus/pci/devices/0000:02:00.0/driver_override"), "(null)\n");
  // The result file says the same to the user who asked.
  auto text = card.root().read_attr(handover_result_path(*PciAddress::parse(kCard)));
  ASSERT_TRUE(text);
  auto parsed = parse_result_json(*text);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->ok);
  EXPECT_EQ(parsed->holders.size(), 1U);
  EXPECT_EQ(parsed->functions.size(), 2U);
  EXPECT_EQ(parsed->functions[0].driver, "bochs-drm");
}

TEST(CardHandover, UnitNamesAreWhatThePolkitRuleMatches) {
  auto card = PciAddress::parse("0000:0a:00.0");
  ASSERT_TRUE(card);
  EXPECT_EQ(handover_unit(HandoverOp::kRelease, *card),
            "vfg-handover-release@0000:0a:00.0.service");
  EXPECT_EQ(handover_unit_template(HandoverOp::kReturn), "vfg-handover-return@.service");
  EXPECT_EQ(parse_handover_op("return"), HandoverOp::kReturn);
  EXPECT_FALSE(parse_handover_op("unbind"));
}

TEST(CardHandover, ResultFilesThatAreNotOursAreIgnored) {
  EXPECT_FALSE(parse_result_json("{"));
  EXPECT_FALSE(parse_result_json(R"({"card": "x", "op": "steal", "ok": true})"));
  HandoverResult result{"0000:02:00.0", HandoverOp::kReturn, true, "returned", {}, {}};
  auto back = parse_result_json(result_json(result));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->op, HandoverOp::kReturn);
  EXPECT_EQ(back->message, "returned");
}

}  // namespace
}  // namespace vfg
