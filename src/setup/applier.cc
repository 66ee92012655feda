#include "setup/applier.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/boot_paths.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {

namespace {

namespace bp = boot_paths;

// "/a/b/c" → {"/a", "/a/b"}: the directories above a path, top first.
std::vector<std::string> ancestors(const std::string& path) {
  std::vector<std::string> out;
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1))
    out.push_back(path.substr(0, slash));
  return out;
}

// Setup's own state directories (and what lies above them) go last on undo:
// the journal must outlive every other step.
bool is_state_dir(const std::string& dir) {
  std::string state(bp::kStateDir);
  return dir == bp::kBackupDir || state == dir || state.starts_with(dir + "/");
}

Status note_missing_dirs(FileWriter& writer, Journal& journal, const std::string& path) {
  for (const auto& dir : ancestors(path))
    if (!writer.is_directory(dir) &&
        std::find(journal.created_dirs.begin(), journal.created_dirs.end(), dir) ==
            journal.created_dirs.end())
      journal.created_dirs.push_back(dir);
  return ok();
}

Status make_recorded_dirs(FileWriter& writer, const Journal& journal) {
  for (const auto& dir : journal.created_dirs)
    if (!writer.is_directory(dir))
      if (auto made = writer.make_directory(dir); !made) return made;
  return ok();
}

// Runs or hands over one command; returns false in `ran` when it was only printed.
Status run_or_print(const std::vector<std::string>& argv, const ApplyOptions& options,
                    std::vector<std::vector<std::string>>& not_run) {
  if (!options.runner) {
    options.say("  not run (target is not this system): " + command_line(argv));
    not_run.push_back(argv);
    return ok();
  }
  options.say("  running: " + command_line(argv));
  return options.runner->run(argv);
}

// Backups left by an apply killed before its first journal write: the files
// they copy were never touched, so they can go.
Status remove_orphans(FileWriter& writer) {
  for (const auto& name : writer.list(std::string(bp::kBackupDir)))
    if (auto removed = writer.remove(std::string(bp::kBackupDir) + "/" + name); !removed)
      return removed;
  for (const auto& dir : {std::string(bp::kBackupDir), std::string(bp::kStateDir)})
    if (auto removed = writer.remove_directory_if_empty(dir); !removed) return removed;
  return ok();
}

// A write killed between creating its temporary file and renaming it leaves
// ".NAME.vfg-XXXXXX" beside NAME (util/file_io.cc). Every directory setup writes in
// is swept before an apply or undo, so no kill point leaves a stray file behind.
Status remove_write_litter(FileWriter& writer, const std::vector<std::string>& paths) {
  std::vector<std::string> dirs{std::string(bp::kStateDir), std::string(bp::kBackupDir)};
  for (const auto& path : paths) {
    std::string dir = path.substr(0, path.rfind('/'));
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
  }
  constexpr std::string_view kMarker = ".vfg-";
  for (const auto& dir : dirs)
    for (const auto& name : writer.list(dir)) {
      size_t marker = name.rfind(kMarker);
      bool litter = name.starts_with('.') && marker != std::string::npos && marker > 1 &&
                    name.size() == marker + kMarker.size() + 6;
      if (!litter) continue;
      if (auto removed = writer.remove(dir + "/" + name); !removed) return removed;
    }
  return ok();
}

std::vector<std::string> journal_paths(const Journal& journal) {
  std::vector<std::string> paths;
  for (const auto& file : journal.files) paths.push_back(file.path);
  return paths;
}

// Last step of an undo: setup's own state (backups, the journal, then its directories).
Result<UndoOutcome> finish_undo(FileWriter& writer, const Journal& journal, UndoOutcome outcome) {
  for (const auto& file : journal.files)
    if (file.existed)
      if (auto removed = writer.remove(file.backup); !removed)
        return tl::unexpected(removed.error());
  if (auto removed = writer.remove(std::string(bp::kJournal)); !removed)
    return tl::unexpected(removed.error());
  if (auto cleaned = remove_orphans(writer); !cleaned) return tl::unexpected(cleaned.error());
  for (auto it = journal.created_dirs.rbegin(); it != journal.created_dirs.rend(); ++it)
    if (is_state_dir(*it))
      if (auto removed = writer.remove_directory_if_empty(*it); !removed)
        return tl::unexpected(removed.error());
  return outcome;
}

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
  std::vector<std::string> quoted;
  for (const auto& word : argv) quoted.push_back(shell_quote(word));
  return join(quoted, " ");
}

Status ProcessCommandRunner::run(const std::vector<std::string>& argv) {
  SpawnOptions options;
  options.argv = argv;
  options.stdout_mode = Stdio::kInherit;
  options.stderr_mode = Stdio::kInherit;
  auto child = spawn(options);
  if (!child) return fail(child.error(), command_line(argv));
  auto status = child->wait();
  if (!status) return fail(status.error(), command_line(argv));
  if (!status->success()) return fail("'{}' {}", command_line(argv), status->describe());
  return ok();
}

Result<ApplyOutcome> apply_plan(const HostPlan& plan, FileWriter& writer,
                                const ApplyOptions& options) {
  ApplyOutcome outcome;
  auto loaded = load_journal(writer);
  if (!loaded) return tl::unexpected(loaded.error());
  Journal journal = loaded->value_or(Journal{});
  if (loaded->has_value() && (journal.state == "undoing" || journal.state == "restored"))
    return fail("an undo was interrupted; run 'vfg setup --undo' to finish it first");
  std::vector<std::string> touched = journal_paths(journal);
  for (const auto& edit : plan.files) touched.push_back(edit.path);
  if (auto swept = remove_write_litter(writer, touched); !swept)
    return tl::unexpected(swept.error());
  bool pending = std::any_of(journal.commands.begin(), journal.commands.end(),
                             [](const JournalCommand& c) { return !c.done; });
  // A tree target never sees its commands run, so the facts keep asking for
  // them (the user is still not in the group); once handed over, they are done.
  std::vector<PlanCommand> commands;
  for (const auto& command : plan.commands) {
    bool handed_over =
        !options.runner &&
        std::any_of(journal.commands.begin(), journal.commands.end(), [&](const JournalCommand& c) {
          return c.done && !c.ran && c.argv == command.argv;
        });
    if (!handed_over) commands.push_back(command);
  }
  if (plan.files.empty() && commands.empty() && !pending && journal.state == "applied") {
    outcome.nothing_to_do = true;
    return outcome;
  }
  if (journal.state == "applying") options.say("finishing an interrupted apply");

  // 1. Where backups and the journal live.
  if (auto noted = note_missing_dirs(writer, journal, backup_path_for("/x")); !noted)
    return tl::unexpected(noted.error());
  if (auto made = make_recorded_dirs(writer, journal); !made) return tl::unexpected(made.error());

  // 2. Back up each original once (the first apply's copy is the one undo restores)
  //    and record the intent, before any managed file changes.
  for (const auto& edit : plan.files) {
    if (!journal.find(edit.path)) {
      auto current = writer.read(edit.path);
      if (!current) return tl::unexpected(current.error());
      JournalFile entry{edit.path, current->has_value(), {}, edit.mode, 0, 0, {}};
      if (*current) {
        entry.backup = backup_path_for(edit.path);
        entry.mode = (*current)->mode;
        entry.uid = (*current)->uid;
        entry.gid = (*current)->gid;
        if (auto saved = writer.write(entry.backup, (*current)->contents, 0600, std::nullopt);
            !saved)
          return tl::unexpected(saved.error().with_context("backing up " + edit.path));
      }
      journal.files.push_back(std::move(entry));
    }
    journal.find(edit.path)->written_hash = content_hash(edit.new_contents);
    if (auto noted = note_missing_dirs(writer, journal, edit.path); !noted)
      return tl::unexpected(noted.error());
  }
  for (const auto& command : commands) {
    bool queued =
        std::any_of(journal.commands.begin(), journal.commands.end(),
                    [&](const JournalCommand& c) { return !c.done && c.argv == command.argv; });
    if (!queued)
      journal.commands.push_back(
          {command.argv, command.undo_argv, command.regenerate, false, false});
  }
  journal.state = "applying";
  if (auto saved = save_journal(writer, journal); !saved) return tl::unexpected(saved.error());

  // 3. Directories, then the files, each replaced atomically.
  if (auto made = make_recorded_dirs(writer, journal); !made) return tl::unexpected(made.error());
  for (const auto& edit : plan.files) {
    const JournalFile* entry = journal.find(edit.path);
    std::optional<std::pair<uid_t, gid_t>> owner;
    if (entry->existed) owner = std::make_pair(entry->uid, entry->gid);
    options.say(fmt::format("  {} {}", edit.old_contents ? "write" : "create", edit.path));
    if (auto written = writer.write(edit.path, edit.new_contents, entry->mode, owner); !written)
      return tl::unexpected(written.error());
    ++outcome.files_written;
  }

  // 4. Commands, each marked done as it finishes so a rerun continues after it.
  for (auto& command : journal.commands) {
    if (command.done) continue;
    if (auto ran = run_or_print(command.argv, options, outcome.not_run); !ran) {
      (void)save_journal(writer, journal);
      return fail(ran.error(),
                  "a command failed; fix the cause and run 'vfg setup --apply' again to "
                  "continue, or 'vfg setup --undo'");
    }
    command.done = true;
    command.ran = options.runner != nullptr;
    if (auto saved = save_journal(writer, journal); !saved) return tl::unexpected(saved.error());
  }
  journal.state = "applied";
  if (auto saved = save_journal(writer, journal); !saved) return tl::unexpected(saved.error());
  return outcome;
}

Result<UndoOutcome> undo_setup(FileWriter& writer, const ApplyOptions& options, bool force) {
  UndoOutcome outcome;
  auto loaded = load_journal(writer);
  if (!loaded) return tl::unexpected(loaded.error());
  if (auto swept = remove_write_litter(
          writer, *loaded ? journal_paths(**loaded) : std::vector<std::string>{});
      !swept)
    return tl::unexpected(swept.error());
  if (!*loaded) {
    if (auto cleaned = remove_orphans(writer); !cleaned) return tl::unexpected(cleaned.error());
    outcome.nothing_to_undo = true;
    return outcome;
  }
  Journal journal = **loaded;
  if (journal.state == "restored") return finish_undo(writer, journal, outcome);

  // A file changed by hand since setup wrote it would lose that change: say so first.
  std::vector<std::string> drifted;
  for (const auto& file : journal.files) {
    auto current = writer.read(file.path);
    if (!current) return tl::unexpected(current.error());
    if (!*current) {
      if (file.existed) drifted.push_back(file.path + " (removed)");
      continue;
    }
    if (content_hash((*current)->contents) == file.written_hash) continue;
    if (file.existed) {
      auto backup = writer.read(file.backup);
      if (backup && *backup && (*backup)->contents == (*current)->contents) continue;
    }
    drifted.push_back(file.path);
  }
  if (!drifted.empty() && !force)
    return fail(
        "changed since setup wrote them: {}; undo would replace those changes with the "
        "originals (run with --force to do so)",
        join(drifted, ", "));

  journal.state = "undoing";
  if (auto saved = save_journal(writer, journal); !saved) return tl::unexpected(saved.error());

  for (auto it = journal.files.rbegin(); it != journal.files.rend(); ++it) {
    if (it->existed) {
      auto backup = writer.read(it->backup);
      if (!backup) return tl::unexpected(backup.error());
      if (!*backup) return fail("the backup of {} ({}) is missing", it->path, it->backup);
      options.say("  restore " + it->path);
      if (auto restored = writer.write(it->path, (*backup)->contents, it->mode,
                                       std::make_pair(it->uid, it->gid));
          !restored)
        return tl::unexpected(restored.error());
      ++outcome.files_restored;
    } else {
      options.say("  remove " + it->path);
      if (auto removed = writer.remove(it->path); !removed) return tl::unexpected(removed.error());
      ++outcome.files_removed;
    }
  }
  for (auto it = journal.created_dirs.rbegin(); it != journal.created_dirs.rend(); ++it)
    if (!is_state_dir(*it))
      if (auto removed = writer.remove_directory_if_empty(*it); !removed)
        return tl::unexpected(removed.error());

  // Reverse what commands changed, newest first, then regenerate from the restored files.
  std::vector<std::vector<std::string>> reversed;
  for (auto it = journal.commands.rbegin(); it != journal.commands.rend(); ++it) {
    if (!it->done || it->undo_argv.empty()) continue;
    if (std::find(reversed.begin(), reversed.end(), it->undo_argv) != reversed.end()) {
      it->done = false;
      continue;
    }
    reversed.push_back(it->undo_argv);
    if (auto ran = run_or_print(it->undo_argv, options, outcome.not_run); !ran) {
      (void)save_journal(writer, journal);
      return fail(ran.error(), "undo stopped; fix the cause and run 'vfg setup --undo' again");
    }
    it->done = false;
    if (auto saved = save_journal(writer, journal); !saved) return tl::unexpected(saved.error());
  }
  std::vector<std::vector<std::string>> regenerated;
  for (const auto& command : journal.commands) {
    if (!command.regenerate ||
        std::find(regenerated.begin(), regenerated.end(), command.argv) != regenerated.end())
      continue;
    regenerated.push_back(command.argv);
    if (auto ran = run_or_print(command.argv, options, outcome.not_run); !ran)
      return fail(ran.error(),
                  "the files are restored but regenerating failed; fix the cause and run "
                  "'vfg setup --undo' again");
  }

  // From here on the files are the originals: a rerun only cleans up.
  journal.state = "restored";
  if (auto saved = save_journal(writer, journal); !saved) return tl::unexpected(saved.error());
  return finish_undo(writer, journal, outcome);
}

bool SetupStatus::matches_plan() const {
  return pending_files + pending_commands == 0 && unmet.empty() &&
         (journal_state.empty() || journal_state == "applied") &&
         std::all_of(files.begin(), files.end(),
                     [](const FileStatus& f) { return f.drift == Drift::kAsWritten; });
}

Result<SetupStatus> setup_status(FileWriter& writer, const HostPlan& plan) {
  SetupStatus status;
  status.pending_files = plan.files.size();
  status.pending_commands = plan.commands.size();
  status.unmet = plan.unmet;
  auto loaded = load_journal(writer);
  if (!loaded) return tl::unexpected(loaded.error());
  if (!*loaded) return status;
  status.managed = true;
  status.journal_state = (*loaded)->state;
  // Commands already run (or handed over for a tree) are not pending again.
  status.pending_commands = 0;
  for (const auto& command : plan.commands)
    if (std::none_of((*loaded)->commands.begin(), (*loaded)->commands.end(),
                     [&](const JournalCommand& c) { return c.done && c.argv == command.argv; }))
      ++status.pending_commands;
  for (const auto& file : (*loaded)->files) {
    FileStatus entry{file.path, Drift::kAsWritten, !file.existed};
    auto current = writer.read(file.path);
    if (!current) return tl::unexpected(current.error());
    bool planned = std::any_of(plan.files.begin(), plan.files.end(),
                               [&](const FileEdit& e) { return e.path == file.path; });
    if (!*current)
      entry.drift = Drift::kMissing;
    else if (content_hash((*current)->contents) != file.written_hash)
      entry.drift =
          planned && status.journal_state == "applying" ? Drift::kNotYetWritten : Drift::kChanged;
    status.files.push_back(entry);
  }
  return status;
}

}  // namespace vfg
