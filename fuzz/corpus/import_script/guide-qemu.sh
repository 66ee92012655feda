#!/usr/bin/env bash
# source: the hand-written qemu.sh that passthrough guides teach (start/stop/connect around one
#   qemu-system-x86_64 call); written for this project's tests after the guide this project grew
#   from.
# host: intel-igpu-nvidia (GTX 1080 at 01:00.0 with its HDMI audio at 01:00.1)
set -euo pipefail

VM=win11
DIR="$HOME/vms/$VM"
RUN="${XDG_RUNTIME_DIR:-/tmp}/$VM"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.ms.fd
OVMF_VARS="$DIR/OVMF_VARS.fd"
SPICE_SOCK="$RUN/spice.sock"
QMP_SOCK="$RUN/qmp.sock"

start() {
  mkdir -p "$RUN"
  qemu-system-x86_64 \
    -name "$VM",debug-threads=on \
    -machine q35,accel=kvm,kernel_irqchip=on \
    -cpu host,kvm=on,hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,hv_time,hv_vpindex,hv_synic,hv_stimer,hv_frequencies \
    -smp 12,sockets=1,cores=6,threads=2 \
    -m 16G -mem-prealloc \
    -rtc base=localtime \
    -drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" \
    -drive if=pflash,format=raw,file="$OVMF_VARS" \
    -drive file="$DIR/win11.qcow2",if=virtio,format=qcow2,cache=writeback,discard=unmap \
    -drive file=/dev/nvme0n1p3,if=none,id=games,format=raw,cache=none,aio=native,discard=unmap \
    -device virtio-blk-pci,drive=games \
    -device vfio-pci,host=01:00.0,multifunction=on \
    -device vfio-pci,host=01:00.1 \
    -device qemu-xhci,id=xhci \
    -device usb-host,bus=xhci.0,hostbus=1,hostport=3.1 \
    -device usb-host,bus=xhci.0,hostbus=1,hostport=3.4 \
    -audiodev pa,id=snd0,server=unix:${XDG_RUNTIME_DIR:-/tmp}/pulse/native \
    -device ich9-intel-hda \
    -device hda-duplex,audiodev=snd0 \
    -object memory-backend-file,id=looking-glass,mem-path=/dev/shm/looking-glass,size=128M,share=on \
    -device ivshmem-plain,memdev=looking-glass \
    -spice unix=on,addr="$SPICE_SOCK",disable-ticketing=on \
    -vga none -nographic \
    -netdev user,id=net0,hostfwd=tcp::3389-:3389 \
    -device virtio-net-pci,netdev=net0 \
    -qmp unix:"$QMP_SOCK",server,nowait \
    -daemonize
}

stop() {
  echo '{"execute":"qmp_capabilities"}{"execute":"system_powerdown"}' | socat - UNIX-CONNECT:"$QMP_SOCK"
}

connect() {
  looking-glass-client -c "$SPICE_SOCK" -p 0
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  connect) connect ;;
esac
