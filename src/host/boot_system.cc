#include "host/boot_system.h"

#include <algorithm>

#include "host/boot_paths.h"
#include "util/strings.h"

namespace vfg {

namespace {

// Only programs setup runs or uses as evidence are looked up.
constexpr std::string_view kKnownPrograms[] = {
    "update-grub", "grub-mkconfig", "grub2-mkconfig",   "grubby",
    "kernelstub",  "rpm-ostree",    "kernel-install",   "reinstall-kernels",
    "bootctl",     "mkinitcpio",    "dracut",           "update-initramfs",
    "booster",     "limine",        "limine-update",    "limine-mkinitcpio",
    "udevadm",     "groupadd",      "usermod",          "gpasswd",
    "groupdel",    "systemctl",     "systemd-tmpfiles", "sysctl",
    "sbctl",       "mkinitramfs"};

std::string unquote(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front())
    value = value.substr(1, value.size() - 2);
  return std::string(value);
}

bool file_contains_line_prefix(const HostRoot& root, std::string_view path,
                               std::string_view prefix) {
  auto text = root.read_attr(path);
  if (!text) return false;
  for (const auto& line : split(*text, '\n'))
    if (trim(line).substr(0, prefix.size()) == prefix) return true;
  return false;
}

std::vector<std::string> files_with_suffix(const HostRoot& root, const std::string& dir,
                                           std::string_view suffix) {
  std::vector<std::string> out;
  for (const auto& name : root.list_dir(dir))
    if (name.size() > suffix.size() && name.ends_with(suffix))
      out.push_back(join_host_path(dir, name));
  return out;
}

// Limine searches each partition; the ESP (or /boot on the root partition) is mounted
// at one of the candidates, and on UEFI the directory of the executable comes first.
std::vector<std::string> limine_configs(const HostRoot& root) {
  std::vector<std::string> found;
  auto add = [&](const std::string& path) {
    if (root.exists(path) && std::find(found.begin(), found.end(), path) == found.end())
      found.push_back(path);
  };
  for (auto mount : {std::string_view("/"), boot_paths::kEspCandidates[0],
                     boot_paths::kEspCandidates[1], boot_paths::kEspCandidates[2]}) {
    std::string efi_dir = join_host_path(mount, "EFI");
    for (const auto& name : root.list_dir(efi_dir))
      if (name != "BOOT") add(join_host_path(join_host_path(efi_dir, name), "limine.conf"));
    for (auto name : boot_paths::kLimineConfigNames) add(join_host_path(mount, name));
  }
  return found;
}

}  // namespace

bool Distro::is_like(std::string_view name) const {
  return id == name || std::find(id_like.begin(), id_like.end(), name) != id_like.end();
}

bool BootSetup::has_program(std::string_view name) const {
  return std::find(programs.begin(), programs.end(), name) != programs.end();
}

Distro parse_os_release(std::string_view text) {
  Distro distro;
  for (const auto& raw : split(text, '\n')) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq);
    std::string value = unquote(line.substr(eq + 1));
    if (key == "ID") distro.id = value;
    if (key == "ID_LIKE") distro.id_like = split_whitespace(value);
    if (key == "PRETTY_NAME") distro.pretty_name = value;
  }
  return distro;
}

BootSetup detect_boot_setup(const HostRoot& root) {
  BootSetup boot;
  auto os_release = root.read_attr(boot_paths::kOsRelease);
  if (!os_release) os_release = root.read_attr(boot_paths::kOsReleaseUsr);
  if (os_release) boot.distro = parse_os_release(*os_release);

  for (auto program : kKnownPrograms)
    for (auto dir : boot_paths::kProgramDirs)
      if (root.exists(join_host_path(dir, program))) {
        boot.programs.emplace_back(program);
        break;
      }

  for (auto dir : boot_paths::kModuleDirs) {
    for (const auto& version : root.list_dir(dir))
      if (root.exists(join_host_path(join_host_path(dir, version), "vmlinuz")) &&
          std::find(boot.kernels.begin(), boot.kernels.end(), version) == boot.kernels.end())
        boot.kernels.push_back(version);
  }
  std::sort(boot.kernels.begin(), boot.kernels.end());

  for (auto esp : boot_paths::kEspCandidates) {
    std::string entries_dir = join_host_path(esp, "loader/entries");
    auto entries = files_with_suffix(root, entries_dir, ".conf");
    auto ukis = files_with_suffix(root, join_host_path(esp, "EFI/Linux"), ".efi");
    if (!entries.empty() || !ukis.empty() ||
        root.exists(join_host_path(esp, "loader/loader.conf"))) {
      boot.esp = std::string(esp);
      boot.loader_entries = std::move(entries);
      boot.ukis = std::move(ukis);
      break;
    }
  }
  for (auto cfg : boot_paths::kGrubConfigs)
    if (root.exists(cfg)) {
      boot.grub_config = std::string(cfg);
      break;
    }
  boot.grub_dropins = files_with_suffix(root, std::string(boot_paths::kDefaultGrubDir), ".cfg");
  boot.modprobe_confs = files_with_suffix(root, std::string(boot_paths::kModprobeDir), ".conf");
  auto secure_boot = root.read_attr(boot_paths::kSecureBootEfiVar);
  boot.secure_boot = secure_boot && secure_boot->size() >= 5 && (*secure_boot)[4] == 1;
  boot.signs_ukis = boot.has_program("sbctl") ||
                    file_contains_line_prefix(root, boot_paths::kUkiConf, "SecureBootPrivateKey");
  boot.limine_configs = limine_configs(root);
  if (root.exists(boot_paths::kDefaultLimine)) {
    boot.limine_sources.emplace_back(boot_paths::kDefaultLimine);
    auto dropins = files_with_suffix(root, std::string(boot_paths::kLimineEntryToolDir), ".conf");
    boot.limine_sources.insert(boot.limine_sources.end(), dropins.begin(), dropins.end());
  }

  // Most specific first: an image-based system or a distro tool overrides
  // whatever generic files are also present.
  bool has_default_grub = root.exists(boot_paths::kDefaultGrub);
  bool grub_bls = has_default_grub && file_contains_line_prefix(root, boot_paths::kDefaultGrub,
                                                                "GRUB_ENABLE_BLSCFG=true");
  bool systemd_boot_booted = root.exists(boot_paths::kLoaderInfoEfiVar);
  if (root.exists(boot_paths::kOstreeBooted)) {
    boot.bootloader = Bootloader::kRpmOstree;
    boot.bootloader_evidence = std::string(boot_paths::kOstreeBooted);
  } else if (root.exists(boot_paths::kKernelstubConfig)) {
    boot.bootloader = Bootloader::kKernelstub;
    boot.bootloader_evidence = std::string(boot_paths::kKernelstubConfig);
  } else if (!systemd_boot_booted && grub_bls && !boot.grub_config.empty() &&
             boot.has_program("grubby")) {
    boot.bootloader = Bootloader::kGrubby;
    boot.bootloader_evidence =
        "GRUB_ENABLE_BLSCFG=true in /etc/default/grub, " + boot.grub_config + " and grubby";
  } else if (!systemd_boot_booted && has_default_grub && !boot.grub_config.empty()) {
    boot.bootloader = Bootloader::kGrub;
    boot.bootloader_evidence = "/etc/default/grub and " + boot.grub_config;
  } else if (!boot.limine_sources.empty()) {
    // Checked before /etc/kernel/cmdline: limine-entry-tool systems often have one too,
    // but their entries come from /etc/default/limine.
    boot.bootloader = Bootloader::kLimine;
    boot.bootloader_evidence = std::string(boot_paths::kDefaultLimine) + " (limine-entry-tool)";
  } else if (root.exists(boot_paths::kKernelCmdline)) {
    boot.bootloader = Bootloader::kKernelInstall;
    boot.bootloader_evidence = std::string(boot_paths::kKernelCmdline);
  } else if (!boot.loader_entries.empty()) {
    boot.bootloader = Bootloader::kSystemdBoot;
    boot.bootloader_evidence = boot.esp + "/loader/entries";
  } else if (!boot.limine_configs.empty()) {
    boot.bootloader = Bootloader::kLimine;
    boot.bootloader_evidence = join(boot.limine_configs, ", ");
  }

  // Ubuntu 25.10 replaced initramfs-tools with dracut. A system upgraded to it keeps
  // /etc/initramfs-tools (conffiles stay until purged) and may keep an update-initramfs
  // wrapper; only mkinitramfs (initramfs-tools-core) says the tool is still installed.
  bool initramfs_tools_evidence =
      root.exists(boot_paths::kInitramfsToolsDir) || boot.has_program("update-initramfs");
  if (boot.has_program("mkinitramfs") ||
      (initramfs_tools_evidence && !boot.has_program("dracut"))) {
    boot.initramfs = InitramfsTool::kInitramfsTools;
    boot.initramfs_evidence = std::string(boot_paths::kInitramfsToolsDir);
  } else if (root.exists(boot_paths::kBoosterYaml) || boot.has_program("booster")) {
    boot.initramfs = InitramfsTool::kBooster;
    boot.initramfs_evidence = std::string(boot_paths::kBoosterYaml);
  } else if (root.exists(boot_paths::kMkinitcpioConf) &&
             (boot.has_program("mkinitcpio") || !boot.has_program("dracut"))) {
    boot.initramfs = InitramfsTool::kMkinitcpio;
    boot.initramfs_evidence = std::string(boot_paths::kMkinitcpioConf);
  } else if (boot.has_program("dracut") || root.exists(boot_paths::kDracutConf) ||
             root.exists(boot_paths::kDracutConfDir)) {
    boot.initramfs = InitramfsTool::kDracut;
    boot.initramfs_evidence =
        boot.has_program("dracut") ? "dracut" : std::string(boot_paths::kDracutConfDir);
  }
  return boot;
}

std::string_view to_string(Bootloader bootloader) {
  switch (bootloader) {
    case Bootloader::kGrub:
      return "GRUB";
    case Bootloader::kGrubby:
      return "GRUB with BLS entries (grubby)";
    case Bootloader::kSystemdBoot:
      return "systemd-boot";
    case Bootloader::kKernelInstall:
      return "kernel-install (/etc/kernel/cmdline)";
    case Bootloader::kKernelstub:
      return "kernelstub";
    case Bootloader::kRpmOstree:
      return "rpm-ostree";
    case Bootloader::kLimine:
      return "Limine";
    case Bootloader::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view to_string(InitramfsTool tool) {
  switch (tool) {
    case InitramfsTool::kMkinitcpio:
      return "mkinitcpio";
    case InitramfsTool::kDracut:
      return "dracut";
    case InitramfsTool::kInitramfsTools:
      return "initramfs-tools";
    case InitramfsTool::kBooster:
      return "booster";
    case InitramfsTool::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace vfg
