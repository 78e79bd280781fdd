#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moescope {

// The deepest nesting of JSON arrays and objects that MoEScope reads. The JSON library walks a
// value recursively (dump(), comparisons, conversions), one stack frame per level, so a file of
// ~100,000 nested brackets overflows the stack; nothing MoEScope writes or reads nests deeper than
// four levels (a run file's runs, a run, its loss curve, a point), so 512 leaves ample room.
// Every JSON reader checks it on the raw text before parsing: run files and their JSON cells
// (loss_curve, downstream), FIT.json, trainer specs, result.json, metrics.jsonl and the queue file.
inline constexpr std::size_t kMaxJsonDepth = 512;

// Where `text` first opens an array or object deeper than `limit`: the byte offset of that
// bracket; nullopt when it never does. A scan of the text that does not recurse and skips strings
// (escapes included), so it is safe on any input, JSON or not; run it before parsing.
std::optional<std::size_t> json_too_deep_at(std::string_view text,
                                            std::size_t limit = kMaxJsonDepth);

// One step of the way from a document's top to a value: a key of an object or an index of an
// array.
struct JsonPathStep {
  std::string key;  // when !is_index; as written between its quotes (escapes not decoded)
  std::size_t index = 0;
  bool is_index = false;
};

// The bracket that first nests deeper than the limit, and where it is.
struct JsonNesting {
  std::size_t offset = 0;  // its byte offset
  int line = 1;            // its line and column (in bytes), from 1
  int column = 1;
  // The keys and indices of the containers around it, outermost first, as far as the first
  // kMaxJsonPathSteps levels: {"runs", [0], "N"} for {"runs": [{"N": [[[...
  std::vector<JsonPathStep> path;
  bool path_truncated = false;  // it lies deeper than the steps kept
  // "runs[0].N" (with "..." when it goes deeper than the steps kept); "" at the top level.
  std::string path_text() const;
};
inline constexpr std::size_t kMaxJsonPathSteps = 4;

// json_too_deep_at() with the place named; nullopt when `text` stays within `limit`. The same
// non-recursive scan, safe on any input.
std::optional<JsonNesting> json_nesting_past(std::string_view text,
                                             std::size_t limit = kMaxJsonDepth);

// What is wrong, for a refusal: "arrays and objects nested more than 512 deep (MoEScope's limit)"
// followed by where: " at line 3, column 17, in runs[0].N". The caller names the file.
std::string json_depth_message(const JsonNesting& nesting, std::size_t limit = kMaxJsonDepth);

// json_depth_message() of json_nesting_past(), or nullopt when `text` stays within `limit`.
std::optional<std::string> json_depth_problem(std::string_view text,
                                              std::size_t limit = kMaxJsonDepth);

// A NUL byte in JSON text, for a refusal: "a NUL byte at line 3: JSON text holds none"; nullopt
// when there is none. The JSON library's lexer takes a NUL for the end of the input, so whatever
// follows one would be ignored unread; every reader that checks the depth checks this too.
std::optional<std::string> json_nul_problem(std::string_view text);

}  // namespace moescope
