#pragma once

#include <ctime>
#include <string>

namespace moescope {

// `when` in UTC as strftime writes it with `format` ("%Y-%m-%dT%H:%M:%SZ"); at most 63 bytes.
inline std::string format_utc(std::time_t when, const char* format) {
  std::tm parts{};
  ::gmtime_r(&when, &parts);
  char text[64];
  const std::size_t length = std::strftime(text, sizeof text, format, &parts);
  return std::string(text, length);
}

}  // namespace moescope
