#include "host/card_handover.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>

#include "host/pci_rebind.h"
#include "util/file_io.h"
#include "util/json_record.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {

namespace {

using Json = nlohmann::json;
constexpr std::string_view kVfioDriver = "vfio-pci";

/// Where one function was before its release: what the return restores.
struct FunctionRecord {
  std::string address;
  std::string driver;
  std::string module;
  std::vector<std::string> nodes;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FunctionRecord, address, driver, module, nodes)

std::string state_path(const PciAddress& card, std::string_view suffix) {
  return join_host_path(handover_paths::kStateDir, card.to_string() + std::string(suffix));
}

std::string record_path(const PciAddress& card) { return state_path(card, ".record.json"); }

/// Writes a file of the state directory (root's tmpfs), atomically.
Status write_state(const HostRoot& root, const std::string& host_path, const std::string& text) {
  HostRoot::Parent parent = root.open_parent(host_path);
  if (!parent.dir)
    return fail("cannot open {}: {}", handover_paths::kStateDir, std::strerror(errno));
  return write_file_atomic_at(parent.dir.get(), parent.name, host_path, text, 0644,
                              Durability::kVolatile);
}

void remove_state(const HostRoot& root, const std::string& host_path) {
  HostRoot::Parent parent = root.open_parent(host_path);
  if (parent.dir) ::unlinkat(parent.dir.get(), parent.name.c_str(), 0);
}

std::optional<std::vector<FunctionRecord>> read_records(const HostRoot& root,
                                                        const PciAddress& card) {
  auto text = root.read_attr(record_path(card));
  if (!text) return std::nullopt;
  try {
    Json doc = parse_json_record(*text);
    if (doc.is_discarded()) return std::nullopt;
    return doc.get<std::vector<FunctionRecord>>();
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Result<std::vector<AllowedCard>> read_handover_allowlist(const HostRoot& root) {
  std::string_view path = handover_paths::kAllowlist;
  auto status = root.file_status(path);
  if (!status)
    return fail("{} does not exist: run `vfg setup` for a VM with binding = \"start\"", path);
  if (status->st_uid != 0 || (status->st_mode & 022) != 0 || !S_ISREG(status->st_mode))
    return fail("{} must be a file owned by root and writable by no one else", path);
  auto text = root.read_file(path);
  if (!text) return tl::unexpected(text.error());
  return parse_allowlist(*text, path);
}

namespace {

std::vector<FunctionPlace> places(const HostRoot& root, const std::vector<PciAddress>& functions) {
  std::vector<FunctionPlace> result;
  for (const auto& function : functions)
    result.push_back({function.to_string(), bound_driver(root, function).value_or("")});
  return result;
}

Status load_module(std::string_view module, const HandoverOptions& options) {
  options.log(fmt::format("loading module {}", module));
  auto ran = run_command({"modprobe", std::string(module)}, std::chrono::seconds(60));
  if (!ran) return tl::unexpected(ran.error());
  if (!ran->status.success())
    return fail("modprobe {} {}: {}", module, ran->status.describe(), trim(ran->err));
  return ok();
}

void release(const HostRoot& root, const PciAddress& card, const std::vector<PciAddress>& functions,
             const HandoverOptions& options, HandoverResult& result) {
  if (std::all_of(functions.begin(), functions.end(), [&](const PciAddress& function) {
        return bound_driver(root, function) == kVfioDriver;
      })) {
    result.ok = true;
    result.message = fmt::format("{} is on vfio-pci already", card.to_string());
    return;
  }
  for (const auto& function : functions) {
    auto holders = device_holders(root, function);
    result.holders.insert(result.holders.end(), holders.begin(), holders.end());
  }
  if (!result.holders.empty()) {
    result.message = fmt::format("{} is in use on the host; nothing was changed", card.to_string());
    for (const auto& holder : result.holders) options.log("holder: " + describe(holder));
    return;
  }
  // An earlier release that was never returned keeps the original drivers.
  if (!read_records(root, card)) {
    std::vector<FunctionRecord> records;
    for (const auto& function : functions) {
      FunctionRecord record{function.to_string(), bound_driver(root, function).value_or(""), "",
                            function_device_nodes(root, function)};
      if (!record.driver.empty()) record.module = driver_module(root, record.driver).value_or("");
      records.push_back(std::move(record));
    }
    if (auto written = write_state(root, record_path(card), Json(records).dump(2) + "\n");
        !written) {
      result.message = written.error().message;
      return;
    }
  }
  if (!root.exists(join_host_path("/sys/bus/pci/drivers", kVfioDriver)))
    if (auto loaded = load_module(kVfioDriver, options); !loaded) {
      result.message = loaded.error().message;
      return;
    }
  std::vector<PciAddress> moved;
  for (const auto& function : functions) {
    std::string from = bound_driver(root, function).value_or("no driver");
    if (auto bound = bind_function_to(root, function, kVfioDriver, options.write_deadline);
        !bound) {
      result.message = bound.error().message;
      options.log("release failed: " + result.message);
      // Put back what moved, so a failed start leaves the card as it was.
      for (const auto& back : moved)
        if (auto rebound = rebind_function_to_default(root, back, options.write_deadline))
          options.log(
              fmt::format("{}: back on {}", back.to_string(), rebound->value_or("no driver")));
      return;
    }
    options.log(fmt::format("{}: {} -> vfio-pci", function.to_string(), from));
    moved.push_back(function);
    auto reset = reset_function(root, function, options.write_deadline);
    if (!reset)
      options.log(fmt::format("{}: reset failed: {}", function.to_string(), reset.error().message));
    else if (*reset)
      options.log(fmt::format("{}: reset", function.to_string()));
  }
  result.ok = true;
  result.message = fmt::format("released {} to vfio-pci", card.to_string());
}

/// How long a driver that bound may take to register its devices: an HDA
/// controller probes its codecs after the bind returns.
constexpr auto kNodesDeadline = std::chrono::seconds(30);

/// Why a returned function is not back as recorded, or empty when it is.
std::string not_back(const HostRoot& root, const PciAddress& function,
                     const FunctionRecord& record) {
  auto driver = bound_driver(root, function);
  if (!record.driver.empty() && driver != record.driver)
    return fmt::format("{} is bound to {} after the return, not {}", record.address,
                       driver.value_or("no driver"), record.driver);
  if (record.driver.empty() || record.nodes.empty()) return {};
  auto deadline = std::chrono::steady_clock::now() + kNodesDeadline;
  while (function_device_nodes(root, function).empty()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return fmt::format("{} is back on {} but its device nodes ({}) did not come back within {} s",
                         record.address, record.driver, join(record.nodes, ", "),
                         kNodesDeadline.count());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}

void give_back(const HostRoot& root, const PciAddress& card,
               const std::vector<PciAddress>& functions, const HandoverOptions& options,
               HandoverResult& result) {
  std::vector<std::string> groups;
  for (const auto& function : functions) {
    auto group = root.link_basename(join_host_path("/sys/bus/pci/devices", function.to_string()) +
                                    "/iommu_group");
    if (group) groups.push_back(join_host_path("/dev/vfio", *group));
  }
  result.holders = node_holders(root, groups);
  if (!result.holders.empty()) {
    result.message =
        fmt::format("{} is still in use by a VM; nothing was changed", card.to_string());
    return;
  }
  auto records = read_records(root, card).value_or(std::vector<FunctionRecord>{});
  auto record_of = [&](const PciAddress& function) {
    for (const auto& record : records)
      if (record.address == function.to_string()) return record;
    return FunctionRecord{function.to_string(), "", "", {}};
  };
  std::vector<std::string> problems;
  // The card's last function leaves first, as it came.
  for (auto it = functions.rbegin(); it != functions.rend(); ++it) {
    FunctionRecord record = record_of(*it);
    auto driver = bound_driver(root, *it);
    auto override_value =
        root.read_attr(join_host_path("/sys/bus/pci/devices", record.address) + "/driver_override");
    bool overridden = override_value && *override_value != "(null)";
    if (driver != kVfioDriver && !overridden && (record.driver.empty() || driver == record.driver))
      continue;  // never released, or back already
    if (!record.module.empty() && !root.exists(join_host_path("/sys/module", record.module))) {
      if (auto loaded = load_module(record.module, options); !loaded) {
        problems.push_back(loaded.error().message);
        continue;
      }
      // A freshly loaded driver probes the free function itself.
      if (!overridden && bound_driver(root, *it) == record.driver) continue;
    }
    auto rebound = rebind_function_to_default(root, *it, options.write_deadline);
    if (!rebound) {
      problems.push_back(rebound.error().message);
      continue;
    }
    options.log(fmt::format("{}: {} -> {}", record.address, driver.value_or("no driver"),
                            rebound->value_or("no driver")));
  }
  for (const auto& function : functions)
    if (auto problem = not_back(root, function, record_of(function)); !problem.empty())
      problems.push_back(problem);
  if (!problems.empty()) {
    result.message = join(problems, "; ");
    return;
  }
  remove_state(root, record_path(card));
  result.ok = true;
  result.message = fmt::format("returned {} to the host", card.to_string());
}

}  // namespace

std::optional<HandoverOp> parse_handover_op(std::string_view text) {
  if (text == "release") return HandoverOp::kRelease;
  if (text == "return") return HandoverOp::kReturn;
  return std::nullopt;
}

std::string_view to_string(HandoverOp op) {
  return op == HandoverOp::kRelease ? "release" : "return";
}

CardBinding card_binding(const GpuCard& card, const PciDevices& devices,
                         const std::vector<AllowedCard>& handover) {
  for (const auto& entry : handover)
    if (entry.card == card.gpu) return CardBinding::kStart;
  const PciFunction* gpu = devices.find(card.gpu);
  if (gpu != nullptr && gpu->driver && gpu->driver->rfind("vfio", 0) == 0)
    return CardBinding::kBoot;
  return CardBinding::kHost;
}

std::string_view to_string(CardBinding binding) {
  switch (binding) {
    case CardBinding::kHost:
      return "host";
    case CardBinding::kBoot:
      return "boot";
    case CardBinding::kStart:
      return "start";
  }
  return "host";
}

std::string handover_unit_template(HandoverOp op) {
  return fmt::format("vfg-handover-{}@.service", to_string(op));
}

std::string handover_unit(HandoverOp op, const PciAddress& card) {
  return fmt::format("vfg-handover-{}@{}.service", to_string(op), card.to_string());
}

std::string render_allowlist(const std::vector<std::vector<std::string>>& cards) {
  std::string text =
      "# Written by vfg setup: the cards the handover service may move between their\n"
      "# host driver and vfio-pci (VMs with binding = \"start\"). One card per line:\n"
      "# function 0, then the functions that go with it.\n";
  for (const auto& functions : cards) text += join(functions, " ") + "\n";
  return text;
}

Result<std::vector<AllowedCard>> parse_allowlist(std::string_view text, std::string_view file) {
  std::vector<AllowedCard> cards;
  size_t number = 0;
  for (const auto& raw : split(text, '\n')) {
    ++number;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    AllowedCard card;
    for (const auto& word : split_whitespace(line)) {
      auto address = PciAddress::parse(word);
      if (!address || address->to_string() != word)
        return fail("{}:{}: '{}' is not a PCI address like 0000:01:00.0", file, number, word);
      card.functions.push_back(*address);
    }
    card.card = card.functions.front();
    cards.push_back(std::move(card));
  }
  return cards;
}

std::string handover_result_path(const PciAddress& card) {
  return state_path(card, ".result.json");
}

std::string result_json(const HandoverResult& result) {
  Json holders = Json::array();
  for (const auto& holder : result.holders)
    holders.push_back({{"pid", holder.pid},
                       {"comm", holder.comm},
                       {"uid", holder.uid},
                       {"user", holder.user},
                       {"node", holder.node}});
  Json functions = Json::array();
  for (const auto& place : result.functions)
    functions.push_back({{"address", place.address}, {"driver", place.driver}});
  return Json{{"card", result.card},       {"op", to_string(result.op)}, {"ok", result.ok},
              {"message", result.message}, {"holders", holders},         {"functions", functions}}
             .dump(2) +
         "\n";
}

std::optional<HandoverResult> parse_result_json(std::string_view text) {
  try {
    Json doc = parse_json_record(text);
    if (doc.is_discarded()) return std::nullopt;
    HandoverResult result;
    result.card = doc.at("card").get<std::string>();
    auto op = parse_handover_op(doc.at("op").get<std::string>());
    if (!op) return std::nullopt;
    result.op = *op;
    result.ok = doc.at("ok").get<bool>();
    result.message = doc.at("message").get<std::string>();
    for (const auto& holder : doc.at("holders"))
      result.holders.push_back({holder.at("pid").get<pid_t>(), holder.at("comm").get<std::string>(),
                                holder.at("uid").get<uid_t>(), holder.at("user").get<std::string>(),
                                holder.at("node").get<std::string>()});
    for (const auto& place : doc.at("functions"))
      result.functions.push_back(
          {place.at("address").get<std::string>(), place.at("driver").get<std::string>()});
    return result;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

Result<HandoverResult> serve_handover(const HostRoot& root, HandoverOp op,
                                      std::string_view card_text, const HandoverOptions& options) {
  auto card = PciAddress::parse(card_text);
  if (!card || card->to_string() != card_text)
    return fail("'{}' is not a PCI address like 0000:01:00.0", card_text);
  auto allowed = read_handover_allowlist(root);
  if (!allowed) return tl::unexpected(allowed.error());
  auto listed = std::find_if(allowed->begin(), allowed->end(),
                             [&](const AllowedCard& entry) { return entry.card == *card; });
  if (listed == allowed->end())
    return fail("{} is not on the handover allowlist {}", card_text, handover_paths::kAllowlist);
  std::vector<PciAddress> functions;
  for (const auto& function : listed->functions) {
    if (!root.exists(join_host_path("/sys/bus/pci/devices", function.to_string())))
      return fail("no PCI device at {} (listed for {} in {})", function.to_string(), card_text,
                  handover_paths::kAllowlist);
    functions.push_back(function);
  }

  if (auto made = make_directories(root.path(handover_paths::kStateDir), 0755); !made)
    return tl::unexpected(made.error());
  // One request per card at a time; a second one is refused, not queued.
  UniqueFd lock =
      root.open(state_path(*card, ".lock"), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (!lock) return fail("cannot open the lock of {}: {}", card_text, std::strerror(errno));
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
    return fail("another handover of {} is in progress", card_text);
  remove_state(root, handover_result_path(*card));

  HandoverResult result;
  result.card = card->to_string();
  result.op = op;
  std::vector<std::string> before;
  for (const auto& place : places(root, functions))
    before.push_back(place.address + " on " + (place.driver.empty() ? "no driver" : place.driver));
  options.log(fmt::format("{} {}: {}", to_string(op), result.card, join(before, ", ")));
  if (op == HandoverOp::kRelease)
    release(root, *card, functions, options, result);
  else
    give_back(root, *card, functions, options, result);
  result.functions = places(root, functions);
  options.log(result.message);
  if (auto written = write_state(root, handover_result_path(*card), result_json(result)); !written)
    options.log("cannot write the result file: " + written.error().message);
  return result;
}

}  // namespace vfg
