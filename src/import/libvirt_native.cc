// libvirt's own command line for a domain, through `virsh domxml-to-native`.
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>
#include <unistd.h>

#include "import/from_libvirt.h"
#include "import/libvirt_domain_importer.h"
#include "import/shell_script.h"
#include "util/file_io.h"
#include "util/process.h"
#include "util/strings.h"

namespace vfg {

namespace {

/// A scratch directory removed when it goes out of scope.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vfg-virsh-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The domain as libvirt's QEMU driver converts it on any host: type 'qemu'
/// (KVM may be missing), VFIO named for PCI host devices (libvirt would probe
/// /dev/vfio otherwise), an unversioned machine type (the domain may name a
/// newer QEMU than this host's) and the QEMU on $PATH as emulator.
/// What the installed libvirt (Debian 12's 9.0) or its embedded driver cannot convert,
/// written the way it can. The import reads the original; only the comparison's source
/// side sees these.
void adapt_to_installed_libvirt(pugi::xml_node domain) {
  pugi::xml_node os = domain.child("os");
  // virt-manager's firmware='efi' with the loader it chose: libvirt before 9.2 refuses
  // autoselection next to a given loader; the loader alone is the same firmware.
  if (!std::string(os.child("loader").text().as_string()).empty()) {
    os.remove_attribute("firmware");
    os.remove_child("firmware");
  }
  // The host's own SMBIOS needs root to read (the import reports it as not carried).
  os.remove_child("smbios");
  // The iTCO watchdog model came in libvirt 9.1, and the embedded (session) driver
  // cannot run virtiofsd: both left out (the import reports them as not carried).
  pugi::xml_node devices = domain.child("devices");
  std::vector<pugi::xml_node> unconvertible;
  for (pugi::xml_node device : devices.children())
    if ((std::string(device.name()) == "watchdog" &&
         std::string(device.attribute("model").as_string()) == "itco") ||
        std::string(device.child("driver").attribute("type").as_string()) == "virtiofs")
      unconvertible.push_back(device);
  for (pugi::xml_node device : unconvertible) devices.remove_child(device);
  // PipeWire audio came in libvirt 9.10; its PulseAudio backend stands in (PipeWire serves
  // both), so the comparison shows the backend as vfg's choice.
  for (pugi::xml_node audio : devices.children("audio"))
    if (std::string(audio.attribute("type").as_string()) == "pipewire") {
      audio.attribute("type").set_value("pulseaudio");
      audio.remove_attribute("runtimeDir");
    }
}

std::string convertible_domain(std::string_view xml, const std::string& emulator) {
  pugi::xml_document document;
  document.load_buffer(xml.data(), xml.size());
  pugi::xml_node domain = document.child("domain");
  domain.attribute("type").set_value("qemu");
  pugi::xml_node type = domain.child("os").child("type");
  std::string machine = type.attribute("machine").as_string();
  if (!machine.empty())
    type.attribute("machine").set_value(machine.find("q35") != std::string::npos ? "q35" : "pc");
  pugi::xml_node devices = domain.child("devices");
  if (pugi::xml_node node = devices.child("emulator")) node.text().set(emulator.c_str());
  // Without KVM libvirt refuses host-passthrough: the conversion asks for mode "maximum" (-cpu
  // max).
  pugi::xml_node cpu = domain.child("cpu");
  std::string mode = cpu.attribute("mode").as_string();
  if (mode == "host-passthrough" || mode == "host-model") {
    cpu.attribute("mode").set_value("maximum");
    cpu.remove_attribute("check");
    cpu.remove_attribute("migratable");
  }
  // libvirt reads host devices from this host's sysfs, where the source's devices may not be;
  // they are handed to the conversion as the -device arguments libvirt gives them.
  if (!domain.attribute("xmlns:qemu"))
    domain.append_attribute("xmlns:qemu") = "http://libvirt.org/schemas/domain/qemu/1.0";
  pugi::xml_node commandline = domain.child("qemu:commandline");
  if (!commandline) commandline = domain.append_child("qemu:commandline");
  std::vector<pugi::xml_node> hostdevs;
  for (pugi::xml_node hostdev : devices.children("hostdev")) hostdevs.push_back(hostdev);
  for (pugi::xml_node hostdev : hostdevs) {
    std::string kind = hostdev.attribute("type").as_string();
    pugi::xml_node source = hostdev.child("source");
    std::string device;
    if (kind == "pci") {
      pugi::xml_node a = source.child("address");
      device = fmt::format("vfio-pci,host={:04x}:{:02x}:{:02x}.{:x}",
                           parse_uint(a.attribute("domain").as_string("0")).value_or(0),
                           parse_uint(a.attribute("bus").as_string("0")).value_or(0),
                           parse_uint(a.attribute("slot").as_string("0")).value_or(0),
                           parse_uint(a.attribute("function").as_string("0")).value_or(0));
      device += libvirt_hostdev_properties(hostdev);
    } else if (kind == "usb" && source.child("vendor")) {
      device = fmt::format("usb-host,vendorid={},productid={}",
                           source.child("vendor").attribute("id").as_string(),
                           source.child("product").attribute("id").as_string());
    } else {
      continue;
    }
    devices.remove_child(hostdev);
    commandline.append_child("qemu:arg").append_attribute("value") = "-device";
    commandline.append_child("qemu:arg").append_attribute("value") = device.c_str();
  }
  // Interfaces: the embedded driver would create tap devices (root only); the
  // guest's card and MAC are handed over with a bridge (type='bridge') or a
  // user-mode backend instead.
  std::vector<pugi::xml_node> interfaces;
  for (pugi::xml_node interface : devices.children("interface")) interfaces.push_back(interface);
  for (size_t i = 0; i < interfaces.size(); ++i) {
    pugi::xml_node interface = interfaces[i];
    std::string model = interface.child("model").attribute("type").as_string("virtio");
    std::string mac = interface.child("mac").attribute("address").as_string();
    std::string bridge = interface.child("source").attribute("bridge").as_string();
    std::string netdev = std::string(interface.attribute("type").as_string()) == "bridge"
                             ? fmt::format("bridge,id=hostnet{},br={}", i, bridge)
                             : fmt::format("user,id=hostnet{}", i);
    std::string card =
        fmt::format("{},netdev=hostnet{}{}", model == "virtio" ? "virtio-net-pci" : model, i,
                    mac.empty() ? "" : ",mac=" + mac);
    if (pugi::xml_node boot = interface.child("boot"))
      card += fmt::format(",bootindex={}", boot.attribute("order").as_uint());
    devices.remove_child(interface);
    for (const std::string& arg : {std::string("-netdev"), netdev, std::string("-device"), card})
      commandline.append_child("qemu:arg").append_attribute("value") = arg.c_str();
  }
  adapt_to_installed_libvirt(domain);
  // Huge pages need a mounted hugetlbfs where virsh runs: converted without them, so the
  // comparison shows vfg's huge pages as its own choice (the import carries them).
  domain.child("memoryBacking").remove_child("hugepages");
  std::ostringstream out;
  document.save(out);
  return out.str();
}

}  // namespace

Result<std::vector<std::string>> libvirt_native_argv(std::string_view xml) {
  auto virsh = find_program("virsh");
  if (!virsh)
    return fail(
        "virsh is not installed (Debian: libvirt-clients and "
        "libvirt-daemon-driver-qemu)");
  auto qemu = find_program("qemu-system-x86_64");
  ScratchDir scratch;
  if (scratch.path().empty()) return fail("cannot create a scratch directory for virsh");
  std::filesystem::path file = scratch.path() / "domain.xml";
  if (auto written =
          write_file_atomic(file, convertible_domain(xml, qemu.value_or("qemu-system-x86_64")));
      !written)
    return tl::unexpected(written.error());
  // The embedded QEMU driver runs inside virsh, keeping its state in the scratch directory.
  SpawnOptions options;
  options.argv = {*virsh,
                  "-q",
                  "-c",
                  "qemu:///embed?root=" + scratch.path().string(),
                  "domxml-to-native",
                  "qemu-argv",
                  file.string()};
  options.env = {{"HOME", scratch.path().string()},
                 {"XDG_RUNTIME_DIR", scratch.path().string()},
                 {"XDG_CONFIG_HOME", (scratch.path() / "config").string()},
                 {"XDG_CACHE_HOME", (scratch.path() / "cache").string()},
                 {"LIBVIRT_LOG_OUTPUTS", "4:stderr"}};
  auto output = run_command(options, std::chrono::seconds(60));
  if (!output) return tl::unexpected(output.error());
  if (!output->status.success()) {
    // virsh's last line says why; the lines before are its log.
    std::string why = output->status.describe();
    for (const auto& line : split(output->err, '\n'))
      if (!trim(line).empty()) why = std::string(trim(line));
    return fail("virsh domxml-to-native failed: {}{}", why,
                ::geteuid() == 0 ? " (libvirt's embedded driver runs as root only with the "
                                   "libvirt-qemu user; run vfg as yourself)"
                                 : "");
  }
  // The output is one shell command line: ENV=... /usr/bin/qemu-system-x86_64 args...
  auto invocations = find_qemu_invocations(output->out, {});
  if (invocations.empty()) return fail("virsh printed no QEMU command line");
  return invocations.front().argv;
}

}  // namespace vfg
