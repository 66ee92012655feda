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

std::string handover_polkit_rule(const std::string& group) {
  // The unit name is the whole request: a canonical address, nothing else;
  // the service checks it again against the allowlist.
  return fmt::format(
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
}

}  // namespace vfg
