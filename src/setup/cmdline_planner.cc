#include <fmt/format.h>

#include "host/boot_paths.h"
#include "host/host_root.h"
#include "setup/plan_builder.h"
#include "setup/planner.h"
#include "util/host_values.h"
#include "util/strings.h"

namespace vfg {

namespace bp = boot_paths;

std::string params_text(const std::vector<KernelParam>& params) {
  std::vector<std::string> words;
  for (const auto& param : params) words.push_back(param.text());
  return join(words, " ");
}

namespace {

// Setup cannot put the parameters where the kernel gets them: it writes nothing there
// and says what is left to do. The targets still name them, so a readiness check
// keeps asking for them.
void leave_cmdline_to_user(PlanBuilder& b, const std::vector<KernelParam>& wanted,
                           std::string warning) {
  b.plan().warnings.push_back(std::move(warning));
  b.plan().unmet.push_back("kernel parameters " + params_text(wanted));
}

// The params some of the tool's current command lines lack.
std::vector<KernelParam> missing_from_tool(const SetupFacts& facts,
                                           const std::vector<KernelParam>& wanted) {
  if (facts.tool_cmdlines.empty()) return wanted;
  std::vector<KernelParam> missing;
  for (const auto& param : wanted)
    for (const auto& cmdline : facts.tool_cmdlines)
      if (!missing_params(cmdline, {param}).empty()) {
        missing.push_back(param);
        break;
      }
  return missing;
}

}  // namespace

std::vector<std::string> limine_regenerate_command(const BootSetup& boot) {
  // limine-mkinitcpio rebuilds the images where limine.conf points and the config
  // itself; plain `mkinitcpio -P` would write images no entry boots.
  if (boot.initramfs == InitramfsTool::kMkinitcpio && boot.has_program("limine-mkinitcpio"))
    return {"limine-mkinitcpio"};
  return {"limine-update"};
}

// The command that rebuilds boot images from /etc/kernel/cmdline and the initramfs config.
std::vector<std::vector<std::string>> kernel_install_commands(const BootSetup& boot) {
  if (boot.has_program("reinstall-kernels")) return {{"reinstall-kernels"}};
  if (boot.initramfs == InitramfsTool::kMkinitcpio) return {{"mkinitcpio", "-P"}};
  std::vector<std::vector<std::string>> commands;
  for (const auto& kernel : boot.kernels)
    commands.push_back({"kernel-install", "add", kernel,
                        join_host_path(join_host_path(bp::kModuleDirs[0], kernel), "vmlinuz")});
  return commands;
}

namespace {

// Earlier VFIO attempts (a guide's vfio-pci.ids=) that would override setup's binding:
// with two ids= settings the last wins. Dropped wherever setup edits the command line.
std::vector<std::string> conflicting_keys(const SetupRequest& request) {
  if (request.bind.empty()) return {};
  return {"vfio_pci.ids"};  // keys compare with '-' and '_' alike
}

// Tells the plan's reader which earlier settings go, by file and line.
void note_conflicts(PlanBuilder& b, const std::string& path, std::string_view text,
                    const std::vector<std::string>& drop) {
  if (drop.empty()) return;
  size_t number = 0;
  for (auto line : split(text, '\n')) {
    ++number;
    // Quotes (GRUB_CMDLINE_LINUX_DEFAULT="...") would make the whole value one word.
    std::replace_if(
        line.begin(), line.end(), [](char c) { return c == '"' || c == '\''; }, ' ');
    for (const auto& word : find_params(line, drop))
      b.plan().notes.push_back(fmt::format(
          "{}:{}: removes the earlier '{}': a second vfio-pci ids setting would override "
          "setup's binding (the last one wins)",
          path, number, word));
  }
}

// Bash files sourced in order (GRUB's /etc/default/grub then grub.d/*.cfg;
// limine-entry-tool's /etc/default/limine then its drop-ins): the parameters go into
// the last assignment of `variable` in that sequence, the one that takes effect, and
// conflicts leave every assignment of it and of `also_drop_from`. With no assignment
// anywhere, `append_line` + the parameters + '"' is added to the first file.
void plan_sourced_cmdline(PlanBuilder& b, const std::vector<std::string>& sources,
                          const std::string& variable, const std::string& also_drop_from,
                          const std::string& append_line, const std::vector<KernelParam>& wanted,
                          const std::vector<std::string>& drop, const std::string& why) {
  std::optional<std::string> target;
  for (const auto& path : sources)
    if (assigns_shell_var(b.current(path).value_or(""), variable)) target = path;
  for (const auto& path : sources) {
    auto old = b.current(path);
    if (!old) continue;
    bool here = target == path;
    auto edited =
        edit_shell_cmdline_var(*old, variable, here ? wanted : std::vector<KernelParam>{}, drop);
    if (edited && !also_drop_from.empty())
      edited = edit_shell_cmdline_var(*edited, also_drop_from, {}, drop);
    if (!edited) {
      leave_cmdline_to_user(b, wanted,
                            fmt::format("{}: {}; add {} to {} yourself", path,
                                        edited.error().message, params_text(wanted), variable));
      return;
    }
    if (!target && path == sources.front()) {
      if (!edited->empty() && edited->back() != '\n') *edited += '\n';
      *edited += append_line + params_text(wanted) + "\"\n";
      here = true;
    }
    note_conflicts(b, path, *old, drop);
    b.file(path, *edited, FileRole::kKernelCmdline,
           here ? fmt::format("{} (the {} that takes effect)", why, variable)
                : "remove an earlier vfio-pci ids setting");
  }
}

void plan_grub(PlanBuilder& b, const std::vector<KernelParam>& wanted,
               const std::vector<std::string>& drop, const std::string& why) {
  const BootSetup& boot = b.facts().boot;
  std::vector<std::string> sources{std::string(bp::kDefaultGrub)};
  sources.insert(sources.end(), boot.grub_dropins.begin(), boot.grub_dropins.end());
  plan_sourced_cmdline(b, sources, "GRUB_CMDLINE_LINUX_DEFAULT", "GRUB_CMDLINE_LINUX",
                       "GRUB_CMDLINE_LINUX_DEFAULT=\"", wanted, drop, why);
  if (!b.changed(FileRole::kKernelCmdline)) return;
  if (boot.has_program("update-grub") || boot.distro.is_like("debian"))
    b.command({"update-grub"}, "regenerate " + boot.grub_config, true);
  else if (boot.grub_config.find("grub2") != std::string::npos)
    b.command({"grub2-mkconfig", "-o", boot.grub_config}, "regenerate " + boot.grub_config, true);
  else
    b.command({"grub-mkconfig", "-o", boot.grub_config}, "regenerate " + boot.grub_config, true);
}

// Limine: with limine-entry-tool, its sources (never the limine.conf it regenerates
// on the next kernel update); otherwise every limine.conf Limine may read.
void plan_limine(PlanBuilder& b, const std::vector<KernelParam>& wanted,
                 const std::vector<std::string>& drop, const std::string& why) {
  const BootSetup& boot = b.facts().boot;
  if (boot.limine_sources.empty()) {
    for (const auto& config : boot.limine_configs) {
      note_conflicts(b, config, b.current(config).value_or(""), drop);
      b.file(config, edit_limine_config(b.current(config).value_or(""), wanted, drop),
             FileRole::kBootEntry, why);
    }
    return;
  }
  const std::string variable = "KERNEL_CMDLINE[default]";
  bool assigned = std::any_of(boot.limine_sources.begin(), boot.limine_sources.end(),
                              [&](const std::string& path) {
                                return assigns_shell_var(b.current(path).value_or(""), variable);
                              });
  if (assigned) {
    plan_sourced_cmdline(b, boot.limine_sources, variable, "", "", wanted, drop, why);
  } else if (auto fallback = b.current(std::string(bp::kKernelCmdline))) {
    // With no KERNEL_CMDLINE[default], limine-entry-tool takes /etc/kernel/cmdline (then
    // /proc/cmdline); an assignment holding only setup's parameters would boot without
    // root=.
    std::string path(bp::kKernelCmdline);
    note_conflicts(b, path, *fallback, drop);
    b.file(path, set_params(*fallback, wanted, drop), FileRole::kKernelCmdline,
           why + " (limine-entry-tool reads it: no KERNEL_CMDLINE[default] is set)");
  } else {
    leave_cmdline_to_user(
        b, wanted,
        fmt::format("no KERNEL_CMDLINE[default] in {} and no {}: limine-entry-tool reuses the "
                    "running kernel's command line, which setup cannot edit; add "
                    "KERNEL_CMDLINE[default]=\"<your current command line> {}\" to {} yourself",
                    join(boot.limine_sources, ", "), bp::kKernelCmdline, params_text(wanted),
                    boot.limine_sources.front()));
    return;
  }
  if (!b.changed(FileRole::kKernelCmdline)) return;
  auto regenerate = limine_regenerate_command(boot);
  b.command(regenerate, "regenerate limine.conf from /etc/default/limine", true);
}

// Tools that keep the command line themselves: add what is missing, remove conflicts.
void plan_tool_conflicts(PlanBuilder& b, const std::vector<std::string>& drop) {
  std::vector<std::string> found;
  for (const auto& cmdline : b.facts().tool_cmdlines)
    for (const auto& word : find_params(cmdline, drop))
      if (std::find(found.begin(), found.end(), word) == found.end()) found.push_back(word);
  for (const auto& word : found) {
    std::string why = "remove the earlier '" + word + "', which would override setup's binding";
    switch (b.facts().boot.bootloader) {
      case Bootloader::kGrubby:
        b.command({"grubby", "--update-kernel=ALL", "--remove-args=" + word}, why, false,
                  {"grubby", "--update-kernel=ALL", "--args=" + word});
        break;
      case Bootloader::kKernelstub:
        b.command({"kernelstub", "--delete-options", word}, why, false,
                  {"kernelstub", "--add-options", word});
        break;
      case Bootloader::kRpmOstree:
        b.command({"rpm-ostree", "kargs", "--delete-if-present=" + word}, why, false,
                  {"rpm-ostree", "kargs", "--append-if-missing=" + word});
        break;
      default:
        break;
    }
  }
}

}  // namespace

void plan_kernel_cmdline(PlanBuilder& b) {
  const BootSetup& boot = b.facts().boot;
  auto wanted = wanted_kernel_params(b.facts(), b.request());
  auto drop = conflicting_keys(b.request());
  std::string why = "kernel parameters " + params_text(wanted);
  // The command line is sourced by shells (GRUB) and parsed by loaders: nothing but
  // plain words goes in.
  for (const auto& param : wanted)
    if (auto safe = check_kernel_param(param.text()); !safe) {
      leave_cmdline_to_user(
          b, wanted, fmt::format("kernel parameter '{}' {}", param.text(), safe.error().message));
      return;
    }
  switch (boot.bootloader) {
    case Bootloader::kGrub:
      plan_grub(b, wanted, drop, why);
      return;
    case Bootloader::kKernelInstall: {
      if (boot.unsigned_uki_rebuild()) {
        // The rebuilt images would carry the new line but be unsigned (and not boot),
        // while the signed ones ignore any other command line: nothing setup can
        // write takes effect, so it writes nothing and says how to do it.
        leave_cmdline_to_user(
            b, wanted,
            fmt::format(
                "Secure Boot is on and {} is a signed unified kernel image, which ignores an "
                "edited {} and any other command line; add {} with a signed command-line addon "
                "('ukify build --cmdline=\"{}\" --secureboot-private-key=KEY "
                "--secureboot-certificate=CERT --output={}/loader/addons/vfg.addon.efi') or "
                "set up signing (sbctl, or SecureBootPrivateKey= in /etc/kernel/uki.conf) so "
                "rebuilt images are signed, then run setup again",
                boot.ukis.front(), bp::kKernelCmdline, params_text(wanted), params_text(wanted),
                boot.esp));
        // Nor does the plan name them as its targets: no rerun of setup adds them here.
        b.plan().targets.kernel_params.clear();
        return;
      }
      std::string path(bp::kKernelCmdline);
      note_conflicts(b, path, b.current(path).value_or(""), drop);
      b.file(path, set_params(b.current(path).value_or(""), wanted, drop), FileRole::kKernelCmdline,
             why);
      for (const auto& entry : boot.loader_entries) {
        note_conflicts(b, entry, b.current(entry).value_or(""), drop);
        b.file(entry, edit_loader_entry(b.current(entry).value_or(""), wanted, drop),
               FileRole::kBootEntry, why + " (current entry, until it is regenerated)");
      }
      return;  // the rebuild runs with the initramfs one, see plan_initramfs
    }
    case Bootloader::kSystemdBoot:
      for (const auto& entry : boot.loader_entries) {
        note_conflicts(b, entry, b.current(entry).value_or(""), drop);
        b.file(entry, edit_loader_entry(b.current(entry).value_or(""), wanted, drop),
               FileRole::kBootEntry, why);
      }
      return;
    case Bootloader::kLimine:
      plan_limine(b, wanted, drop, why);
      return;
    case Bootloader::kGrubby: {
      plan_tool_conflicts(b, drop);
      auto missing = missing_from_tool(b.facts(), wanted);
      if (missing.empty()) return;
      b.command({"grubby", "--update-kernel=ALL", "--args=" + params_text(missing)},
                "add " + params_text(missing) + " to every boot entry", false,
                {"grubby", "--update-kernel=ALL", "--remove-args=" + params_text(missing)});
      return;
    }
    case Bootloader::kKernelstub: {
      plan_tool_conflicts(b, drop);
      auto missing = missing_from_tool(b.facts(), wanted);
      if (missing.empty()) return;
      b.command({"kernelstub", "--add-options", params_text(missing)},
                "add " + params_text(missing) + " to the kernel options", false,
                {"kernelstub", "--delete-options", params_text(missing)});
      return;
    }
    case Bootloader::kRpmOstree: {
      plan_tool_conflicts(b, drop);
      auto missing = missing_from_tool(b.facts(), wanted);
      if (missing.empty()) return;
      std::vector<std::string> argv{"rpm-ostree", "kargs"};
      std::vector<std::string> undo{"rpm-ostree", "kargs"};
      for (const auto& param : missing) {
        argv.push_back("--append-if-missing=" + param.text());
        undo.push_back("--delete-if-present=" + param.text());
      }
      b.command(argv, "add " + params_text(missing) + " to the next deployment", false, undo);
      return;
    }
    case Bootloader::kUnknown:
      leave_cmdline_to_user(
          b, wanted,
          fmt::format(
              "cannot tell which bootloader this host uses (no /etc/default/grub with a grub.cfg, "
              "loader entries, /etc/kernel/cmdline, kernelstub, rpm-ostree or Limine config); add "
              "these kernel parameters yourself: {}",
              params_text(wanted)));
      return;
  }
}

}  // namespace vfg
