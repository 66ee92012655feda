// What an import produced: the definition and, line by line, what became of
// each part of the source (carried, changed on purpose, or not carried).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "host/block.h"
#include "host/gpu.h"
#include "vm/vm_config.h"

namespace vfg {

/// One line of the import report.
struct ImportNote {
  enum class Kind { kCarried, kChanged, kNotCarried };
  Kind kind = Kind::kCarried;
  std::string source;  ///< the part of the source, as written ("-m 16G", "<hostdev 01:00.0>")
  std::string detail;  ///< where it went, or why it changed / could not be carried
};

struct ImportResult {
  VmConfig config;
  std::vector<ImportNote> notes;

  void carried(std::string source, std::string detail) {
    notes.push_back({ImportNote::Kind::kCarried, std::move(source), std::move(detail)});
  }
  void changed(std::string source, std::string detail) {
    notes.push_back({ImportNote::Kind::kChanged, std::move(source), std::move(detail)});
  }
  void not_carried(std::string source, std::string detail) {
    notes.push_back({ImportNote::Kind::kNotCarried, std::move(source), std::move(detail)});
  }
};

/// The host facts an import uses: the GPU cards (to pass a card whole) and
/// the disks (to replace kernel names such as /dev/nvme0n1p4 by stable ones).
struct ImportHost {
  std::vector<GpuCard> gpus;
  std::vector<Disk> disks;
  /// Where relative paths in the source point (the script's directory) and
  /// what "~/" stands for; empty leaves such paths as they are.
  std::string base_dir;
  std::string home;
};

/// `path` made absolute: "~/x" under `host.home`, "x" under `host.base_dir`.
/// Adds a note to `changes` when it changed it.
std::string absolute_source_path(const ImportHost& host, const std::string& path,
                                 std::vector<std::string>& changes);

/// "carried", "changed", "not carried".
std::string_view to_string(ImportNote::Kind kind);

/// The report as the command prints it, one line per note.
std::string render_import_notes(const std::vector<ImportNote>& notes);

/// The stable name the host has for a block device named by its kernel name
/// ("/dev/nvme0n1p4" → "/dev/disk/by-partuuid/…"); empty when there is none.
std::string stable_block_name(const ImportHost& host, const std::string& path);

/// The path a disk gets in the definition: absolute (see absolute_source_path),
/// and by this host's stable name where the source gives a kernel name. nullopt,
/// with the reason in `problem`, for a kernel name the host has no stable name for.
std::optional<std::string> definition_disk_path(const ImportHost& host, const std::string& path,
                                                std::vector<std::string>& changes,
                                                std::string& problem);

/// The card whose function 0 is `address` ("0000:01:00.0"), or nullptr.
const GpuCard* find_card(const ImportHost& host, const std::string& address);

/// Why PCI functions passed in one slot are kept in extra_args instead of a
/// [[gpu]]: no graphics card there on this host (`card` null), or the card's
/// other functions passed without the card (function0 of the slot).
std::string not_a_passed_card(const GpuCard* card, const std::string& function0);

}  // namespace vfg
