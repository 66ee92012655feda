// The setup journal: which host files setup manages, what they held before
// (a backup beside the journal), what setup wrote, and which commands ran.
// It is written before anything it describes happens, so an interrupted apply
// or undo can always be finished or taken back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "setup/file_writer.h"
#include "util/result.h"

namespace vfg {

/// One managed file.
struct JournalFile {
  std::string path;
  bool existed = false;  ///< false: setup created it, undo removes it
  std::string backup;    ///< host path of the original's copy (when existed)
  mode_t mode = 0644;    ///< the original's mode and owner, restored on undo
  uid_t uid = 0;
  gid_t gid = 0;
  std::string written_hash;  ///< hash of what setup (last) wrote, for drift
};

/// A command setup ran (or handed over when the target was not the running system).
struct JournalCommand {
  std::vector<std::string> argv;
  std::vector<std::string> undo_argv;
  bool regenerate = false;
  bool done = false;  ///< ran, or was printed for a tree target
  bool ran = false;   ///< actually executed on the running system
};

struct Journal {
  /// "applying", "applied", "undoing" or "restored" (undo only has to clean up).
  int version = 1;  ///< the layout of the file
  std::string state = "applied";
  std::vector<JournalFile> files;
  /// Directories setup created, parents first; undo removes them when empty.
  std::vector<std::string> created_dirs;
  std::vector<JournalCommand> commands;

  [[nodiscard]] JournalFile* find(const std::string& path);
  [[nodiscard]] const JournalFile* find(const std::string& path) const;
};

/// Loads the journal; nullopt when setup has never applied anything (or undid it all).
Result<std::optional<Journal>> load_journal(FileWriter& writer);

/// Writes the journal atomically.
Status save_journal(FileWriter& writer, const Journal& journal);

/// A stable content hash (FNV-1a, 64 bits, hex) for drift detection.
std::string content_hash(std::string_view contents);

/// Where the original of `path` is kept.
std::string backup_path_for(const std::string& path);

}  // namespace vfg
