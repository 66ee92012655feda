#include "vm/qemu_caps.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>

#include <sys/stat.h>

#include "util/process.h"
#include "util/strings.h"

namespace vfg {

Result<QemuCapabilities> parse_qemu_version(const std::string& output) {
  static const std::regex kVersion("version ([0-9]+)\\.([0-9]+)(\\.([0-9]+))?");
  std::smatch match;
  if (!std::regex_search(output, match, kVersion)) {
    return fail("cannot find a version in '{}'", trim(output.substr(0, output.find('\n'))));
  }
  QemuCapabilities caps;
  caps.major = std::stoi(match[1]);
  caps.minor = std::stoi(match[2]);
  caps.micro = match[4].matched ? std::stoi(match[4]) : 0;
  caps.version = fmt::format("{}.{}.{}", caps.major, caps.minor, caps.micro);
  // Until -help is probed, assume what the version promises.
  caps.run_with = caps.at_least(8, 1);
  return caps;
}

std::optional<std::string> parse_q35_alias(const std::string& machine_help) {
  // "q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)"
  static const std::regex kAlias("^q35 .*\\(alias of ([^)]+)\\)");
  for (const auto& line : split(machine_help, '\n')) {
    std::smatch match;
    if (std::regex_search(line, match, kAlias)) return match[1].str();
  }
  return std::nullopt;
}

std::vector<std::string> parse_audio_drivers(const std::string& audiodev_help) {
  std::vector<std::string> drivers;
  bool listing = false;
  for (const auto& line : split(audiodev_help, '\n')) {
    std::string_view word = trim(line);
    if (word.rfind("Available audio drivers", 0) == 0) {
      listing = true;
    } else if (listing && !word.empty() && word.find(' ') == std::string_view::npos) {
      drivers.emplace_back(word);
    }
  }
  return drivers;
}

void parse_qemu_help(const std::string& help, const std::string& object_help,
                     const std::string& name_help, const std::string& spice_help,
                     QemuCapabilities& caps) {
  // Options appear in -help when the build has them and the version is new enough.
  caps.run_with = help.find("\n-run-with ") != std::string::npos;
  caps.shim = help.find("\n-shim ") != std::string::npos;
  caps.monitor_object = object_help.find("\n  monitor-qmp\n") != std::string::npos;
  // QEMU 11.1 describes debug-threads as "deprecated, always enabled where supported".
  size_t debug_threads = name_help.find("debug-threads=");
  std::string_view line = debug_threads == std::string::npos
                              ? std::string_view()
                              : std::string_view(name_help).substr(debug_threads);
  line = line.substr(0, line.find('\n'));
  caps.thread_names_on_request =
      debug_threads == std::string::npos || line.find("deprecated") == std::string_view::npos;
  // A missing module answers "There is no option group 'spice'" instead of the options.
  caps.spice = spice_help.find("disable-ticketing=") != std::string::npos;
}

namespace {

/// The output of `binary args`; a failed run is an error unless `any_status`
/// (some help requests end with status 1 after printing what was asked).
Result<std::string> run_probe(const std::string& binary, const std::vector<std::string>& args,
                              bool any_status = false) {
  std::vector<std::string> argv{binary};
  argv.insert(argv.end(), args.begin(), args.end());
  auto output = run_command(argv, std::chrono::seconds(30));
  if (!output) return tl::unexpected(output.error());
  if (any_status) return output->out + output->err;
  if (!output->status.success()) {
    return fail("'{} {}' {}: {}", binary, join(args, " "), output->status.describe(),
                trim(output->err));
  }
  return output->out;
}

Result<QemuCapabilities> probe_uncached(const std::string& binary) {
  auto version = run_probe(binary, {"-version"});
  if (!version) return tl::unexpected(version.error());
  auto caps = parse_qemu_version(*version);
  if (!caps) return fail(caps.error(), fmt::format("probing '{}'", binary));
  caps->binary = binary;
  // -nodefaults keeps these from touching the host's display or sound.
  auto machines = run_probe(binary, {"-machine", "help"});
  if (!machines) return tl::unexpected(machines.error());
  caps->q35_machine = parse_q35_alias(*machines).value_or("");
  if (caps->q35_machine.empty()) return fail("'{}' has no q35 machine type", binary);
  auto audio = run_probe(binary, {"-audiodev", "help"});
  if (!audio) return tl::unexpected(audio.error());
  caps->audio_drivers = parse_audio_drivers(*audio);
  for (const auto& driver : caps->audio_drivers) {
    caps->audiodev_pipewire = caps->audiodev_pipewire || driver == "pipewire";
    caps->audiodev_pa = caps->audiodev_pa || driver == "pa";
  }
  auto devices = run_probe(binary, {"-device", "help"});
  if (!devices) return tl::unexpected(devices.error());
  // -device help loads every device module first, so it lists what loads.
  caps->usb_host = devices->find("name \"usb-host\"") != std::string::npos;
  caps->ivshmem = devices->find("name \"ivshmem-plain\"") != std::string::npos;
  caps->qxl = devices->find("name \"qxl-vga\"") != std::string::npos;
  auto help = run_probe(binary, {"-help"});
  if (!help) return tl::unexpected(help.error());
  auto objects = run_probe(binary, {"-object", "help"});
  if (!objects) return tl::unexpected(objects.error());
  // "-name help" aborts QEMU 11.1; with a guest name first it lists the options.
  auto name = run_probe(binary, {"-name", "guest=vfg-probe,help"}, /*any_status=*/true);
  if (!name) return tl::unexpected(name.error());
  auto spice = run_probe(binary, {"-spice", "help"}, /*any_status=*/true);
  if (!spice) return tl::unexpected(spice.error());
  parse_qemu_help(*help, *objects, *name, *spice, *caps);
  return caps;
}

}  // namespace

std::string qemu_install_fingerprint(const std::string& binary_path) {
  namespace fs = std::filesystem;
  auto stamp = [](const fs::path& path) -> std::string {
    struct ::stat info {};
    if (::stat(path.c_str(), &info) != 0) return {};
    return fmt::format("{}:{}.{}", info.st_size, info.st_mtim.tv_sec, info.st_mtim.tv_nsec);
  };
  std::string binary = stamp(binary_path);
  if (binary.empty()) return {};
  std::string key = binary_path + ":" + binary;
  fs::path prefix = fs::path(binary_path).parent_path().parent_path();
  std::vector<fs::path> module_dirs = {prefix / "lib/qemu", prefix / "lib64/qemu"};
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(prefix / "lib", error)) {
    if (entry.path().filename().string().find("-linux-") != std::string::npos)
      module_dirs.push_back(entry.path() / "qemu");
  }
  std::sort(module_dirs.begin(), module_dirs.end());
  for (const auto& dir : module_dirs) {
    if (std::string dir_stamp = stamp(dir); !dir_stamp.empty())
      key += fmt::format(";{}:{}", dir.string(), dir_stamp);
  }
  return key;
}

Result<QemuCapabilities> probe_qemu(const std::string& binary) {
  auto path = find_program(binary);
  if (!path) {
    return fail("'{}' is not installed (looked on $PATH); install QEMU (Debian: qemu-system-x86)",
                binary);
  }
  // A QEMU upgraded (or given a module) while vfg runs must be probed again.
  std::string key = qemu_install_fingerprint(*path);
  if (key.empty()) return fail("cannot stat '{}'", *path);
  static std::mutex mutex;
  static std::map<std::string, QemuCapabilities> cache;
  {
    std::lock_guard lock(mutex);
    auto found = cache.find(key);
    if (found != cache.end()) return found->second;
  }
  auto caps = probe_uncached(*path);
  if (!caps) return caps;
  std::lock_guard lock(mutex);
  cache.emplace(key, *caps);
  return caps;
}

}  // namespace vfg
