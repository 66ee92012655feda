"""The single-GPU steps of the VFIO bench (vfio_bench_test.py), after the handover steps.

L1 plays a host whose only display is the card: its consoles are drawn on
the card's framebuffer (bochs-drm) and a stand-in display manager holds the
card's DRM node. A single-GPU start must take all of it down, pass the card,
and bring it all back when the run ends — each way a run can end, within 30
seconds of what ended it.
"""
import time

from single_gpu_tools import DISPLAY_MANAGER_UNIT, EXITS, FAKE_QEMU, HANGS, KEYBOARD

CARD = "0000:02:00.0"
USER = "gamer"
GROUP = "vfgbench"
VM = "l2"
SERVICE = f"vfg-single-gpu@{USER}:{VM}.service"
# The bound: the desktop is back within this many seconds of the trigger.
BACK_WITHIN = 30


class SingleGpuSteps:
    def card_framebuffer(self):
        return int(self.l1.check(f"ls /sys/bus/pci/devices/{CARD}/graphics | sed -n 's/^fb//p'")
                   .split()[0])

    def consoles(self):
        return self.l1.check("python3 /usr/local/sbin/bench-consoles").split()

    def fbcon_bound(self):
        """Whether fbcon is bound to the virtual terminals (another console takes over when not)."""
        rc, out = self.l1.run("for v in /sys/class/vtconsole/vtcon*; do "
                              "if grep -q 'frame buffer' $v/name; then cat $v/bind; fi; done")
        return rc == 0 and out.split() == ["1"]

    def what_is_missing(self):
        """What keeps the desktop from being back, or None: the card on its
        driver, the display manager running, fbcon bound and drawing every
        console on the card."""
        if self.driver(CARD) != "bochs-drm":
            return f"the card is on {self.driver(CARD)}"
        rc, _ = self.l1.run("systemctl is-active --quiet display-manager.service")
        if rc != 0:
            return "the display manager is not running"
        if not self.fbcon_bound():
            return "fbcon is not bound"
        rc, out = self.l1.run(f"ls /sys/bus/pci/devices/{CARD}/graphics")
        fbs = [name[2:] for name in out.split() if name.startswith("fb")]
        consoles = self.consoles()
        if rc != 0 or not fbs or any(c != fbs[0] for c in consoles):
            return f"the consoles are on {consoles}, the card has {fbs}"
        return None

    def desktop_is_back(self):
        return self.what_is_missing() is None

    def l1_clock(self):
        return float(self.l1.check("date +%s.%N"))

    def wait_back(self, trigger, clock=time.monotonic):
        """Seconds from `trigger` (on `clock`) until the desktop is back; fails past BACK_WITHIN."""
        while clock() - trigger < BACK_WITHIN + 60:
            if self.desktop_is_back():
                took = clock() - trigger
                print(f"  desktop back {took:.1f} s after the trigger", flush=True)
                self.assertLessEqual(took, BACK_WITHIN, self.journals())
                rc, out = self.l1.run(f"systemctl is-active {SERVICE}")
                self.assertNotEqual(out.strip(), "active", out)
                return took
            time.sleep(0.5)
        self.fail(f"the desktop did not come back: {self.what_is_missing()}\n{self.journals()}")

    def journals(self):
        """The service's journal and the card's handover units', to say why."""
        units = f"-u {SERVICE} -u 'vfg-handover-*'"
        return self.l1.run(f"journalctl {units} -o short-monotonic --no-pager | tail -80")[1]

    def with_fake_qemu(self, action):
        self.l1.put("/usr/local/bin/qemu-system-x86_64", FAKE_QEMU.format(action=action), mode=0o755)
        self.addCleanup(self.l1.run, "rm -f /usr/local/bin/qemu-system-x86_64 /tmp/bench-qemu-exited")

    def journal_time(self, text, timeout=120):
        """L1's clock when the service's journal said `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc, out = self.l1.run(f"journalctl -u {SERVICE} -o short-unix --no-pager | grep -F '{text}' | tail -1")
            if rc == 0 and out.strip():
                return float(out.split()[0])
            time.sleep(0.5)
        self.fail(f"the journal never said '{text}'")

    def start_single(self):
        rc, out = self.vfg_user(f"start {VM}")
        self.assertEqual(rc, 0, out)
        self.assertIn(SERVICE, out)

    def wait_taken(self, timeout=600):
        """Until QEMU holds the card's VFIO group; the display is down by then."""
        deadline = time.monotonic() + timeout
        node = f"/dev/vfio/{self.group_of(CARD)}"
        while time.monotonic() < deadline:
            rc, _ = self.l1.run(f"pgrep -u {USER} -x qemu-system-x86 | "
                                f"xargs -r -I{{}} ls -l /proc/{{}}/fd | grep -q ' -> {node}$'")
            if rc == 0:
                break
            time.sleep(1)
        else:
            self.fail(self.journals())
        self.assertEqual(self.driver(CARD), "vfio-pci")
        rc, _ = self.l1.run("systemctl is-active --quiet display-manager.service")
        self.assertNotEqual(rc, 0, "the display manager still runs")
        self.assertFalse(self.fbcon_bound(), "the framebuffer console is still bound")

    def outcome(self):
        return self.l1.check(f"cat /var/lib/vfg-single-gpu/{USER}:{VM}.last")

    def assert_outcome(self, text):
        self.assertIn(text, self.outcome(), self.journals())

    def write_single_definition(self, take_timeout=600, extra=""):
        definition = self.definition("start")
        if extra:
            definition = definition.replace("[memory]", f"{extra}\n\n[memory]")
        definition += (f'\n[single_gpu]\nenabled = true\nkeyboard = "{self.keyboard}"\n'
                       f'chord = "leftctrl+leftalt+end"\ntake_timeout = {take_timeout}\n')
        self.l1.put(f"/home/{USER}/.config/vfg/{VM}.toml", definition)

    # --- the steps -------------------------------------------------------------
    def test_13_single_gpu_setup_and_a_host_that_draws_on_the_card(self):
        self.l1.put("/usr/local/sbin/bench-keyboard", KEYBOARD)
        self.l1.check("modprobe uinput && (setsid python3 /usr/local/sbin/bench-keyboard "
                      ">/run/bench-keyboard.log 2>&1 &) && sleep 2 && udevadm settle")
        name = self.l1.check("grep -l '^vfg bench keyboard$' /sys/class/input/event*/device/name")
        type(self).keyboard = "/dev/input/" + name.split("/")[4]
        self.l1.put("/etc/systemd/system/bench-dm.service", DISPLAY_MANAGER_UNIT.format(card=CARD))
        self.l1.check("systemctl daemon-reload && systemctl enable --now bench-dm.service")
        self.l1.check(f"python3 /usr/local/sbin/bench-consoles {self.card_framebuffer()}")
        self.write_single_definition()
        rc, out = self.vfg_root(f"setup {VM} --user {USER} --group {GROUP} --apply", timeout=600)
        self.assertEqual(rc, 0, out)
        self.l1.check("test -e /etc/systemd/system/vfg-single-gpu@.service")
        self.assertIsNone(self.what_is_missing())
        rc, out = self.vfg_user(f"check {VM}")
        self.assertIn("single-GPU", out)

    def test_14_the_run_ends_and_the_desktop_comes_back(self):
        self.start_single()
        self.wait_taken()
        # The service runs the VM outside any session; a session still finds it.
        rc, out = self.vfg_user(f"status {VM}")
        self.assertEqual(rc, 0, out)
        self.assertIn("running", out)
        # The guest's end, as QEMU sees it: the process is gone.
        self.l1.check(f"pkill -KILL -u {USER} -x qemu-system-x86")
        self.wait_back(time.monotonic())
        self.assert_outcome("the VM ended")

    def test_15_the_service_stopped_by_the_user_brings_the_desktop_back(self):
        self.start_single()
        self.wait_taken()
        trigger = time.monotonic()
        rc, out = self.l1.run(f"runuser -u {USER} -- systemctl stop --no-ask-password {SERVICE}", 200)
        self.assertEqual(rc, 0, out)
        self.wait_back(trigger)
        self.assert_outcome("the service was stopped")

    def test_16_the_host_key_chord_brings_the_desktop_back(self):
        self.start_single()
        self.wait_taken()
        trigger = time.monotonic()
        self.l1.check("echo leftctrl leftalt end > /run/bench-keyboard")
        self.wait_back(trigger)
        self.assert_outcome("chord")

    def test_17_qemu_that_exits_at_once_brings_the_desktop_back(self):
        self.with_fake_qemu(EXITS)
        self.l1.check("rm -f /tmp/bench-qemu-exited")
        self.start_single()
        self.l1.check("while [ ! -s /tmp/bench-qemu-exited ]; do sleep 0.2; done", timeout=300)
        self.wait_back(float(self.l1.check("cat /tmp/bench-qemu-exited")), clock=self.l1_clock)
        self.assert_outcome("the VM ended")

    def test_18_qemu_that_never_takes_the_card_brings_the_desktop_back(self):
        # Long enough for vfg's checks and the card's release in L1: QEMU
        # must hang with the card on vfio-pci, not be caught still probing.
        take_timeout = 90
        self.write_single_definition(take_timeout=take_timeout)
        self.with_fake_qemu(HANGS)
        self.start_single()
        self.l1.check(f"until [ $(basename $(readlink /sys/bus/pci/devices/{CARD}/driver)) = vfio-pci ]"
                      f" && pgrep -u {USER} -x sleep; do sleep 1; done", timeout=take_timeout)
        # The trigger is the take timeout, as the service notices it.
        self.wait_back(self.journal_time("did not take"), clock=self.l1_clock)
        self.assert_outcome("did not take")
