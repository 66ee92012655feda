// Editing the initramfs generators' configs so the vfio modules load first and
// /etc/modprobe.d (with setup's options and softdeps) is inside the image.
// Edits keep the user's formatting: comments, array layout, other modules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace vfg {

/// mkinitcpio.conf: puts `modules` at the front of MODULES=(...) in that order
/// (moving them if they are elsewhere in the array) and adds `modconf` to HOOKS
/// when it is missing. Fails when the arrays cannot be parsed.
Result<std::string> edit_mkinitcpio_conf(std::string_view conf,
                                         const std::vector<std::string>& modules);

/// /etc/initramfs-tools/modules: appends the modules it does not list yet.
std::string edit_initramfs_tools_modules(std::string_view file,
                                         const std::vector<std::string>& modules);

/// /etc/booster.yaml: adds the modules to `modules_force_load`.
std::string edit_booster_yaml(std::string_view yaml, const std::vector<std::string>& modules);

/// A dracut conf.d drop-in forcing the modules to load early.
std::string dracut_force_drivers_conf(const std::vector<std::string>& modules);

}  // namespace vfg
