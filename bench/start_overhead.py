#!/usr/bin/env python3
"""Start overhead: `vfg start NAME` until it returns (QMP reported running)
against launching the identical argv (`vfg args NAME --json`) directly until
QMP answers query-status after `cont` — same QEMU, same guest. Prints JSON."""
import json
import os
import statistics
import subprocess
import sys
import time

from qmp_probe import qmp_command

vfg, name, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
runtime = os.path.join(os.environ["XDG_RUNTIME_DIR"], "vfg", name)
argv = json.loads(subprocess.check_output([vfg, "args", name, "--json"]))["argv"]


def through_vfg():
    begin = time.monotonic()
    subprocess.run([vfg, "start", name], check=True, stdout=subprocess.DEVNULL)
    elapsed = time.monotonic() - begin
    subprocess.run([vfg, "stop", name, "--force"], check=True, stdout=subprocess.DEVNULL)
    return elapsed


def direct():
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    sock = os.path.join(runtime, "qmp.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    begin = time.monotonic()
    qemu = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reply = qmp_command(sock, ["cont", "query-status"], begin + 60)
    elapsed = time.monotonic() - begin
    assert reply["return"]["status"] == "running", reply
    qemu.kill()
    qemu.wait()
    return elapsed


# One warm-up each: page cache, QEMU's module loading.
through_vfg()
direct()
vfg_times, direct_times = [], []
for _ in range(runs):
    vfg_times.append(through_vfg())
    direct_times.append(direct())
print(json.dumps({
    "runs": runs,
    "vfg_ms": statistics.median(vfg_times) * 1000,
    "direct_ms": statistics.median(direct_times) * 1000,
    "overhead_ms": statistics.median(v - d for v, d in zip(vfg_times, direct_times)) * 1000,
}))
