// Where the boot chain and the host's system configuration live. Setup writes
// these files (through a FileWriter rooted like HostRoot), so the paths are
// spelled once here, in the one layer allowed to spell "/etc/..." and "/sys/...".
#pragma once

#include <array>
#include <string_view>

namespace vfg::boot_paths {

inline constexpr std::string_view kOsRelease = "/etc/os-release";
inline constexpr std::string_view kOsReleaseUsr = "/usr/lib/os-release";

// Kernel command line sources, one per bootloader family.
inline constexpr std::string_view kDefaultGrub = "/etc/default/grub";
/// Sourced by grub-mkconfig after kDefaultGrub, in glob order.
inline constexpr std::string_view kDefaultGrubDir = "/etc/default/grub.d";
inline constexpr std::string_view kKernelCmdline = "/etc/kernel/cmdline";
inline constexpr std::string_view kKernelInstallConf = "/etc/kernel/install.conf";
/// ukify's settings for kernel-install; SecureBootPrivateKey= there signs rebuilt UKIs.
inline constexpr std::string_view kUkiConf = "/etc/kernel/uki.conf";
inline constexpr std::string_view kKernelstubConfig = "/etc/kernelstub/configuration";
inline constexpr std::string_view kOstreeBooted = "/run/ostree-booted";
/// systemd-boot (and other Boot Loader Interface loaders) set this EFI variable.
inline constexpr std::string_view kLoaderInfoEfiVar =
    "/sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";
/// The firmware's Secure Boot state: 4 attribute bytes, then 1 when it is on.
inline constexpr std::string_view kSecureBootEfiVar =
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
/// Mount points where an ESP or XBOOTLDR partition carries loader entries, in search order.
inline constexpr std::array<std::string_view, 3> kEspCandidates = {"/efi", "/boot", "/boot/efi"};
inline constexpr std::array<std::string_view, 2> kGrubConfigs = {"/boot/grub/grub.cfg",
                                                                 "/boot/grub2/grub.cfg"};
/// Where Limine looks for its config on a partition (relative to its root, in order);
/// on UEFI it looks first in the directory of its own executable (EFI/<name>/).
/// limine.cfg is the name before Limine 8.
inline constexpr std::array<std::string_view, 7> kLimineConfigNames = {
    "limine.conf",          "limine/limine.conf", "boot/limine.conf", "boot/limine/limine.conf",
    "EFI/BOOT/limine.conf", "limine.cfg",         "boot/limine.cfg"};
/// limine-entry-tool's configuration (bash, sourced in this order), and its drop-ins.
inline constexpr std::string_view kDefaultLimine = "/etc/default/limine";
inline constexpr std::string_view kLimineEntryToolDir = "/etc/limine-entry-tool.d";
inline constexpr std::array<std::string_view, 2> kModuleDirs = {"/usr/lib/modules", "/lib/modules"};
inline constexpr std::array<std::string_view, 4> kProgramDirs = {"/usr/bin", "/usr/sbin", "/bin",
                                                                 "/sbin"};

// Initramfs generators.
inline constexpr std::string_view kMkinitcpioConf = "/etc/mkinitcpio.conf";
inline constexpr std::string_view kDracutConf = "/etc/dracut.conf";
inline constexpr std::string_view kDracutConfDir = "/etc/dracut.conf.d";
inline constexpr std::string_view kInitramfsToolsDir = "/etc/initramfs-tools";
inline constexpr std::string_view kInitramfsToolsModules = "/etc/initramfs-tools/modules";
inline constexpr std::string_view kBoosterYaml = "/etc/booster.yaml";

// Module, device and limit configuration that setup writes.
inline constexpr std::string_view kModprobeDir = "/etc/modprobe.d";
inline constexpr std::string_view kModulesLoadDir = "/etc/modules-load.d";
inline constexpr std::string_view kUdevRulesDir = "/etc/udev/rules.d";
inline constexpr std::string_view kTmpfilesDir = "/etc/tmpfiles.d";
inline constexpr std::string_view kLimitsDir = "/etc/security/limits.d";
inline constexpr std::string_view kSystemdSystemDir = "/etc/systemd/system";
inline constexpr std::string_view kSysctlDir = "/etc/sysctl.d";
inline constexpr std::string_view kPolkitRulesDir = "/etc/polkit-1/rules.d";
inline constexpr std::string_view kGroupFile = "/etc/group";
inline constexpr std::string_view kPasswdFile = "/etc/passwd";
/// Where a Looking Glass shared-memory file may be (setup writes it into tmpfiles.d).
inline constexpr std::string_view kSharedMemoryDir = "/dev/shm";
/// Where evdev nodes live (a single-GPU chord keyboard must be one).
inline constexpr std::string_view kInputDir = "/dev/input";

/// Written into the vfio-pci install hook: the early-boot shell sets each
/// device's driver_override here before vfio-pci registers.
inline constexpr std::string_view kSysPciDevices = "/sys/bus/pci/devices";
/// The modprobe the install hook execs in the initramfs and on the running system.
inline constexpr std::string_view kModprobe = "/sbin/modprobe";

// Setup's own state.
inline constexpr std::string_view kStateDir = "/var/lib/vfg";
inline constexpr std::string_view kJournal = "/var/lib/vfg/setup-journal";
inline constexpr std::string_view kBackupDir = "/var/lib/vfg/setup-backup";

}  // namespace vfg::boot_paths
