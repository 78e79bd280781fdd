#include "moescope/json_limits.h"

namespace moescope {

std::optional<std::size_t> json_too_deep_at(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

std::optional<std::string> json_depth_problem(std::string_view text, std::size_t limit) {
  const std::optional<std::size_t> at = json_too_deep_at(text, limit);
  if (!at)
    return std::nullopt;
  return "arrays and objects nested more than " + std::to_string(limit) + " deep (at byte " +
         std::to_string(*at + 1) + ")";
}

}  // namespace moescope
