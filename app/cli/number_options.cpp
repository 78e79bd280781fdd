#include "number_options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <thread>

#include "moescope/io/number_format.h"

namespace moescope::cli {
namespace {

std::string refusal(const std::string& expected, const std::string& input) {
  return "must be " + expected + ", got '" + input + "'";
}

// A whole number in [low, high], described as `expected`.
CLI::Validator whole_in(std::int64_t low, std::int64_t high, const std::string& expected) {
  return CLI::Validator(
      [=](std::string& input) {
        std::int64_t value = 0;
        const char* end = input.data() + input.size();
        const auto [stop, error] = std::from_chars(input.data(), end, value);
        const bool inside = error == std::errc() && stop == end && value >= low && value <= high;
        return inside ? std::string() : refusal(expected, input);
      },
      expected);
}

int cores() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int most_per_machine() {
  return kThreadsPerCore * cores();
}

// "8 (4 x 2 cores)"
std::string per_machine() {
  return std::to_string(most_per_machine()) + " (" + std::to_string(kThreadsPerCore) + " x " +
         std::to_string(cores()) + " cores)";
}

}  // namespace

CLI::Validator finite_number(const NumberRange& range) {
  const std::string expected = range.description();
  return CLI::Validator(
      [=](std::string& input) {
        const std::optional<double> value = parse_number(input);
        return value && range.contains(*value) ? std::string() : refusal(expected, input);
      },
      expected);
}

CLI::Validator whole_number(std::int64_t low, std::int64_t high) {
  const std::string expected =
      high == std::numeric_limits<std::int32_t>::max()
          ? "a whole number >= " + std::to_string(low)
          : "a whole number in [" + std::to_string(low) + ", " + std::to_string(high) + "]";
  return whole_in(low, high, expected);
}

CLI::Validator seed_number() {
  const std::string expected = "a whole number in [0, 18446744073709551615]";
  return CLI::Validator(
      [=](std::string& input) {
        std::uint64_t value = 0;
        const char* end = input.data() + input.size();
        // from_chars takes no sign for an unsigned type: "-1" stops at once.
        const auto [stop, error] = std::from_chars(input.data(), end, value);
        return error == std::errc() && stop == end ? std::string() : refusal(expected, input);
      },
      expected);
}

CLI::Validator thread_count() {
  return whole_in(0, most_per_machine(), "0 (all cores) to " + per_machine());
}

CLI::Validator job_count() {
  return whole_in(1, most_per_machine(), "1 to " + per_machine());
}

CLI::Validator bootstrap_count() {
  return whole_number(0, kMaxBootstrap);
}

}  // namespace moescope::cli
