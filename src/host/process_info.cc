#include "host/process_info.h"

#include <unistd.h>

#include "util/strings.h"

namespace vfg {

std::optional<ProcessStat> parse_process_stat(std::string_view text) {
  // "PID (COMM) STATE PPID ..."; COMM may itself contain spaces and ')', so
  // the fields resume after the last ')'.
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  auto pid = parse_uint(trim(text.substr(0, open)));
  std::vector<std::string> fields = split_whitespace(text.substr(close + 1));
  // fields[0] is field 3 (state); start time is field 22, i.e. fields[19].
  if (!pid || fields.size() < 20 || fields[0].size() != 1) return std::nullopt;
  auto ppid = parse_uint(fields[1]);
  auto start = parse_uint(fields[19]);
  if (!ppid || !start) return std::nullopt;
  ProcessStat stat;
  stat.pid = static_cast<pid_t>(*pid);
  stat.comm = std::string(text.substr(open + 1, close - open - 1));
  stat.state = fields[0][0];
  stat.ppid = static_cast<pid_t>(*ppid);
  stat.start_ticks = *start;
  return stat;
}

std::optional<ProcessStat> read_process_stat(const HostRoot& root, pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto text = root.read_attr("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  return parse_process_stat(*text);
}

std::optional<double> read_system_uptime(const HostRoot& root) {
  auto text = root.read_attr("/proc/uptime");
  if (!text) return std::nullopt;
  auto fields = split_whitespace(*text);
  if (fields.empty()) return std::nullopt;
  char* end = nullptr;
  double seconds = std::strtod(fields[0].c_str(), &end);
  if (end == fields[0].c_str()) return std::nullopt;
  return seconds;
}

std::optional<double> process_run_time(const HostRoot& root, pid_t pid) {
  auto stat = read_process_stat(root, pid);
  auto uptime = read_system_uptime(root);
  if (!stat || !uptime) return std::nullopt;
  double started =
      static_cast<double>(stat->start_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  return *uptime > started ? *uptime - started : 0.0;
}

}  // namespace vfg
