#include "setup/journal.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/boot_paths.h"

namespace vfg {

namespace {

using nlohmann::json;

json to_json(const Journal& journal) {
  json files = json::array();
  for (const auto& f : journal.files)
    files.push_back({{"path", f.path},
                     {"existed", f.existed},
                     {"backup", f.backup},
                     {"mode", f.mode},
                     {"uid", f.uid},
                     {"gid", f.gid},
                     {"written_hash", f.written_hash}});
  json commands = json::array();
  for (const auto& c : journal.commands)
    commands.push_back({{"argv", c.argv},
                        {"undo_argv", c.undo_argv},
                        {"regenerate", c.regenerate},
                        {"done", c.done},
                        {"ran", c.ran}});
  return {{"version", 1},
          {"state", journal.state},
          {"files", files},
          {"created_dirs", journal.created_dirs},
          {"commands", commands}};
}

Journal from_json(const json& j) {
  Journal journal;
  journal.state = j.at("state").get<std::string>();
  for (const auto& f : j.at("files"))
    journal.files.push_back({f.at("path").get<std::string>(), f.at("existed").get<bool>(),
                             f.at("backup").get<std::string>(), f.at("mode").get<mode_t>(),
                             f.at("uid").get<uid_t>(), f.at("gid").get<gid_t>(),
                             f.at("written_hash").get<std::string>()});
  journal.created_dirs = j.at("created_dirs").get<std::vector<std::string>>();
  for (const auto& c : j.at("commands"))
    journal.commands.push_back({c.at("argv").get<std::vector<std::string>>(),
                                c.at("undo_argv").get<std::vector<std::string>>(),
                                c.at("regenerate").get<bool>(), c.at("done").get<bool>(),
                                c.at("ran").get<bool>()});
  return journal;
}

}  // namespace

JournalFile* Journal::find(const std::string& path) {
  for (auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

const JournalFile* Journal::find(const std::string& path) const {
  for (const auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

Result<std::optional<Journal>> load_journal(FileWriter& writer) {
  std::string path(boot_paths::kJournal);
  auto state = writer.read(path);
  if (!state) return tl::unexpected(state.error());
  if (!*state) return std::optional<Journal>{};
  try {
    return std::optional<Journal>{from_json(json::parse((*state)->contents))};
  } catch (const json::exception& e) {
    return fail("the setup journal '{}' is damaged ({}); it lists the backups in {}", path,
                e.what(), boot_paths::kBackupDir);
  }
}

Status save_journal(FileWriter& writer, const Journal& journal) {
  return writer.write(std::string(boot_paths::kJournal), to_json(journal).dump(2) + "\n", 0600,
                      std::nullopt);
}

std::string content_hash(std::string_view contents) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : contents) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return fmt::format("{:016x}", hash);
}

std::string backup_path_for(const std::string& path) {
  std::string flat = path.substr(path.starts_with('/') ? 1 : 0);
  for (char& c : flat)
    if (c == '/') c = '%';
  return std::string(boot_paths::kBackupDir) + "/" + flat;
}

}  // namespace vfg
