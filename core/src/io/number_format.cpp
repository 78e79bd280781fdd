#include "moescope/io/number_format.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace moescope {

std::string format_number(double value) {
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

std::string format_brief(double value) {
  char text[32];
  const bool scientific = value != 0 && (std::abs(value) >= 1e5 || std::abs(value) < 1e-3);
  std::snprintf(text, sizeof text, scientific ? "%.3g" : "%.4g", value);
  std::string result = text;
  // %g may choose an exponent itself (54388 -> 5.439e+04); write every exponent as e4, e-6.
  const auto exponent = result.find('e');
  if (exponent == std::string::npos)
    return result;
  return result.substr(0, exponent) + "e" + std::to_string(std::stoi(result.substr(exponent + 1)));
}

std::optional<double> parse_number(std::string_view text) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  if (!text.empty() && text.front() == '+')
    text.remove_prefix(1);
  if (text.empty())
    return std::nullopt;
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size())
    return std::nullopt;
  return value;
}

}  // namespace moescope
