// Turning a QEMU command line into a VmConfig: each option either fills a key
// of the definition, is replaced by what vfg does itself (with the reason),
// or is kept verbatim in extra_args (with the reason). Nothing is dropped
// without a line in the report.
#pragma once

#include <string>

#include "import/import_report.h"
#include "import/shell_script.h"

namespace vfg {

/// Imports one QEMU invocation as VM `name`. `environment` is what the script
/// was read with ($HOME, $XDG_RUNTIME_DIR): a sound server at the user's
/// default socket is left to vfg to find.
ImportResult import_qemu_command(const QemuInvocation& invocation, const std::string& name,
                                 const ImportHost& host, const ShellEnvironment& environment);

/// Carries a PulseAudio server (`source` is how the input spelled it) into
/// audio.server, unless it is a user's default socket
/// ($XDG_RUNTIME_DIR/pulse/native, /run/user/UID/pulse/native, /tmp/pulse/native):
/// vfg finds the starting user's own one, so the definition leaves audio.server
/// empty rather than naming one user's uid.
void import_audio_server(ImportResult& result, const std::string& server, const std::string& source,
                         const ShellEnvironment& environment);

}  // namespace vfg
