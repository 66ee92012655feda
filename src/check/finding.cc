#include "check/finding.h"

#include <algorithm>

namespace vfg::check {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::kPass:
      return "pass";
    case Status::kWarn:
      return "warn";
    case Status::kFail:
      return "fail";
  }
  return "fail";
}

Finding pass(std::string id, std::string title, std::string detail) {
  return Finding{std::move(id), Status::kPass, std::move(title), std::move(detail), {}, {}};
}

Finding warn(std::string id, std::string title, std::string detail, std::string fix) {
  return Finding{std::move(id),     Status::kWarn,  std::move(title),
                 std::move(detail), std::move(fix), {}};
}

Finding failure(std::string id, std::string title, std::string detail, std::string fix) {
  return Finding{std::move(id),     Status::kFail,  std::move(title),
                 std::move(detail), std::move(fix), {}};
}

Status Report::worst() const {
  Status worst = Status::kPass;
  for (const auto& finding : findings) worst = std::max(worst, finding.status);
  return worst;
}

int Report::exit_code() const {
  switch (worst()) {
    case Status::kPass:
      return 0;
    case Status::kWarn:
      return 1;
    case Status::kFail:
      return 2;
  }
  return 2;
}

size_t Report::count(Status status) const {
  return static_cast<size_t>(std::count_if(findings.begin(), findings.end(),
                                           [&](const auto& f) { return f.status == status; }));
}

std::vector<const Finding*> Report::failures() const {
  std::vector<const Finding*> result;
  for (const auto& finding : findings)
    if (finding.status == Status::kFail) result.push_back(&finding);
  return result;
}

const Finding* Report::find(std::string_view id) const {
  for (const auto& finding : findings)
    if (finding.id == id) return &finding;
  return nullptr;
}

}  // namespace vfg::check
