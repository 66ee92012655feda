// Carrying out a HostPlan, taking it back, and telling what drifted. Every
// change goes through a FileWriter; the journal is written before the changes
// it describes, so a kill at any point leaves a host `--apply` or `--undo` repairs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "setup/file_writer.h"
#include "setup/journal.h"
#include "setup/plan.h"
#include "util/result.h"

namespace vfg {

/// Runs the regeneration and account commands.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  /// Runs argv with its output streaming to the user; fails on a non-zero exit.
  virtual Status run(const std::vector<std::string>& argv) = 0;
};

/// Runs commands on the running system through the process helper.
class ProcessCommandRunner final : public CommandRunner {
 public:
  Status run(const std::vector<std::string>& argv) override;
};

struct ApplyOptions {
  /// nullptr when the target is a tree, not the running system: commands are
  /// printed for the user to run there, never run against the tree.
  CommandRunner* runner = nullptr;
  /// Progress lines for people.
  std::function<void(const std::string&)> say = [](const std::string&) {};
};

struct ApplyOutcome {
  bool nothing_to_do = false;
  size_t files_written = 0;
  /// Commands that were printed instead of run (tree target).
  std::vector<std::vector<std::string>> not_run;
};

/// Applies the plan: backups and journal first, then directories, files (each
/// replaced atomically), then commands. Also finishes an interrupted apply.
Result<ApplyOutcome> apply_plan(const HostPlan& plan, FileWriter& writer,
                                const ApplyOptions& options);

struct UndoOutcome {
  bool nothing_to_undo = false;
  size_t files_restored = 0;
  size_t files_removed = 0;
  std::vector<std::vector<std::string>> not_run;
};

/// Restores every managed file byte-for-byte (contents, mode, owner), removes
/// the ones setup created and the directories it made, reverses account and
/// kernel-argument commands, and runs the regeneration commands again. Refuses
/// when a managed file was changed since setup wrote it, unless `force`.
Result<UndoOutcome> undo_setup(FileWriter& writer, const ApplyOptions& options, bool force);

/// How a managed file compares with what setup wrote.
enum class Drift { kAsWritten, kChanged, kMissing, kNotYetWritten };

struct FileStatus {
  std::string path;
  Drift drift = Drift::kAsWritten;
  bool created = false;  ///< setup created it (undo removes it)
};

struct SetupStatus {
  bool managed = false;       ///< a journal exists
  std::string journal_state;  ///< "applied", "applying" (interrupted), "undoing" (interrupted)
  std::vector<FileStatus> files;
  size_t pending_files = 0;  ///< files the current plan would still change
  size_t pending_commands = 0;
  std::vector<std::string> unmet;  ///< what the plan leaves to the user (HostPlan::unmet)

  /// True only when nothing is pending or left to the user, no managed file drifted
  /// and no apply or undo was interrupted: the one answer to "does the host match
  /// the plan?".
  [[nodiscard]] bool matches_plan() const;
};

/// Compares the managed files with the journal and counts what the plan still wants.
Result<SetupStatus> setup_status(FileWriter& writer, const HostPlan& plan);

/// "shell-quoted argv" for printing.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace vfg
