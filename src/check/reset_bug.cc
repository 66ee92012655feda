#include "check/reset_bug.h"

#include <array>

namespace vfg::check {

namespace {

struct ResetBugId {
  uint16_t device;
  std::string_view family;
};

// The device IDs vendor-reset handles: Polaris 10/11/12, Vega 10/20 and
// Navi 10/12/14 (RX 400/500, Vega 56/64/VII, RX 5000). Source: the table
// `vendor_reset_devices[]` in src/device-db.h of github.com/gnif/vendor-reset.
// Newer RDNA2/3 cards are left out on purpose: vendor-reset does not cover
// them as a family, and most of them reset correctly with the kernel's methods.
constexpr std::array kResetBugIds = {
    ResetBugId{0x67C0, "Polaris 10"}, ResetBugId{0x67C1, "Polaris 10"},
    ResetBugId{0x67C2, "Polaris 10"}, ResetBugId{0x67C4, "Polaris 10"},
    ResetBugId{0x67C7, "Polaris 10"}, ResetBugId{0x67D0, "Polaris 10"},
    ResetBugId{0x67DF, "Polaris 10"}, ResetBugId{0x67C8, "Polaris 10"},
    ResetBugId{0x67C9, "Polaris 10"}, ResetBugId{0x67CA, "Polaris 10"},
    ResetBugId{0x67CC, "Polaris 10"}, ResetBugId{0x67CF, "Polaris 10"},
    ResetBugId{0x6FDF, "Polaris 10"}, ResetBugId{0x67E0, "Polaris 11"},
    ResetBugId{0x67E3, "Polaris 11"}, ResetBugId{0x67E8, "Polaris 11"},
    ResetBugId{0x67EB, "Polaris 11"}, ResetBugId{0x67EF, "Polaris 11"},
    ResetBugId{0x67FF, "Polaris 11"}, ResetBugId{0x67E1, "Polaris 11"},
    ResetBugId{0x67E7, "Polaris 11"}, ResetBugId{0x67E9, "Polaris 11"},
    ResetBugId{0x6980, "Polaris 12"}, ResetBugId{0x6981, "Polaris 12"},
    ResetBugId{0x6985, "Polaris 12"}, ResetBugId{0x6986, "Polaris 12"},
    ResetBugId{0x6987, "Polaris 12"}, ResetBugId{0x6995, "Polaris 12"},
    ResetBugId{0x6997, "Polaris 12"}, ResetBugId{0x699F, "Polaris 12"},
    ResetBugId{0x6860, "Vega 10"},    ResetBugId{0x6861, "Vega 10"},
    ResetBugId{0x6862, "Vega 10"},    ResetBugId{0x6863, "Vega 10"},
    ResetBugId{0x6864, "Vega 10"},    ResetBugId{0x6867, "Vega 10"},
    ResetBugId{0x6868, "Vega 10"},    ResetBugId{0x6869, "Vega 10"},
    ResetBugId{0x686A, "Vega 10"},    ResetBugId{0x686B, "Vega 10"},
    ResetBugId{0x686C, "Vega 10"},    ResetBugId{0x686D, "Vega 10"},
    ResetBugId{0x686E, "Vega 10"},    ResetBugId{0x686F, "Vega 10"},
    ResetBugId{0x687F, "Vega 10"},    ResetBugId{0x66A0, "Vega 20"},
    ResetBugId{0x66A1, "Vega 20"},    ResetBugId{0x66A2, "Vega 20"},
    ResetBugId{0x66A3, "Vega 20"},    ResetBugId{0x66A4, "Vega 20"},
    ResetBugId{0x66A7, "Vega 20"},    ResetBugId{0x66AF, "Vega 20"},
    ResetBugId{0x7310, "Navi 10"},    ResetBugId{0x7312, "Navi 10"},
    ResetBugId{0x7318, "Navi 10"},    ResetBugId{0x7319, "Navi 10"},
    ResetBugId{0x731A, "Navi 10"},    ResetBugId{0x731B, "Navi 10"},
    ResetBugId{0x731E, "Navi 10"},    ResetBugId{0x731F, "Navi 10"},
    ResetBugId{0x7360, "Navi 12"},    ResetBugId{0x7362, "Navi 12"},
    ResetBugId{0x7340, "Navi 14"},    ResetBugId{0x7341, "Navi 14"},
    ResetBugId{0x7347, "Navi 14"},    ResetBugId{0x734F, "Navi 14"},
};

}  // namespace

std::optional<std::string_view> amd_reset_bug_family(uint16_t vendor, uint16_t device) {
  if (vendor != 0x1002) return std::nullopt;
  for (const auto& id : kResetBugIds)
    if (id.device == device) return id.family;
  return std::nullopt;
}

}  // namespace vfg::check
