// How the running system is set up for virtualization, as plain facts: CPU
// virtualization flags, /dev/kvm, whether an IOMMU and interrupt remapping are
// active, the kernel command line, loaded modules, memlock limits, the user's
// groups, hugepage pools and boot framebuffers. Everything is read through a
// HostRoot, so a fixture tree stands in for the machine; only facts that
// belong to this very process (getrlimit, getgroups, opening /dev/kvm) are
// taken from the process itself when the root is the live system.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "host/host_root.h"
#include "util/result.h"

namespace vfg {

/// A file or device node as stat() sees it, with the host path it was looked up by.
struct NodeInfo {
  std::string path;
  bool exists = false;
  /// 'c' character device, 'b' block device, 'f' regular file, 'd' directory, 's' socket,
  /// 'l' symlink (only when asked not to follow one), '?' other.
  char type = '?';
  mode_t mode = 0;  ///< permission bits only (07777)
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t size = 0;
};

/// Who the checks are about: the user running vfg.
struct Identity {
  uid_t uid = 0;
  std::string user;  ///< name from /etc/passwd, or the number when unknown
  gid_t primary_gid = 0;
  /// Groups this process carries now (getgroups, or "Groups:" of /proc/self/status in a tree).
  std::vector<gid_t> process_gids;
};

/// One line of /etc/group.
struct GroupEntry {
  std::string name;
  gid_t gid = 0;
  std::vector<std::string> members;
};

/// A memlock limit in bytes; kUnlimited for "unlimited".
struct MemlockLimit {
  static constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();
  uint64_t soft = 0;
  uint64_t hard = 0;
};

/// One hugepage pool (/sys/kernel/mm/hugepages/hugepages-<N>kB).
struct HugepagePool {
  uint64_t page_size = 0;  ///< bytes
  uint64_t total = 0;      ///< nr_hugepages
  uint64_t free = 0;       ///< free_hugepages
};

/// A boot framebuffer driver that may still hold a GPU's memory.
struct Framebuffer {
  std::string driver;  ///< "efi-framebuffer", "simple-framebuffer", "vesa-framebuffer", or the
                       ///< /proc/iomem name
  std::string device;  ///< "efi-framebuffer.0", or empty when only /proc/iomem shows it
  /// Physical range from /proc/iomem; zero when not readable (non-root sees zeros).
  uint64_t start = 0;
  uint64_t end = 0;
};

/// What the IOMMU is doing.
struct IommuState {
  /// Names under /sys/kernel/iommu_groups (group numbers).
  std::vector<std::string> groups;
  /// Registered units under /sys/class/iommu: "dmar0" (Intel VT-d), "ivhd0" (AMD-Vi).
  std::vector<std::string> units;
  /// Interrupt remapping in effect: true when /proc/interrupts shows "IR-" chips
  /// (IR-PCI-MSI, IR-IO-APIC), false when it shows MSI/IO-APIC chips without
  /// that prefix, nullopt when /proc/interrupts cannot tell.
  std::optional<bool> interrupt_remapping;
  /// The /proc/interrupts chip name that decided it ("IR-PCI-MSI", "PCI-MSI").
  std::string remapping_evidence;
  /// Intel only: the IR bit (3) of some dmar unit's extended capability register.
  std::optional<bool> remapping_supported;
  /// /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts is "Y".
  bool unsafe_interrupts_allowed = false;
};

/// Everything about the system's set-up that the readiness checks use.
struct SystemState {
  std::string cpu_vendor;       ///< "GenuineIntel", "AuthenticAMD", ...
  bool cpu_vmx = false;         ///< Intel VT-x flag in /proc/cpuinfo
  bool cpu_svm = false;         ///< AMD-V flag in /proc/cpuinfo
  bool cpu_hypervisor = false;  ///< running inside a VM ("hypervisor" flag)

  NodeInfo kvm;  ///< /dev/kvm
  /// Live only: errno of opening /dev/kvm read-write (0 = opened), nullopt in a tree.
  std::optional<int> kvm_open_errno;

  IommuState iommu;
  std::string kernel_release;        ///< /proc/sys/kernel/osrelease
  std::vector<std::string> cmdline;  ///< /proc/cmdline split into words
  std::vector<std::string> modules;  ///< loaded or built-in, '-' folded to '_', sorted

  Identity identity;
  std::vector<GroupEntry> groups;  ///< /etc/group
  /// This process's limit; nullopt in a tree without /proc/self/limits.
  std::optional<MemlockLimit> process_memlock;
  std::optional<MemlockLimit> user_manager_memlock;  ///< `systemd --user` of this uid, if running
  std::optional<pid_t> user_manager_pid;

  std::vector<HugepagePool> hugepages;
  std::vector<Framebuffer> framebuffers;

  /// True when `name` (either spelling, vfio-pci or vfio_pci) is loaded or built in.
  [[nodiscard]] bool has_module(std::string_view name) const;
  /// The value of `key` on the kernel command line ("" for a bare flag), or nullopt.
  [[nodiscard]] std::optional<std::string> cmdline_value(std::string_view key) const;
  /// The group named `name` in /etc/group.
  [[nodiscard]] const GroupEntry* group(std::string_view name) const;
};

/// Reads the whole state. Fails only when the root itself is unusable; a
/// missing file makes its fact empty or false.
Result<SystemState> read_system_state(const HostRoot& root);

enum class Symlinks { kFollow, kReport };
/// Type, mode and owner of a path; with Symlinks::kReport a symlink at the end
/// is described itself (type 'l'), for places where one must not be followed.
NodeInfo stat_node(const HostRoot& root, std::string_view host_path,
                   Symlinks symlinks = Symlinks::kFollow);

/// The VFIO group node of IOMMU group `group` (/dev/vfio/N).
NodeInfo vfio_group_node(const HostRoot& root, int group);

/// The VFIO container node every group is opened through (/dev/vfio/vfio).
NodeInfo vfio_container_node(const HostRoot& root);

/// A physical address range, inclusive.
struct AddressRange {
  uint64_t start = 0;
  uint64_t end = 0;
};

/// The memory ranges of a PCI function's BARs from its `resource` file (under
/// the device's sysfs directory); unused BARs (all zero) are left out. Non-root
/// readers see zeros, so this is empty for them.
std::vector<AddressRange> pci_bar_ranges(const HostRoot& root, std::string_view device_dir);

/// The node libusb opens for a USB device (/dev/bus/usb/BBB/DDD).
NodeInfo usb_device_node(const HostRoot& root, int bus, int address);

/// The file that sizes the hugepage pool of `page_size` bytes (for fix commands).
std::string hugepage_pool_file(uint64_t page_size);

/// Whether `who` may open `node` for reading (and writing when `write`) by its
/// owner, group and mode bits (root always may). A pure function, so a check
/// gives the same answer for a fixture tree as for the live system.
bool can_access(const NodeInfo& node, const Identity& who, bool write);

/// Whether this user is a member of the group named `name` in /etc/group
/// (primary group or member list) — what a fresh login would give.
bool configured_member(const SystemState& state, std::string_view group_name);

/// Whether this process already carries the group named `name`.
bool process_member(const SystemState& state, std::string_view group_name);

/// Whether KVM can actually run a guest here: /dev/kvm is a character device
/// the user can open read-write and the CPU shows vmx or svm. A /dev/kvm on a
/// CPU without either flag is a paravirtual KVM (a sandbox hypervisor) on
/// which QEMU guests hang, so QEMU must fall back to TCG there.
bool kvm_runs_guests(const SystemState& state);

/// Parses one "Max locked memory" line of a /proc/PID/limits file.
std::optional<MemlockLimit> parse_memlock_limits(std::string_view limits_file);

/// Parses /proc/interrupts: true if any chip is remapped ("IR-..."), false if
/// MSI or IO-APIC chips appear without remapping, nullopt if neither appears.
/// `evidence` receives the deciding chip name.
std::optional<bool> parse_interrupt_remapping(std::string_view interrupts, std::string* evidence);

}  // namespace vfg
