// Errors are values: every fallible function returns Result<T>, and each layer
// adds context on the way up ("loading 'win11.toml': line 7: ...").
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <tl/expected.hpp>

namespace vfg {

/// A failure with a human-readable message (no trailing newline, no "error:" prefix).
struct Error {
  std::string message;

  /// Returns this error with `context` prepended: "context: message".
  [[nodiscard]] Error with_context(std::string_view context) const {
    return Error{fmt::format("{}: {}", context, message)};
  }
};

template <typename T>
using Result = tl::expected<T, Error>;

/// A Result that carries no value.
using Status = Result<void>;

/// Builds the unexpected side of a Result from a format string.
template <typename... Args>
[[nodiscard]] tl::unexpected<Error> fail(fmt::format_string<Args...> format, Args&&... args) {
  return tl::unexpected<Error>(Error{fmt::format(format, std::forward<Args>(args)...)});
}

/// Passes an error up with context added.
[[nodiscard]] inline tl::unexpected<Error> fail(const Error& error, std::string_view context) {
  return tl::unexpected<Error>(error.with_context(context));
}

/// The successful Status.
[[nodiscard]] inline Status ok() { return {}; }

}  // namespace vfg
