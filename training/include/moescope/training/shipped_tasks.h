#pragma once

#include <string_view>
#include <vector>

namespace moescope::training {

// A task file of datasets/tasks/, compiled into the trainer so that "debian-tasks" works wherever
// moescope-train runs (a GPU host, a remote machine) without the source tree.
struct ShippedTaskFile {
  std::string_view name;  // the file's stem, the task's name
  std::string_view text;  // its JSON Lines
};

// Every datasets/tasks/*.jsonl at build time, sorted by name.
const std::vector<ShippedTaskFile>& shipped_task_files();

}  // namespace moescope::training
