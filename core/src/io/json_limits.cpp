#include "moescope/io/json_limits.h"

#include <algorithm>

namespace moescope {
namespace {

// A key longer than this is shortened in a message (a hostile key may be megabytes long).
constexpr std::size_t kMaxKeyShown = 60;

// A container among the first kMaxJsonPathSteps levels: where the scan is inside it.
struct Level {
  bool is_array = false;
  bool expect_key = false;  // objects: the next string is a key
  std::size_t index = 0;    // arrays: the element the scan is in
  std::string key;          // objects: the member the scan is in
};

}  // namespace

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

std::string JsonNesting::path_text() const {
  std::string text;
  for (const JsonPathStep& step : path) {
    if (step.is_index) {
      text += '[';
      text += std::to_string(step.index);
      text += ']';
    } else {
      if (!text.empty())
        text += '.';
      text += step.key.empty() ? std::string("\"\"") : step.key;
    }
  }
  if (path_truncated)
    text += "...";
  return text;
}

std::optional<JsonNesting> json_nesting_past(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  std::vector<Level> levels;  // the first kMaxJsonPathSteps of the `depth` open containers
  bool in_string = false;
  bool escaped = false;
  bool in_key = false;  // the string being scanned is a key of the innermost tracked object
  int line = 1;
  std::size_t line_start = 0;
  const auto tracked = [&] { return depth > 0 && depth <= kMaxJsonPathSteps; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        in_key = false;
        continue;
      }
      if (in_key && levels.back().key.size() < kMaxKeyShown + 3) {
        levels.back().key += c;
        if (levels.back().key.size() == kMaxKeyShown + 3)
          levels.back().key.replace(kMaxKeyShown, 3, "...");
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        if (tracked() && !levels.back().is_array && levels.back().expect_key) {
          in_key = true;
          levels.back().expect_key = false;
          levels.back().key.clear();
        }
        break;
      case '[':
      case '{':
        if (depth + 1 > limit) {
          JsonNesting nesting;
          nesting.offset = i;
          nesting.line = line;
          nesting.column = static_cast<int>(i - line_start + 1);
          for (const Level& level : levels) {
            JsonPathStep step;
            step.is_index = level.is_array;
            step.index = level.index;
            if (!level.is_array)
              step.key = level.key;
            nesting.path.push_back(std::move(step));
          }
          nesting.path_truncated = depth > levels.size();
          return nesting;
        }
        ++depth;
        if (depth <= kMaxJsonPathSteps)
          levels.push_back(Level{c == '[', c == '{', 0, {}});
        break;
      case ']':
      case '}':
        if (depth > 0) {
          if (depth <= kMaxJsonPathSteps)
            levels.pop_back();
          --depth;
        }
        break;
      case ',':
        if (tracked()) {
          if (levels.back().is_array)
            ++levels.back().index;
          else
            levels.back().expect_key = true;
        }
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

std::string json_depth_message(const JsonNesting& nesting, std::size_t limit) {
  std::string message = "arrays and objects nested more than " + std::to_string(limit) +
                        " deep (MoEScope's limit) at line " + std::to_string(nesting.line) +
                        ", column " + std::to_string(nesting.column);
  const std::string path = nesting.path_text();
  if (!path.empty())
    message += ", in " + path;
  return message;
}

std::optional<std::string> json_depth_problem(std::string_view text, std::size_t limit) {
  const std::optional<JsonNesting> nesting = json_nesting_past(text, limit);
  if (!nesting)
    return std::nullopt;
  return json_depth_message(*nesting, limit);
}

std::optional<std::string> json_nul_problem(std::string_view text) {
  const std::size_t nul = text.find('\0');
  if (nul == std::string_view::npos)
    return std::nullopt;
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
  return "a NUL byte at line " + std::to_string(line) + ": JSON text holds none";
}

}  // namespace moescope
