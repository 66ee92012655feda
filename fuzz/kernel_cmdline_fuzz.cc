// The kernel command line where distributions keep it: /etc/default/grub and
// its grub.d drop-ins, /etc/default/limine and limine-entry-tool's drop-ins
// (bash), limine.conf (and the older limine.cfg), Boot Loader Specification
// entries, /etc/kernel/cmdline and /proc/cmdline. The input is any of them;
// every editor setup runs on such a file gets it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "setup/kernel_params.h"

namespace {

const std::vector<vfg::KernelParam> kWanted = {
    {"intel_iommu", "on"}, {"iommu", "pt"}, {"vfio-pci.ids", "10de:2684,10de:22ba"}};
// What setup removes: an earlier binding (also spelled vfio_pci.ids).
const std::vector<std::string> kDrop = {"vfio_pci.ids"};
const std::vector<vfg::KernelParam> kWantedWithoutIds(kWanted.begin(), kWanted.end() - 1);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = vfg::fuzz::as_text(data, size);

  (void)vfg::find_params(text, kDrop);
  std::string set = vfg::set_params(text, kWanted);
  // Without quotes every word stands alone, so each wanted parameter must now be there.
  if (text.find('"') == std::string_view::npos && !vfg::missing_params(set, kWanted).empty())
    std::abort();
  (void)vfg::set_params(text, kWantedWithoutIds, kDrop);

  for (const char* variable : {"GRUB_CMDLINE_LINUX_DEFAULT", "KERNEL_CMDLINE[default]"}) {
    auto edited = vfg::edit_shell_cmdline_var(text, variable, kWantedWithoutIds, kDrop);
    // An edit that succeeded leaves an assignment of the variable for the shell to read.
    if (edited && !vfg::assigns_shell_var(*edited, variable)) std::abort();
  }
  (void)vfg::edit_shell_cmdline_var(text, "GRUB_CMDLINE_LINUX", {}, kDrop);

  (void)vfg::loader_entry_options(text);
  std::string entry = vfg::edit_loader_entry(text, kWantedWithoutIds, kDrop);
  if (vfg::loader_entry_options(entry).empty()) std::abort();  // it always gets an options line
  (void)vfg::edit_limine_config(text, kWantedWithoutIds, kDrop);
  return 0;
}
