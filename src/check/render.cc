#include "check/render.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/diagnostics.h"

namespace vfg::check {

namespace {

std::string_view mark(Status status) {
  switch (status) {
    case Status::kPass:
      return "✓";
    case Status::kWarn:
      return "!";
    case Status::kFail:
      return "✗";
  }
  return "?";
}

std::string_view mark_style(Status status) {
  switch (status) {
    case Status::kPass:
      return "1;32";
    case Status::kWarn:
      return "1;33";
    case Status::kFail:
      return "1;31";
  }
  return "0";
}

bool is_vm_finding(const Finding& finding) { return finding.id.rfind("vm.", 0) == 0; }

std::string plural(size_t count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

}  // namespace

std::string render_finding(const Finding& finding, bool colour) {
  std::string text = fmt::format(
      "  {} {}\n", styled(mark(finding.status), mark_style(finding.status), colour), finding.title);
  if (!finding.detail.empty()) text += fmt::format("      {}\n", finding.detail);
  if (!finding.fix.empty() && finding.status != Status::kPass)
    text += fmt::format("      fix: {}\n", finding.fix);
  return text;
}

std::string render_human(const Report& report, bool colour) {
  std::string text = "Host\n";
  for (const auto& finding : report.findings)
    if (!is_vm_finding(finding)) text += render_finding(finding, colour);
  if (!report.vm_name.empty()) {
    text += fmt::format("\nVM '{}'\n", report.vm_name);
    for (const auto& finding : report.findings)
      if (is_vm_finding(finding)) text += render_finding(finding, colour);
  }
  text += fmt::format("\n{}, {}, {}\n", plural(report.count(Status::kPass), "passed", "passed"),
                      plural(report.count(Status::kWarn), "warning", "warnings"),
                      plural(report.count(Status::kFail), "failure", "failures"));
  return text;
}

std::string render_preflight_refusal(const Report& report, bool colour) {
  auto failures = report.failures();
  std::string text =
      fmt::format("vfg: {}: VM '{}' is not ready to start: {}\n", styled("error", "1;31", colour),
                  report.vm_name, plural(failures.size(), "check fails", "checks fail"));
  for (const Finding* finding : failures) text += render_finding(*finding, colour);
  text += fmt::format(
      "  fix the above (`vfg check {0}` shows the whole report), or start anyway with "
      "`vfg start --no-check {0}`\n",
      report.vm_name);
  return text;
}

std::string render_json(const Report& report) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& finding : report.findings) {
    nlohmann::json item = {{"id", finding.id},
                           {"status", status_name(finding.status)},
                           {"title", finding.title},
                           {"detail", finding.detail},
                           {"fix", finding.fix}};
    // Only fixes that are `vfg setup` steps carry files; the key is left out otherwise.
    for (const auto& file : finding.files)
      item["files"].push_back({{"path", file.path}, {"contents", file.contents}});
    findings.push_back(std::move(item));
  }
  nlohmann::json document = {
      {"vm", report.vm_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(report.vm_name)},
      {"status", status_name(report.worst())},
      {"exit_code", report.exit_code()},
      {"summary",
       {{"pass", report.count(Status::kPass)},
        {"warn", report.count(Status::kWarn)},
        {"fail", report.count(Status::kFail)}}},
      {"findings", findings}};
  return document.dump(2) + "\n";
}

}  // namespace vfg::check
