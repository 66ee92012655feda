#include "cli/cli_model.h"

#include <algorithm>

#include <CLI/CLI.hpp>

namespace vfg::cli {

namespace {

// CLI11 spells an IsMember check into the type name: "TEXT:{gpu,usb,cpu}".
std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> choices;
  auto open = type_name.find('{');
  auto close = type_name.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return choices;
  std::string list = type_name.substr(open + 1, close - open - 1);
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) choices.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return choices;
}

// The one place that says which values name what: a VM is NAME or VM, GPUs
// and USB devices are given with --gpu and --usb, numbers complete to nothing.
ValueKind kind_of(const CLI::Option& option, const std::string& value_name,
                  const std::vector<std::string>& choices) {
  // CLI11 flags expect no value.
  if (!option.get_positional() && option.get_expected_max() == 0) return ValueKind::kNone;
  if (!choices.empty()) return ValueKind::kChoice;
  const auto& longs = option.get_lnames();
  auto has_long = [&longs](const char* name) {
    return std::find(longs.begin(), longs.end(), name) != longs.end();
  };
  if (option.get_positional() && (value_name == "NAME" || value_name == "VM"))
    return ValueKind::kVm;
  if (has_long("gpu")) return ValueKind::kGpu;
  if (has_long("usb")) return ValueKind::kUsb;
  std::string type = option.get_type_name();
  if (type == "DIR") return ValueKind::kDir;
  if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0 || type.rfind("FLOAT", 0) == 0 ||
      type.rfind("NUMBER", 0) == 0)
    return ValueKind::kText;
  if (has_long("memory") || has_long("user") || has_long("group")) return ValueKind::kText;
  return ValueKind::kFile;
}

CliOption read_option(const CLI::Option& option) {
  CliOption out;
  if (!option.get_lnames().empty()) out.long_name = "--" + option.get_lnames().front();
  if (!option.get_snames().empty()) out.short_name = "-" + option.get_snames().front();
  std::string type = option.get_type_name();
  out.choices = choices_of(type);
  if (option.get_positional()) {
    out.value_name = option.get_name();
  } else {
    out.value_name = type.substr(0, type.find(':'));
  }
  out.description = option.get_description();
  out.kind = kind_of(option, out.value_name, out.choices);
  out.repeats = option.get_items_expected_max() > 1 ||
                (!option.get_positional() && option.get_expected_max() > 1);
  out.required = option.get_required();
  return out;
}

void read_options(const CLI::App& app, std::vector<CliOption>& options,
                  std::vector<CliOption>* positionals) {
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden
    CliOption read = read_option(*option);
    if (option->get_positional()) {
      if (positionals != nullptr) positionals->push_back(std::move(read));
    } else {
      options.push_back(std::move(read));
    }
  }
}

}  // namespace

CliModel read_cli_model(const CLI::App& app, std::string version) {
  CliModel model;
  model.description = app.get_description();
  model.version = std::move(version);
  read_options(app, model.global_options, nullptr);
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_group().empty()) continue;  // hidden: not in `vfg --help`
    CliCommand command;
    command.name = sub->get_name();
    command.description = sub->get_description();
    read_options(*sub, command.options, &command.positionals);
    model.commands.push_back(std::move(command));
  }
  return model;
}

std::string value_source(ValueKind kind) {
  switch (kind) {
    case ValueKind::kVm:
      return "vms";
    case ValueKind::kGpu:
      return "gpus";
    case ValueKind::kUsb:
      return "usb-ports";
    default:
      return "";
  }
}

}  // namespace vfg::cli
