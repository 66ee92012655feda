#include "setup/handover_gen.h"

#include <fmt/format.h>

namespace vfg {

std::string handover_unit_text(HandoverOp op, const std::string& vfg_binary) {
  std::string_view what = op == HandoverOp::kRelease
                              ? "Hand PCI card %I to vfio-pci for a VM"
                              : "Give PCI card %I back to its host driver after a VM";
  // The service reads sysfs, /proc and the allowlist, loads modules and writes
  // sysfs and its own state directory: everything else is out of its reach.
  return fmt::format(
      "# Written by vfg setup: GPU handover for VMs with binding = \"start\".\n"
      "# Members of the VM group start it through polkit (50-vfg-handover.rules);\n"
      "# it acts only on the cards in /etc/vfg/handover.allow.\n"
      "[Unit]\n"
      "Description={}\n"
      "Documentation=man:vfg(1)\n"
      "\n"
      "[Service]\n"
      "Type=oneshot\n"
      "ExecStart={} handover-service {} %I\n"
      "TimeoutStartSec=150\n"
      "RuntimeDirectory=vfg-handover\n"
      "RuntimeDirectoryPreserve=yes\n"
      "ProtectSystem=strict\n"
      "ProtectHome=read-only\n"
      "PrivateNetwork=yes\n"
      "NoNewPrivileges=yes\n"
      "RestrictAddressFamilies=AF_UNIX\n",
      what, vfg_binary, to_string(op));
}

std::string handover_polkit_rule(const std::string& group, bool single_gpu) {
  // The unit name is the whole request: a canonical address, nothing else;
  // the service checks it again against the allowlist.
  std::string rule = fmt::format(
      "// Written by vfg setup: members of {0} may start the GPU handover units\n"
      "// (and only those) without a password; the service acts only on the cards\n"
      "// listed in /etc/vfg/handover.allow.\n"
      "polkit.addRule(function (action, subject) {{\n"
      "  if (action.id == \"org.freedesktop.systemd1.manage-units\" &&\n"
      "      action.lookup(\"verb\") == \"start\" &&\n"
      "      subject.isInGroup(\"{0}\") &&\n"
      "      "
      "/^vfg-handover-(release|return)@[0-9a-f]{{4,5}}:[0-9a-f]{{2}}:[0-9a-f]{{2}}\\.[0-7]\\."
      "service$/\n"
      "          .test(action.lookup(\"unit\"))) {{\n"
      "    return polkit.Result.YES;\n"
      "  }}\n"
      "}});\n",
      group);
  if (!single_gpu) return rule;
  // The instance names the user the VM runs as: only that user may ask.
  return rule +
         fmt::format(
             "// Single-GPU mode: a member of {0} may start and stop the run of a VM of\n"
             "// their own (vfg-single-gpu@USER:VM.service), and nobody else's.\n"
             "polkit.addRule(function (action, subject) {{\n"
             "  if (action.id != \"org.freedesktop.systemd1.manage-units\") return;\n"
             "  var verb = action.lookup(\"verb\");\n"
             "  var run = "
             "/^vfg-single-gpu@([a-z_][a-z0-9_-]*):([A-Za-z0-9_][A-Za-z0-9._-]*)\\.service$/\n"
             "      .exec(action.lookup(\"unit\"));\n"
             "  if ((verb == \"start\" || verb == \"stop\") && run && run[1] == subject.user &&\n"
             "      subject.isInGroup(\"{0}\")) {{\n"
             "    return polkit.Result.YES;\n"
             "  }}\n"
             "}});\n",
             group);
}

std::string single_gpu_unit_text(const std::string& vfg_binary) {
  // KillMode=mixed: a stop sends SIGTERM to vfg alone, which ends the VM and
  // gives the display back; whatever is left after it exits is killed.
  // ExecStopPost finishes the way back if vfg itself was killed.
  return fmt::format(
      "# Written by vfg setup: single-GPU mode. `vfg start` starts it for the\n"
      "# user's own VM through polkit (50-vfg-handover.rules); see vfg(1).\n"
      "[Unit]\n"
      "Description=VM %I on the host's only GPU\n"
      "Documentation=man:vfg(1)\n"
      "\n"
      "[Service]\n"
      "Type=simple\n"
      "ExecStart={0} single-gpu-service run %I\n"
      "ExecStopPost={0} single-gpu-service restore %I\n"
      "KillMode=mixed\n"
      "TimeoutStopSec=150\n"
      "# QEMU runs as the user without a login: PAM's limits do not apply, and\n"
      "# passed-through devices need all guest RAM locked.\n"
      "LimitMEMLOCK=infinity\n"
      "RuntimeDirectory=vfg-single-gpu\n"
      "RuntimeDirectoryPreserve=yes\n"
      "StateDirectory=vfg-single-gpu\n",
      vfg_binary);
}

}  // namespace vfg
