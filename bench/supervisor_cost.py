#!/usr/bin/env python3
"""Supervisor cost: resident memory, CPU time and wake-ups of the background
supervisor over an idle period of a running VM. Prints JSON."""
import json
import os
import subprocess
import sys
import time

from qmp_probe import cpu_ticks, kib, proc_status, switches

vfg, name, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
subprocess.run([vfg, "start", name], check=True, stdout=subprocess.DEVNULL)
try:
    status = json.loads(subprocess.check_output([vfg, "status", name, "--json"]))
    pid = status["supervisor_pid"]
    time.sleep(5)  # let the guest finish booting: measure idle, not boot
    # Window 1, untouched: CPU time and context switches (a tracer would add its own).
    ticks0, switches0 = cpu_ticks(pid), switches(pid)
    time.sleep(seconds)
    ticks1, switches1 = cpu_ticks(pid), switches(pid)
    # Window 2: every syscall the supervisor makes, counted by strace.
    syscalls = None
    if os.environ.get("VFG_BENCH_STRACE", "1") == "1":
        strace = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", "/dev/stdout"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        time.sleep(seconds)
        strace.send_signal(2)
        out = strace.communicate()[0].decode()
        syscalls = 0
        for line in out.splitlines():
            parts = line.split()
            # "% time  seconds  usecs/call  calls  [errors]  total"; no table at all: none
            if parts and parts[-1] == "total" and len(parts) >= 5:
                syscalls = int(parts[3])
    status_fields = proc_status(pid)
    print(json.dumps({
        "seconds": seconds,
        "rss_kib": kib(status_fields["VmRSS"]),
        "hwm_kib": kib(status_fields["VmHWM"]),
        "cpu_ms": (ticks1 - ticks0) * 1000 / os.sysconf("SC_CLK_TCK"),
        "context_switches": switches1 - switches0,
        "syscalls": syscalls,
    }))
finally:
    subprocess.run([vfg, "stop", name, "--force"], stdout=subprocess.DEVNULL)
