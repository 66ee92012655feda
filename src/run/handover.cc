#include "run/handover.h"

#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/pci_rebind.h"
#include "run/vm_state.h"
#include "util/file_io.h"
#include "util/json_record.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {

namespace {

using Json = nlohmann::json;

/// systemctl waits for the oneshot unit; the service's own writes give up
/// after 20 s each, so this only ends a service that cannot run at all.
constexpr auto kServiceTimeout = std::chrono::seconds(180);

Status write_pending(const VmPaths& paths, const std::vector<PciAddress>& cards,
                     std::string_view phase) {
  Json doc{{"phase", phase}, {"cards", Json::array()}};
  for (const auto& card : cards) doc["cards"].push_back(card.to_string());
  return write_file_atomic(handover_record_path(paths), doc.dump(2) + "\n", 0600,
                           Durability::kVolatile);
}

void forget_pending(const VmPaths& paths) {
  std::error_code ignored;
  std::filesystem::remove(handover_record_path(paths), ignored);
}

/// Returns every card; the lines say what happened to each.
Result<std::vector<std::string>> return_cards(const HostRoot& root,
                                              const std::vector<PciAddress>& cards) {
  std::vector<std::string> lines;
  std::vector<std::string> problems;
  for (const auto& card : cards) {
    auto result = request_handover(root, HandoverOp::kReturn, card);
    if (!result)
      problems.push_back(result.error().message);
    else if (!result->ok)
      problems.push_back(describe_failure(*result));
    else
      lines.push_back(fmt::format("{} ({})", result->message, describe_places(result->functions)));
  }
  if (!problems.empty()) return fail("{}", join(problems, "; "));
  return lines;
}

}  // namespace

std::vector<PciAddress> start_bound_cards(const VmConfig& config) {
  std::vector<PciAddress> cards;
  for (const auto& gpu : config.gpus)
    if (gpu.binding == GpuBinding::kStart)
      if (auto address = PciAddress::parse(gpu.address)) cards.push_back(*address);
  return cards;
}

Result<HandoverResult> request_handover(const HostRoot& root, HandoverOp op,
                                        const PciAddress& card) {
  std::string unit = handover_unit(op, card);
  auto ran = run_command({"systemctl", "start", "--no-ask-password", unit}, kServiceTimeout);
  if (!ran) return fail(ran.error(), fmt::format("asking for {}", unit));
  auto text = root.read_attr(handover_result_path(card));
  auto result = text ? parse_result_json(*text) : std::nullopt;
  // The service removes the old result before it acts: a result here is this request's.
  if (!result || result->op != op) {
    std::string why = trim(ran->err).empty() ? ran->status.describe() : std::string(trim(ran->err));
    return fail(
        "the handover service did not {} {}: {} (details: journalctl -u {}; is `vfg "
        "setup` done for this VM?)",
        to_string(op), card.to_string(), why, unit);
  }
  return *result;
}

std::string describe_failure(const HandoverResult& result) {
  std::string text = result.message;
  for (const auto& holder : result.holders) text += "\n  " + describe(holder);
  return text;
}

void add_handover_steps(LaunchRequest& request, const std::vector<PciAddress>& cards) {
  if (cards.empty()) return;
  VmPaths paths = request.paths;
  // Whether this run holds the cards: a start that failed before (or in)
  // the release has nothing to give back.
  auto released = std::make_shared<bool>(false);
  request.before_launch.push_back(
      {"handing the card over to vfio-pci", [paths, cards, released]() -> Status {
         HostRoot live;
         // Recorded first: a supervisor killed during the release leaves a
         // record the next command finishes from.
         if (auto written = write_pending(paths, cards, "releasing"); !written) return written;
         std::vector<PciAddress> moved;
         for (const auto& card : cards) {
           auto result = request_handover(live, HandoverOp::kRelease, card);
           std::string problem = !result       ? result.error().message
                                 : !result->ok ? describe_failure(*result)
                                               : std::string();
           if (problem.empty()) {
             moved.push_back(card);
             continue;
           }
           if (auto back = return_cards(live, moved); !back)
             return fail("{}; and giving back the cards released before it failed: {}", problem,
                         back.error().message);
           forget_pending(paths);
           return fail("{}", problem);
         }
         *released = true;
         return write_pending(paths, cards, "released");
       }});
  request.after_exit.push_back([paths, cards, released] {
    if (!*released) return;
    HostRoot live;
    if (!write_pending(paths, cards, "returning")) return;
    auto back = return_cards(live, cards);
    if (!back) {
      // Kept: `vfg stop` or the next `vfg start` tries again.
      fmt::print(stderr, "vfg: error: giving the card back to the host: {}\n",
                 back.error().message);
      return;
    }
    for (const auto& line : *back) fmt::print(stderr, "vfg: {}\n", line);
    forget_pending(paths);
  });
}

std::filesystem::path handover_record_path(const VmPaths& paths) {
  return RuntimeFiles::of(paths).handover;
}

std::vector<PciAddress> pending_handover(const VmPaths& paths) {
  std::vector<PciAddress> cards;
  auto text = read_file(handover_record_path(paths));
  if (!text) return cards;
  Json doc = parse_json_record(*text);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("cards") || !doc["cards"].is_array())
    return cards;
  for (const auto& card : doc["cards"])
    if (card.is_string())
      if (auto address = PciAddress::parse(card.get<std::string>())) cards.push_back(*address);
  return cards;
}

std::string describe_places(const std::vector<FunctionPlace>& functions) {
  std::vector<std::string> places;
  for (const auto& place : functions)
    places.push_back(place.address + " on " + (place.driver.empty() ? "no driver" : place.driver));
  return join(places, ", ");
}

std::vector<HandedOverCard> handed_over_cards(const HostRoot& root, const VmPaths& paths) {
  std::vector<HandedOverCard> cards;
  auto allowed = read_handover_allowlist(root);
  for (const auto& card : pending_handover(paths)) {
    std::vector<PciAddress> functions{card};
    if (allowed)
      for (const auto& entry : *allowed)
        if (entry.card == card) functions = entry.functions;
    HandedOverCard status{card.to_string(), {}};
    for (const auto& function : functions)
      status.functions.push_back({function.to_string(), bound_driver(root, function).value_or("")});
    cards.push_back(std::move(status));
  }
  return cards;
}

Result<std::vector<std::string>> finish_abandoned_handover(const HostRoot& root,
                                                           const VmPaths& paths) {
  auto cards = pending_handover(paths);
  if (cards.empty()) {
    forget_pending(paths);
    return std::vector<std::string>{};
  }
  if (auto written = write_pending(paths, cards, "returning"); !written)
    return tl::unexpected(written.error());
  auto back = return_cards(root, cards);
  if (!back) return fail(back.error(), "giving back the card an earlier run released");
  forget_pending(paths);
  return back;
}

}  // namespace vfg
