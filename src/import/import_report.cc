#include "import/import_report.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "vm/config_syntax.h"

namespace vfg {

std::string_view to_string(ImportNote::Kind kind) {
  switch (kind) {
    case ImportNote::Kind::kCarried:
      return "carried";
    case ImportNote::Kind::kChanged:
      return "changed";
    case ImportNote::Kind::kNotCarried:
      return "not carried";
  }
  return "?";
}

std::string render_import_notes(const std::vector<ImportNote>& notes) {
  std::string out;
  for (const auto& note : notes)
    out += fmt::format("{:<12} {}: {}\n", to_string(note.kind), note.source, note.detail);
  return out;
}

std::string stable_block_name(const ImportHost& host, const std::string& path) {
  for (const auto& disk : host.disks) {
    if (disk.dev_path == path || "/dev/" + disk.name == path) {
      std::string stable = disk.stable_path();
      return stable == path ? "" : stable;
    }
    for (const auto& part : disk.partitions) {
      if ("/dev/" + part.name != path) continue;
      // by-partuuid survives reformatting and a changed model string; prefer it.
      auto partuuid = std::find_if(
          part.stable_names.begin(), part.stable_names.end(),
          [](const std::string& name) { return name.find("/by-partuuid/") != std::string::npos; });
      if (partuuid != part.stable_names.end()) return *partuuid;
      return part.stable_names.empty() ? "" : part.stable_names.front();
    }
  }
  return "";
}

std::string absolute_source_path(const ImportHost& host, const std::string& path,
                                 std::vector<std::string>& changes) {
  if (path.starts_with("~/") && !host.home.empty()) {
    changes.push_back(fmt::format("{} is under $HOME ({})", path, host.home));
    return host.home + path.substr(1);
  }
  if (!path.empty() && path[0] != '/' && !host.base_dir.empty()) {
    std::string absolute =
        (std::filesystem::path(host.base_dir) / path).lexically_normal().string();
    changes.push_back(fmt::format("{} is relative; taken from the script's directory", path));
    return absolute;
  }
  return path;
}

std::optional<std::string> definition_disk_path(const ImportHost& host, const std::string& path,
                                                std::vector<std::string>& changes,
                                                std::string& problem) {
  std::string absolute = absolute_source_path(host, path, changes);
  if (!is_block_device_path(absolute) || !is_unstable_block_device_name(absolute)) return absolute;
  std::string stable = stable_block_name(host, absolute);
  if (stable.empty()) {
    problem = fmt::format(
        "{} is a kernel name that can point at another disk after a reboot, and "
        "this host has no stable name for it; add the disk by its "
        "/dev/disk/by-id name ('vfg devices disks')",
        absolute);
    return std::nullopt;
  }
  changes.push_back(
      fmt::format("{} is a kernel name that can change at boot; this host's stable "
                  "name for it is {}",
                  absolute, stable));
  return stable;
}

const GpuCard* find_card(const ImportHost& host, const std::string& address) {
  for (const auto& card : host.gpus) {
    PciAddress function0 = card.gpu;
    function0.function = 0;
    if (function0.to_string() == address) return &card;
  }
  return nullptr;
}

std::string not_a_passed_card(const GpuCard* card, const std::string& function0) {
  if (card == nullptr)
    return "not a GPU on this host: vfg's [[gpu]] holds graphics cards only; kept in extra_args";
  return fmt::format(
      "other functions of the graphics card at {}, passed without the card: a [[gpu]] would "
      "pass the card too; kept in extra_args",
      function0);
}

}  // namespace vfg
