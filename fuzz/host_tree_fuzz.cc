// A host tree (--root, a snapshot from another machine) as the boot-chain
// detection and the system-state reader see it: os-release, the account files
// (/etc/passwd, /etc/group), the process's /proc/self/status and limits,
// /proc/cmdline, /proc/interrupts, /proc/cpuinfo, the boot configs whose
// contents decide the bootloader, and the Secure Boot variable. The input is
// the files' contents separated by NUL bytes, in the order of kFiles; a file
// past the last part is absent.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "fuzz_support.h"
#include "host/boot_paths.h"
#include "host/boot_system.h"
#include "host/host_root.h"
#include "host/system_state.h"

namespace {

namespace bp = vfg::boot_paths;
namespace fs = std::filesystem;

// Host paths of the tree's files, in the order the input's parts fill them.
constexpr std::array<std::string_view, 13> kFiles = {
    bp::kOsRelease,         bp::kPasswdFile,  bp::kGroupFile,     "/proc/self/status",
    "/proc/self/limits",    "/proc/cmdline",  "/proc/interrupts", "/proc/cpuinfo",
    bp::kKernelInstallConf, bp::kDefaultGrub, bp::kKernelCmdline, bp::kSecureBootEfiVar,
    "/boot/limine.conf"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path tree = [] {
    fs::path made = vfg::fuzz::scratch_dir() / "tree";
    for (auto file : kFiles)
      fs::create_directories(made / fs::path(file).relative_path().parent_path());
    return made;
  }();
  std::string_view rest = vfg::fuzz::as_text(data, size);
  bool more = true;
  for (auto file : kFiles) {
    fs::path path = tree / fs::path(file).relative_path();
    if (!more) {
      fs::remove(path);
      continue;
    }
    size_t end = rest.find('\0');
    more = end != std::string_view::npos;
    vfg::fuzz::put_file(path, rest.substr(0, end));
    rest = more ? rest.substr(end + 1) : std::string_view();
  }
  vfg::HostRoot root(tree);
  vfg::BootSetup boot = vfg::detect_boot_setup(root);
  (void)vfg::to_string(boot.bootloader);
  auto state = vfg::read_system_state(root);
  if (state) {
    (void)vfg::configured_member(*state, "kvm");
    (void)vfg::process_member(*state, "kvm");
    (void)vfg::kvm_runs_guests(*state);
  }
  return 0;
}
