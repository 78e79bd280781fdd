#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "moescope/trainer/task_file.h"

namespace moescope::training {

// The shipped downstream tasks ("debian-tasks", datasets/tasks/README.md), built from held-out
// text only: the held-out split of the "debian" corpus (corpus.h), which no run trains on. In
// debian-v1 that split is all dictionary (GCIDE): the King James Bible fills the corpus's first
// 4.3 MB and the first held-out block starts at 6.5 MB, so no verse is held out.
//
//  - gcide-headword: a held-out entry's first definition, then "Syn: " (the dictionary's own slot
//    for the words that mean what a definition describes); the choices are its headword and three
//    other held-out headwords of about its length, lower-cased.
//  - gcide-continuation: the first half of a held-out definition (at a word boundary); the choices
//    are its second half and the second halves of three other definitions of about its length.
//
// Entries cut by the edges of the held-out blocks (which the split puts end to end) are left out,
// and so are definitions that contain their headword. Items are shuffled, and the answer's place
// drawn, by a counter-based generator of `seed`: the same text gives the same files everywhere.
struct TaskBuildOptions {
  std::size_t block_bytes = 0;   // the held-out blocks' size (held_out_block_bytes)
  std::size_t max_items = 1000;  // per task
  std::uint64_t seed = 1;
};

std::vector<Task> build_debian_tasks(std::string_view held_out, const TaskBuildOptions& options);

}  // namespace moescope::training
