// Writing a VmConfig as a TOML definition: the one place that turns the value
// back into text, for `vfg new` and `vfg import`. What it writes loads back
// into an equal VmConfig (config_writer_test.cc proves it through the loader).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "vm/vm_config.h"

namespace vfg {

/// Comments to place in the written definition. Paths name where they go:
/// a table ("memory"), an entry of a list ("disk[0]"), the place of a list
/// even when it is empty ("gpu"), or a key ("cpu.cores", "tpm", "disk[1].bus").
struct DefinitionComments {
  /// Lines at the top of the file (without the leading "# ").
  std::vector<std::string> header;
  /// Lines written before a table, list or key.
  std::map<std::string, std::vector<std::string>> before;
  /// A short comment at the end of a key's line.
  std::map<std::string, std::string> trailing;
};

/// The definition of `config` as TOML. Keys that hold their default are left
/// out, except the few every definition spells out so that a reader sees the
/// machine at a glance (os, accel, stop_timeout, memory size, CPU topology and
/// model, firmware type, audio backend, network mode, display type) and the
/// keys `comments` has a comment for. Trailing comments of a block (lines
/// between blank lines) line up in one column.
std::string write_vm_config(const VmConfig& config, const DefinitionComments& comments = {});

/// A TOML basic string holding `text`.
std::string toml_string(std::string_view text);

/// A size as the loader reads it: "16G", "512M", "64K" or plain bytes.
std::string size_text(uint64_t bytes);

}  // namespace vfg
