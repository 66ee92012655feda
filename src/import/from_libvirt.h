// Turning a libvirt domain (`virsh dumpxml`) into a VmConfig. The XML is read
// with pugixml; <qemu:commandline> arguments go through the QEMU importer.
// For --check, libvirt's own `virsh domxml-to-native qemu-argv` gives the
// command line libvirt would run (through its embedded QEMU driver: no daemon).
#pragma once

#include <string>
#include <vector>

#include "import/import_report.h"
#include "util/result.h"

namespace vfg {

/// Imports a domain as VM `name`. Fails on text that is not a domain.
Result<ImportResult> import_libvirt_domain(std::string_view xml, const std::string& name,
                                           const ImportHost& host);

/// libvirt's command line for the domain, from `virsh domxml-to-native` run
/// with the embedded QEMU driver in a scratch directory. The domain is asked
/// for as type 'qemu' with VFIO host devices, so that the conversion works on
/// hosts without KVM or a libvirt daemon; that changes only -accel.
Result<std::vector<std::string>> libvirt_native_argv(std::string_view xml);

}  // namespace vfg
