// Editing kernel command lines where they live, keeping every other parameter,
// comment, quote and space exactly as the user wrote it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace vfg {

/// A kernel parameter: "iommu=pt" is {iommu, pt}; a bare flag has an empty value.
struct KernelParam {
  std::string key;
  std::string value;

  /// "key=value" or "key".
  [[nodiscard]] std::string text() const;
  bool operator==(const KernelParam&) const = default;
};

/// Parses "key=value" / "key".
KernelParam parse_kernel_param(std::string_view word);

/// The params that `cmdline` lacks or sets to another value. Keys compare with
/// '-' and '_' treated alike, as the kernel does for module parameters.
std::vector<KernelParam> missing_params(std::string_view cmdline,
                                        const std::vector<KernelParam>& wanted);

/// The words of `cmdline` whose key is one of `keys` ("vfio-pci.ids=10de:2684").
std::vector<std::string> find_params(std::string_view cmdline,
                                     const std::vector<std::string>& keys);

/// Sets each param in a whitespace-separated command line: an existing word with
/// the same key is replaced in place, a missing one is appended. Words whose key
/// is in `drop` are removed with the blanks before them. Everything else (other
/// words, spacing, a trailing newline) is kept.
std::string set_params(std::string_view cmdline, const std::vector<KernelParam>& wanted,
                       const std::vector<std::string>& drop = {});

/// Edits a shell variable assignment such as GRUB_CMDLINE_LINUX_DEFAULT in
/// /etc/default/grub: the last active assignment is rewritten keeping its quote
/// style and anything after the closing quote; a missing one is appended. Keys in
/// `drop` are removed from every active assignment.
Result<std::string> edit_shell_cmdline_var(std::string_view file, std::string_view variable,
                                           const std::vector<KernelParam>& wanted,
                                           const std::vector<std::string>& drop = {});

/// True when the shell text has an active `variable=` assignment.
bool assigns_shell_var(std::string_view file, std::string_view variable);

/// Edits every `options` line of a Boot Loader Specification entry; an entry
/// without one gets one.
std::string edit_loader_entry(std::string_view entry, const std::vector<KernelParam>& wanted,
                              const std::vector<std::string>& drop = {});

/// Edits every command line of a Limine config (`cmdline:` / `kernel_cmdline:`
/// in limine.conf, `CMDLINE=` / `KERNEL_CMDLINE=` in the older limine.cfg).
std::string edit_limine_config(std::string_view config, const std::vector<KernelParam>& wanted,
                               const std::vector<std::string>& drop = {});

/// The command line a loader entry passes (its `options` lines joined).
std::string loader_entry_options(std::string_view entry);

}  // namespace vfg
