// vfg: the subcommand table; everything else lives in the library.
#include "cli/args.h"
#include "cli/check.h"
#include "cli/command.h"
#include "cli/completion.h"
#include "cli/connect.h"
#include "cli/devices.h"
#include "cli/edit.h"
#include "cli/handover_service.h"
#include "cli/import.h"
#include "cli/list.h"
#include "cli/man_page.h"
#include "cli/new.h"
#include "cli/rm.h"
#include "cli/setup.h"
#include "cli/single_gpu_service.h"
#include "cli/snapshot.h"
#include "cli/start.h"
#include "cli/status.h"
#include "cli/stop.h"

namespace {

constexpr vfg::cli::Command kCommands[] = {
    {"check", vfg::cli::add_check_command},
    {"start", vfg::cli::add_start_command},
    {"stop", vfg::cli::add_stop_command},
    {"status", vfg::cli::add_status_command},
    {"list", vfg::cli::add_list_command},
    {"connect", vfg::cli::add_connect_command},
    {"args", vfg::cli::add_args_command},
    {"new", vfg::cli::add_new_command},
    {"edit", vfg::cli::add_edit_command},
    {"import", vfg::cli::add_import_command},
    {"devices", vfg::cli::add_devices_command},
    {"snapshot", vfg::cli::add_snapshot_command},
    {"setup", vfg::cli::add_setup_command},
    {"rm", vfg::cli::add_rm_command},
    {"completion", vfg::cli::add_completion_command},
    {"man", vfg::cli::add_man_command},
    {"handover-service", vfg::cli::add_handover_service_command},
    {"single-gpu-service", vfg::cli::add_single_gpu_service_command},
};

}  // namespace

int main(int argc, char** argv) { return vfg::cli::run(kCommands, argc, argv); }
