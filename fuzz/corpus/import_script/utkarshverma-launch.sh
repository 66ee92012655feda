#!/bin/sh
# modelled on: github.com/UtkarshVerma/qemu-vfio-win10 launch.sh (commit 1cb35983): options
#   built in a string variable across if/else branches, arithmetic in -smp, Looking Glass over
#   kvmfr, evdev through persistent-evdev, QEMU under schedtool and jemalloc.sh, usb-host by
#   hostaddr, hda-micro with PulseAudio, a Samba share.
# host: intel-igpu-nvidia
USER=subaru
RAM=5
CORES=3
THREADS=2
GPU=01:00.0
GPU_AUDIO=01:00.1
SHARED_FOLDER=/media/stuff
USE_SPICE=0
USE_DMABUF=1

if [ $USE_SPICE -eq 1 ]; then
	spicePort=5900
	args="$args \
		-device virtio-serial-pci \
		-spice port=$spicePort,disable-ticketing=on"
else
	args="$args \
		-object input-linux,id=mouse,evdev=/dev/input/by-id/uinput-persist-mouse \
		-object input-linux,id=kbd0,evdev=/dev/input/by-id/uinput-persist-keyboard0,grab_all=on,repeat=on"
fi

shmSize=32
shmFile=/dev/kvmfr0
args="$args \
	-device ivshmem-plain,id=shmem0,memdev=looking-glass,bus=pcie.0 \
	-object memory-backend-file,id=looking-glass,mem-path=$shmFile,size=${shmSize}M,share=yes"

schedtool -n -5 -e \
jemalloc.sh \
qemu-system-x86_64 \
	-enable-kvm \
	-name "Windows 10",debug-threads=on \
	-machine type=q35,usb=off,vmport=off,kernel_irqchip=on,accel=kvm \
	-cpu host,topoext,hv_vendor_id=random,hv_relaxed,hv_vpindex,hv_runtime,hv_synic,hv_stimer,hv_reset,hv_frequencies,hv_tlbflush,hv_time,-aes,hv_vapic,hv_spinlocks=0x1fff,hv_ipi,-kvm,l3-cache \
	-smp $((CORES*THREADS)),sockets=1,cores=$CORES,threads=$THREADS \
	-m ${RAM}G \
	-overcommit mem-lock=off,cpu-pm=on \
	-rtc clock=host,base=localtime,driftfix=slew \
	-global kvm-pit.lost_tick_policy=delay \
	-no-hpet \
	-drive file=OVMF_CODE.fd,readonly=on,format=raw,if=pflash \
	-drive file=OVMF_VARS.fd,format=raw,if=pflash \
	-object iothread,id=diskio \
	-device virtio-scsi-pci,iothread=diskio,id=scsi,num_queues=$((CORES*THREADS)) \
	-device scsi-hd,drive=hdd \
	-drive file=hdd.qcow2,id=hdd,if=none \
	-netdev user,id=nic,smb=$SHARED_FOLDER \
	-device virtio-net,netdev=nic \
	-audiodev pa,id=hda,server=unix:/run/user/1000/pulse/native \
	-device ich9-intel-hda,bus=pcie.0,addr=0x1b,msi=on \
	-device hda-micro,audiodev=hda \
	-object rng-random,id=rng,filename=/dev/urandom \
	-device virtio-rng-pci,rng=rng \
	-device qemu-xhci,id=xhci \
	-device usb-host,hostbus=3,hostaddr=2 \
	-device vfio-pci,host=$GPU,x-vga=on,multifunction=on \
	-device vfio-pci,host=$GPU_AUDIO \
	-device virtio-mouse-pci \
	-device virtio-keyboard-pci \
	-boot menu=off,strict=on \
	-serial none \
	-parallel none \
	-vga none \
	-nographic \
	-nodefaults \
	-no-user-config \
	-monitor unix:/tmp/qemuwin.sock,server,nowait \
	$args &
