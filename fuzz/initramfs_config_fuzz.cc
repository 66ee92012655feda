// The initramfs generators' configs setup edits: mkinitcpio.conf (bash
// arrays), /etc/initramfs-tools/modules and /etc/booster.yaml, and os-release,
// which decides among them. The input is any of them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "host/boot_system.h"
#include "setup/initramfs_edit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = vfg::fuzz::as_text(data, size);
  static const std::vector<std::string> modules = {"vfio_pci", "vfio", "vfio_iommu_type1"};
  (void)vfg::edit_mkinitcpio_conf(text, modules);
  (void)vfg::edit_initramfs_tools_modules(text, modules);
  (void)vfg::edit_booster_yaml(text, modules);
  vfg::Distro distro = vfg::parse_os_release(text);
  (void)distro.is_like("debian");
  return 0;
}
