#include "host/snapshot.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <regex>
#include <set>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "host/sysfs_dir.h"
#include "util/file_io.h"
#include "util/process.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace vfg {

namespace fs = std::filesystem;

namespace {

// Gathers entries, each path once.
class Collector {
 public:
  explicit Collector(const HostRoot& root) : root_(root) {}

  void file(const std::string& path) {
    if (seen_.contains(path)) return;
    auto st = root_.file_status(path);
    if (!st || !S_ISREG(st->st_mode)) return;
    auto contents = root_.read_file(path);
    if (!contents) return;  // EACCES, EIO: leave it out, as discovery would ignore it
    seen_.insert(path);
    entries_.push_back({path, SnapshotEntry::Kind::kFile, std::move(*contents)});
  }
  void files(const std::string& dir, std::initializer_list<std::string_view> names) {
    for (auto name : names) file(join_host_path(dir, name));
  }
  /// Records the link and returns the host path it resolves to (lexically).
  std::optional<std::string> link(const std::string& path) {
    auto target = root_.read_link(path);
    if (!target) return std::nullopt;
    if (seen_.insert(path).second)
      entries_.push_back({path, SnapshotEntry::Kind::kSymlink, *target});
    return resolve_link_target(path.substr(0, path.rfind('/')), *target);
  }
  void links_in(const std::string& dir) {
    for (const auto& entry : root_.list_dir(dir)) link(join_host_path(dir, entry));
  }
  std::vector<SnapshotEntry> take() { return std::move(entries_); }
  const HostRoot& root() const { return root_; }

 private:
  const HostRoot& root_;
  std::set<std::string> seen_;
  std::vector<SnapshotEntry> entries_;
};

void collect_pci(Collector& c) {
  const HostRoot& root = c.root();
  for (const auto& entry : root.list_dir("/sys/bus/pci/devices")) {
    auto dir = c.link("/sys/bus/pci/devices/" + entry);
    if (!dir) continue;
    c.files(*dir, {"vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision",
                   "config", "boot_vga", "reset_method", "uevent", "enable", "numa_node", "irq",
                   "resource", "driver_override", "local_cpulist"});
    for (auto name : {"driver", "iommu_group", "subsystem"}) c.link(join_host_path(*dir, name));
  }
  for (const auto& group : root.list_dir("/sys/kernel/iommu_groups")) {
    std::string dir = "/sys/kernel/iommu_groups/" + group;
    c.file(dir + "/type");
    c.links_in(dir + "/devices");
  }
  c.links_in("/sys/class/iommu");
}

void collect_usb(Collector& c, std::vector<std::string>& secrets) {
  for (const auto& entry : c.root().list_dir("/sys/bus/usb/devices")) {
    auto dir = c.link("/sys/bus/usb/devices/" + entry);
    if (!dir) continue;
    c.files(*dir,
            {"busnum", "devnum", "devpath", "idVendor", "idProduct", "bcdDevice", "manufacturer",
             "product", "serial", "speed", "version", "bDeviceClass", "bNumInterfaces", "removable",
             "uevent", "bInterfaceClass", "bInterfaceNumber", "bInterfaceProtocol"});
    for (auto name : {"driver", "subsystem"}) c.link(join_host_path(*dir, name));
    // A root hub's "serial" is its controller's PCI address, not a secret.
    if (entry.rfind("usb", 0) != 0)
      if (auto serial = c.root().read_attr(*dir + "/serial"))
        secrets.push_back(std::string(trim(*serial)));
  }
}

void collect_input(Collector& c) {
  for (const auto& entry : c.root().list_dir("/sys/class/input")) {
    auto dir = c.link("/sys/class/input/" + entry);
    if (!dir) continue;
    c.files(*dir, {"dev", "uevent", "name", "phys", "uniq", "id/bustype", "id/vendor", "id/product",
                   "id/version", "capabilities/ev", "capabilities/key", "capabilities/rel",
                   "capabilities/abs"});
    if (entry.rfind("event", 0) == 0) {
      std::string input = dir->substr(0, dir->rfind('/'));
      c.files(input,
              {"name", "phys", "id/bustype", "id/vendor", "id/product", "id/version",
               "capabilities/ev", "capabilities/key", "capabilities/rel", "capabilities/abs"});
    }
  }
  c.links_in("/dev/input/by-id");
  c.links_in("/dev/input/by-path");
}

void collect_block(Collector& c, std::vector<std::string>& secrets) {
  const HostRoot& root = c.root();
  for (const auto& entry : root.list_dir("/sys/class/block")) {
    auto dir = c.link("/sys/class/block/" + entry);
    if (!dir) continue;
    c.files(*dir, {"dev", "partition", "start", "size", "removable", "ro", "queue/rotational",
                   "wwid", "dm/name", "dm/uuid", "md/level", "uevent"});
    c.links_in(*dir + "/holders");
    c.links_in(*dir + "/slaves");
    if (auto device = c.link(*dir + "/device")) {
      c.files(*device, {"model", "serial", "vendor", "rev", "firmware_rev", "wwid"});
      if (auto serial = root.read_attr(*device + "/serial"))
        secrets.push_back(std::string(trim(*serial)));
    }
    if (auto wwid = root.read_attr(*dir + "/wwid")) {
      std::string id(trim(*wwid));
      auto dot = id.find('.');
      secrets.push_back(dot == std::string::npos ? id : id.substr(dot + 1));
    }
    if (auto dev = root.read_attr(*dir + "/dev")) {
      std::string udev = "/run/udev/data/b" + std::string(trim(*dev));
      c.file(udev);
      if (auto data = root.read_attr(udev)) {
        for (const auto& line : split(*data, '\n')) {
          for (std::string_view key : {"E:ID_SERIAL_SHORT=", "E:ID_WWN=",
                                       "E:ID_WWN_WITH_EXTENSION=", "E:ID_SCSI_SERIAL="}) {
            if (line.rfind(key, 0) != 0) continue;
            // "eui.0025388b...", "0x5002538e...": keep the prefix so names stay readable.
            std::string value = line.substr(key.size());
            for (std::string_view prefix : {"eui.", "naa.", "0x"})
              if (value.rfind(prefix, 0) == 0) value.erase(0, prefix.size());
            secrets.push_back(value);
          }
        }
      }
    }
  }
  for (auto kind : {"by-id", "by-partuuid", "by-uuid", "by-label", "by-path"})
    c.links_in(std::string("/dev/disk/") + kind);
  c.links_in("/dev/mapper");
}

void collect_cpu(Collector& c) {
  const HostRoot& root = c.root();
  const std::string cpu_dir = "/sys/devices/system/cpu";
  c.files(cpu_dir, {"online", "possible", "present", "isolated"});
  for (const auto& entry : root.list_dir(cpu_dir)) {
    if (entry.rfind("cpu", 0) != 0 || entry.size() == 3 ||
        entry.find_first_not_of("0123456789", 3) != std::string::npos)
      continue;
    std::string dir = cpu_dir + "/" + entry;
    c.files(dir, {"online", "topology/physical_package_id", "topology/die_id", "topology/core_id",
                  "topology/cluster_id", "topology/thread_siblings_list", "topology/core_cpus_list",
                  "topology/package_cpus_list"});
    for (const auto& index : root.list_dir(dir + "/cache"))
      if (index.rfind("index", 0) == 0)
        c.files(dir + "/cache/" + index, {"level", "type", "size", "shared_cpu_list"});
  }
  for (const auto& node : root.list_dir("/sys/devices/system/node"))
    if (node.rfind("node", 0) == 0) c.file("/sys/devices/system/node/" + node + "/cpulist");
  c.file("/sys/devices/system/node/online");
  for (auto pmu : {"cpu_core", "cpu_atom"})
    c.files(std::string("/sys/devices/") + pmu, {"cpus", "type"});
}

void collect_system(Collector& c) {
  c.files("/proc", {"cmdline", "cpuinfo", "meminfo", "modules", "swaps", "self/mountinfo",
                    "self/limits", "sys/kernel/osrelease", "version"});
  for (auto module : {"kvm", "kvm_intel", "kvm_amd", "vfio", "vfio_pci", "vfio_iommu_type1"}) {
    std::string dir = std::string("/sys/module/") + module + "/parameters";
    for (const auto& parameter : c.root().list_dir(dir)) c.file(dir + "/" + parameter);
  }
  c.files("/etc", {"os-release"});
}

// What the readiness checks read beyond discovery: interrupt remapping, the
// VT-d capability registers, hugepage pools and boot framebuffers. The user
// database and this process's identity stay out: they are not the machine's.
void collect_readiness(Collector& c) {
  const HostRoot& root = c.root();
  c.files("/proc", {"interrupts", "iomem"});
  for (const auto& unit : root.list_dir("/sys/class/iommu"))
    if (auto dir = c.link("/sys/class/iommu/" + unit)) c.file(*dir + "/intel-iommu/ecap");
  for (const auto& pool : root.list_dir("/sys/kernel/mm/hugepages"))
    c.files("/sys/kernel/mm/hugepages/" + pool, {"nr_hugepages", "free_hugepages"});
  for (auto driver : {"efi-framebuffer", "simple-framebuffer", "vesa-framebuffer"})
    c.links_in(std::string("/sys/bus/platform/drivers/") + driver);
  // Loaded modules without parameters show only as /sys/module entries.
  for (const auto& module : root.list_dir("/sys/module"))
    c.file("/sys/module/" + module + "/initstate");
}

const std::regex& mac_pattern() {
  static const std::regex kPattern("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}");
  return kPattern;
}

}  // namespace

std::string scrub_text(std::string text, const std::vector<std::string>& secrets) {
  for (size_t i = 0; i < secrets.size(); ++i) {
    const std::string& secret = secrets[i];
    if (secret.empty()) continue;
    std::string placeholder = fmt::format("SERIAL{}", i + 1);
    for (size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + placeholder.size()))
      text.replace(pos, secret.size(), placeholder);
  }
  if (text.find(':') != std::string::npos)
    text = std::regex_replace(text, mac_pattern(), "02:00:00:00:00:00");
  return text;
}

std::vector<SnapshotEntry> collect_snapshot(const HostRoot& root, const SnapshotOptions& options) {
  Collector collector(root);
  std::vector<std::string> secrets;
  collect_pci(collector);
  collect_usb(collector, secrets);
  collect_input(collector);
  collect_block(collector, secrets);
  collect_cpu(collector);
  collect_system(collector);
  collect_readiness(collector);
  std::vector<SnapshotEntry> entries = collector.take();
  if (!options.keep_serials) {
    // Short strings ("0", "1") would scrub unrelated text: keep real serials only.
    std::erase_if(secrets, [](const std::string& s) { return s.size() < 4; });
    std::sort(secrets.begin(), secrets.end());
    secrets.erase(std::unique(secrets.begin(), secrets.end()), secrets.end());
    // Longest first, so a serial that contains another is replaced whole.
    std::stable_sort(
        secrets.begin(), secrets.end(),
        [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (auto& entry : entries) {
      entry.path = scrub_text(entry.path, secrets);
      if (entry.kind == SnapshotEntry::Kind::kSymlink ||
          entry.data.find('\0') == std::string::npos)  // leave binary config space alone
        entry.data = scrub_text(entry.data, secrets);
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const SnapshotEntry& a, const SnapshotEntry& b) { return a.path < b.path; });
  return entries;
}

Status write_snapshot_tree(std::vector<SnapshotEntry> entries, const fs::path& dir) {
  // Links last: a file is never written through a link the tree put on its path.
  std::stable_partition(entries.begin(), entries.end(), [](const SnapshotEntry& entry) {
    return entry.kind != SnapshotEntry::Kind::kSymlink;
  });
  for (const auto& entry : entries) {
    fs::path target = dir / fs::path(entry.path).relative_path();
    if (auto made = make_directories(target.parent_path()); !made) return made;
    if (entry.kind == SnapshotEntry::Kind::kSymlink) {
      std::error_code error;
      fs::remove(target, error);
      fs::create_symlink(entry.data, target, error);
      if (error) return fail("cannot create link '{}': {}", target.string(), error.message());
    } else {
      // A scratch tree for tar: no need for write_file_atomic's fsyncs.
      UniqueFd fd(::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (!fd) return fail("cannot write '{}': {}", target.string(), std::strerror(errno));
      size_t done = 0;
      while (done < entry.data.size()) {
        ssize_t n = ::write(fd.get(), entry.data.data() + done, entry.data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail("cannot write '{}': {}", target.string(), std::strerror(errno));
        done += static_cast<size_t>(n);
      }
    }
  }
  return ok();
}

Result<size_t> write_snapshot(const HostRoot& root, const fs::path& file,
                              const SnapshotOptions& options) {
  std::vector<SnapshotEntry> entries = collect_snapshot(root, options);
  std::error_code error;
  // mkdtemp: a name nobody else can have made first in a shared /tmp.
  std::string pattern = (fs::temp_directory_path(error) / "vfg-snapshot-XXXXXX").string();
  if (error) return fail("no temporary directory: {}", error.message());
  if (::mkdtemp(pattern.data()) == nullptr)
    return fail("cannot create a staging directory: {}", std::strerror(errno));
  fs::path staging = pattern;
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{staging};
  if (auto written = write_snapshot_tree(entries, staging); !written)
    return tl::unexpected(written.error());
  // tar reads what we wrote, not sysfs (whose files all claim 4096 bytes).
  fs::path output = fs::absolute(file, error);
  auto packed = run_command({"tar", "--numeric-owner", "--owner=0", "--group=0", "-czf",
                             output.string(), "-C", staging.string(), "."},
                            std::chrono::minutes(2));
  if (!packed) return fail(packed.error(), "running tar");
  if (!packed->status.success())
    return fail("tar {}: {}", packed->status.describe(), std::string(trim(packed->err)));
  return entries.size();
}

}  // namespace vfg
