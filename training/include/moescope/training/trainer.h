#pragma once

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "moescope/trainer/memory_estimate.h"
#include "moescope/trainer/train_spec.h"

namespace moescope::training {

// Where and how a run trains; settled before any work.
struct Placement {
  std::string device;  // "cpu" or "cuda:N"
  std::string
      precision;  // "fp32" or "bf16" (matrix products; norms, softmax and the loss are fp32)
  bool fused_attention = false;
  MemoryEstimate memory;
  double available_memory = 0;  // bytes
  std::string memory_name;      // "host memory" or "GPU cuda:N"
};

// Resolves the spec's device and precision and checks that the run fits in memory. Throws
// SpecError naming the key when the device does not exist or the run does not fit. A rank of a
// run over `gpus` takes GPU `local_rank` of its node.
Placement place_run(const TrainSpec& spec, int local_rank = 0);

struct TrainOptions {
  std::filesystem::path out;          // the run directory (run_directory.h)
  std::filesystem::path data_folder;  // the corpus cache (corpus.h)
  std::optional<double> peak_flops;   // replaces the measured bf16 peak for MFU on CUDA
  std::ostream* log = &std::cerr;     // progress lines
};

// Trains the run of `spec` in options.out: from its checkpoint if it has one, to result.json and
// run.json. A run of several ranks calls this in each rank's process, which finds its place in
// the environment (distributed.h); rank 0 alone writes the folder. Returns at once when the folder
// holds the finished run. Throws SpecError before any work when the spec cannot run here (device,
// memory) or differs from the folder's spec, and std::runtime_error for other failures (a missing
// corpus, a folder another process works in).
void train(const TrainSpec& spec, const TrainOptions& options);

// What this build trains with, for `moescope-train --version` (and `moescope hosts check`):
// "LibTorch 1.13.1, CUDA: none" or "LibTorch 2.11.0, CUDA: NVIDIA H100 80GB HBM3 (1 device),
// MoEScope kernels".
std::string build_description();

}  // namespace moescope::training
