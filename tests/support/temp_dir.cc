#include "support/temp_dir.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <stdlib.h>

namespace vfg::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "vfg-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

fs::path TempDir::operator/(std::string_view relative) const { return path_ / relative; }

fs::path TempDir::write(std::string_view relative, std::string_view contents) const {
  fs::path file = path_ / relative;
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << contents;
  return file;
}

void TempDir::symlink(std::string_view relative, std::string_view target) const {
  fs::path link = path_ / relative;
  fs::create_directories(link.parent_path());
  fs::create_symlink(target, link);
}

void TempDir::mkdir(std::string_view relative) const { fs::create_directories(path_ / relative); }

std::string TempDir::read(std::string_view relative) const {
  std::ifstream in(path_ / relative, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace vfg::testing
