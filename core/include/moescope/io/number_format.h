#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moescope {

// Shortest text that parses back to exactly `value` (std::to_chars), so exports round-trip.
std::string format_number(double value);

// Three significant digits for people to read, exponents without '+' or leading zeros:
// 1.31e9, 2.53, 0.875, 3e19, 1.2e-5. Not for data files (see format_number).
std::string format_brief(double value);

// Parses the whole of `text` (surrounding blanks allowed) as a number; nullopt if anything is
// left over. Accepts what format_number writes, plus "nan"/"inf" so callers can reject them
// with a precise message instead of "not a number".
std::optional<double> parse_number(std::string_view text);

}  // namespace moescope
