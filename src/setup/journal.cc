#include "setup/journal.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/boot_paths.h"
#include "util/json_record.h"

namespace vfg {

using nlohmann::json;

// The on-disk layout is these declarations; reading requires every key, as a
// journal missing one is damaged (undo must not guess what it restores).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JournalFile, path, existed, backup, mode, uid, gid, written_hash)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(JournalCommand, argv, undo_argv, regenerate, done, ran)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Journal, version, state, files, created_dirs, commands)

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
  auto damaged = [&](std::string_view why) {
    return fail("the setup journal '{}' is damaged ({}); it lists the backups in {}", path, why,
                boot_paths::kBackupDir);
  };
  json doc = parse_json_record((*state)->contents);
  if (doc.is_discarded()) return damaged("not a JSON record of whole numbers");
  try {
    return std::optional<Journal>{doc.get<Journal>()};
  } catch (const json::exception& e) {
    return damaged(e.what());
  }
}

Status save_journal(FileWriter& writer, const Journal& journal) {
  return writer.write(std::string(boot_paths::kJournal), json(journal).dump(2) + "\n", 0600,
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
