#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <filesystem>
#include <optional>

#include "moescope/training/adamw.h"

namespace moescope::training {

// Where a run stands besides its weights and optimizer state.
struct TrainingProgress {
  std::int64_t step = 0;  // optimizer steps finished
  double seconds = 0;     // wall-clock time spent in training steps so far
};

// Everything a resumed run needs to continue bit-identically: the weights, the optimizer's state
// (AdamW's moments and step counts) and the progress. No random-generator state is saved because
// training draws nothing at random after the weights are initialised: batches come from the
// counter-based sampler (seed, step, row) and the router has no jitter.
//
// Written to a temporary file and committed with a rename: a kill at any moment leaves the
// previous checkpoint or the new one.
void save_checkpoint(const std::filesystem::path& file, const torch::nn::Module& model,
                     const AdamW& optimizer, const TrainingProgress& progress);

// Restores a checkpoint into a model and optimizer built like the saved ones; empty when there
// is no checkpoint file. Throws std::runtime_error for a checkpoint of an earlier format.
std::optional<TrainingProgress> load_checkpoint(const std::filesystem::path& file,
                                                torch::nn::Module& model, AdamW& optimizer,
                                                const torch::Device& device);

}  // namespace moescope::training
