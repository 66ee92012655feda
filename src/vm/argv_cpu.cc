// The -cpu option: model, Hyper-V enlightenments, physical address bits.
#include <fmt/format.h>

#include "util/strings.h"
#include "vm/argv_context.h"

namespace vfg {

namespace {

/// Every enlightenment QEMU's Hyper-V guide recommends for a non-nested
/// Windows guest (docs/system/i386/hyperv.rst, "Recommendations"), leaving out
/// hv-reset, hv-crash, hv-evmcs, hv-reenlightenment and the debug-only ones.
/// Dependencies hold: synic needs vpindex; stimer needs vpindex, synic, time.
constexpr std::string_view kPerformanceFlags[] = {
    "hv-relaxed", "hv-vapic", "hv-spinlocks=0x1fff", "hv-vpindex",  "hv-runtime", "hv-synic",
    "hv-stimer",  "hv-time",  "hv-frequencies",      "hv-tlbflush", "hv-ipi"};

}  // namespace

std::string cpu_option(const VmConfig& config, const LaunchPlan& plan,
                       std::vector<std::string>& notices) {
  const CpuConfig& cpu = config.cpu;
  HypervProfile hyperv = effective_hyperv(config);
  std::vector<std::string> parts;
  if (!plan.kvm) {
    // TCG cannot pass the host CPU through; "max" is everything TCG emulates.
    parts.emplace_back(cpu.model == "host" ? "max" : cpu.model);
    if (cpu.model == "host") {
      notices.emplace_back("CPU model 'host' needs KVM; using 'max' under TCG");
    }
    if (hyperv == HypervProfile::kPerformance) {
      notices.emplace_back(
          "Hyper-V enlightenments dropped: they need KVM and this VM runs under TCG");
    } else if (hyperv == HypervProfile::kStealth) {
      notices.emplace_back("cpu.hyperv = \"stealth\" dropped: it needs KVM");
    }
    if (cpu.host_phys_bits_limit) {
      notices.emplace_back("cpu.host_phys_bits_limit dropped: it needs KVM");
    }
    return join(parts, ",");
  }
  parts.push_back(cpu.model);
  // AMD hosts refuse SMT topologies without topoext.
  if (plan.host_cpu_amd && cpu.threads > 1 && cpu.model == "host") parts.emplace_back("topoext=on");
  if (cpu.model == "host") {
    // Without this, -cpu host hides the invariant TSC (an unmigratable
    // feature), and Windows falls back to slower clock sources.
    parts.emplace_back("migratable=off");
  }
  if (cpu.host_phys_bits_limit) {
    parts.emplace_back("host-phys-bits=on");
    parts.push_back(fmt::format("host-phys-bits-limit={}", *cpu.host_phys_bits_limit));
  }
  switch (hyperv) {
    case HypervProfile::kPerformance:
      for (std::string_view flag : kPerformanceFlags) parts.emplace_back(flag);
      if (!cpu.hv_vendor_id.empty()) {
        parts.push_back("hv-vendor-id=" + qemu_opts_escape(cpu.hv_vendor_id));
      }
      break;
    case HypervProfile::kStealth:
      // Hide the KVM signature and the hypervisor CPUID bit; no enlightenment
      // may be on, since any of them announces Hyper-V.
      parts.emplace_back("kvm=off");
      parts.emplace_back("hypervisor=off");
      break;
    case HypervProfile::kOff:
    case HypervProfile::kAuto:
      break;
  }
  return join(parts, ",");
}

}  // namespace vfg
