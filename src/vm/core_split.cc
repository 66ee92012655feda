#include "vm/core_split.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace vfg {

std::vector<int> threads_of(const std::vector<const CpuCore*>& cores) {
  std::vector<int> cpus;
  for (const CpuCore* core : cores)
    cpus.insert(cpus.end(), core->threads.begin(), core->threads.end());
  std::sort(cpus.begin(), cpus.end());
  return cpus;
}

CoreSplit split_cores(const CpuTopology& topology, uint32_t host_cores) {
  CoreSplit split;
  bool by_isolcpus = !topology.isolated.empty();
  const std::vector<int>& named = by_isolcpus ? topology.isolated : topology.nohz_full;
  std::string_view option = by_isolcpus ? "isolcpus=" : "nohz_full=";
  if (!named.empty()) {
    std::set<int> aside(named.begin(), named.end());
    std::vector<std::string> partly;
    for (const auto& core : topology.cores) {
      size_t in = std::count_if(core.threads.begin(), core.threads.end(),
                                [&](int cpu) { return aside.contains(cpu); });
      (in == core.threads.size() ? split.guest : split.host).push_back(&core);
      if (in > 0 && in < core.threads.size())
        partly.push_back(fmt::format("core of CPUs {} is only partly in {}; it is left to the host",
                                     format_cpu_list(core.threads), option));
    }
    if (!split.guest.empty() && !split.host.empty()) {
      split.set_aside_by = option;
      split.set_aside = named;
      split.notes = std::move(partly);
      return split;
    }
    bool no_whole_core = split.guest.empty();
    split = {};
    if (!topology.cores.empty()) {
      split.notes.push_back(fmt::format("{}{} holds {} core, so the host keeps its usual share",
                                        option, format_cpu_list(named),
                                        no_whole_core ? "no whole" : "every"));
    }
  }
  size_t keep = std::min<size_t>(host_cores, topology.cores.size());
  for (size_t i = 0; i < topology.cores.size(); ++i)
    (i < keep ? split.host : split.guest).push_back(&topology.cores[i]);
  return split;
}

}  // namespace vfg
