#include "host/hugepage_pool.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include "host/system_state.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace vfg {

namespace {

std::string pool_dir(uint64_t page_size) {
  return "/sys/kernel/mm/hugepages/hugepages-" + std::to_string(page_size / 1024) + "kB";
}

}  // namespace

std::optional<HugepageCounts> read_hugepage_pool(const HostRoot& root, uint64_t page_size) {
  std::string dir = pool_dir(page_size);
  auto total = parse_uint(root.read_attr(dir + "/nr_hugepages").value_or(""));
  if (!total) return std::nullopt;
  auto count = [&](std::string_view name) {
    return parse_uint(root.read_attr(dir + "/" + std::string(name)).value_or("")).value_or(0);
  };
  HugepageCounts counts;
  counts.page_size = page_size;
  counts.total = *total;
  counts.free = count("free_hugepages");
  counts.reserved = count("resv_hugepages");
  counts.surplus = count("surplus_hugepages");
  return counts;
}

Status write_hugepage_total(const HostRoot& root, uint64_t page_size, uint64_t total) {
  std::string file = hugepage_pool_file(page_size);
  // A sysfs attribute is written in place (no temporary file and rename).
  UniqueFd fd = root.open(file, O_WRONLY);
  if (!fd) return fail("cannot open {}: {}", file, std::strerror(errno));
  std::string text = std::to_string(total) + "\n";
  ssize_t written = ::write(fd.get(), text.data(), text.size());
  if (written != static_cast<ssize_t>(text.size()))
    return fail("cannot write {} to {}: {}", total, file, std::strerror(errno));
  return ok();
}

}  // namespace vfg
