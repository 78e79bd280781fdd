#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "moescope/run/run.h"

namespace moescope {

// Reducing a sweep to its best runs: `--best-of lr,seed` keeps, of the runs trained at every
// learning rate and seed of one configuration, the one with the lowest loss, as an IsoFLOP or law
// fit assumes each configuration to be tuned.
//
// Runs are one group when they agree on every identifying field not in `over`: the architecture,
// N, N_active, S, D, unique_tokens, C, lr, warmup and load_balance. (Names, ids, status and
// outcomes identify nothing here: a sweep's runs are often named after their learning rate.) Of
// each group the run with the lowest loss is kept, the first of them on a tie, with best_of set to
// the rows the group stands for (the sum of its runs' best_of, so that a second reduction counts
// the first). Kept runs keep their order. Names in `over` are identifying fields (aliases as in
// --map) or, for a file's rows, columns that are no field (a seed): those change no group but say
// what was swept. Throws InputError for an empty `over`, a name that is neither (see
// best_of_columns()), and a run without a loss, naming it.
std::vector<Run> keep_best_of(const std::vector<Run>& runs, const std::vector<std::string>& over);

// keep_best_of() as positions, for a reader that must still name each kept run's line: per group,
// in the order of the kept runs, the index of the kept run in `runs` and the rows it stands for.
struct BestOfGroup {
  std::size_t kept = 0;
  int rows = 1;
};
std::vector<BestOfGroup> best_of_groups(const std::vector<Run>& runs,
                                        const std::vector<std::string>& over);

// The names of `over` that are no field: columns of a file, which a reader must find in its
// header and a store cannot have. Throws InputError as keep_best_of() does for `over`, so that a
// reader can refuse bad names before it reads a row.
std::vector<std::string> best_of_columns(const std::vector<std::string>& over);

}  // namespace moescope
