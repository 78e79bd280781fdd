#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moescope/plan/planner.h"
#include "moescope/trainer/train_spec.h"

namespace moescope {

// The optimisation settings of planned runs: the spec keys lr, warmup_fraction and seed of
// moescope-train. Everything else the trainer defaults (training/README.md).
struct TrainingSettings {
  // Peak learning rate; default 0.003, the largest of the paper's sweep {0.001, 0.002, 0.003}
  // (Appendix B), which suits the small models a local trainer runs.
  double learning_rate = 0.003;
  // Fraction of the steps spent warming up; default 0.05, the middle of the paper's {2, 5, 10} %.
  double warmup_fraction = 0.05;
  // Default 1.
  std::uint64_t seed = 1;
  // A built-in corpus (corpus_catalog.h); default "debian" (debian-v1, 40 MB). Grids at budgets
  // past about 1e14 FLOPs repeat it more than kMaxUsefulEpochs times: "debian-v2" (170 MB).
  std::string corpus = "debian";
  // Validation passes (each with the downstream tasks) and checkpoints per run, spread evenly
  // over its steps; defaults 10 and 20, the trainer's. Each at least 1. A grid of many small runs
  // takes fewer: a pass scores about four thousand task choices, and a checkpoint of a sparse
  // model writes 16 bytes per parameter.
  int validation_passes = 10;
  int checkpoints = 20;

  // One message per invalid field; empty when usable.
  std::vector<std::string> validate() const;
};

// The trainer's spec of a planned run: its architecture, batch_size and tokens (the planned D,
// which the trainer rounds down to whole steps), the settings' lr, warmup_fraction and seed, and
// eval_tokens: D / 20 in whole sequences, between one sequence and kDefaultEvalTokens, so that
// validation never dominates a small run; every other key at its default. Throws
// std::invalid_argument with validate()'s messages.
TrainSpec planned_spec(const PlannedRun& run, const TrainingSettings& settings = {});

// A name for the run that is also a file name, from its cell: "C1e15_N2e6_S0.75".
std::string run_label(const PlannedRun& run);

}  // namespace moescope
