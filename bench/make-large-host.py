#!/usr/bin/env python3
"""Builds a large synthetic host for bench/discovery.sh: 640 PCI functions in
128 IOMMU groups (two PCI domains of 64 root ports, each with a 4-function
device), 64 USB devices behind 8 hubs, 32 disks with 2 partitions each, 64
CPUs and a few input devices. Usage: make-large-host.py DIR"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
from sysfs_model import Pci, Tree  # noqa: E402
import host_parts  # noqa: E402

# What sits below each root port, cycling: (vendor, [(device, class, driver)...]).
CARDS = [
    (0x10de, [(0x2204, 0x030000, "vfio-pci"), (0x1aef, 0x040300, "vfio-pci"),
              (0x1ad6, 0x0c0330, "vfio-pci"), (0x1ad7, 0x0c8000, "vfio-pci")]),
    (0x8086, [(0x1572, 0x020000, "i40e"), (0x1572, 0x020000, "i40e"),
              (0x1572, 0x020000, "i40e"), (0x1572, 0x020000, "i40e")]),
    (0x144d, [(0xa80a, 0x010802, "nvme"), (0xa80a, 0x010802, "nvme"),
              (0xa80a, 0x010802, "nvme"), (0xa80a, 0x010802, "nvme")]),
    (0x1002, [(0x73bf, 0x030000, "amdgpu"), (0xab28, 0x040300, "snd_hda_intel"),
              (0x73a6, 0x0c0330, "xhci_hcd"), (0x73a4, 0x0c8000, None)]),
]


def main():
    t = Tree(sys.argv[1])
    pci = Pci(t)
    group = 0
    nvme_paths = []
    for domain in range(2):
        for port in range(64):
            dev, fn = 1 + port // 8, port % 8
            rp = pci.add("%04x:00:%02x.%d" % (domain, dev, fn), 0x1022, 0x1483, 0x060400,
                         driver="pcieport", group=group)
            vendor, functions = CARDS[port % len(CARDS)]
            for f, (device, cls, driver) in enumerate(functions):
                name = pci.add("%04x:%02x:00.%d" % (domain, port + 1, f), vendor, device, cls,
                               parent=rp, driver=driver, group=group, subsys=(vendor, device),
                               boot_vga=False, reset="flr bus")
                if cls == 0x010802 and domain == 0:
                    nvme_paths.append("%s/%s" % (rp, name))
            group += 1
    pci.write()
    t.write("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=UUID=0 ro iommu=pt\n")

    usb = host_parts.Usb(t, "0000:00:01.1/0000:02:00.2")
    usb.root_hub(1, usb3=False)
    for hub in range(1, 9):
        usb.device("1-%d" % hub, 0x05e3, 0x0610, "GenesysLogic", "USB2.1 Hub", "", "480", cls=0x09,
                   interfaces=(("hub", 0x09),))
        for port in range(1, 8):
            usb.device("1-%d.%d" % (hub, port), 0x046d, 0xc52b, "Logitech", "USB Receiver",
                       "SER%02d%02d" % (hub, port), "12")

    disks = host_parts.Disks(t)
    for i, path in enumerate(nvme_paths[:32]):
        pci_path = path.replace("0000:00:", "0000:00:", 1)
        d = disks.nvme(pci_path.split("/", 0)[0], i, "Samsung SSD 980 PRO 1TB", "S5P2NG0R%06d" % i,
                       "002538b%09x" % i, 1000)
        disks.partition(d, 1, 0.5, "00000000-0000-4000-8000-%012d" % (2 * i), "vfat", "AAAA-%04d" % i,
                        mount="/boot/efi" if i == 0 else None)
        disks.partition(d, 2, 999, "00000000-0000-4000-8000-%012d" % (2 * i + 1), "ext4",
                        "10000000-0000-4000-8000-%012d" % i, mount="/" if i == 0 else None)
    disks.finish()
    host_parts.cpu_amd(t, ccds=4, ccx_per_ccd=2, cores_per_ccx=4,
                       model="AMD Ryzen Threadripper PRO 5975WX 32-Cores")
    print("%d PCI functions, %d IOMMU groups, 64 USB devices, %d disks" % (
        len(pci.order), group, len(nvme_paths[:32])))


if __name__ == "__main__":
    main()
