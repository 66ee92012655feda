#include "support/qmp_wait.h"

#include "util/file_io.h"

namespace vfg::testing {

Result<QmpClient> connect_when_listening(Child& qemu, const std::filesystem::path& socket,
                                         const std::filesystem::path& qemu_log,
                                         std::chrono::steady_clock::time_point deadline) {
  Result<QmpClient> qmp = fail("QEMU made no QMP socket at '{}' in time", socket.string());
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto exited = qemu.wait_for(std::chrono::milliseconds(100)); !exited || *exited)
      return fail("QEMU exited: {}", read_file(qemu_log).value_or(""));
    if (!std::filesystem::exists(socket)) continue;
    qmp = QmpClient::connect(socket);
    if (qmp) break;
  }
  return qmp;
}

}  // namespace vfg::testing
