#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace moescope {

// The deepest nesting of JSON arrays and objects that MoEScope reads. The JSON library walks a
// value recursively (dump(), comparisons, conversions), one stack frame per level, so a file of
// ~100,000 nested brackets overflows the stack; nothing MoEScope writes or reads nests deeper than
// four levels (a run file's runs, a run, its loss curve, a point), so 512 leaves ample room.
inline constexpr std::size_t kMaxJsonDepth = 512;

// Where `text` first opens an array or object deeper than `limit`: the byte offset of that
// bracket; nullopt when it never does. A scan of the text that does not recurse and skips strings
// (escapes included), so it is safe on any input, JSON or not; run it before parsing.
std::optional<std::size_t> json_too_deep_at(std::string_view text,
                                            std::size_t limit = kMaxJsonDepth);

// For a refusal: "arrays and objects nested more than 512 deep (at byte 1234)", or nullopt when
// `text` stays within `limit`. The caller names the file and the field.
std::optional<std::string> json_depth_problem(std::string_view text,
                                              std::size_t limit = kMaxJsonDepth);

}  // namespace moescope
