// The plan under construction, shared by the planner's parts (modules, initramfs,
// access in planner.cc; the kernel command line in cmdline_planner.cc).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "setup/kernel_params.h"
#include "setup/plan.h"
#include "setup/request.h"

namespace vfg {

/// Collects file edits and commands; a file already as wanted is left out.
class PlanBuilder {
 public:
  PlanBuilder(const SetupFacts& facts, const SetupRequest& request)
      : facts_(facts), request_(request) {}

  std::optional<std::string> current(const std::string& path) const {
    auto it = facts_.files.find(path);
    if (it == facts_.files.end()) return std::nullopt;
    return it->second;
  }

  /// Adds the file unless it already has these contents.
  void file(const std::string& path, std::string contents, FileRole role, std::string why,
            NeedKind need = NeedKind::kOther) {
    auto old = current(path);
    bool in_place = old && *old == contents;
    plan_.targets.files.push_back({path, contents, role, in_place, need});
    if (in_place) return;
    plan_.files.push_back({path, old, std::move(contents), 0644, role, std::move(why)});
  }

  void command(std::vector<std::string> argv, std::string why, bool regenerate,
               std::vector<std::string> undo = {}) {
    for (const auto& existing : plan_.commands)
      if (existing.argv == argv) return;
    plan_.commands.push_back({std::move(argv), std::move(why), std::move(undo), regenerate});
  }

  bool changed(FileRole role) const {
    return std::any_of(plan_.files.begin(), plan_.files.end(),
                       [&](const FileEdit& edit) { return edit.role == role; });
  }

  HostPlan& plan() { return plan_; }
  const SetupFacts& facts() const { return facts_; }
  const SetupRequest& request() const { return request_; }

 private:
  const SetupFacts& facts_;
  const SetupRequest& request_;
  HostPlan plan_;
};

/// "iommu=pt intel_iommu=on" for people and for tools' arguments.
std::string params_text(const std::vector<KernelParam>& params);

/// The commands that rebuild boot images from /etc/kernel/cmdline and the initramfs config.
std::vector<std::vector<std::string>> kernel_install_commands(const BootSetup& boot);

/// limine-entry-tool systems: the command that regenerates limine.conf (and, with
/// mkinitcpio, the images it boots).
std::vector<std::string> limine_regenerate_command(const BootSetup& boot);

/// Puts the wanted kernel parameters where this host's bootloader takes them from,
/// and removes earlier vfio-pci ids settings there.
void plan_kernel_cmdline(PlanBuilder& b);

}  // namespace vfg
