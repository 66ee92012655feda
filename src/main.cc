// vfg: the subcommand table; everything else lives in the library.
#include "cli/check.h"
#include "cli/command.h"

namespace {

constexpr vfg::cli::Command kCommands[] = {
    {"check", vfg::cli::add_check_command},
};

}  // namespace

int main(int argc, char** argv) { return vfg::cli::run(kCommands, argc, argv); }
