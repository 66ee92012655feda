// What /proc says about one process: enough to tell whether a recorded pid
// is still the process we started (pid reuse) and how long it has run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <sys/types.h>

#include "host/host_root.h"

namespace vfg {

/// The fields of /proc/PID/stat the tool uses.
struct ProcessStat {
  pid_t pid = 0;
  /// The executable's name as the kernel shows it (at most 15 characters).
  std::string comm;
  /// R, S, D, Z, T, ...
  char state = '?';
  pid_t ppid = 0;
  /// When the process started, in clock ticks after boot (field 22).
  uint64_t start_ticks = 0;
};

/// Reads /proc/PID/stat; nullopt if the process does not exist (or the line is malformed).
std::optional<ProcessStat> read_process_stat(const HostRoot& root, pid_t pid);

/// Parses the text of a /proc/PID/stat file.
std::optional<ProcessStat> parse_process_stat(std::string_view text);

/// Seconds since boot, from /proc/uptime.
std::optional<double> read_system_uptime(const HostRoot& root);

/// How long the process has been running, in seconds; nullopt if it does not exist.
std::optional<double> process_run_time(const HostRoot& root, pid_t pid);

}  // namespace vfg
