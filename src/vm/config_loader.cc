#include "vm/config_loader.h"

#include <cerrno>
#include <cstring>
#include <functional>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include "util/file_io.h"
#include "util/unique_fd.h"
#include "vm/config_sections.h"
#include "vm/config_value.h"

namespace vfg {

namespace {

template <typename T>
void collect_keys(std::vector<std::pair<std::string, std::string>>& keys, const std::string& table,
                  void (*read)(TableReader&, T&)) {
  // Reading an empty table asks for every key the section knows.
  ConfigDiagnostics scratch("");
  ConfigValue empty;
  TableReader reader(scratch, empty, table);
  T ignored;
  read(reader, ignored);
  for (const auto& key : reader.known_keys()) keys.emplace_back(table, key);
}

/// (table, key) for every key a section knows, to point misplaced keys home.
const std::vector<std::pair<std::string, std::string>>& schema_keys() {
  static const auto kKeys = [] {
    std::vector<std::pair<std::string, std::string>> all;
    collect_keys(all, "memory", read_memory);
    collect_keys(all, "cpu", read_cpu);
    collect_keys(all, "firmware", read_firmware);
    collect_keys(all, "audio", read_audio);
    collect_keys(all, "network", read_network);
    collect_keys(all, "looking_glass", read_looking_glass);
    collect_keys(all, "display", read_display);
    collect_keys(all, "platform", read_platform);
    collect_keys(all, "single_gpu", read_single_gpu);
    collect_keys(all, "boot", read_boot);
    collect_keys(all, "[[disk]]", read_disk);
    collect_keys(all, "[[gpu]]", read_gpu);
    collect_keys(all, "[[usb]]", read_usb);
    collect_keys(all, "[[input]]", read_input);
    return all;
  }();
  return kKeys;
}

/// Reads a table key ("[memory]") with `read`.
template <typename T>
void read_section(ConfigDiagnostics& diagnostics, TableReader& top, std::string_view key, T& out,
                  void (*read)(TableReader&, T&)) {
  const ConfigValue* value = top.get(key, ConfigValue::Kind::kTable);
  if (value == nullptr) return;
  TableReader table(diagnostics, *value, std::string(key));
  read(table, out);
  table.suggest_from(&schema_keys());
  table.finish();
}

/// Reads an array of tables ("[[disk]]") with `read`, one entry per table.
template <typename T>
void read_list(ConfigDiagnostics& diagnostics, TableReader& top, std::string_view key,
               std::vector<T>& out, void (*read)(TableReader&, T&)) {
  const ConfigValue* value = top.get_any(key);
  if (value == nullptr) return;
  if (value->kind != ConfigValue::Kind::kArray) {
    top.error(key, fmt::format("expected an array of tables ([[{}]]), got {}", key,
                               with_article(value->kind)));
    return;
  }
  for (size_t i = 0; i < value->items.size(); ++i) {
    const ConfigValue& item = value->items[i];
    std::string path = fmt::format("{}[{}]", key, i);
    if (item.kind != ConfigValue::Kind::kTable) {
      diagnostics.error(item.position, path,
                        fmt::format("expected a table, got {}", with_article(item.kind)));
      continue;
    }
    TableReader table(diagnostics, item, path);
    T entry;
    read(table, entry);
    table.suggest_from(&schema_keys());
    table.finish();
    out.push_back(std::move(entry));
  }
}

void read_top(ConfigDiagnostics& diagnostics, TableReader& top, VmConfig& config) {
  if (const ConfigValue* name = top.get("name", ConfigValue::Kind::kString)) {
    if (name->string != config.name) {
      top.error("name", fmt::format("'{}' differs from the file's name '{}'; remove the key or "
                                    "rename the file",
                                    name->string, config.name));
    }
  }
  top.read_enum(
      "os", config.os,
      {{"windows", GuestOs::kWindows}, {"linux", GuestOs::kLinux}, {"other", GuestOs::kOther}});
  top.read_enum("accel", config.accel,
                {{"auto", Accel::kAuto}, {"kvm", Accel::kKvm}, {"tcg", Accel::kTcg}});
  top.read_bool("rtc_localtime", config.rtc_localtime);
  top.read_bool("tpm", config.tpm);
  uint32_t stop_timeout = static_cast<uint32_t>(config.stop_timeout.count());
  top.read_uint("stop_timeout", stop_timeout, 1, 3600);
  config.stop_timeout = std::chrono::seconds(stop_timeout);
  if (const ConfigValue* extra = top.get("extra_args", ConfigValue::Kind::kArray)) {
    for (size_t i = 0; i < extra->items.size(); ++i) {
      const ConfigValue& item = extra->items[i];
      if (item.kind != ConfigValue::Kind::kString) {
        diagnostics.error(item.position, fmt::format("extra_args[{}]", i),
                          fmt::format("expected a string, got {}", with_article(item.kind)));
        continue;
      }
      config.extra_args.push_back(item.string);
    }
  }
  read_section(diagnostics, top, "memory", config.memory, read_memory);
  read_section(diagnostics, top, "cpu", config.cpu, read_cpu);
  read_section(diagnostics, top, "firmware", config.firmware, read_firmware);
  read_list(diagnostics, top, "disk", config.disks, read_disk);
  read_list(diagnostics, top, "gpu", config.gpus, read_gpu);
  read_list(diagnostics, top, "usb", config.usb, read_usb);
  read_list(diagnostics, top, "input", config.inputs, read_input);
  read_section(diagnostics, top, "audio", config.audio, read_audio);
  read_section(diagnostics, top, "network", config.network, read_network);
  read_section(diagnostics, top, "looking_glass", config.looking_glass, read_looking_glass);
  read_section(diagnostics, top, "display", config.display, read_display);
  read_section(diagnostics, top, "platform", config.platform, read_platform);
  read_section(diagnostics, top, "single_gpu", config.single_gpu, read_single_gpu);
  read_section(diagnostics, top, "boot", config.boot, read_boot);
}

// Real definitions are a few KiB; this keeps /dev/zero from filling memory.
constexpr size_t kMaxDefinitionBytes = 1 << 20;

Result<std::string> read_definition_text(const std::filesystem::path& file) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return fail("cannot read '{}': {}", file.string(), std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return fail("cannot read '{}': {}", file.string(), std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return fail("'{}' is not a regular file; a VM definition is a TOML file", file.string());
  return read_all(fd.get(), file.string(), kMaxDefinitionBytes);
}

}  // namespace

ConfigParse parse_vm_config(std::string_view text, const std::string& file, std::string_view name) {
  ConfigParse parse{VmConfig{}, ConfigDiagnostics(file)};
  parse.config.name = std::string(name);
  auto document = parse_toml(text);
  if (!document) {
    parse.diagnostics.error(document.error().position, "", document.error().message);
    return parse;
  }
  TableReader top(parse.diagnostics, *document, "");
  read_top(parse.diagnostics, top, parse.config);
  top.suggest_from(&schema_keys());
  top.finish();
  validate_vm_config(parse.config, parse.diagnostics);
  return parse;
}

Result<VmConfig> load_vm_config(const std::filesystem::path& file, std::string* warnings) {
  auto text = read_definition_text(file);
  if (!text) return fail(text.error(), fmt::format("reading VM definition '{}'", file.string()));
  ConfigParse parse = parse_vm_config(*text, file.string(), file.stem().string());
  if (parse.diagnostics.has_errors()) {
    size_t count = parse.diagnostics.error_count();
    std::string problems = parse.diagnostics.render();
    if (!problems.empty()) problems.pop_back();
    return fail("'{}' has {} error{}; nothing was started:\n{}", file.string(), count,
                count == 1 ? "" : "s", problems);
  }
  if (warnings != nullptr) *warnings = parse.diagnostics.render();
  return std::move(parse.config);
}

}  // namespace vfg
