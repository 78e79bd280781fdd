#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>

namespace moescope::cli {

// Checks for numeric options, one set for every command, so that each refuses NaN, infinities and
// values outside its range as bad usage (exit 2), before any work, with one short message:
// "--tokens: must be a finite number > 0, got 'nan'". CLI11's own ranges let NaN through (every
// comparison with NaN is false) and print their bounds in full (309 digits for a double's maximum).

// Finite numbers between two bounds; an infinite bound is no bound.
struct NumberRange {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool open_low = false;  // low itself is outside
  bool open_high = false;

  bool contains(double value) const;  // false for NaN and infinities
  // "a finite number > 0", "a finite number in [0, 1)".
  std::string description() const;
};

inline constexpr NumberRange kPositive{0, std::numeric_limits<double>::infinity(), true, false};
inline constexpr NumberRange kNonNegative{0, std::numeric_limits<double>::infinity()};
inline constexpr NumberRange kFraction{0, 1, false, true};  // [0, 1): sparsities, warm-up

// The option's value is a number in `range`.
CLI::Validator finite_number(const NumberRange& range);
// The option's value is a whole number in [low, high].
CLI::Validator whole_number(std::int64_t low,
                            std::int64_t high = std::numeric_limits<std::int32_t>::max());

// A seed: a whole number in [0, 2^64 - 1]. CLI11 alone reads "-1" as 2^64 - 1.
CLI::Validator seed_number();

// Worker threads: 0 (all cores) up to kThreadsPerCore times the cores. More threads than that only
// cost memory (each fit thread holds a copy of the objective); 100,000 of them exhausted the
// process's resources.
inline constexpr int kThreadsPerCore = 4;
CLI::Validator thread_count();

// Trainer runs at once on this machine: 1 up to kThreadsPerCore times the cores, as threads.
CLI::Validator job_count();

// Bootstrap replicates: each is a refit whose result is kept, so the count is bounded.
inline constexpr int kMaxBootstrap = 100'000;
CLI::Validator bootstrap_count();

}  // namespace moescope::cli
