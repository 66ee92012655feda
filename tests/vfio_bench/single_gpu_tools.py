"""Programs the single-GPU steps of the VFIO bench put into L1.

KEYBOARD: a uinput keyboard that stays with the host (the chord's keyboard);
it presses the keys written to its control FIFO, all at once, then lets go.
CONSOLES: draws the consoles on a framebuffer (FBIOPUT_CON2FBMAP) or prints
the framebuffer each console is drawn on (FBIOGET_CON2FBMAP).
FAKE_QEMU: a qemu-system-x86_64 first on $PATH that answers vfg's probes with
the real one but, for a VM that passes a card, hangs (HANGS: "QEMU hangs
before using the card") or exits at once (EXITS).
"""

KEYBOARD = r'''
import fcntl, os, struct, time
UI_SET_EVBIT, UI_SET_KEYBIT = 0x40045564, 0x40045565
UI_DEV_SETUP, UI_DEV_CREATE = 0x405c5503, 0x5501
EV_SYN, EV_KEY = 0, 1
KEYS = {"leftctrl": 29, "leftalt": 56, "end": 107}
fd = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
fcntl.ioctl(fd, UI_SET_EVBIT, EV_KEY)
for code in KEYS.values():
    fcntl.ioctl(fd, UI_SET_KEYBIT, code)
# struct uinput_setup: input_id (bustype, vendor, product, version), name[80], ff_effects_max
fcntl.ioctl(fd, UI_DEV_SETUP, struct.pack("HHHH80sI", 0x03, 0x1234, 0x5678, 1,
                                          b"vfg bench keyboard", 0))
fcntl.ioctl(fd, UI_DEV_CREATE)
def emit(kind, code, value):
    os.write(fd, struct.pack("llHHi", 0, 0, kind, code, value))
control = "/run/bench-keyboard"
if not os.path.exists(control):
    os.mkfifo(control)
while True:
    with open(control) as fifo:
        for line in fifo:
            names = line.split()
            for name in names:
                emit(EV_KEY, KEYS[name], 1)
            emit(EV_SYN, 0, 0)
            time.sleep(0.3)
            for name in reversed(names):
                emit(EV_KEY, KEYS[name], 0)
            emit(EV_SYN, 0, 0)
'''

CONSOLES = r'''
import fcntl, glob, struct, sys
FBIOGET_CON2FBMAP, FBIOPUT_CON2FBMAP = 0x460F, 0x4610
fb = open(sorted(glob.glob("/dev/fb[0-9]*"))[0], "rb")
if len(sys.argv) > 1:
    for console in range(1, 7):
        fcntl.ioctl(fb, FBIOPUT_CON2FBMAP, struct.pack("II", console, int(sys.argv[1])))
print(" ".join(str(struct.unpack("II", fcntl.ioctl(fb, FBIOGET_CON2FBMAP,
                                                   struct.pack("II", c, 0)))[1])
               for c in range(1, 7)))
'''

FAKE_QEMU = r'''#!/bin/sh
case "$*" in
  *vfio-pci*) {action} ;;
esac
exec /usr/bin/qemu-system-x86_64 "$@"
'''
# QEMU that never opens the card.
HANGS = "exec sleep 3600"
# QEMU that fails at once, leaving the moment (L1's clock) for the test.
EXITS = 'date +%s.%N > /tmp/bench-qemu-exited; echo "qemu: fails at once" >&2; exit 1'

DISPLAY_MANAGER_UNIT = """\
[Unit]
Description=Stand-in display manager: holds the card's DRM node like a compositor

[Service]
ExecStart=/bin/sh -c 'exec sleep infinity 3<>/dev/dri/by-path/pci-{card}-card'

[Install]
Alias=display-manager.service
"""
