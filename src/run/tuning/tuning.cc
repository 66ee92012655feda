#include "run/tuning/tuning.h"

#include <memory>

#include <fmt/format.h>

#include "host/cpu_topology.h"
#include "run/tuning/hugepages.h"
#include "run/tuning/pin_apply.h"
#include "run/vm_state.h"
#include "util/file_io.h"
#include "util/json_record.h"
#include "util/strings.h"

namespace vfg {

namespace {

using Json = nlohmann::json;

// Shared by the steps of one start: what was done, so exactly that is undone.
struct TuningState {
  std::optional<HugepageReservation> hugepages;
  std::optional<AppliedIsolation> isolation;
};

// tuning.json, rewritten as each step is applied: what `vfg status` shows and
// what undo_abandoned_tuning gives back if the supervisor dies.
Status write_record(const std::filesystem::path& record, const Json& doc) {
  return write_file_atomic(record, doc.dump(2) + "\n", 0600, Durability::kVolatile);
}

}  // namespace

Result<Tuning> plan_tuning(const VmConfig& config, const HostRoot& root, bool host_amd,
                           const TuningOptions& options) {
  Tuning tuning;
  tuning.memory = config.memory;
  CpuTopology topology = scan_cpu_topology(root);
  auto pin = plan_pinning(topology, config, PinHost{host_amd});
  if (!pin) return fail(pin.error(), "planning CPU pinning");
  tuning.pin = std::move(*pin);
  tuning.allocate_hugepages =
      options.allocate_hugepages && config.memory.hugepages != HugePages::kNone;
  if (options.allocate_hugepages && config.memory.hugepages == HugePages::kNone)
    tuning.notes.emplace_back("--allocate-hugepages ignored: the VM does not use hugepages");
  if (config.cpu.isolate) {
    if (!tuning.pin.enabled) {
      tuning.notes.emplace_back("cpu.isolate ignored: the vCPUs are not pinned");
    } else {
      tuning.host_cpus = tuning.pin.emulator_cpus;
      tuning.isolation = plan_isolation(config.name, tuning.host_cpus);
    }
  }
  return tuning;
}

std::vector<std::string> describe_tuning(const Tuning& tuning) {
  std::vector<std::string> lines;
  for (const auto& line : describe_pin_plan(tuning.pin)) lines.push_back("pinning: " + line);
  if (uint64_t pages = hugepages_needed(tuning.memory); pages > 0) {
    lines.push_back(
        fmt::format("hugepages: {} pages of {}, preallocated{}", pages,
                    format_bytes(hugepage_bytes(tuning.memory.hugepages)),
                    tuning.allocate_hugepages ? "; reserving what the pool lacks" : ""));
  }
  if (tuning.isolation) {
    lines.push_back(
        fmt::format("isolation: the rest of the system confined to CPU {} while the VM runs",
                    format_cpu_list(tuning.host_cpus)));
  }
  return lines;
}

std::filesystem::path tuning_record_path(const VmPaths& paths) {
  return RuntimeFiles::of(paths).dir / "tuning.json";
}

void add_tuning_steps(LaunchRequest& request, const Tuning& tuning) {
  auto state = std::make_shared<TuningState>();
  std::filesystem::path record = tuning_record_path(request.paths);
  if (tuning.allocate_hugepages) {
    request.before_launch.push_back(
        {"reserving hugepages", [state, record, memory = tuning.memory]() -> Status {
           HostRoot live;
           auto reserved = reserve_hugepages(live, memory);
           if (!reserved) return tl::unexpected(reserved.error());
           state->hugepages = *reserved;
           // Recorded at once, like isolation below: a supervisor killed from
           // here on leaves the next stop or start the count to give back.
           Json doc = {{"hugepages", reserved->to_json()}};
           doc["hugepages"]["pages"] = hugepages_needed(memory);
           return write_record(record, doc);
         }});
  }
  request.before_continue.push_back(
      {"tuning", [state, tuning, record](QmpClient& qmp, pid_t qemu_pid) -> Status {
         Json doc = Json::object();
         if (tuning.isolation) {
           auto applied = apply_isolation(*tuning.isolation, qemu_pid);
           if (!applied) return fail(applied.error(), "isolating the host (cpu.isolate)");
           state->isolation = *applied;
           doc["isolation"] = applied->to_json();
           doc["isolation"]["host_cpus"] = format_cpu_list(tuning.host_cpus);
           doc["isolation"]["scope"] = tuning.isolation->scope;
           // Recorded at once: if the supervisor dies from here on, the next
           // start or stop finds what to give back here.
           if (state->hugepages) doc["hugepages"] = state->hugepages->to_json();
           if (auto written = write_record(record, doc); !written) return written;
         }
         HostRoot live;
         auto applied = apply_pin_plan(qmp, qemu_pid, tuning.pin, live);
         if (!applied) return fail(applied.error(), "pinning vCPUs");
         doc["pinning"] = {{"plan", tuning.pin.to_json()}, {"applied", applied->to_json()}};
         if (uint64_t pages = hugepages_needed(tuning.memory); pages > 0) {
           doc["hugepages"] =
               state->hugepages
                   ? state->hugepages->to_json()
                   : Json{{"page_size", hugepage_bytes(tuning.memory.hugepages)}, {"added", 0}};
           doc["hugepages"]["pages"] = pages;
         }
         return write_record(record, doc);
       }});
  request.after_exit.push_back([state]() {
    // The reverse order of applying.
    if (state->isolation) {
      (void)restore_isolation(*state->isolation);
      state->isolation.reset();
    }
    if (state->hugepages) {
      HostRoot live;
      (void)release_hugepages(live, *state->hugepages);
      state->hugepages.reset();
    }
  });
}

std::optional<Json> read_tuning_record(const VmPaths& paths) {
  auto text = read_file(tuning_record_path(paths));
  if (!text) return std::nullopt;
  Json doc = parse_json_record(*text);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc;
}

Result<std::vector<std::string>> undo_abandoned_tuning(const VmPaths& paths) {
  std::vector<std::string> undone;
  auto record = read_tuning_record(paths);
  if (!record) return undone;
  const std::string where = tuning_record_path(paths).string();
  // The reverse order of applying, as at a normal stop.
  if (record->contains("isolation")) {
    auto applied = AppliedIsolation::from_json((*record)["isolation"]);
    if (!applied) return fail(applied.error(), where);
    if (auto restored = restore_isolation(*applied); !restored)
      return fail(restored.error(), "giving the host back the CPUs cpu.isolate took");
    std::vector<std::string> units;
    for (const auto& unit : applied->units) units.push_back(unit.unit);
    if (!units.empty()) {
      undone.push_back(fmt::format("gave {} back the CPUs an earlier run had confined them to",
                                   join(units, ", ")));
    }
  }
  if (record->contains("hugepages")) {
    auto reservation = HugepageReservation::from_json((*record)["hugepages"]);
    if (!reservation) return fail("{}: the hugepages entry is damaged", where);
    if (reservation->added > 0) {
      HostRoot live;
      if (auto released = release_hugepages(live, *reservation); !released)
        return fail(released.error(), "releasing the hugepages an earlier run reserved");
      undone.push_back(fmt::format("released the {} hugepages of {} an earlier run had reserved",
                                   reservation->added, format_bytes(reservation->page_size)));
    }
  }
  return undone;
}

std::vector<std::string> describe_tuning_record(const Json& record) {
  std::vector<std::string> lines;
  // The record is a file in the runtime directory: a damaged one is said
  // so, never a crash of `vfg status`.
  try {
    if (record.contains("pinning")) {
      const Json& pinning = record["pinning"];
      auto plan = PinPlan::from_json(pinning.value("plan", Json::object()));
      if (plan && plan->enabled) {
        lines.push_back(describe_pin_plan(*plan).front());
        for (const auto& line :
             describe_applied(AppliedPinning::from_json(pinning.value("applied", Json::object()))))
          lines.push_back(line);
      } else if (plan) {
        lines.push_back(describe_pin_plan(*plan).front());
      }
    }
    if (record.contains("hugepages")) {
      const Json& pages = record["hugepages"];
      lines.push_back(
          fmt::format("hugepages: {} pages of {}{}", pages.value("pages", 0),
                      format_bytes(pages.value("page_size", uint64_t{0})),
                      pages.value("added", 0) > 0
                          ? fmt::format(" ({} reserved for this run)", pages.value("added", 0))
                          : ""));
    }
    if (record.contains("isolation")) {
      lines.push_back(fmt::format("isolation: host confined to CPU {}",
                                  record["isolation"].value("host_cpus", "")));
    }
  } catch (const Json::exception&) {
    return {"tuning: the record of this run is damaged"};
  }
  return lines;
}

}  // namespace vfg
