#include "host/system_state.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "host/passwd.h"
#include "util/strings.h"
#include "util/unique_fd.h"

namespace vfg {

namespace {

std::string fold_module_name(std::string_view name) {
  std::string folded(name);
  std::replace(folded.begin(), folded.end(), '-', '_');
  return folded;
}

// The value after "Key:" on a line of a "Key:\tvalue" file (/proc/PID/status, /proc/cpuinfo).
std::optional<std::string> field(std::string_view text, std::string_view key) {
  for (const auto& line : split(text, '\n')) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (trim(std::string_view(line).substr(0, colon)) != key) continue;
    return std::string(trim(std::string_view(line).substr(colon + 1)));
  }
  return std::nullopt;
}

void read_cpu(const HostRoot& root, SystemState& state) {
  auto cpuinfo = root.read_attr("/proc/cpuinfo");
  if (!cpuinfo) return;
  state.cpu_vendor = field(*cpuinfo, "vendor_id").value_or("");
  for (const auto& flag : split_whitespace(field(*cpuinfo, "flags").value_or(""))) {
    if (flag == "vmx") state.cpu_vmx = true;
    if (flag == "svm") state.cpu_svm = true;
    if (flag == "hypervisor") state.cpu_hypervisor = true;
  }
}

void read_iommu(const HostRoot& root, SystemState& state) {
  IommuState& iommu = state.iommu;
  iommu.groups = root.list_dir("/sys/kernel/iommu_groups");
  // Group names are numbers; order them as numbers so "10" follows "9".
  std::stable_sort(iommu.groups.begin(), iommu.groups.end(), [](const auto& a, const auto& b) {
    return parse_uint(a).value_or(0) < parse_uint(b).value_or(0);
  });
  iommu.units = root.list_dir("/sys/class/iommu");
  if (auto interrupts = root.read_attr("/proc/interrupts"))
    iommu.interrupt_remapping = parse_interrupt_remapping(*interrupts, &iommu.remapping_evidence);
  // Intel VT-d: ECAP bit 3 (IR) says the unit can remap interrupts. AMD-Vi has
  // no such plain attribute, so there only /proc/interrupts speaks.
  for (const auto& unit : iommu.units) {
    auto ecap = root.read_attr("/sys/class/iommu/" + unit + "/intel-iommu/ecap");
    if (!ecap) continue;
    auto bits = parse_hex(trim(*ecap));
    if (!bits) continue;
    bool ir = (*bits & (1u << 3)) != 0;
    iommu.remapping_supported = iommu.remapping_supported.value_or(false) || ir;
  }
  auto unsafe = root.read_attr("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
  iommu.unsafe_interrupts_allowed = unsafe && (trim(*unsafe) == "Y" || trim(*unsafe) == "1");
}

void read_modules(const HostRoot& root, SystemState& state) {
  // /proc/modules lists loadable modules; /sys/module also has built-in ones
  // (a kernel built with "nomodule" has no /proc/modules at all).
  std::vector<std::string> names;
  if (auto modules = root.read_attr("/proc/modules")) {
    for (const auto& line : split(*modules, '\n')) {
      auto words = split_whitespace(line);
      if (!words.empty()) names.push_back(fold_module_name(words[0]));
    }
  }
  for (const auto& name : root.list_dir("/sys/module")) names.push_back(fold_module_name(name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  state.modules = std::move(names);
}

std::vector<gid_t> parse_gid_list(std::string_view text) {
  std::vector<gid_t> gids;
  for (const auto& word : split_whitespace(text))
    if (auto gid = parse_uint(word)) gids.push_back(static_cast<gid_t>(*gid));
  return gids;
}

void read_identity(const HostRoot& root, SystemState& state) {
  Identity& who = state.identity;
  if (root.is_live()) {
    who.uid = ::getuid();
    who.primary_gid = ::getgid();
    int count = ::getgroups(0, nullptr);
    if (count > 0) {
      who.process_gids.resize(static_cast<size_t>(count));
      count = ::getgroups(count, who.process_gids.data());
      who.process_gids.resize(count > 0 ? static_cast<size_t>(count) : 0);
    }
  } else if (auto status = root.read_attr("/proc/self/status")) {
    // A tree records the process it was captured from in /proc/self/status.
    auto uids = parse_gid_list(field(*status, "Uid").value_or(""));
    auto gids = parse_gid_list(field(*status, "Gid").value_or(""));
    if (!uids.empty()) who.uid = static_cast<uid_t>(uids[0]);
    if (!gids.empty()) who.primary_gid = gids[0];
    who.process_gids = parse_gid_list(field(*status, "Groups").value_or(""));
  }
  if (std::find(who.process_gids.begin(), who.process_gids.end(), who.primary_gid) ==
      who.process_gids.end())
    who.process_gids.push_back(who.primary_gid);

  // /etc/passwd: name:x:uid:gid:... — the configured primary group may differ
  // from the one this process runs with.
  if (auto account = account_by_uid(root, who.uid)) who.user = account->name;
  if (who.user.empty() && root.is_live()) {
    if (const passwd* entry = ::getpwuid(who.uid)) who.user = entry->pw_name;
  }
  if (who.user.empty()) who.user = std::to_string(who.uid);

  if (auto group_file = root.read_attr("/etc/group")) {
    for (const auto& line : split(*group_file, '\n')) {
      auto fields = split(line, ':');
      if (fields.size() < 3) continue;
      auto gid = parse_uint(fields[2]);
      if (!gid) continue;
      GroupEntry entry{fields[0], static_cast<gid_t>(*gid), {}};
      if (fields.size() > 3)
        for (const auto& member : split(fields[3], ','))
          if (!trim(member).empty()) entry.members.emplace_back(trim(member));
      state.groups.push_back(std::move(entry));
    }
  }
}

void read_memlock(const HostRoot& root, SystemState& state) {
  if (root.is_live()) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_MEMLOCK, &limit) == 0) {
      auto bytes = [](rlim_t value) {
        return value == RLIM_INFINITY ? MemlockLimit::kUnlimited : static_cast<uint64_t>(value);
      };
      state.process_memlock = {bytes(limit.rlim_cur), bytes(limit.rlim_max)};
    }
  } else if (auto limits = root.read_attr("/proc/self/limits")) {
    if (auto parsed = parse_memlock_limits(*limits)) state.process_memlock = *parsed;
  }

  // The systemd user manager of this uid: what `systemd-run --user` and user
  // units inherit. Found by walking /proc, since its pid is not recorded anywhere.
  for (const auto& name : root.list_dir("/proc")) {
    auto pid = parse_uint(name);
    if (!pid || *pid == 1) continue;
    std::string dir = "/proc/" + name;
    if (root.read_attr(dir + "/comm") != "systemd") continue;
    auto status = root.read_attr(dir + "/status");
    if (!status) continue;
    auto uids = parse_gid_list(field(*status, "Uid").value_or(""));
    if (uids.empty() || uids[0] != state.identity.uid) continue;
    auto cmdline = root.read_attr(dir + "/cmdline").value_or("");
    if (cmdline.find("--user") == std::string::npos) continue;
    auto limits = root.read_attr(dir + "/limits");
    if (!limits) continue;
    state.user_manager_memlock = parse_memlock_limits(*limits);
    if (state.user_manager_memlock) state.user_manager_pid = static_cast<pid_t>(*pid);
    break;
  }
}

void read_hugepages(const HostRoot& root, SystemState& state) {
  const std::string base = "/sys/kernel/mm/hugepages";
  for (const auto& name : root.list_dir(base)) {
    // "hugepages-2048kB"
    constexpr std::string_view kPrefix = "hugepages-";
    if (name.rfind(kPrefix, 0) != 0 || name.size() < kPrefix.size() + 3) continue;
    auto kib =
        parse_uint(std::string_view(name).substr(kPrefix.size(), name.size() - kPrefix.size() - 2));
    if (!kib) continue;
    HugepagePool pool;
    pool.page_size = *kib * 1024;
    pool.total =
        parse_uint(root.read_attr(base + "/" + name + "/nr_hugepages").value_or("")).value_or(0);
    pool.free =
        parse_uint(root.read_attr(base + "/" + name + "/free_hugepages").value_or("")).value_or(0);
    state.hugepages.push_back(pool);
  }
  std::sort(state.hugepages.begin(), state.hugepages.end(),
            [](const auto& a, const auto& b) { return a.page_size < b.page_size; });
}

void read_framebuffers(const HostRoot& root, SystemState& state) {
  // Platform drivers of the boot framebuffers; simpledrm registers as "simple-framebuffer".
  for (std::string driver : {"efi-framebuffer", "simple-framebuffer", "vesa-framebuffer"}) {
    for (const auto& entry : root.list_dir("/sys/bus/platform/drivers/" + driver)) {
      if (entry.find('.') == std::string::npos) continue;  // bind, unbind, uevent, module
      state.framebuffers.push_back({driver, entry, 0, 0});
    }
  }
  // /proc/iomem names the memory they hold: "  e0000000-e07fffff : efifb".
  auto iomem = root.read_attr("/proc/iomem");
  if (!iomem) return;
  for (const auto& line : split(*iomem, '\n')) {
    auto colon = line.find(" : ");
    if (colon == std::string::npos) continue;
    std::string name(trim(std::string_view(line).substr(colon + 3)));
    if (name != "efifb" && name != "simpledrm" && name != "vesafb" && name != "BOOTFB") continue;
    auto range = split(trim(std::string_view(line).substr(0, colon)), '-');
    Framebuffer fb{name, "", 0, 0};
    if (range.size() == 2) {
      fb.start = parse_hex(range[0]).value_or(0);
      fb.end = parse_hex(range[1]).value_or(0);
    }
    state.framebuffers.push_back(fb);
  }
}

}  // namespace

bool SystemState::has_module(std::string_view name) const {
  return std::binary_search(modules.begin(), modules.end(), fold_module_name(name));
}

std::optional<std::string> SystemState::cmdline_value(std::string_view key) const {
  std::optional<std::string> value;
  // The last occurrence wins, as the kernel parses the line left to right.
  for (const auto& word : cmdline) {
    if (word == "--") break;  // what follows belongs to init
    auto eq = word.find('=');
    std::string_view name = std::string_view(word).substr(0, eq);
    if (fold_module_name(name) != fold_module_name(key)) continue;
    value = eq == std::string::npos ? std::string() : word.substr(eq + 1);
  }
  return value;
}

const GroupEntry* SystemState::group(std::string_view name) const {
  for (const auto& entry : groups)
    if (entry.name == name) return &entry;
  return nullptr;
}

NodeInfo stat_node(const HostRoot& root, std::string_view host_path, Symlinks symlinks) {
  NodeInfo node;
  node.path = std::string(host_path);
  auto st =
      symlinks == Symlinks::kFollow ? root.file_status(host_path) : root.link_status(host_path);
  if (!st) return node;
  node.exists = true;
  node.mode = st->st_mode & 07777;
  node.uid = st->st_uid;
  node.gid = st->st_gid;
  node.size = static_cast<uint64_t>(st->st_size);
  if (S_ISCHR(st->st_mode))
    node.type = 'c';
  else if (S_ISBLK(st->st_mode))
    node.type = 'b';
  else if (S_ISREG(st->st_mode))
    node.type = 'f';
  else if (S_ISDIR(st->st_mode))
    node.type = 'd';
  else if (S_ISSOCK(st->st_mode))
    node.type = 's';
  else if (S_ISLNK(st->st_mode))
    node.type = 'l';
  return node;
}

NodeInfo vfio_group_node(const HostRoot& root, int group) {
  return stat_node(root, "/dev/vfio/" + std::to_string(group));
}

NodeInfo vfio_container_node(const HostRoot& root) { return stat_node(root, "/dev/vfio/vfio"); }

std::vector<AddressRange> pci_bar_ranges(const HostRoot& root, std::string_view device_dir) {
  std::vector<AddressRange> ranges;
  // One line per resource: "0x00000000e0000000 0x00000000efffffff 0x000000000014220c".
  auto text = root.read_attr(join_host_path(device_dir, "resource"));
  if (!text) return ranges;
  for (const auto& line : split(*text, '\n')) {
    auto words = split_whitespace(line);
    if (words.size() < 2) continue;
    auto start = parse_hex(words[0]);
    auto end = parse_hex(words[1]);
    if (!start || !end || (*start == 0 && *end == 0)) continue;
    ranges.push_back({*start, *end});
  }
  return ranges;
}

NodeInfo usb_device_node(const HostRoot& root, int bus, int address) {
  char path[32];
  std::snprintf(path, sizeof path, "/dev/bus/usb/%03d/%03d", bus, address);
  return stat_node(root, path);
}

std::string hugepage_pool_file(uint64_t page_size) {
  return "/sys/kernel/mm/hugepages/hugepages-" + std::to_string(page_size / 1024) +
         "kB/nr_hugepages";
}

bool can_access(const NodeInfo& node, const Identity& who, bool write) {
  if (!node.exists) return false;
  if (who.uid == 0) return true;
  mode_t want = write ? 06 : 04;
  if (node.uid == who.uid) return ((node.mode >> 6) & want) == want;
  if (std::find(who.process_gids.begin(), who.process_gids.end(), node.gid) !=
      who.process_gids.end())
    return ((node.mode >> 3) & want) == want;
  return (node.mode & want) == want;
}

bool configured_member(const SystemState& state, std::string_view group_name) {
  const GroupEntry* entry = state.group(group_name);
  if (entry == nullptr) return false;
  if (entry->gid == state.identity.primary_gid) return true;
  return std::find(entry->members.begin(), entry->members.end(), state.identity.user) !=
         entry->members.end();
}

bool process_member(const SystemState& state, std::string_view group_name) {
  const GroupEntry* entry = state.group(group_name);
  if (entry == nullptr) return false;
  const auto& gids = state.identity.process_gids;
  return std::find(gids.begin(), gids.end(), entry->gid) != gids.end();
}

bool kvm_runs_guests(const SystemState& state) {
  if (!state.cpu_vmx && !state.cpu_svm) return false;
  if (state.kvm.type != 'c') return false;
  if (state.kvm_open_errno) return *state.kvm_open_errno == 0;
  return can_access(state.kvm, state.identity, true);
}

std::optional<MemlockLimit> parse_memlock_limits(std::string_view limits_file) {
  // "Max locked memory         8388608              8388608              bytes"
  for (const auto& line : split(limits_file, '\n')) {
    if (line.rfind("Max locked memory", 0) != 0) continue;
    auto words = split_whitespace(std::string_view(line).substr(17));
    if (words.size() < 2) return std::nullopt;
    auto value = [](const std::string& word) -> std::optional<uint64_t> {
      if (word == "unlimited") return MemlockLimit::kUnlimited;
      return parse_uint(word);
    };
    auto soft = value(words[0]);
    auto hard = value(words[1]);
    if (!soft || !hard) return std::nullopt;
    return MemlockLimit{*soft, *hard};
  }
  return std::nullopt;
}

std::optional<bool> parse_interrupt_remapping(std::string_view interrupts, std::string* evidence) {
  std::optional<bool> result;
  for (const auto& line : split(interrupts, '\n')) {
    for (const auto& word : split_whitespace(line)) {
      // "IR-PCI-MSI-0000:00:14.0", "IR-IO-APIC", "IR-PCI-MSIX-0000:01:00.0".
      if (word.rfind("IR-", 0) == 0) {
        if (evidence != nullptr) *evidence = word.substr(0, word.find("-0000:"));
        return true;
      }
      bool chip = word == "IO-APIC" || word.rfind("PCI-MSI", 0) == 0;
      if (chip && !result) {
        result = false;
        if (evidence != nullptr) *evidence = word.substr(0, word.find("-0000:"));
      }
    }
  }
  return result;
}

Result<SystemState> read_system_state(const HostRoot& root) {
  if (!root.exists("/"))
    return fail("reading the host: '{}' does not exist", root.prefix().string());
  SystemState state;
  read_cpu(root, state);
  state.kvm = stat_node(root, "/dev/kvm");
  if (root.is_live() && state.kvm.exists) {
    UniqueFd fd = root.open("/dev/kvm", O_RDWR);
    state.kvm_open_errno = fd ? 0 : errno;
  }
  read_iommu(root, state);
  state.kernel_release = root.read_attr("/proc/sys/kernel/osrelease").value_or("");
  state.cmdline = split_whitespace(root.read_attr("/proc/cmdline").value_or(""));
  read_modules(root, state);
  read_identity(root, state);
  read_memlock(root, state);
  read_hugepages(root, state);
  read_framebuffers(root, state);
  return state;
}

}  // namespace vfg
