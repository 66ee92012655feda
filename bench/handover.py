#!/usr/bin/env python3
"""GPU handover times, measured in the VFIO bench (never run as a test).

Boots the bench's L1 guest (scripts/vfio-bench/l1.py), sets up a VM whose
card has binding = "start", and times, for the same two-function card
(bochs-display + ich9-intel-hda) in the same run:

  by hand   the kernel's own move, as a shell script: driver_override,
            unbind, drivers_probe per function (and back);
  service   `vfg handover-service release|return` run as root: the same
            writes plus holder search, records, reset and verification;
  polkit    what `vfg start` does as the user: systemctl start of the
            handover unit (D-Bus, polkit's rule, systemd, the service).

Usage: bench/handover.py [RUNS (default 5)]
Needs: build/dev/vfg (or VFG_BIN), scripts/build-vfio-bench.sh.
"""
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "vfio-bench"))
from l1 import L1  # noqa: E402

CARD, AUDIO = "0000:02:00.0", "0000:02:00.1"
USER, GROUP = "gamer", "vfgbench"
DEFINITION = f"""os = "linux"
accel = "tcg"
[memory]
size = "256M"
[display]
type = "spice"
[[gpu]]
address = "{CARD}"
binding = "start"
"""

BY_HAND_RELEASE = " && ".join(
    f"echo vfio-pci > /sys/bus/pci/devices/{fn}/driver_override && "
    f"echo {fn} > /sys/bus/pci/devices/{fn}/driver/unbind && echo {fn} > /sys/bus/pci/drivers_probe"
    for fn in (CARD, AUDIO))
BY_HAND_RETURN = " && ".join(
    f"echo > /sys/bus/pci/devices/{fn}/driver_override && "
    f"echo {fn} > /sys/bus/pci/drivers/vfio-pci/unbind && echo {fn} > /sys/bus/pci/drivers_probe"
    for fn in (AUDIO, CARD))


def timed(l1, command):
    """Seconds the command takes inside L1 (no round trip to the host)."""
    out = l1.check(f"s=$(date +%s%N); {command} >/dev/null; e=$(date +%s%N); echo $((e - s))",
                   timeout=300)
    return int(out.strip().splitlines()[-1]) / 1e9


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    vfg = os.environ.get("VFG_BIN", os.path.join(ROOT, "build", "dev", "vfg"))
    bench = subprocess.check_output([os.path.join(ROOT, "scripts", "build-vfio-bench.sh")],
                                    text=True).strip()
    l1 = L1(bench, "/tmp/vfg-bench-handover-l1.log")
    l1.boot()
    try:
        l1.check("udevadm settle --timeout=300", timeout=400)
        l1.put("/usr/local/sbin/dracut", "#!/bin/sh\n", mode=0o755)
        l1.check(f"useradd --create-home {USER} && mkdir -p /home/{USER}/.config/vfg")
        l1.put(f"/home/{USER}/.config/vfg/l2.toml", DEFINITION)
        l1.check(f"chown -R {USER}: /home/{USER} && modprobe vfio-pci")
        l1.check(f"XDG_CONFIG_HOME=/home/{USER}/.config {vfg} setup l2 --user {USER} "
                 f"--group {GROUP} --apply", timeout=600)
        as_user = f"runuser -u {USER} -- systemctl start --no-ask-password"
        ways = {
            "by hand": (BY_HAND_RELEASE, BY_HAND_RETURN),
            "service": (f"{vfg} handover-service release {CARD}",
                        f"{vfg} handover-service return {CARD}"),
            "polkit": (f"{as_user} vfg-handover-release@{CARD}.service",
                       f"{as_user} vfg-handover-return@{CARD}.service"),
        }
        times = {name: ([], []) for name in ways}
        # Each way is timed until both functions are on the driver it moved
        # them to (a probe may finish after the write returns), at most 60 s.
        def until(driver):
            return " && ".join(
                f"for i in $(seq 6000); do readlink /sys/bus/pci/devices/{fn}/driver | "
                f"grep -q /{name}$ && break; sleep 0.01; done"
                for fn, name in ((CARD, driver[0]), (AUDIO, driver[1])))
        in_vm = until(("vfio-pci", "vfio-pci"))
        on_host = until(("bochs-drm", "snd_hda_intel"))
        for _ in range(runs):
            for name, (release, give_back) in ways.items():
                times[name][0].append(timed(l1, f"{release} && {in_vm}"))
                times[name][1].append(timed(l1, f"{give_back} && {on_host}"))
                drivers = l1.check(f"readlink /sys/bus/pci/devices/{CARD}/driver "
                                   f"/sys/bus/pci/devices/{AUDIO}/driver")
                if "bochs-drm" not in drivers or "snd_hda_intel" not in drivers:
                    raise SystemExit(f"{name}: the card did not come back: {drivers}")
        print(f"GPU handover in L1 (TCG), bochs-display + ich9-intel-hda, {runs} runs, median (min-max) s")
        print(f"{'':10} {'release':>22} {'return':>22}")
        for name, (release, give_back) in times.items():
            cells = [f"{statistics.median(t):.3f} ({min(t):.3f}-{max(t):.3f})" for t in (release, give_back)]
            print(f"{name:10} {cells[0]:>22} {cells[1]:>22}")
    finally:
        l1.shutdown()


if __name__ == "__main__":
    main()
