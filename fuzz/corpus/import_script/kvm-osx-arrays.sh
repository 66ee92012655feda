#!/bin/bash
# modelled on: github.com/cHolzberger/kvm-osx kvm/cpu-hyperv.sh and kvm/hugepages.sh: options
#   collected in bash arrays with +=, the CPU flags joined with IFS="," through "${CPU[*]}".
# host: intel-igpu-nvidia
CPU_SMP=8,sockets=1,cores=4,threads=2
MEM_PATH=/dev/hugepages
QEMU_OPTS=(
 -enable-kvm
 -machine q35
 -m 16G
)
CPU=(
host
kvm=off
l3-cache=on
hv_relaxed=on
hv_spinlocks=0x1fff
hv_vapic=on
hv_time=on
)
CPUFLAGS=(
+invtsc
+x2apic
)
OIFS="$IFS"
IFS=","
QEMU_OPTS+=(
 -cpu "${CPU[*]}","${CPUFLAGS[*]}"
 -smp "$CPU_SMP"
 -no-hpet
 -global kvm-pit.lost_tick_policy=discard
 -global ICH9-LPC.disable_s3=1
)
IFS="$OIFS"
QEMU_OPTS+=(
 -mem-path $MEM_PATH
 -mem-prealloc
)
QEMU_OPTS+=(
 -device vfio-pci,host=01:00.0,multifunction=on
 -device vfio-pci,host=01:00.1
 -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd
 -drive if=pflash,format=raw,file=/srv/kvm/osx/OVMF_VARS.fd
 -device virtio-blk-pci,drive=system
 -drive if=none,id=system,file=/srv/kvm/osx/system.qcow2,format=qcow2,cache=unsafe
)
exec qemu-system-x86_64 "${QEMU_OPTS[@]}"
