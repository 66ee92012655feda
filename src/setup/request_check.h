// Setup's fence in front of root-owned files: every value of a request that is
// written into /etc (or passed to a command run as root) is checked against its
// grammar (util/host_values.h) before anything is planned. Definitions are
// already checked by the loader with file:line; this catches what reaches setup
// by other ways (--user, --group, a --root tree's driver names) and anything the
// loader let through.
#pragma once

#include "setup/request.h"
#include "util/result.h"

namespace vfg {

/// Fails on the first value that does not fit its place, naming where it came from.
Status check_setup_request(const SetupRequest& request);

}  // namespace vfg
