// vfg: the subcommand table; everything else lives in the library.
#include <array>

#include "cli/command.h"

namespace {

constexpr std::array<vfg::cli::Command, 0> kCommands{};

}  // namespace

int main(int argc, char** argv) { return vfg::cli::run(kCommands, argc, argv); }
