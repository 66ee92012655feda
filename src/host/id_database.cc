#include "host/id_database.h"

#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace vfg {

IdDatabase::IdDatabase(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || st.st_size <= 0) return;
  void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) return;
  data_ = static_cast<const char*>(map);
  size_ = static_cast<size_t>(st.st_size);
}

IdDatabase::~IdDatabase() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

IdDatabase::IdDatabase(IdDatabase&& other) noexcept { *this = std::move(other); }

IdDatabase& IdDatabase::operator=(IdDatabase&& other) noexcept {
  if (this == &other) return *this;
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  data_ = std::exchange(other.data_, nullptr);
  size_ = std::exchange(other.size_, 0);
  vendors_ = std::move(other.vendors_);
  device_names_ = std::move(other.device_names_);
  subsystem_names_ = std::move(other.subsystem_names_);
  class_names_ = std::move(other.class_names_);
  indexed_ = std::exchange(other.indexed_, false);
  classes_offset_ = other.classes_offset_;
  return *this;
}

namespace {

IdDatabase open_first(const char* file, std::initializer_list<const char*> dirs) {
  if (const char* dir = std::getenv("VFG_HWDATA_DIR"); dir != nullptr && *dir != '\0')
    return IdDatabase(std::filesystem::path(dir) / file);
  for (const char* dir : dirs) {
    std::filesystem::path path = std::filesystem::path(dir) / file;
    if (::access(path.c_str(), R_OK) == 0) return IdDatabase(path);
  }
  return IdDatabase();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses exactly `digits` hex digits at the start of `text`.
std::optional<uint32_t> hex_prefix(std::string_view text, size_t digits) {
  if (text.size() < digits) return std::nullopt;
  uint32_t value = 0;
  for (size_t i = 0; i < digits; ++i) {
    int d = hex_digit(text[i]);
    if (d < 0) return std::nullopt;
    value = value * 16 + static_cast<uint32_t>(d);
  }
  return value;
}

// The name after "<id>  " on a line.
std::string name_after(std::string_view line, size_t id_length) {
  line.remove_prefix(std::min(line.size(), id_length));
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return std::string(line);
}

// Calls `fn(line)` for every line of `block` until it returns true.
template <typename Fn>
void for_each_line(std::string_view block, Fn fn) {
  while (!block.empty()) {
    size_t end = block.find('\n');
    std::string_view line = block.substr(0, end);
    if (fn(line)) return;
    if (end == std::string_view::npos) return;
    block.remove_prefix(end + 1);
  }
}

}  // namespace

const IdDatabase& IdDatabase::pci() {
  static const IdDatabase kDatabase =
      open_first("pci.ids", {"/usr/share/hwdata", "/usr/share/misc", "/usr/share/pci.ids"});
  return kDatabase;
}

const IdDatabase& IdDatabase::usb() {
  static const IdDatabase kDatabase =
      open_first("usb.ids", {"/usr/share/hwdata", "/usr/share/misc", "/var/lib/usbutils"});
  return kDatabase;
}

void IdDatabase::index() const {
  if (indexed_) return;
  indexed_ = true;
  std::string_view all(data_, size_);
  size_t pos = 0;
  size_t open_vendor = std::string_view::npos;
  uint16_t open_id = 0;
  while (pos < all.size()) {
    size_t end = all.find('\n', pos);
    if (end == std::string_view::npos) end = all.size();
    char first = all[pos];
    // Only top-level lines matter here: a vendor ("10de  NVIDIA") or the
    // start of another section ("C 03  Display controller", "HID ..").
    if (first != '\t' && first != '#' && end > pos) {
      if (open_vendor != std::string_view::npos) {
        vendors_[open_id] = {open_vendor, pos};
        open_vendor = std::string_view::npos;
      }
      auto id = hex_prefix(all.substr(pos, end - pos), 4);
      if (id && end - pos > 4 && (all[pos + 4] == ' ' || all[pos + 4] == '\t')) {
        open_vendor = pos;
        open_id = static_cast<uint16_t>(*id);
      } else if (all.compare(pos, 2, "C ") == 0 && classes_offset_ == std::string_view::npos) {
        classes_offset_ = pos;
      }
    }
    pos = end + 1;
  }
  if (open_vendor != std::string_view::npos) vendors_[open_id] = {open_vendor, all.size()};
}

std::string_view IdDatabase::vendor_block(uint16_t vendor_id) const {
  if (data_ == nullptr) return {};
  index();
  auto it = vendors_.find(vendor_id);
  if (it == vendors_.end()) return {};
  return std::string_view(data_ + it->second.first, it->second.second - it->second.first);
}

std::string IdDatabase::vendor(uint16_t vendor_id) const {
  std::lock_guard lock(mutex_);
  std::string_view block = vendor_block(vendor_id);
  if (block.empty()) return {};
  return name_after(block.substr(0, block.find('\n')), 4);
}

std::string IdDatabase::device(uint16_t vendor_id, uint16_t device_id) const {
  std::lock_guard lock(mutex_);
  uint32_t key = static_cast<uint32_t>(vendor_id) << 16 | device_id;
  if (auto it = device_names_.find(key); it != device_names_.end()) return it->second;
  std::string& result = device_names_[key];
  for_each_line(vendor_block(vendor_id), [&](std::string_view line) {
    if (line.size() > 5 && line[0] == '\t' && line[1] != '\t' &&
        hex_prefix(line.substr(1), 4) == device_id) {
      result = name_after(line, 5);
      return true;
    }
    return false;
  });
  return result;
}

std::string IdDatabase::subsystem(uint16_t vendor_id, uint16_t device_id,
                                  uint16_t subsystem_vendor_id,
                                  uint16_t subsystem_device_id) const {
  std::lock_guard lock(mutex_);
  uint64_t key = static_cast<uint64_t>(vendor_id) << 48 | static_cast<uint64_t>(device_id) << 32 |
                 static_cast<uint64_t>(subsystem_vendor_id) << 16 | subsystem_device_id;
  if (auto it = subsystem_names_.find(key); it != subsystem_names_.end()) return it->second;
  std::string& result = subsystem_names_[key];
  bool in_device = false;
  for_each_line(vendor_block(vendor_id), [&](std::string_view line) {
    if (line.size() > 5 && line[0] == '\t' && line[1] != '\t') {
      if (in_device) return true;  // past our device's subsystems
      in_device = hex_prefix(line.substr(1), 4) == device_id;
    } else if (in_device && line.size() > 11 && line[0] == '\t' && line[1] == '\t' &&
               hex_prefix(line.substr(2), 4) == subsystem_vendor_id &&
               hex_prefix(line.substr(7), 4) == subsystem_device_id) {
      result = name_after(line, 11);
      return true;
    }
    return false;
  });
  return result;
}

std::string IdDatabase::pci_class(uint32_t class_code) const {
  std::lock_guard lock(mutex_);
  if (data_ == nullptr || class_code > 0xffffff) return {};
  if (auto it = class_names_.find(class_code); it != class_names_.end()) return it->second;
  std::string& best = class_names_[class_code];
  index();
  if (classes_offset_ == std::string_view::npos) return {};
  uint32_t base = class_code >> 16, sub = (class_code >> 8) & 0xff, prog = class_code & 0xff;
  bool in_base = false, in_sub = false;
  for_each_line(std::string_view(data_ + classes_offset_, size_ - classes_offset_),
                [&](std::string_view line) {
                  if (line.rfind("C ", 0) == 0) {
                    if (in_base) return true;
                    in_base = hex_prefix(line.substr(2), 2) == base;
                    if (in_base) best = name_after(line, 4);
                  } else if (in_base && line.size() > 3 && line[0] == '\t' && line[1] != '\t') {
                    if (in_sub) return true;
                    in_sub = hex_prefix(line.substr(1), 2) == sub;
                    if (in_sub) best = name_after(line, 3);
                  } else if (in_sub && line.size() > 4 && line[0] == '\t' && line[1] == '\t' &&
                             hex_prefix(line.substr(2), 2) == prog) {
                    // Programming interfaces name a detail ("NVM Express", "XHCI"):
                    // keep the subclass name, which reads better on its own.
                    return true;
                  }
                  return false;
                });
  return best;
}

}  // namespace vfg
