// build_qemu_argv: the machine-wide options, then each device family.
#include <fmt/format.h>

#include "vm/argv_context.h"
#include "vm/hugepage_size.h"
#include "vm/looking_glass.h"

namespace vfg {

namespace {

/// Guest RAM as a memfd backend (hugetlb when asked), so the launcher and
/// Looking Glass-style tools see one named region.
Json memory_backend(const MemoryConfig& memory) {
  Json backend = {{"qom-type", "memory-backend-memfd"}, {"id", "ram0"}, {"size", memory.size}};
  if (uint64_t page = hugepage_bytes(memory.hugepages); page != 0) {
    backend["hugetlb"] = true;
    backend["hugetlbsize"] = page;
  }
  if (memory.prealloc) backend["prealloc"] = true;
  return backend;
}

/// -blockdev nodes for one pflash image: a file node, plus a format node for qcow2.
std::string add_pflash(ArgvContext& context, const std::string& name, const std::string& path,
                       const std::string& format, bool read_only) {
  std::string file_node = format == "raw" ? name : name + "-file";
  Json file = {{"driver", "file"}, {"filename", path}, {"node-name", file_node}};
  if (read_only) file["read-only"] = true;
  context.add_json("-blockdev", file);
  if (format != "raw") {
    Json image = {{"driver", format}, {"file", file_node}, {"node-name", name}};
    if (read_only) image["read-only"] = true;
    context.add_json("-blockdev", image);
  }
  return name;
}

std::string machine_option(ArgvContext& context) {
  const LaunchPlan& plan = context.plan;
  std::string machine = "q35,memory-backend=ram0";
  if (plan.firmware) {
    add_pflash(context, "fw-code", plan.firmware->code, plan.firmware->code_format, true);
    add_pflash(context, "fw-vars", plan.vars_copy, plan.firmware->vars_format, false);
    machine += ",pflash0=fw-code,pflash1=fw-vars";
    // Secure Boot builds keep their variables in SMM-protected flash.
    if (plan.firmware->requires_smm) machine += ",smm=on";
  }
  if (!effective_hpet(context.config)) machine += ",hpet=off";
  if (!context.config.platform.dump_guest_core) machine += ",dump-guest-core=off";
  return machine;
}

void add_display(ArgvContext& context) {
  const VmConfig& config = context.config;
  switch (config.display.type) {
    case DisplayConfig::Type::kStd:
      context.add_json("-device", Json{{"driver", "VGA"}, {"bus", "pcie.0"}, {"addr", "01.0"}});
      break;
    case DisplayConfig::Type::kSpice:
      context.add_json("-device", Json{{"driver", "qxl-vga"}, {"bus", "pcie.0"}, {"addr", "01.0"}});
      context.add("-display", "none");
      break;
    case DisplayConfig::Type::kNone:
      context.add("-display", "none");
      break;
  }
  if (wants_spice(config)) {
    std::string socket = config.display.spice_socket.empty()
                             ? context.plan.paths.spice_socket.string()
                             : config.display.spice_socket;
    // A UNIX socket only the user can reach, so no password is needed.
    context.add("-spice",
                fmt::format("unix=on,addr={},disable-ticketing=on", qemu_opts_escape(socket)));
  }
}

/// TPM 2.0 on the CRB interface (what Windows 11 expects) backed by swtpm,
/// which the launcher starts on this socket before QEMU.
void add_tpm(ArgvContext& context) {
  context.add("-chardev", fmt::format("socket,id=chrtpm,path={}",
                                      qemu_opts_escape(context.plan.paths.tpm_socket.string())));
  context.add("-tpmdev", "emulator,id=tpm0,chardev=chrtpm");
  context.add_json("-device", Json{{"driver", "tpm-crb"}, {"tpmdev", "tpm0"}});
}

/// Timer and power-state properties of the chipset's devices.
void add_platform(ArgvContext& context) {
  const VmConfig& config = context.config;
  // Only KVM's in-kernel PIT has a lost tick policy; TCG's PIT has none.
  PlatformConfig::LostTicks lost_ticks = effective_pit_lost_ticks(config);
  if (context.plan.kvm && lost_ticks != PlatformConfig::LostTicks::kQemu) {
    context.add("-global",
                fmt::format("kvm-pit.lost_tick_policy={}",
                            lost_ticks == PlatformConfig::LostTicks::kDelay ? "delay" : "discard"));
  }
  if (!effective_s3(config)) context.add("-global", "ICH9-LPC.disable_s3=1");
  if (!effective_s4(config)) context.add("-global", "ICH9-LPC.disable_s4=1");
  if (config.platform.guest_agent) {
    context.add("-chardev",
                fmt::format("socket,id=qga0,path={},server=on,wait=off",
                            qemu_opts_escape(context.plan.paths.agent_socket.string())));
    context.add_json("-device", Json{{"driver", "virtio-serial-pci"},
                                     {"id", "agent-serial"},
                                     {"bus", context.root_port()}});
    context.add_json("-device", Json{{"driver", "virtserialport"},
                                     {"bus", "agent-serial.0"},
                                     {"chardev", "qga0"},
                                     {"name", "org.qemu.guest_agent.0"}});
  }
}

void add_control(ArgvContext& context) {
  const VmConfig& config = context.config;
  const VmPaths& paths = context.plan.paths;
  bool serial = config.os != GuestOs::kWindows || config.boot.enabled();
  if (serial) {
    // The serial console goes to a log file: boot messages of Linux guests.
    context.add("-chardev", fmt::format("file,id=serial0,path={}",
                                        qemu_opts_escape(paths.serial_log.string())));
    context.add("-serial", "chardev:serial0");
  }
  if (config.boot.enabled()) {
    context.add("-kernel", config.boot.kernel);
    if (!config.boot.initrd.empty()) context.add("-initrd", config.boot.initrd);
    if (!config.boot.append.empty()) context.add("-append", config.boot.append);
  }
  std::string qmp_socket = qemu_opts_escape(paths.qmp_socket.string());
  if (context.plan.qemu.monitor_object) {
    // What QEMU 11.1 asks for instead of -qmp/-mon, which it deprecates.
    context.add("-chardev", fmt::format("socket,id=qmp,path={},server=on,wait=off", qmp_socket));
    context.add_json("-object",
                     Json{{"qom-type", "monitor-qmp"}, {"id", "qmp-monitor"}, {"chardev", "qmp"}});
  } else {
    context.add("-qmp", fmt::format("unix:{},server=on,wait=off", qmp_socket));
  }
  context.add("-pidfile", paths.pid_file.string());
  // Paused until the launcher has checked the VM and pinned its threads.
  context.flag("-S");
}

}  // namespace

Result<QemuCommand> build_qemu_argv(const VmConfig& config, const LaunchPlan& plan) {
  if (config.firmware.type == FirmwareConfig::Type::kUefi && !plan.firmware) {
    return fail("the launch plan has no UEFI firmware for VM '{}'", config.name);
  }
  if (config.audio.enabled && plan.audio == AudioBackend::kAuto) {
    return fail("the launch plan did not resolve the audio backend");
  }
  if (plan.gpu_functions.size() != config.gpus.size()) {
    return fail("the launch plan resolved {} GPUs of {}", plan.gpu_functions.size(),
                config.gpus.size());
  }
  ArgvContext context(config, plan);
  context.notices = plan.notices;
  std::string machine = machine_option(context);
  add_display(context);
  add_gpus(context);
  add_disks(context);
  add_network(context);
  add_usb(context);
  add_inputs(context);
  add_audio(context);
  add_looking_glass(context);
  if (config.tpm) add_tpm(context);
  add_platform(context);
  add_control(context);
  for (const auto& arg : config.extra_args) context.flag(arg);

  const CpuConfig& cpu = config.cpu;
  std::vector<std::string> head = {
      plan.qemu_binary,
      "-name",
      // Named threads tell the pinning which thread is which.
      plan.qemu.thread_names_on_request ? config.name + ",debug-threads=on" : config.name,
      "-nodefaults",
      "-no-user-config",
      "-machine",
      machine,
      "-accel",
      plan.kvm ? "kvm" : "tcg,thread=multi",
      "-cpu",
      cpu_option(config, plan, context.notices),
      "-smp",
      fmt::format("{},sockets={},cores={},threads={}", cpu.vcpus(), cpu.sockets, cpu.cores,
                  cpu.threads),
      "-m",
      fmt::format("{}M", config.memory.size / kMiB),
      "-object",
      memory_backend(config.memory).dump(),
      "-overcommit",
      config.memory.lock ? "mem-lock=on" : "mem-lock=off",
      "-rtc",
      fmt::format("base={}{}", effective_rtc_localtime(config) ? "localtime" : "utc",
                  effective_rtc_driftfix(config) ? ",driftfix=slew" : ""),
  };
  if (plan.firmware && plan.firmware->requires_smm) {
    head.insert(head.end(), {"-global", "driver=cfi.pflash01,property=secure,value=on"});
  }
  return QemuCommand{context.finish(std::move(head)), std::move(context.notices)};
}

}  // namespace vfg
