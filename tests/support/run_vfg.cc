#include "support/run_vfg.h"

#include <chrono>

#include "util/process.h"

namespace vfg::testing {

VfgRun run_vfg(const std::vector<std::string>& args,
               const std::vector<std::pair<std::string, std::string>>& env) {
  SpawnOptions options;
  options.argv.push_back(VFG_BINARY);
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env.emplace_back("NO_COLOR", "1");
  for (const auto& [key, value] : env) options.env.emplace_back(key, value);
  VfgRun run;
  auto output = run_command(std::move(options), std::chrono::minutes(3));
  if (!output) {
    run.err = output.error().message;
    return run;
  }
  run.out = std::move(output->out);
  run.err = std::move(output->err);
  run.exit_code = output->status.signal != 0 ? 128 + output->status.signal : output->status.code;
  return run;
}

std::string source_path(const std::string& relative) {
  return std::string(VFG_SOURCE_DIR) + "/" + relative;
}

}  // namespace vfg::testing
