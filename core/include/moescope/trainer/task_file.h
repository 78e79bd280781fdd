#pragma once

// Downstream task files of moescope-train (training/README.md, "Downstream evaluations"): the
// common multiple-choice format, JSON Lines of {"context": str, "choices": [str, ...], "answer":
// int}, one item per line. The trainer scores each choice by the log-likelihood of its bytes after
// the context; a cloze task is the same format with the blank at the end of the context. Here, in
// core, because the spec reader, the planner and the queue name tasks without LibTorch.

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace moescope {

// The spec's name for the tasks shipped with MoEScope (datasets/tasks/, built into
// moescope-train), built from the held-out split of the "debian" corpus.
inline constexpr std::string_view kShippedTasks = "debian-tasks";

// Limits a task file must keep, so that a hostile file is refused with a message rather than
// exhausting memory: an item (a line) of at most 1 MiB, a file of at most 256 MiB, and at most 64
// choices per item (every choice is one sequence through the model).
inline constexpr std::size_t kMaxTaskLineBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxTaskFileBytes = std::size_t{256} << 20;
inline constexpr std::size_t kMaxTaskChoices = 64;

struct TaskItem {
  std::string context;               // not empty: the first byte of a choice is predicted from it
  std::vector<std::string> choices;  // at least two, none empty
  int answer = 0;                    // index of the right choice
  bool operator==(const TaskItem&) const = default;
};

struct Task {
  std::string name;  // the file's stem: "gcide-headword" for gcide-headword.jsonl
  std::vector<TaskItem> items;
};

// A task file that cannot be used; the message names the file (or source), the line and the key.
class TaskFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The task of a file's name: its stem.
std::string task_name(const std::filesystem::path& file);

// Parses the items of a task named `name` from JSON Lines text; `source` names it in messages
// ("path/to/file.jsonl: line 3: key answer: ..."). Blank lines are skipped and keys other than
// the three are ignored (a misspelt one leaves a required key missing, which is refused). Throws
// TaskFileError for: a line over kMaxTaskLineBytes, a NUL byte, text that is not UTF-8, nesting
// deeper than kMaxJsonDepth (json_limits.h), broken JSON, a line that is not an object, a missing
// or mistyped key, an empty context or choice, fewer than two or more than kMaxTaskChoices
// choices, an answer that is not an index into the choices, and a file without items.
Task parse_task_file(std::string_view text, std::string name, const std::string& source);

// Reads a task file (refused unless it is a regular file of at most kMaxTaskFileBytes) and parses
// it as above, named by task_name(file).
Task read_task_file(const std::filesystem::path& file);

// One line of a task file (without its newline): what parse_task_file reads back as `item`.
std::string task_file_line(const TaskItem& item);

}  // namespace moescope
