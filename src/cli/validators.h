// Checks on command-line values that CLI11 does not make: an empty string
// given on purpose ('') and numbers that are not finite ("nan", "inf").
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace vfg::cli {

/// Refuses "" for an option or argument that names something (`what`: "NAME", "--user").
CLI::Validator non_empty(const std::string& what);

/// A finite number ≥ 0: CLI::NonNegativeNumber lets "nan" through.
CLI::Validator finite_non_negative();

}  // namespace vfg::cli
