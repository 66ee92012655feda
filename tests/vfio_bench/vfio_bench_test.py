#!/usr/bin/env python3
"""vfg on a machine with a real IOMMU and a card to pass: the VFIO bench.

One L1 guest (scripts/vfio-bench/l1.py) is booted for the whole run and
behaves like a gaming host before setup: udev has bound the fake card to its
own drivers (bochs-drm, snd_hda_intel). The steps then run in order, each on
what the previous one left, the way a user goes: look (devices, check), set
up, "reboot" the drivers, start the VM as an ordinary user, stop it, undo.
Every assertion is on what the kernel, udev and the L2 guest show, never on
the text vfg writes.

Environment: VFG_BIN (vfg to test), VFG_BENCH_DIR (scripts/build-vfio-bench.sh),
VFG_GUEST_DIR (scripts/build-guest.sh), VFG_BENCH_LOG_DIR (L1 and L2 consoles).
"""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "vfio-bench"))
from l1 import L1  # noqa: E402
from single_gpu_steps import SingleGpuSteps  # noqa: E402
from single_gpu_tools import CONSOLES  # noqa: E402

CARD = "0000:02:00.0"
CARD_AUDIO = "0000:02:00.1"
HOST_GPU = "0000:01:00.0"
USER = "gamer"
GROUP = "vfgbench"
VM = "l2"
L2_MEMORY_MIB = 256
STUB_LOG = "/run/vfio-bench-stubs.log"
# What vfg's memlock rule asks for this VM: its RAM + 1 GiB (no Looking Glass).
MEMLOCK_NEED_KIB = (L2_MEMORY_MIB + 1024) * 1024
# Under TCG-in-TCG the L2 guest takes minutes to boot (12 on a busy 2-core machine).
L2_BOOT_TIMEOUT = 1500

VM_DEFINITION = """\
os = "linux"
accel = "tcg"
stop_timeout = 120

[memory]
size = "{memory}M"

[cpu]
sockets = 1
cores = 1
threads = 1
# L1 has one CPU: nothing to keep apart.
pin = "off"

[firmware]
type = "bios"

[audio]
enabled = false

[network]
mode = "none"

[display]
# A GPU VM needs a way to type and point (vfg check's input-path finding);
# SPICE on a socket gives one without a window or an input device in L1.
type = "spice"

[boot]
kernel = "/home/{user}/guest/vmlinuz"
initrd = "/home/{user}/guest/initrd.gz"
append = "console=ttyS0 quiet"

[[gpu]]
address = "{card}"
binding = "{binding}"
"""



class VfioBench(SingleGpuSteps, unittest.TestCase):
    l1 = None

    @classmethod
    def setUpClass(cls):
        cls.vfg = os.environ["VFG_BIN"]
        log_dir = os.environ.get("VFG_BENCH_LOG_DIR", "/tmp")
        cls.l1 = L1(os.environ["VFG_BENCH_DIR"], os.path.join(log_dir, "vfio-bench-l1.log"))
        started = time.monotonic()
        boot = cls.l1.boot()
        print(f"L1 answers after {boot:.0f} s", flush=True)
        # A host as booted: systemd's coldplug has loaded the drivers of every device.
        cls.l1.check("udevadm settle --timeout=300", timeout=400)
        # L1 boots from the bench's own initramfs: rebuilding one cannot take
        # effect here, so the setup plan's dracut call only leaves a note.
        cls.l1.put("/usr/local/sbin/dracut", f'#!/bin/sh\necho "dracut $*" >> {STUB_LOG}\n',
                   mode=0o755)
        cls.l1.check(f"useradd --create-home {USER}")
        guest = os.environ["VFG_GUEST_DIR"]
        home = f"/home/{USER}"
        cls.l1.check(f"mkdir -p {home}/guest {home}/.config/vfg {home}/run && "
                     f"cp {guest}/vmlinuz {guest}/initrd.gz {home}/guest/")
        cls.l1.put(f"{home}/.config/vfg/{VM}.toml",
                   VM_DEFINITION.format(memory=L2_MEMORY_MIB, user=USER, card=CARD, binding="boot"))
        cls.l1.check(f"chown -R {USER}: {home} && chmod 0700 {home}/run")
        print(f"L1 ready as a host after {time.monotonic() - started:.0f} s", flush=True)

    @classmethod
    def tearDownClass(cls):
        if cls.l1 is not None:
            cls.l1.run(f"runuser -u {USER} -- env XDG_RUNTIME_DIR=/home/{USER}/run {cls.vfg} "
                       f"stop {VM} --force", timeout=60)
            cls.l1.shutdown()

    def setUp(self):
        self.started = time.monotonic()

    def tearDown(self):
        print(f"  ({self._testMethodName}: {time.monotonic() - self.started:.0f} s)", flush=True)

    # --- helpers -------------------------------------------------------------
    def definition(self, binding):
        return VM_DEFINITION.format(memory=L2_MEMORY_MIB, user=USER, card=CARD, binding=binding)

    def vfg_root(self, args, timeout=300):
        """vfg as root, reading the VM definitions of the user (like sudo)."""
        return self.l1.run(f"XDG_CONFIG_HOME=/home/{USER}/.config {self.vfg} {args}", timeout)

    def vfg_user(self, args, memlock_kib=None, timeout=300):
        """vfg as the unprivileged user, through PAM (limits.d applies)."""
        lower = f"ulimit -l {memlock_kib} && " if memlock_kib is not None else ""
        return self.l1.run(f"runuser -u {USER} -- bash -c '{lower}export XDG_RUNTIME_DIR=/home/{USER}/run; "
                           f"{self.vfg} {args}'", timeout)

    def driver(self, address):
        rc, out = self.l1.run(f"basename $(readlink /sys/bus/pci/devices/{address}/driver)")
        return out.strip() if rc == 0 else None

    def group_of(self, address):
        return int(self.l1.check(f"basename $(readlink /sys/bus/pci/devices/{address}/iommu_group)"))

    def reload_drivers_as_at_boot(self):
        """What a reboot does to the card's drivers, without rebooting L1:
        the card's functions leave their drivers, those drivers' modules are
        unloaded, and udev's coldplug loads modules for every device again
        through modprobe (so /etc/modprobe.d applies: softdeps, options,
        install hooks) while the kernel probes the free functions."""
        for address in (CARD, CARD_AUDIO):
            self.l1.check(f"d=/sys/bus/pci/devices/{address}; if [ -e $d/driver ]; then "
                          f"echo {address} > $d/driver/unbind; fi; echo > $d/driver_override")
        self.l1.check("for m in bochs snd_hda_intel vfio_pci vfio_pci_core; do "
                      "if [ -d /sys/module/$m ]; then modprobe -r $m; fi; done")
        self.l1.check("udevadm trigger --action=add --subsystem-match=pci && udevadm settle --timeout=300",
                      timeout=400)

    def qemu_pids(self):
        rc, out = self.l1.run(f"pgrep -u {USER} -x qemu-system-x86")
        return out.split() if rc == 0 else []

    # --- the steps, in order -------------------------------------------------
    def test_01_devices_and_check_read_the_live_kernel(self):
        self.assertEqual(self.driver(CARD), "bochs-drm")
        self.assertEqual(self.driver(CARD_AUDIO), "snd_hda_intel")
        rc, out = self.vfg_root("devices gpu --json")
        self.assertEqual(rc, 0, out)
        devices = json.loads(out)
        self.assertTrue(devices["iommu"]["enabled"])
        gpus = {gpu["gpu"]: gpu for gpu in devices["gpus"]}
        self.assertEqual(set(gpus), {CARD, HOST_GPU})
        card = gpus[CARD]
        self.assertEqual(card["functions"], [CARD, CARD_AUDIO])
        self.assertEqual(card["iommu_groups"], [self.group_of(CARD)])
        # The fake card's slot mixes vendors (1234 display, 8086 audio), which
        # vfg reads as an APU's slot; a VM definition still names it explicitly.
        self.assertEqual(card["kind"], "integrated")
        self.assertEqual(card["verdict"], "integrated")
        self.assertEqual(gpus[HOST_GPU]["verdict"], "passable")
        self.assertEqual(gpus[HOST_GPU]["iommu_groups"], [self.group_of(HOST_GPU)])
        self.assertEqual(card["vfio_ids"], ["1234:1111", "8086:293e"])
        self.assertTrue(gpus[HOST_GPU]["boot_vga"])
        pci = {device["address"]: device for device in devices["pci"]}
        self.assertEqual(pci[CARD]["driver"], "bochs-drm")

        rc, out = self.vfg_root(f"check {VM} --json")
        findings = {f["id"]: f for f in json.loads(out)["findings"]}
        self.assertEqual(findings["iommu.enabled"]["status"], "pass", out)
        self.assertEqual(findings["iommu.interrupt_remapping"]["status"], "pass", out)
        # Before setup: nothing binds the card to vfio-pci, and vfio is not loaded.
        self.assertNotEqual(findings["modules.vfio"]["status"], "pass", out)
        self.assertEqual(findings[f"vm.device.{CARD}"]["status"], "fail", out)
        self.assertNotEqual(rc, 0)

    def test_02_setup_binds_the_card_at_boot_and_grants_the_user(self):
        rc, out = self.vfg_root(f"setup {VM} --user {USER} --group {GROUP} --apply", timeout=600)
        self.assertEqual(rc, 0, out)
        # The group exists and holds the user (for the next login).
        members = self.l1.check(f"getent group {GROUP}").strip().split(":")[3].split(",")
        self.assertIn(USER, members)
        self.assertIn("dracut --regenerate-all", self.l1.check(f"cat {STUB_LOG}"))

        self.reload_drivers_as_at_boot()
        self.assertEqual(self.driver(CARD), "vfio-pci")
        self.assertEqual(self.driver(CARD_AUDIO), "vfio-pci")
        # bochs-drm was loaded too (it drives nothing now): vfio-pci came first.
        self.l1.check("test -d /sys/module/bochs")
        self.l1.check(f"test ! -e /sys/bus/pci/devices/{CARD}/drm")
        # The host's GPU keeps its driver (virtio_gpu, below virtio-pci).
        self.assertEqual(self.driver(HOST_GPU), "virtio-pci")
        self.l1.check(f"test -e /sys/bus/pci/devices/{HOST_GPU}/drm")

        # udev gave the group's node to the group setup made.
        node = f"/dev/vfio/{self.group_of(CARD)}"
        mode_group = self.l1.check(f"stat -c '%a %G' {node}").split()
        self.assertEqual(mode_group[1], GROUP, node)
        self.assertEqual(int(mode_group[0], 8) & 0o060, 0o060, f"{node} mode {mode_group[0]}")

        # The user's sessions get the memlock limit the VM needs.
        rc, out = self.vfg_user("--version")  # (the user exists and runs vfg)
        self.assertEqual(rc, 0, out)
        limit = self.l1.check(f"runuser -u {USER} -- bash -c 'ulimit -l'").strip()
        self.assertTrue(limit == "unlimited" or int(limit) >= MEMLOCK_NEED_KIB, limit)

        rc, out = self.vfg_user(f"check {VM} --json")
        findings = {f["id"]: f for f in json.loads(out)["findings"]}
        for finding in ("modules.vfio", f"vm.device.{CARD}", f"vm.device.{CARD_AUDIO}", "vm.memlock"):
            self.assertEqual(findings[finding]["status"], "pass", f"{finding}: {out}")
        self.assertEqual(findings[f"vm.vfio.{self.group_of(CARD)}"]["status"], "pass", out)

    def test_03_start_below_memlock_is_refused_before_qemu(self):
        low_kib = 64 * 1024
        rc, out = self.vfg_user(f"start {VM}", memlock_kib=low_kib)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("memlock", out)
        self.assertEqual(self.qemu_pids(), [])
        # The kernel agrees: the same QEMU command under that limit cannot map
        # the guest's RAM for the device.
        script = f"/home/{USER}/run/{VM}-qemu.sh"
        rc, out = self.vfg_user(f"args {VM} > {script}")
        self.assertEqual(rc, 0, out)
        rc, out = self.l1.run(f"runuser -u {USER} -- bash -c 'ulimit -l {low_kib} && "
                              f"export XDG_RUNTIME_DIR=/home/{USER}/run; timeout 300 sh {script}'", timeout=330)
        self.assertNotIn(rc, (0, 124), out)
        self.assertIn("VFIO_MAP_DMA", out)

    def test_04_start_as_user_passes_the_card_and_stop_returns_it(self):
        rc, out = self.vfg_user(f"start {VM}")
        self.assertEqual(rc, 0, out)
        serial = f"/home/{USER}/run/vfg/{VM}/serial.log"
        rc, out = self.l1.run(f"for i in $(seq {L2_BOOT_TIMEOUT}); do grep -q 'VFG-GUEST ready' {serial} && "
                              f"exit 0; sleep 1; done; exit 1", timeout=L2_BOOT_TIMEOUT + 30)
        console = self.l1.run(f"cat {serial}")[1]
        log_dir = os.environ.get("VFG_BENCH_LOG_DIR", "/tmp")
        with open(os.path.join(log_dir, "vfio-bench-l2.log"), "w") as f:
            f.write(console)
        self.assertEqual(rc, 0, console)
        # "VFG-PCI 0000:01:00.0 0x1234:0x1111 class=0x038000"
        ids = {line.split()[2].replace("0x", "") for line in console.splitlines()
               if line.startswith("VFG-PCI ")}
        self.assertIn("1234:1111", ids, console)
        self.assertIn("8086:293e", ids, console)
        # QEMU runs as the user and holds the group's node open.
        pids = self.qemu_pids()
        self.assertEqual(len(pids), 1)
        node = f"/dev/vfio/{self.group_of(CARD)}"
        self.l1.check(f"ls -l /proc/{pids[0]}/fd | grep -q ' -> {node}$'")

        rc, out = self.vfg_user(f"stop {VM}", timeout=300)
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.qemu_pids(), [])
        self.assertIn("power button pressed", self.l1.run(f"cat {serial}")[1])
        # Nothing holds the group any more: it can be opened again.
        self.l1.check(f"runuser -u {USER} -- python3 -c 'import os; os.close(os.open(\"{node}\", os.O_RDWR))'")
        self.assertEqual(self.driver(CARD), "vfio-pci")

    def test_05_undo_gives_the_card_back_to_its_drivers(self):
        rc, out = self.vfg_root("setup --undo", timeout=600)
        self.assertEqual(rc, 0, out)
        self.reload_drivers_as_at_boot()
        self.assertEqual(self.driver(CARD), "bochs-drm")
        self.assertEqual(self.driver(CARD_AUDIO), "snd_hda_intel")
        self.l1.check(f"test -e /sys/bus/pci/devices/{CARD}/drm")
        rc, out = self.vfg_root(f"check {VM} --json")
        findings = {f["id"]: f for f in json.loads(out)["findings"]}
        self.assertEqual(findings[f"vm.device.{CARD}"]["status"], "fail", out)


    # --- GPU handover (binding = "start") -----------------------------------
    # The card stays with its host drivers until `vfg start`, goes to vfio-pci
    # for the run (the handover service, started through polkit as the user),
    # and comes back at the stop, or at the next vfg command after a crash.
    def card_node(self):
        """The card's DRM node (/dev/dri/cardN) while bochs-drm drives it, or None."""
        rc, out = self.l1.run(f"readlink -e /dev/dri/by-path/pci-{CARD}-card")
        return out.strip() if rc == 0 else None

    def assert_card_on_host(self):
        self.assertEqual(self.driver(CARD), "bochs-drm")
        self.assertEqual(self.driver(CARD_AUDIO), "snd_hda_intel")
        self.assertIsNotNone(self.card_node())
        self.l1.check(f"test -d /sys/bus/pci/devices/{CARD_AUDIO}/sound")

    def assert_card_in_vm(self):
        self.assertEqual(self.driver(CARD), "vfio-pci")
        self.assertEqual(self.driver(CARD_AUDIO), "vfio-pci")
        pids = self.qemu_pids()
        self.assertEqual(len(pids), 1)
        node = f"/dev/vfio/{self.group_of(CARD)}"
        self.l1.check(f"ls -l /proc/{pids[0]}/fd | grep -q ' -> {node}$'")

    def run_record(self):
        out = self.l1.check(f"cat /home/{USER}/run/vfg/{VM}/state.json")
        return json.loads(out)

    def handover_pending(self):
        rc, _ = self.l1.run(f"test -e /home/{USER}/run/vfg/{VM}/handover.json")
        return rc == 0

    def test_06_setup_for_handover_leaves_the_card_to_the_host(self):
        self.l1.put(f"/home/{USER}/.config/vfg/{VM}.toml",
                    self.definition("start"))
        rc, out = self.vfg_root(f"setup {VM} --user {USER} --group {GROUP} --apply", timeout=600)
        self.assertEqual(rc, 0, out)
        self.reload_drivers_as_at_boot()
        self.assert_card_on_host()
        # A host's consoles are on its own GPU. With two framebuffers, fbcon
        # maps them by registration order, which the reloads may have made
        # the card's; vfg would then rightly refuse the start (fbcon holds it).
        self.l1.put("/usr/local/sbin/bench-consoles", CONSOLES)
        host_fb = self.l1.check(f"for f in /sys/class/graphics/fb*; do readlink -f $f/device | "
                                f"grep -q {HOST_GPU} && basename $f; done; true").strip()[2:]
        self.l1.check(f"python3 /usr/local/sbin/bench-consoles {host_fb}")
        allow = self.l1.check("cat /etc/vfg/handover.allow")
        self.assertIn(f"{CARD} {CARD_AUDIO}", allow)
        self.l1.check("test -e /etc/systemd/system/vfg-handover-release@.service")
        rc, out = self.vfg_user(f"check {VM} --json")
        findings = {f["id"]: f for f in json.loads(out)["findings"]}
        for address in (CARD, CARD_AUDIO):
            self.assertEqual(findings[f"vm.device.{address}"]["status"], "pass", out)
        rc, out = self.vfg_root("devices gpu --json")
        self.assertEqual(rc, 0, out)
        cards = {gpu["gpu"]: gpu for gpu in json.loads(out)["gpus"]}
        self.assertEqual(cards[CARD]["binding"], "start", out)

    def test_07_a_holder_of_the_card_makes_the_start_refuse(self):
        node = self.card_node()
        holder = self.l1.check(f"setsid sh -c 'exec sleep 900 3<{node}' >/dev/null 2>&1 & echo $!").strip()
        try:
            rc, out = self.vfg_user(f"start {VM}")
            self.assertNotEqual(rc, 0, out)
            self.assertIn(f"pid {holder} sleep (user root) has {node} open", out)
            self.assertEqual(self.qemu_pids(), [])
            self.assert_card_on_host()
            self.assertFalse(self.handover_pending())
        finally:
            self.l1.run(f"kill {holder}")

    def test_08_start_hands_the_card_over_and_stop_gives_it_back(self):
        rc, out = self.vfg_user(f"start {VM}")
        self.assertEqual(rc, 0, out)
        self.assert_card_in_vm()
        self.assertIsNone(self.card_node())
        rc, out = self.vfg_user(f"status {VM}")
        self.assertIn(f"{CARD} on vfio-pci", out)
        rc, out = self.vfg_user(f"stop {VM} --force")
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.qemu_pids(), [])
        self.assert_card_on_host()
        self.assertFalse(self.handover_pending())

    def test_09_after_a_crash_the_next_command_gives_the_card_back_once(self):
        rc, out = self.vfg_user(f"start {VM}")
        self.assertEqual(rc, 0, out)
        self.assert_card_in_vm()
        record = self.run_record()
        # The supervisor and QEMU die at once: nobody is left to give the card back.
        self.l1.check(f"kill -9 {record['supervisor_pid']} {record['qemu_pid']}")
        self.l1.check(f"while kill -0 {record['qemu_pid']} 2>/dev/null; do sleep 0.2; done", timeout=60)
        self.assertEqual(self.driver(CARD), "vfio-pci")
        self.assertTrue(self.handover_pending())
        rc, out = self.vfg_user(f"status {VM}")
        self.assertIn("not given back", out)
        rc, out = self.vfg_user(f"stop {VM}")
        self.assertEqual(rc, 0, out)
        self.assertIn(f"returned {CARD} to the host", out)
        self.assert_card_on_host()
        self.assertFalse(self.handover_pending())
        rc, out = self.vfg_user(f"stop {VM}")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("returned", out)

    def test_10_a_supervisor_killed_while_it_returns_the_card_leaves_it_to_the_next_command(self):
        rc, out = self.vfg_user(f"start {VM}")
        self.assertEqual(rc, 0, out)
        self.assert_card_in_vm()
        record = self.run_record()
        # QEMU dies; its supervisor starts giving the card back (the return
        # takes seconds: systemd, polkit, two driver probes) and is killed
        # in the middle of it.
        self.l1.check(f"kill -9 {record['qemu_pid']}; "
                      f"for i in $(seq 100); do grep -q returning /home/{USER}/run/vfg/{VM}/handover.json "
                      f"2>/dev/null && break; sleep 0.05; done; kill -9 {record['supervisor_pid']}",
                      timeout=60)
        self.assertTrue(self.handover_pending())
        rc, out = self.vfg_user(f"stop {VM}")
        self.assertEqual(rc, 0, out)
        self.assert_card_on_host()
        self.assertFalse(self.handover_pending())

    def test_11_a_return_that_fails_is_reported_and_finished_later(self):
        rc, out = self.vfg_user(f"start {VM}")
        self.assertEqual(rc, 0, out)
        self.assert_card_in_vm()
        # bochs-drm cannot come back: its module is gone and loading it fails.
        self.l1.put("/etc/modprobe.d/zz-bench-no-bochs.conf", "install bochs /bin/false\n")
        self.l1.check("modprobe -r bochs")
        rc, out = self.vfg_user(f"stop {VM} --force")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("modprobe bochs", out)
        self.assertNotEqual(self.driver(CARD), "bochs-drm")
        self.assertTrue(self.handover_pending())
        rc, out = self.vfg_user(f"status {VM}")
        self.assertIn("not given back", out)
        self.l1.check("rm /etc/modprobe.d/zz-bench-no-bochs.conf")
        rc, out = self.vfg_user(f"stop {VM}")
        self.assertEqual(rc, 0, out)
        self.assert_card_on_host()
        self.assertFalse(self.handover_pending())

    def test_12_the_service_acts_only_on_its_allowlist(self):
        def start_unit(user, unit):
            return self.l1.run(f"runuser -u {user} -- systemctl start --no-ask-password '{unit}'", 120)
        # A card that is not on the list: the host's own GPU.
        rc, out = start_unit(USER, f"vfg-handover-release@{HOST_GPU}.service")
        self.assertNotEqual(rc, 0, out)
        journal = self.l1.check(f"journalctl -u vfg-handover-release@{HOST_GPU}.service --no-pager")
        self.assertIn("is not on the handover allowlist", journal)
        self.assertEqual(self.driver(HOST_GPU), "virtio-pci")
        # A unit name that is not an address never reaches the service.
        rc, out = start_unit(USER, "vfg-handover-release@..-..-etc-shadow.service")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("Interactive authentication required", out)
        rc, out = self.l1.run(f"{self.vfg} handover-service release ../../../etc")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("is not a PCI address", out)
        # Someone outside the VM group gets nothing.
        self.l1.check("id outsider >/dev/null 2>&1 || useradd outsider")
        rc, out = start_unit("outsider", f"vfg-handover-release@{CARD}.service")
        self.assertNotEqual(rc, 0, out)
        self.assert_card_on_host()
        # A second request for a card while one is in progress is refused.
        lock = f"/run/vfg-handover/{CARD}.lock"
        # -o: only flock itself holds the lock, so killing it frees the card.
        self.l1.check(f"setsid flock -o {lock} sleep 120 >/dev/null 2>&1 & sleep 1")
        try:
            rc, out = start_unit(USER, f"vfg-handover-release@{CARD}.service")
            self.assertNotEqual(rc, 0, out)
            journal = self.l1.check(f"journalctl -u vfg-handover-release@{CARD}.service --no-pager")
            self.assertIn(f"another handover of {CARD} is in progress", journal)
            self.assert_card_on_host()
        finally:
            self.l1.run(f"pkill -f 'flock -o {lock}'; flock -w 30 {lock} true", 60)


if __name__ == "__main__":
    # Arguments pick steps by number ("06 13 18"), for a quicker look at a
    # few: each step runs on what the steps before it left.
    wanted = sys.argv[1:]
    steps = sorted(name for name in dir(VfioBench)
                   if name.startswith("test_") and (not wanted or name[5:7] in wanted))
    unittest.main(argv=[sys.argv[0]] + [f"VfioBench.{step}" for step in steps],
                  verbosity=2, failfast=True)
