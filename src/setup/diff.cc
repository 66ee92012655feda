#include "setup/diff.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace vfg {

namespace {

constexpr size_t kContext = 3;
// diff's own name for the missing side of a created or deleted file.
constexpr std::string_view kNoFile = "/dev/null";

struct Lines {
  std::vector<std::string_view> lines;
  bool final_newline = true;
};

Lines lines_of(std::string_view text) {
  Lines out;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) {
      out.lines.push_back(text.substr(begin));
      out.final_newline = false;
      break;
    }
    out.lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

enum class Op { kKeep, kDelete, kInsert };
struct Step {
  Op op;
  size_t a;  // index in before (kKeep, kDelete)
  size_t b;  // index in after (kKeep, kInsert)
};

// Longest common subsequence over lines; config files are small, so the
// quadratic table is cheap and the result is the minimal diff.
std::vector<Step> edit_script(const Lines& a, const Lines& b) {
  size_t n = a.lines.size(), m = b.lines.size();
  // The last line differs when only its final newline does: compare it with the newline flag.
  auto equal = [&](size_t i, size_t j) {
    if (a.lines[i] != b.lines[j]) return false;
    bool a_last = i + 1 == n && !a.final_newline;
    bool b_last = j + 1 == m && !b.final_newline;
    return a_last == b_last;
  };
  std::vector<uint32_t> table((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return table[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) = equal(i, j) ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  std::vector<Step> steps;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && equal(i, j)) {
      steps.push_back({Op::kKeep, i++, j++});
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
      // Deletions first, as diff -u prints them.
      steps.push_back({Op::kDelete, i++, j});
    } else {
      steps.push_back({Op::kInsert, i, j++});
    }
  }
  return steps;
}

std::string range(size_t start, size_t count) {
  // diff -u numbers lines from 1; an empty range names the line before it.
  if (count == 0) return fmt::format("{},0", start);
  if (count == 1) return fmt::format("{}", start + 1);
  return fmt::format("{},{}", start + 1, count);
}

}  // namespace

std::string unified_diff(std::string_view path, const std::optional<std::string>& before,
                         const std::optional<std::string>& after) {
  if (before == after) return {};
  // The Lines views point into these, so they must outlive them.
  const std::string before_text = before.value_or("");
  const std::string after_text = after.value_or("");
  Lines a = lines_of(before_text);
  Lines b = lines_of(after_text);
  auto steps = edit_script(a, b);
  std::string rel(path.substr(path.starts_with('/') ? 1 : 0));
  std::string out = fmt::format("--- {}\n+++ {}\n", before ? "a/" + rel : std::string(kNoFile),
                                after ? "b/" + rel : std::string(kNoFile));
  size_t k = 0;
  while (k < steps.size()) {
    while (k < steps.size() && steps[k].op == Op::kKeep) ++k;
    if (k == steps.size()) break;
    // A hunk: from kContext lines before this change to kContext after the last change
    // that is within 2*kContext of the next.
    size_t begin = k >= kContext ? k - kContext : 0;
    while (begin < k && steps[begin].op != Op::kKeep) ++begin;
    size_t end = k;
    size_t last_change = k;
    while (end < steps.size()) {
      if (steps[end].op != Op::kKeep) {
        last_change = end;
      } else if (end - last_change > 2 * kContext) {
        break;
      }
      ++end;
    }
    end = std::min(steps.size(), last_change + 1 + kContext);
    size_t a_start = steps[begin].a, b_start = steps[begin].b, a_count = 0, b_count = 0;
    std::string body;
    for (size_t s = begin; s < end; ++s) {
      const Step& step = steps[s];
      auto emit = [&](char mark, const Lines& side, size_t index) {
        body += mark;
        body += side.lines[index];
        body += '\n';
        if (index + 1 == side.lines.size() && !side.final_newline)
          body += "\\ No newline at end of file\n";
      };
      if (step.op == Op::kKeep) {
        emit(' ', a, step.a);
        ++a_count;
        ++b_count;
      } else if (step.op == Op::kDelete) {
        emit('-', a, step.a);
        ++a_count;
      } else {
        emit('+', b, step.b);
        ++b_count;
      }
    }
    out += fmt::format("@@ -{} +{} @@\n", range(a_start, a_count), range(b_start, b_count));
    out += body;
    k = end;
  }
  return out;
}

}  // namespace vfg
