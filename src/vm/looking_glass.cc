#include "vm/looking_glass.h"

#include <algorithm>

#include "vm/vm_config.h"

namespace vfg {

namespace {
constexpr uint64_t kMebibyte = uint64_t{1} << 20;
}

uint64_t looking_glass_bytes_b7(uint32_t width, uint32_t height, bool hdr) {
  uint64_t bytes_per_pixel = hdr ? 8 : 4;
  return uint64_t{width} * height * bytes_per_pixel * 2 + 10 * kMebibyte;
}

uint64_t looking_glass_bytes_current(uint32_t width, uint32_t height) {
  // Three frames, each row aligned to 256 bytes, plus the LGMP queues.
  uint64_t pitch = (uint64_t{width} * 4 + 255) / 256 * 256;
  return pitch * height * 3 + 4 * kMebibyte;
}

uint64_t round_up_power_of_two(uint64_t bytes) {
  uint64_t size = 1;
  while (size < bytes) size <<= 1;
  return size;
}

uint64_t looking_glass_size(uint32_t width, uint32_t height, bool hdr) {
  return std::max(round_up_power_of_two(looking_glass_bytes_b7(width, height, hdr)),
                  round_up_power_of_two(looking_glass_bytes_current(width, height)));
}

uint64_t LookingGlassConfig::effective_size() const {
  return size.value_or(looking_glass_size(width, height, hdr));
}

}  // namespace vfg
