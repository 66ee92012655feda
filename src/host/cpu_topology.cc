#include "host/cpu_topology.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "host/sysfs_dir.h"
#include "util/strings.h"

namespace vfg {

std::string_view to_string(CoreType type) {
  switch (type) {
    case CoreType::kPerformance:
      return "performance";
    case CoreType::kEfficiency:
      return "efficiency";
    case CoreType::kUnknown:
      return "";
  }
  return "";
}

std::optional<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  text = trim(text);
  if (text.empty()) return cpus;
  for (const auto& part : split(text, ',')) {
    auto dash = part.find('-');
    auto first = parse_uint(part.substr(0, dash));
    auto last = dash == std::string::npos ? first : parse_uint(part.substr(dash + 1));
    if (!first || !last || *last < *first || *last > 65535) return std::nullopt;
    for (uint64_t cpu = *first; cpu <= *last; ++cpu) cpus.push_back(static_cast<int>(cpu));
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(const std::vector<int>& cpus) {
  std::vector<int> sorted = cpus;
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", sorted[i]) : fmt::format("{}-{}", sorted[i], sorted[j]);
    i = j + 1;
  }
  return out;
}

int CpuTopology::threads_per_core() const {
  size_t most = 1;
  for (const auto& core : cores) most = std::max(most, core.threads.size());
  return static_cast<int>(most);
}

const CpuCore* CpuTopology::core_of(int cpu) const {
  for (const auto& core : cores)
    if (std::find(core.threads.begin(), core.threads.end(), cpu) != core.threads.end())
      return &core;
  return nullptr;
}

namespace {

// isolcpus=[flag,...,]<cpu-list>: flags ("nohz", "domain", "managed_irq")
// come first; the CPU list is what follows them.
std::vector<int> cpus_of_isolcpus(std::string_view value) {
  auto parts = split(value, ',');
  size_t first_list = 0;
  while (first_list < parts.size() && !parts[first_list].empty() &&
         !std::isdigit(static_cast<unsigned char>(parts[first_list][0])))
    ++first_list;
  std::vector<std::string> rest(parts.begin() + static_cast<long>(first_list), parts.end());
  return parse_cpu_list(join(rest, ",")).value_or(std::vector<int>{});
}

}  // namespace

CpuTopology scan_cpu_topology(const HostRoot& root) {
  CpuTopology topology;
  constexpr std::string_view kCpuDir = "/sys/devices/system/cpu";
  std::vector<int> present;
  for (const auto& entry : root.list_dir(kCpuDir)) {
    if (entry.rfind("cpu", 0) != 0) continue;
    auto number = parse_uint(entry.substr(3));
    if (!number || entry.size() == 3 ||
        entry.find_first_not_of("0123456789", 3) != std::string::npos)
      continue;
    present.push_back(static_cast<int>(*number));
  }
  std::sort(present.begin(), present.end());
  auto online = parse_cpu_list(root.read_attr(std::string(kCpuDir) + "/online").value_or(""));
  topology.online = online && !online->empty() ? *online : present;

  // Hybrid Intel parts expose one PMU per core type, each listing its CPUs.
  auto p_cores = parse_cpu_list(root.read_attr("/sys/devices/cpu_core/cpus").value_or(""));
  auto e_cores = parse_cpu_list(root.read_attr("/sys/devices/cpu_atom/cpus").value_or(""));
  std::set<int> performance, efficiency;
  if (p_cores && e_cores && !p_cores->empty() && !e_cores->empty()) {
    topology.hybrid = true;
    performance.insert(p_cores->begin(), p_cores->end());
    efficiency.insert(e_cores->begin(), e_cores->end());
  }

  std::map<int, int> node_of_cpu;
  for (const auto& entry : root.list_dir("/sys/devices/system/node")) {
    if (entry.rfind("node", 0) != 0 || !parse_uint(entry.substr(4))) continue;
    NumaNode node;
    node.id = static_cast<int>(*parse_uint(entry.substr(4)));
    node.cpus = parse_cpu_list(
                    root.read_attr("/sys/devices/system/node/" + entry + "/cpulist").value_or(""))
                    .value_or(std::vector<int>{});
    for (int cpu : node.cpus) node_of_cpu[cpu] = node.id;
    topology.numa_nodes.push_back(std::move(node));
  }
  std::sort(topology.numa_nodes.begin(), topology.numa_nodes.end(),
            [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });

  std::map<std::pair<int, int>, CpuCore> cores;  // (package, core) → core
  std::map<std::vector<int>, int> l3_index;
  std::set<int> packages;
  for (int cpu : topology.online) {
    SysfsDir dir(root, fmt::format("{}/cpu{}", kCpuDir, cpu));
    int package = static_cast<int>(dir.uint_attr("topology/physical_package_id").value_or(0));
    int core_id = static_cast<int>(dir.uint_attr("topology/core_id").value_or(cpu));
    packages.insert(package);
    CpuCore& core = cores[{package, core_id}];
    core.package = package;
    core.core_id = core_id;
    core.threads.push_back(cpu);
    if (performance.contains(cpu)) core.type = CoreType::kPerformance;
    if (efficiency.contains(cpu)) core.type = CoreType::kEfficiency;
    if (auto node = node_of_cpu.find(cpu); node != node_of_cpu.end()) core.numa_node = node->second;
    // The last-level cache is index3 on x86; fall back to the highest index present.
    std::optional<std::string> shared = dir.attr("cache/index3/shared_cpu_list");
    if (shared) {
      auto group = parse_cpu_list(*shared);
      if (group && !group->empty()) {
        auto [it, inserted] = l3_index.try_emplace(*group, static_cast<int>(l3_index.size()));
        core.l3_group = it->second;
      }
    }
  }
  // Number L3 groups by their first CPU so the order is stable.
  std::vector<std::vector<int>> groups(l3_index.size());
  for (const auto& [cpus, index] : l3_index) groups[static_cast<size_t>(index)] = cpus;
  std::vector<size_t> order(groups.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return groups[a] < groups[b]; });
  std::vector<int> renumber(groups.size());
  for (size_t i = 0; i < order.size(); ++i) {
    renumber[order[i]] = static_cast<int>(i);
    topology.l3_groups.push_back(groups[order[i]]);
  }
  for (auto& [key, core] : cores) {
    if (core.l3_group >= 0) core.l3_group = renumber[static_cast<size_t>(core.l3_group)];
    std::sort(core.threads.begin(), core.threads.end());
    topology.cores.push_back(std::move(core));
  }
  std::sort(topology.cores.begin(), topology.cores.end(), [](const CpuCore& a, const CpuCore& b) {
    return a.threads.front() < b.threads.front();
  });
  topology.packages.assign(packages.begin(), packages.end());

  if (auto cpuinfo = root.read_attr("/proc/cpuinfo")) {
    for (const auto& line : split(*cpuinfo, '\n')) {
      if (line.rfind("model name", 0) != 0) continue;
      auto colon = line.find(':');
      if (colon != std::string::npos)
        topology.model_name = std::string(trim(line.substr(colon + 1)));
      break;
    }
  }
  if (auto cmdline = root.read_attr("/proc/cmdline")) {
    for (const auto& word : split_whitespace(*cmdline)) {
      if (word.rfind("isolcpus=", 0) == 0) topology.isolated = cpus_of_isolcpus(word.substr(9));
      if (word.rfind("nohz_full=", 0) == 0)
        topology.nohz_full = parse_cpu_list(word.substr(10)).value_or(std::vector<int>{});
    }
  }
  return topology;
}

}  // namespace vfg
