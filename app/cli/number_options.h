#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "moescope/io/number_range.h"

namespace moescope::cli {

// Checks for numeric options, one set for every command, so that each refuses NaN, infinities and
// values outside its range as bad usage (exit 2), before any work, with one short message:
// "--tokens: must be a finite number > 0, got 'nan'". CLI11's own ranges let NaN through (every
// comparison with NaN is false) and print their bounds in full (309 digits for a double's maximum).

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
