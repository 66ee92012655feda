// How this host boots: the distribution, the bootloader that owns the kernel
// command line, the tool that builds the initramfs, and the kernels installed.
// Everything is read from the tree (HostRoot), so a fixture /etc + /boot is enough.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace vfg {

/// The distribution, from os-release.
struct Distro {
  std::string id;                    ///< "arch", "fedora", "ubuntu", "pop", ...
  std::vector<std::string> id_like;  ///< "debian", "rhel fedora", ...
  std::string pretty_name;

  /// True when `name` is the id or one of the id_like entries.
  [[nodiscard]] bool is_like(std::string_view name) const;
};

/// Who owns the kernel command line.
enum class Bootloader {
  kUnknown,
  kGrub,           ///< /etc/default/grub, then grub-mkconfig / update-grub
  kGrubby,         ///< GRUB with BLS entries maintained by grubby (Fedora, RHEL)
  kSystemdBoot,    ///< systemd-boot reading hand-kept loader entries
  kKernelInstall,  ///< /etc/kernel/cmdline read by kernel-install or mkinitcpio (UKI or entries)
  kKernelstub,     ///< Pop!_OS
  kRpmOstree,      ///< Fedora Atomic / CoreOS: rpm-ostree kargs
  kLimine,
};

/// Who builds the initramfs.
enum class InitramfsTool { kUnknown, kMkinitcpio, kDracut, kInitramfsTools, kBooster };

/// What the boot chain looks like, with the evidence for each choice.
struct BootSetup {
  Distro distro;
  Bootloader bootloader = Bootloader::kUnknown;
  std::string bootloader_evidence;
  InitramfsTool initramfs = InitramfsTool::kUnknown;
  std::string initramfs_evidence;
  /// GRUB: the generated config the regenerate command writes ("/boot/grub/grub.cfg").
  std::string grub_config;
  /// The mount point holding loader/ or EFI/Linux/ ("/boot", "/efi", "/boot/efi").
  std::string esp;
  /// Unified kernel images under ESP/EFI/Linux (they carry their own command line).
  std::vector<std::string> ukis;
  /// The firmware enforces Secure Boot: a signed UKI then ignores command-line
  /// overrides, and a rebuilt one boots only if it is signed again.
  bool secure_boot = false;
  /// Rebuilt UKIs are signed again: sbctl's hooks, or ukify keys in /etc/kernel/uki.conf.
  bool signs_ukis = false;
  /// systemd-boot / BLS: host paths of loader entries, sorted.
  std::vector<std::string> loader_entries;
  /// GRUB: /etc/default/grub.d/*.cfg in the order grub-mkconfig sources them (after
  /// /etc/default/grub, so a later assignment there wins).
  std::vector<std::string> grub_dropins;
  /// /etc/modprobe.d/*.conf, sorted: where an earlier vfio-pci setting may hide.
  std::vector<std::string> modprobe_confs;
  /// Limine: every limine.conf where Limine looks for one (the ESP's root, limine/,
  /// boot/, boot/limine/, EFI/BOOT/ and the EFI/<name>/ directory of its executable,
  /// as archinstall installs it), in search order.
  std::vector<std::string> limine_configs;
  /// Limine with limine-entry-tool (CachyOS, limine-mkinitcpio-hook): /etc/default/limine
  /// and /etc/limine-entry-tool.d/*.conf, the bash files its limine.conf is generated
  /// from on every kernel update. Empty when limine.conf is kept by hand.
  std::vector<std::string> limine_sources;
  /// Kernel versions with a vmlinuz under /usr/lib/modules (or /lib/modules), sorted.
  std::vector<std::string> kernels;
  /// Programs found in the tree's bin directories, by name (only the ones setup may run).
  std::vector<std::string> programs;

  /// True when `name` was found in the tree's bin directories.
  [[nodiscard]] bool has_program(std::string_view name) const;
  /// Secure Boot with UKIs that nothing here signs again: they ignore an edited
  /// command line, and a rebuilt (unsigned) image would not boot.
  [[nodiscard]] bool unsigned_uki_rebuild() const {
    return secure_boot && !ukis.empty() && !signs_ukis;
  }
};

/// Reads os-release and the boot files to decide how this host boots. Never fails:
/// what cannot be told is kUnknown, and setup then says which file it needs.
BootSetup detect_boot_setup(const HostRoot& root);

/// Parses os-release text.
Distro parse_os_release(std::string_view text);

/// "GRUB", "systemd-boot", ... for people.
std::string_view to_string(Bootloader bootloader);
/// "mkinitcpio", "dracut", ...
std::string_view to_string(InitramfsTool tool);

}  // namespace vfg
