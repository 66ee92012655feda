#!/usr/bin/python3
"""Process 1 of the VFIO bench's L1 guest and the control agent behind it.

Process 1 sets up what a booted system has (devpts, /dev/shm, PATH), forks
the agent and then only reaps: daemons a test starts (systemd-udevd, QEMU)
are re-parented to it. The agent serves the host over the virtio-serial
port "vfg.bench", one JSON object per line each way:

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


def prepare_system():
    os.environ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    os.environ["HOME"] = "/root"
    os.environ["LANG"] = "C.UTF-8"
    for cmd in ("mkdir -p /dev/pts /dev/shm",
                "mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts",
                "mount -t tmpfs -o mode=1777 tmpfs /dev/shm",
                "hostname vfio-bench",
                "ip link set lo up"):
        subprocess.run(cmd, shell=True, check=False)


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
            return
        try:
            rc, out = run(request) if op == "run" else put(request) if op == "put" else (2, "unknown op")
        except Exception as error:  # the agent must outlive any one bad request
            rc, out = 125, f"agent: {error!r}"
        port.write((json.dumps({"id": request.get("id"), "rc": rc, "out": out}) + "\n").encode())


def main():
    prepare_system()
    agent = os.fork()
    if agent == 0:
        try:
            serve()
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(0)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == agent:
            break
    print("VFG-BENCH powering off", flush=True)
    os.sync()
    # reboot(2) with LINUX_REBOOT_CMD_POWER_OFF: L1's QEMU exits.
    ctypes.CDLL(None).reboot(0x4321FEDC)
    sys.exit(1)


if __name__ == "__main__":
    main()
