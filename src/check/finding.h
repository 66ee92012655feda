// The readiness report: a list of findings, each one line of what was found
// and one line of how to fix it, and the exit status that sums them up.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vfg::check {

/// How one finding came out. Ordered by severity.
enum class Status { kPass, kWarn, kFail };

/// "pass", "warn", "fail" (the --json spelling).
std::string_view status_name(Status status);

/// A file a fix writes: exactly what `vfg setup` writes for the same need.
struct FileFix {
  std::string path;
  std::string contents;
};

/// One thing checked.
struct Finding {
  /// Stable identifier for scripts: "iommu.enabled", "vm.device.0000:01:00.0.group".
  std::string id;
  Status status = Status::kPass;
  /// What was found, in one line.
  std::string title;
  /// Evidence or context (may be empty).
  std::string detail;
  /// How to fix it: a command, or the `vfg setup` step that does it. Empty when it passes.
  std::string fix;
  /// The files the fix writes, when it is a `vfg setup` step (the same paths and contents).
  std::vector<FileFix> files;
};

/// Shorthands that keep the check code readable.
Finding pass(std::string id, std::string title, std::string detail = {});
Finding warn(std::string id, std::string title, std::string detail, std::string fix);
Finding failure(std::string id, std::string title, std::string detail, std::string fix);

/// Everything one `vfg check` run found.
struct Report {
  /// The VM checked, or empty for a host-only report.
  std::string vm_name;
  std::vector<Finding> findings;

  /// The worst status of any finding (kPass when there are none).
  [[nodiscard]] Status worst() const;
  /// 0 all good, 1 warnings only, 2 something fails.
  [[nodiscard]] int exit_code() const;
  /// Number of findings with `status`.
  [[nodiscard]] size_t count(Status status) const;
  /// The findings that fail, in order.
  [[nodiscard]] std::vector<const Finding*> failures() const;
  /// The finding with this id, or nullptr.
  [[nodiscard]] const Finding* find(std::string_view id) const;
};

}  // namespace vfg::check
