#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moescope {

// Shortest text that parses back to exactly `value` (std::to_chars), so exports round-trip.
std::string format_number(double value);

// Parses the whole of `text` (surrounding blanks allowed) as a number; nullopt if anything is
// left over. Accepts what format_number writes, plus "nan"/"inf" so callers can reject them
// with a precise message instead of "not a number".
std::optional<double> parse_number(std::string_view text);

}  // namespace moescope
