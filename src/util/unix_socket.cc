#include "util/unix_socket.h"

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace vfg {

namespace {

Result<sockaddr_un> address_of(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.native().size() >= sizeof address.sun_path)
    return fail("socket path '{}' is too long", path.string());
  std::memcpy(address.sun_path, path.c_str(), path.native().size() + 1);
  return address;
}

}  // namespace

Result<UniqueFd> listen_unix(const std::filesystem::path& path) {
  auto address = address_of(path);
  if (!address) return tl::unexpected(address.error());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail("socket: {}", std::strerror(errno));
  ::unlink(path.c_str());  // a stale socket of a crashed run
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&*address), sizeof *address) != 0 ||
      ::listen(fd.get(), 8) != 0)
    return fail("cannot listen on '{}': {}", path.string(), std::strerror(errno));
  return fd;
}

Result<UniqueFd> connect_unix(const std::filesystem::path& path) {
  auto address = address_of(path);
  if (!address) return tl::unexpected(address.error());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail("socket: {}", std::strerror(errno));
  int rc;
  while ((rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&*address), sizeof *address)) < 0 &&
         errno == EINTR) {
  }
  if (rc < 0) return fail("cannot connect to '{}': {}", path.string(), std::strerror(errno));
  return fd;
}

}  // namespace vfg
