// Looking Glass shared-memory sizing.
//
// Looking Glass documents two formulas. The B7 release (doc/install_libvirt.rst@B7):
//   W × H × BPP × 2 + 10 MiB, BPP = 4 (SDR) or 8 (HDR)
// and the current documentation for the IDD host that follows it:
//   ceil(W × 4 / 256) × 256 × H × 3 + 4 MiB   (HDR does not double it)
// each rounded up to a power of two, which QEMU's ivshmem also requires.
// They agree on the common modes (1080p 32 MiB, 1440p 64 MiB, 4K 128 MiB) but
// not everywhere: 2560×1080 needs 64 MiB under the current formula and 32 MiB
// under B7, 1080p HDR needs 64 MiB under B7 and 32 MiB under the current one.
// The guest's host application and the client must be the same version, and
// both versions are in use, so vfg takes the larger of the two: the size then
// fits whichever one the user runs, at the cost of at most one power of two.
#pragma once

#include <cstdint>

namespace vfg {

/// Bytes the B7 release needs before rounding.
uint64_t looking_glass_bytes_b7(uint32_t width, uint32_t height, bool hdr);
/// Bytes the current (IDD host) documentation asks for before rounding.
uint64_t looking_glass_bytes_current(uint32_t width, uint32_t height);
/// The smallest power of two ≥ bytes (bytes > 0).
uint64_t round_up_power_of_two(uint64_t bytes);
/// The shared-memory size vfg uses: the larger of both formulas, each rounded up.
uint64_t looking_glass_size(uint32_t width, uint32_t height, bool hdr);

}  // namespace vfg
