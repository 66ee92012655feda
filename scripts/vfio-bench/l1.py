"""Boots the VFIO bench's L1 guest and scripts it from the host.

L1 is a TCG q35 machine with QEMU's emulated Intel IOMMU (interrupt
remapping on) and an Intel CPU to match, booting the kernel from scripts/build-vfio-bench.sh on this
machine's own root file system (read-only over 9p, a tmpfs overlay on top).
Its PCI devices, each on its own root port:
  - the host's GPU: virtio-vga (1af4:1050, class 0x0300, the boot VGA);
  - the card to pass through, one slot, one IOMMU group: bochs-display
    (1234:1111, class 0x0380, bochs-drm) at function 0 and ich9-intel-hda
    (8086:293e, snd_hda_intel) at function 1.
A test talks to scripts/vfio-bench/agent.py in L1 over a virtio-serial port
(a unix socket here): run a command, read its output and exit status, copy a
file in; L1 is booted once and serves every test.
"""
import base64
import json
import os
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class CommandFailed(Exception):
    pass


class L1:
    def __init__(self, bench_dir, log_path, memory="2G"):
        self.bench_dir = bench_dir
        self.log_path = log_path
        self.memory = memory
        self.work = tempfile.mkdtemp(prefix="vfg-vfio-bench.")
        self.socket_path = os.path.join(self.work, "control.sock")
        self.qemu = None
        self.sock = None
        self.buffer = b""
        self.next_id = 1

    def argv(self):
        modules = os.path.join(self.bench_dir, "modules")
        # fbcon=map:1: the text console on the host's GPU (virtio-vga, fb1),
        # not on the card to pass, whose bochs-drm registers first (fb0).
        append = ("console=ttyS0 intel_iommu=on no_timer_check panic=-1 fbcon=map:1 "
                  f"vfg_bench.agent={os.path.join(HERE, 'agent.py')}")
        return [
            "qemu-system-x86_64", "-machine", "q35,kernel-irqchip=split", "-accel", "tcg", "-cpu", "max,vendor=GenuineIntel",
            "-m", self.memory, "-smp", "1", "-nodefaults", "-no-reboot",
            "-display", "none", "-serial", f"file:{self.log_path}",
            "-kernel", os.path.join(self.bench_dir, "vmlinuz"),
            "-initrd", os.path.join(self.bench_dir, "initrd.gz"), "-append", append,
            # The IOMMU must come before the devices it translates for.
            "-device", "intel-iommu,intremap=on",
            "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
            "-fsdev", f"local,id=modules,path={modules},security_model=none,readonly=on",
            "-device", "virtio-9p-pci,fsdev=modules,mount_tag=modules",
            "-chardev", f"socket,id=control,path={self.socket_path},server=on,wait=off",
            "-device", "virtio-serial-pci", "-device", "virtserialport,chardev=control,name=vfg.bench",
            "-device", "pcie-root-port,id=rp_host,chassis=1,slot=1",
            "-device", "virtio-vga,bus=rp_host",
            "-device", "pcie-root-port,id=rp_card,chassis=2,slot=2",
            "-device", "bochs-display,bus=rp_card,addr=00.0,multifunction=on",
            "-audiodev", "none,id=silence",
            "-device", "ich9-intel-hda,bus=rp_card,addr=00.1", "-device", "hda-duplex,audiodev=silence",
        ]

    def boot(self, timeout=600):
        started = time.monotonic()
        self.qemu = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL)
        while time.monotonic() - started < timeout:
            if self.qemu.poll() is not None:
                raise RuntimeError(f"L1's QEMU exited with {self.qemu.returncode}; console: {self.log_path}")
            if self._try_connect():
                return time.monotonic() - started
            time.sleep(0.5)
        raise RuntimeError(f"L1 did not answer within {timeout} s; console: {self.log_path}")

    def _try_connect(self):
        if not os.path.exists(self.socket_path):
            return False
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(self.socket_path)
        try:
            self._request({"op": "run", "cmd": "true"}, timeout=2)
            return True
        except (TimeoutError, OSError):
            return False

    def _request(self, request, timeout):
        request["id"] = self.next_id
        self.next_id += 1
        self.sock.sendall((json.dumps(request) + "\n").encode())
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                reply = json.loads(line)
                if reply.get("id") == request["id"]:
                    return reply["rc"], reply["out"]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer from L1's agent to {request.get('cmd', request['op'])!r}")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise RuntimeError(f"L1's control channel closed; console: {self.log_path}")
            self.buffer += chunk

    def run(self, cmd, timeout=120):
        """(exit status, stdout+stderr) of bash -c CMD in L1, as root."""
        return self._request({"op": "run", "cmd": cmd, "timeout": timeout}, timeout + 30)

    def check(self, cmd, timeout=120):
        """Output of CMD; raises CommandFailed when it exits non-zero."""
        rc, out = self.run(cmd, timeout)
        if rc != 0:
            raise CommandFailed(f"in L1: {cmd}\nexit status {rc}\n{out}")
        return out

    def put(self, path, data, mode=0o644):
        if isinstance(data, str):
            data = data.encode()
        rc, out = self._request({"op": "put", "path": path, "mode": mode,
                                 "data": base64.b64encode(data).decode()}, 60)
        if rc != 0:
            raise CommandFailed(f"copying {path} into L1: {out}")

    def shutdown(self):
        if self.qemu is None:
            return
        try:
            if self.sock is not None:
                self.sock.sendall(b'{"op": "poweroff"}\n')
            self.qemu.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.qemu.kill()
            self.qemu.wait()
        finally:
            if self.sock is not None:
                self.sock.close()
            subprocess.run(["rm", "-rf", self.work])
            self.qemu = None
