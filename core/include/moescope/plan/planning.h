#pragma once

// The planning service: what `moescope train plan` and the explorer's training panel both call to
// turn wanted cells, or the gaps of a grid, into runs and moescope-train spec files.

#include <filesystem>
#include <string>
#include <vector>

#include "moescope/model/sparsity_law.h"
#include "moescope/plan/gap_finder.h"
#include "moescope/plan/planner.h"
#include "moescope/plan/train_spec_file.h"
#include "moescope/run/run.h"

namespace moescope {

// Planned runs, and for gaps those left out and why.
struct Plan {
  std::vector<PlannedRun> runs;
  // plan_gaps only: one message per gap that cannot be planned (as plan_run's PlanRefused says),
  // so that every gap found is in `runs` or here; and the curves that have no targets
  // (GapReport::notes).
  std::vector<std::string> refused;
  std::vector<std::string> notes;
};

// All or nothing, since these cells were asked for: PlanRefused lists every cell that cannot be
// planned, std::invalid_argument names bad options.
std::vector<PlannedRun> plan_cells(const std::vector<Cell>& cells,
                                   const PlannerOptions& options = {});

// The tolerance to plan gaps at: a run fills a gap when |ln(N / N_target)| is at most the gap
// finder's size_tolerance, so a planned run may miss its target by 1 - exp(-size_tolerance)
// (0.22 by default) and still fill it; at the small sizes a local trainer runs, heads of 64 often
// come no closer.
double gap_filling_tolerance(const GapOptions& gaps);

// Plans the gaps that find_gaps finds in `runs` at `budgets` around the law's optimum (in the
// terms of planner.model_family()), each with plan_run at planner.relative_tolerance; set it to
// gap_filling_tolerance(gaps), as `moescope train plan --gaps` does unless told otherwise. The
// gaps are suggestions: those that cannot be planned are listed in `refused`, not thrown. Throws
// std::invalid_argument for bad options or budgets.
Plan plan_gaps(const std::vector<Run>& runs, const std::vector<double>& budgets,
               const SparsityLaw& law, const PlannerOptions& planner, const GapOptions& gaps = {});

// How write_specs names its files: LABEL.json (run_label), and LABEL_2.json, LABEL_3.json, ...
// where a name is taken.
enum class SpecNames {
  // Taken by an earlier run of the same plan. Files of those names are replaced, so that writing
  // a plan again gives the same files (`moescope train plan --out-dir`).
  kReplace,
  // Also taken when a file or a folder of that name, with or without .json, exists: for specs
  // added to a queue's folder, where each one trains in the folder of its name.
  kFresh,
};

// Writes one spec file per run, to_spec_file(planned_spec(run, settings)), into `folder` (created
// where needed); returns their paths in the order of `runs`. Throws std::invalid_argument for bad
// settings before anything is written, and std::runtime_error naming the folder or the file that
// cannot be created or written.
std::vector<std::filesystem::path> write_specs(const std::vector<PlannedRun>& runs,
                                               const TrainingSettings& settings,
                                               const std::filesystem::path& folder,
                                               SpecNames names = SpecNames::kReplace);

}  // namespace moescope
