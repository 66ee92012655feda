#include "vm/firmware.h"

#include <algorithm>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <fnmatch.h>
#include <nlohmann/json.hpp>

#include "host/boot_paths.h"
#include "host/boot_system.h"
#include "host/qemu_firmware_dirs.h"
#include "util/file_io.h"
#include "util/strings.h"

namespace vfg {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// One descriptor file that survived overriding: where it is and its text.
struct Descriptor {
  std::string label;  ///< path shown to the user
  std::string text;
};

/// Collects descriptors by file name; a more specific directory replaces a
/// less specific one, and an empty file there hides it.
std::map<std::string, Descriptor> collect(const FirmwareSearch& search) {
  std::map<std::string, Descriptor> by_name;
  auto add = [&](const std::string& name, std::string label, std::optional<std::string> text) {
    if (name.size() < 6 || name.substr(name.size() - 5) != ".json") return;
    by_name[name] = Descriptor{std::move(label), text.value_or("")};
  };
  if (search.root != nullptr) {
    for (std::string_view dir : kQemuFirmwareSystemDirs) {
      for (const auto& name : search.root->list_dir(dir)) {
        std::string host_path = join_host_path(dir, name);
        auto text = search.root->read_file(host_path);
        add(name, host_path, text ? std::optional(*text) : std::nullopt);
      }
    }
  }
  if (!search.user_dir.empty()) {
    std::error_code error;
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(search.user_dir, error)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      fs::path path = search.user_dir / name;
      auto text = read_file(path);
      add(name, path.string(), text ? std::optional(*text) : std::nullopt);
    }
  }
  return by_name;
}

bool contains(const json& list, std::string_view value) {
  if (!list.is_array()) return false;
  return std::any_of(list.begin(), list.end(), [&](const json& item) {
    return item.is_string() && item.get<std::string>() == value;
  });
}

bool matches_machine(const json& targets, const std::string& machine) {
  if (!targets.is_array()) return false;
  for (const auto& target : targets) {
    if (target.value("architecture", "") != "x86_64") continue;
    const json& machines = target.value("machines", json::array());
    for (const auto& glob : machines) {
      if (glob.is_string() && ::fnmatch(glob.get<std::string>().c_str(), machine.c_str(), 0) == 0) {
        return true;
      }
    }
  }
  return false;
}

/// The files of a usable split-flash UEFI descriptor for `machine`, else nullopt.
std::optional<FirmwareFiles> usable(const Descriptor& descriptor, const std::string& machine) {
  json doc = json::parse(descriptor.text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  if (!contains(doc.value("interface-types", json::array()), "uefi")) return std::nullopt;
  const json& mapping = doc.value("mapping", json::object());
  if (mapping.value("device", "") != "flash") return std::nullopt;
  // Combined and stateless images have no separate variable store to copy.
  if (mapping.value("mode", "split") != "split") return std::nullopt;
  if (!matches_machine(doc.value("targets", json::array()), machine)) return std::nullopt;
  const json& executable = mapping.value("executable", json::object());
  const json& nvram = mapping.value("nvram-template", json::object());
  if (!executable.contains("filename") || !nvram.contains("filename")) return std::nullopt;
  FirmwareFiles files;
  files.descriptor = descriptor.label;
  files.code = executable.value("filename", "");
  files.code_format = executable.value("format", "raw");
  files.vars_template = nvram.value("filename", "");
  files.vars_format = nvram.value("format", "raw");
  const json& features = doc.value("features", json::array());
  files.secure_boot = contains(features, "secure-boot") && contains(features, "enrolled-keys");
  files.secure_boot_unenrolled = contains(features, "secure-boot") && !files.secure_boot;
  files.requires_smm = contains(features, "requires-smm");
  return files;
}

/// What to do on this distribution when its descriptors offer Secure Boot
/// only without Microsoft's keys (`unenrolled`: such a build), which
/// Windows 11 needs to boot its installer.
std::string enrolled_keys_hint(const HostRoot* root, const FirmwareFiles& unenrolled) {
  Distro distro;
  if (root != nullptr) {
    if (auto text = root->read_file(boot_paths::kOsRelease)) distro = parse_os_release(*text);
  }
  if (distro.is_like("arch")) {
    // Arch's edk2-ovmf builds Secure Boot but ships no enrolled variable store.
    return fmt::format(
        "Arch's edk2-ovmf has no variable store with Microsoft's keys; enroll them into a copy "
        "(sudo pacman -S virt-firmware; virt-fw-vars --input {} --output ~/OVMF_VARS.ms.fd "
        "--secure-boot --enroll-redhat) and set firmware.code = \"{}\" and firmware.vars to "
        "that copy",
        unenrolled.vars_template, unenrolled.code);
  }
  if (distro.is_like("fedora")) return "sudo dnf install edk2-ovmf (its *-sb-enrolled build)";
  if (distro.is_like("debian")) return "sudo apt install ovmf (its OVMF_VARS_4M.ms.fd build)";
  return "install OVMF with Microsoft's keys enrolled (Debian/Ubuntu: ovmf, Fedora: edk2-ovmf), "
         "or set firmware.code and firmware.vars";
}

}  // namespace

Result<FirmwareFiles> find_firmware(const FirmwareSearch& search, const FirmwareRequest& request) {
  std::map<std::string, Descriptor> descriptors = collect(search);
  std::optional<FirmwareFiles> fallback;
  std::optional<FirmwareFiles> unenrolled;  // Secure Boot without Microsoft's keys
  std::vector<std::string> considered;
  for (const auto& [name, descriptor] : descriptors) {
    if (descriptor.text.empty()) continue;  // masked by an empty override
    considered.push_back(descriptor.label);
    auto files = usable(descriptor, request.machine);
    if (!files) continue;
    if (request.secure_boot) {
      if (files->secure_boot) return *files;
      if (files->secure_boot_unenrolled && !unenrolled) unenrolled = files;
      continue;
    }
    // Without Secure Boot, prefer a build that needs no SMM (simpler, faster to boot).
    if (!files->requires_smm && !files->secure_boot) return *files;
    if (!fallback) fallback = files;
  }
  if (fallback) return *fallback;
  if (unenrolled) {
    return fail(
        "the QEMU firmware descriptors offer Secure Boot only without Microsoft's keys enrolled "
        "({}), which Windows needs; {}",
        unenrolled->descriptor, enrolled_keys_hint(search.root, *unenrolled));
  }
  std::string wanted =
      request.secure_boot ? "UEFI firmware with Secure Boot and enrolled keys" : "UEFI firmware";
  if (considered.empty()) {
    return fail(
        "no QEMU firmware descriptors found; install OVMF (Debian/Ubuntu: ovmf, Fedora "
        "and Arch: edk2-ovmf) or set firmware.code and firmware.vars");
  }
  return fail(
      "none of the QEMU firmware descriptors ({}) offers {} for machine '{}'; install "
      "OVMF (Debian/Ubuntu: ovmf, Fedora and Arch: edk2-ovmf) or set firmware.code and "
      "firmware.vars",
      join(considered, ", "), wanted, request.machine);
}

Result<fs::path> ensure_vars_copy(const FirmwareFiles& firmware, const fs::path& copy) {
  std::error_code error;
  if (fs::exists(copy, error)) return copy;
  auto contents = read_file(firmware.vars_template);
  if (!contents) return fail(contents.error(), "copying the firmware variable store");
  if (auto made = make_directories(copy.parent_path(), 0700); !made) {
    return tl::unexpected(made.error());
  }
  if (auto written = write_file_atomic(copy, *contents, 0600); !written) {
    return fail(written.error(), "copying the firmware variable store");
  }
  return copy;
}

}  // namespace vfg
