// A mistyped subcommand names the command it is closest to.
#include <gtest/gtest.h>

#include "support/run_vfg.h"

namespace vfg {
namespace {

TEST(CommandTypo, AMistypedCommandGetsDidYouMean) {
  auto run = testing::run_vfg({"strat", "win11"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "vfg: error: 'strat' is not a vfg command\n  did you mean 'vfg start'? ('vfg --help' "
            "lists the commands)\n");
  auto far = testing::run_vfg({"--root", "/", "xyzzy"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.err,
            "vfg: error: 'xyzzy' is not a vfg command\n  'vfg --help' lists the commands\n");
  // A known command with a bad option keeps its own message.
  auto option = testing::run_vfg({"status", "--bogus"});
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_EQ(option.err.find("is not a vfg command"), std::string::npos) << option.err;
}

}  // namespace
}  // namespace vfg
