#include "host/block.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "host/sysfs_dir.h"
#include "util/strings.h"

namespace vfg {

namespace {

constexpr std::string_view kClassBlock = "/sys/class/block";

// What /sys/class/block says about one block device.
struct Node {
  std::string name;
  std::string path;  // resolved sysfs path
  std::string dev;   // "259:2"
  bool partition = false;
  std::vector<std::string> holders;
  std::string dm_name;   // device-mapper name ("vgubuntu-root")
  std::string md_level;  // "raid1"
  uint64_t size_bytes = 0;
};

// Unescapes mountinfo's octal escapes ("\040" is a space).
std::string unescape_mount(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      auto digits = text.substr(i + 1, 3);
      if (digits.find_first_not_of("01234567") == std::string_view::npos) {
        out +=
            static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

struct Mount {
  std::string dev;     // "259:2"
  std::string point;   // "/home"
  std::string source;  // "/dev/nvme0n1p2"
};

std::vector<Mount> read_mounts(const HostRoot& root) {
  std::vector<Mount> mounts;
  auto text = root.read_attr("/proc/self/mountinfo");
  if (!text) return mounts;
  for (const auto& line : split(*text, '\n')) {
    auto fields = split_whitespace(line);
    auto dash = std::find(fields.begin(), fields.end(), "-");
    // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw"
    if (fields.size() < 5 || dash == fields.end() || std::distance(dash, fields.end()) < 3)
      continue;
    mounts.push_back({fields[2], unescape_mount(fields[4]), *(dash + 2)});
  }
  return mounts;
}

std::map<std::string, std::string> read_udev_properties(const HostRoot& root,
                                                        const std::string& dev) {
  std::map<std::string, std::string> properties;
  auto text = root.read_attr("/run/udev/data/b" + dev);
  if (!text) return properties;
  for (const auto& line : split(*text, '\n')) {
    if (line.rfind("E:", 0) != 0) continue;
    auto equals = line.find('=');
    if (equals != std::string::npos)
      properties[line.substr(2, equals - 2)] = line.substr(equals + 1);
  }
  return properties;
}

// Links in /dev/disk/<kind>: device name → full link paths.
std::map<std::string, std::vector<std::string>> read_links(const HostRoot& root,
                                                           std::string_view kind) {
  std::map<std::string, std::vector<std::string>> links;
  std::string dir = join_host_path("/dev/disk", kind);
  for (const auto& entry : root.list_dir(dir)) {
    std::string link = join_host_path(dir, entry);
    if (auto target = root.link_basename(link)) links[*target].push_back(link);
  }
  return links;
}

// Descriptive by-id names (model_serial) before the opaque ones (wwn-, eui.).
bool by_id_less(const std::string& a, const std::string& b) {
  auto opaque = [](const std::string& link) {
    std::string_view name = std::string_view(link).substr(link.rfind('/') + 1);
    return name.rfind("wwn-", 0) == 0 || name.rfind("nvme-eui.", 0) == 0 ||
           name.rfind("nvme-nvme.", 0) == 0;
  };
  if (opaque(a) != opaque(b)) return !opaque(a);
  return a < b;
}

std::string transport_of(const std::string& path) {
  if (path.find("/nvme/") != std::string::npos) return "nvme";
  if (path.find("/usb") != std::string::npos) return "usb";
  if (path.find("/ata") != std::string::npos) return "sata";
  if (path.find("/virtio") != std::string::npos) return "virtio";
  if (path.find("/host") != std::string::npos) return "scsi";
  return "";
}

bool is_virtual_name(std::string_view name) {
  for (std::string_view prefix : {"loop", "ram", "zram", "dm-", "md", "sr", "nbd", "fd"})
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace

std::string Disk::stable_path() const { return by_id.empty() ? dev_path : by_id.front(); }

std::vector<Disk> scan_disks(const HostRoot& root) {
  std::map<std::string, Node> nodes;
  std::map<std::string, std::string> name_of_dev;
  std::map<std::string, std::string> name_of_dm;
  for (const auto& entry : root.list_dir(kClassBlock)) {
    Node node;
    node.name = entry;
    std::string link = join_host_path(kClassBlock, entry);
    auto target = root.read_link(link);
    node.path = target ? resolve_link_target(kClassBlock, *target) : link;
    SysfsDir dir(root, node.path);
    node.dev = dir.attr("dev").value_or("");
    node.partition = dir.has("partition");
    node.size_bytes = dir.uint_attr("size").value_or(0) * 512;
    node.holders = root.list_dir(join_host_path(node.path, "holders"));
    if (entry.rfind("dm-", 0) == 0) node.dm_name = dir.attr("dm/name").value_or("");
    if (entry.rfind("md", 0) == 0) node.md_level = dir.attr("md/level").value_or("");
    if (!node.dev.empty()) name_of_dev[node.dev] = entry;
    if (!node.dm_name.empty()) name_of_dm[node.dm_name] = entry;
    nodes[entry] = std::move(node);
  }
  // "/dev/nvme0n1p2", "/dev/mapper/vg-root", "/dev/dm-1" → the kernel name.
  auto name_of_source = [&](std::string_view source) -> std::string {
    constexpr std::string_view kMapper = "/dev/mapper/";
    if (source.rfind(kMapper, 0) == 0) {
      auto it = name_of_dm.find(std::string(source.substr(kMapper.size())));
      return it == name_of_dm.end() ? "" : it->second;
    }
    if (source.rfind("/dev/", 0) != 0) return "";
    std::string name(source.substr(source.rfind('/') + 1));
    return nodes.contains(name) ? name : "";
  };

  // Direct use of each node.
  std::map<std::string, BlockUsage> direct;
  for (const auto& mount : read_mounts(root)) {
    std::string name;
    if (auto it = name_of_dev.find(mount.dev); it != name_of_dev.end()) name = it->second;
    if (name.empty()) name = name_of_source(mount.source);  // btrfs reports 0:NN
    if (name.empty()) continue;
    direct[name].mounts.push_back(mount.point);
    if (mount.point == "/") direct[name].root = true;
  }
  if (auto swaps = root.read_attr("/proc/swaps")) {
    auto lines = split(*swaps, '\n');
    for (size_t i = 1; i < lines.size(); ++i) {
      auto fields = split_whitespace(lines[i]);
      if (fields.empty()) continue;
      if (std::string name = name_of_source(fields[0]); !name.empty()) direct[name].swap = true;
    }
  }
  // Use of a node includes the use of everything built on it (LVM, RAID, crypt).
  std::function<BlockUsage(const std::string&, int)> usage_of = [&](const std::string& name,
                                                                    int depth) {
    BlockUsage usage = direct[name];
    auto it = nodes.find(name);
    if (it == nodes.end() || depth > 16) return usage;
    for (const auto& holder : it->second.holders) {
      auto held = nodes.find(holder);
      std::string label = holder;
      if (held != nodes.end() && !held->second.dm_name.empty())
        label += " (" + held->second.dm_name + ")";
      if (held != nodes.end() && !held->second.md_level.empty())
        label += " (" + held->second.md_level + ")";
      usage.holders.push_back(label);
      BlockUsage above = usage_of(holder, depth + 1);
      usage.mounts.insert(usage.mounts.end(), above.mounts.begin(), above.mounts.end());
      usage.root = usage.root || above.root;
      usage.swap = usage.swap || above.swap;
    }
    return usage;
  };
  auto merge = [](BlockUsage& into, const BlockUsage& from) {
    into.mounts.insert(into.mounts.end(), from.mounts.begin(), from.mounts.end());
    into.holders.insert(into.holders.end(), from.holders.begin(), from.holders.end());
    into.root = into.root || from.root;
    into.swap = into.swap || from.swap;
  };

  auto by_id = read_links(root, "by-id");
  auto by_partuuid = read_links(root, "by-partuuid");
  auto by_uuid = read_links(root, "by-uuid");
  std::vector<Disk> disks;
  for (const auto& [name, node] : nodes) {
    if (node.partition || is_virtual_name(name)) continue;
    SysfsDir dir(root, node.path);
    if (!dir.has("device")) continue;
    Disk disk;
    disk.name = name;
    disk.dev_path = "/dev/" + name;
    disk.size_bytes = node.size_bytes;
    disk.transport = transport_of(node.path);
    disk.rotational = dir.attr("queue/rotational") == "1";
    disk.removable = dir.attr("removable") == "1";
    auto udev = read_udev_properties(root, node.dev);
    disk.model = std::string(trim(dir.attr("device/model").value_or("")));
    // SCSI/ATA models in sysfs are cut at 16 characters; udev has the whole one.
    if (auto it = udev.find("ID_MODEL");
        it != udev.end() && it->second.size() > disk.model.size()) {
      disk.model = it->second;
      std::replace(disk.model.begin(), disk.model.end(), '_', ' ');
    }
    disk.serial = std::string(trim(dir.attr("device/serial").value_or("")));
    if (disk.serial.empty() && udev.contains("ID_SERIAL_SHORT"))
      disk.serial = udev["ID_SERIAL_SHORT"];
    for (const auto& part : split(node.path, '/'))
      if (auto address = PciAddress::parse(part)) disk.controller = *address;
    disk.by_id = by_id[name];
    std::sort(disk.by_id.begin(), disk.by_id.end(), by_id_less);
    disk.usage = usage_of(name, 0);

    for (const auto& entry : root.list_dir(node.path)) {
      auto part_node = nodes.find(entry);
      if (part_node == nodes.end() || !part_node->second.partition) continue;
      Partition partition;
      partition.name = entry;
      SysfsDir part_dir(root, part_node->second.path);
      partition.number = static_cast<int>(part_dir.uint_attr("partition").value_or(0));
      partition.size_bytes = part_node->second.size_bytes;
      auto props = read_udev_properties(root, part_node->second.dev);
      partition.partuuid = props["ID_PART_ENTRY_UUID"];
      partition.fs_uuid = props["ID_FS_UUID"];
      partition.fs_type = props["ID_FS_TYPE"];
      partition.label = props["ID_FS_LABEL"];
      auto ids = by_id[entry];
      std::sort(ids.begin(), ids.end(), by_id_less);
      partition.stable_names = ids;
      for (const auto& link : by_partuuid[entry]) {
        partition.stable_names.push_back(link);
        if (partition.partuuid.empty()) partition.partuuid = link.substr(link.rfind('/') + 1);
      }
      for (const auto& link : by_uuid[entry]) {
        partition.stable_names.push_back(link);
        if (partition.fs_uuid.empty()) partition.fs_uuid = link.substr(link.rfind('/') + 1);
      }
      partition.usage = usage_of(entry, 0);
      merge(disk.usage, partition.usage);
      disk.partitions.push_back(std::move(partition));
    }
    std::sort(disk.partitions.begin(), disk.partitions.end(),
              [](const Partition& a, const Partition& b) { return a.number < b.number; });
    disks.push_back(std::move(disk));
  }
  return disks;
}

}  // namespace vfg
