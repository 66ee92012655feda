#!/usr/bin/python3
"""The VFIO bench's L1 guest boots through this file, and its control agent is it.

Started as process 1 (by the initramfs' init), it makes L1 a systemd host:
it writes a default target that starts systemd-udevd with coldplug, D-Bus
(with polkit on demand) and itself as a service, and hands process 1 to
systemd. As that service it serves the host over the virtio-serial port
"vfg.bench", one JSON object per line each way:

  {"id": 1, "op": "run", "cmd": "...", "timeout": 60}  -> {"id": 1, "rc": 0, "out": "..."}
  {"id": 2, "op": "put", "path": "/x", "data": "<base64>", "mode": 420}
                                                       -> {"id": 2, "rc": 0, "out": ""}
  {"id": 3, "op": "poweroff"}                          -> L1 powers off

"run" runs the command with bash -c, stdout and stderr merged; rc is the exit
status, or 124 when the timeout ended it (its whole process group is killed).
"""
import base64
import ctypes
import json
import os
import signal
import subprocess
import sys
import traceback

PORT_NAME = "vfg.bench"


def port_path():
    # /dev/virtio-ports/NAME is a udev symlink; L1 boots without udev.
    for port in os.listdir("/sys/class/virtio-ports"):
        with open(f"/sys/class/virtio-ports/{port}/name") as f:
            if f.read().strip() == PORT_NAME:
                return f"/dev/{port}"
    raise RuntimeError(f"no virtio-serial port named {PORT_NAME}")


UNITS = {
    # What L1 boots to: a host as booted, with nothing a test does not need.
    "vfg-bench.target": """\
[Unit]
Description=VFIO bench host
Requires=basic.target
Wants=systemd-udevd.service systemd-udev-trigger.service dbus.socket vfg-bench-agent.service
After=basic.target
AllowIsolate=yes
""",
    "vfg-bench-agent.service": """\
[Unit]
Description=VFIO bench control agent
After=systemd-udev-trigger.service dbus.socket

[Service]
ExecStart=/usr/bin/python3 {agent} --serve
Environment=HOME=/root LANG=C.UTF-8
StandardOutput=journal+console
StandardError=journal+console
# Commands it runs (vfg, QEMU, holders) are the test's to end.
KillMode=process
""",
}


def become_systemd():
    """Writes L1's units into its own (in-memory) /etc and execs systemd."""
    agent = os.path.abspath(__file__)
    units = "/etc/systemd/system"
    os.makedirs(units, exist_ok=True)
    for name, text in UNITS.items():
        with open(os.path.join(units, name), "w") as f:
            f.write(text.format(agent=agent))
    default = os.path.join(units, "default.target")
    if os.path.lexists(default):
        os.unlink(default)
    os.symlink("vfg-bench.target", default)
    # The machine's own mounts are not L1's: its root and /tmp are set up already.
    with open("/etc/fstab", "w") as f:
        f.write("")
    with open("/etc/hostname", "w") as f:
        f.write("vfio-bench\n")
    os.execv("/lib/systemd/systemd", ["/lib/systemd/systemd"])


def run(request):
    try:
        proc = subprocess.Popen(["/bin/bash", "-c", request["cmd"]], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
    except OSError as error:
        return 127, str(error)
    try:
        out, _ = proc.communicate(timeout=request.get("timeout", 120))
        return proc.returncode, out.decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return 124, out.decode(errors="replace") + "\n(agent: timed out)"


def put(request):
    path = request["path"]
    tmp = path + ".vfg-bench-tmp"
    with open(tmp, "wb") as f:
        f.write(base64.b64decode(request["data"]))
    os.chmod(tmp, request.get("mode", 0o644))
    os.rename(tmp, path)
    return 0, ""


def serve():
    port = open(port_path(), "r+b", buffering=0)
    reader = os.fdopen(os.dup(port.fileno()), "rb")
    print("VFG-BENCH agent ready", flush=True)
    for line in reader:
        try:
            request = json.loads(line)
        except ValueError:
            continue  # a partial line from a host that connected mid-way
        op = request.get("op")
        if op == "poweroff":
            power_off()
        try:
            rc, out = run(request) if op == "run" else put(request) if op == "put" else (2, "unknown op")
        except Exception as error:  # the agent must outlive any one bad request
            rc, out = 125, f"agent: {error!r}"
        port.write((json.dumps({"id": request.get("id"), "rc": rc, "out": out}) + "\n").encode())


def power_off():
    print("VFG-BENCH powering off", flush=True)
    os.sync()
    # reboot(2) with LINUX_REBOOT_CMD_POWER_OFF: L1's QEMU exits. Nothing in
    # L1 is worth a clean shutdown (its writes live in memory).
    ctypes.CDLL(None).reboot(0x4321FEDC)
    sys.exit(1)


def main():
    if os.getpid() == 1:
        become_systemd()
    os.environ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    try:
        serve()
    except BaseException:
        traceback.print_exc()
        raise


if __name__ == "__main__":
    main()
