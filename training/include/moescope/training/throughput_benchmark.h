#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "moescope/model/architecture.h"
#include "moescope/trainer/throughput_table.h"

namespace moescope::training {

// One configuration the benchmark trains: a model and its batch.
struct BenchmarkModel {
  Architecture architecture;  // vocab kByteVocabulary
  int batch_size = 64;        // sequences per optimizer step
  int micro_batch_size = 64;  // sequences per forward/backward pass

  // "d128-L2-H2-E8-K1-c512-b64-m64": every field, so a label is a configuration.
  std::string label() const;
};

// Parses a label as label() writes it; nullopt when it is not one or the architecture or batch is
// invalid.
std::optional<BenchmarkModel> parse_benchmark_model(const std::string& label);

// The models a grid of small runs is made of: d_model 128, 256, 384 and 512 in the planner's
// family of shapes (family_shape), each dense (E = 1) and at E = 8 and E = 32 with the K the
// planner chooses for that sparsity (experts_for_sparsity), context 512, 64 sequences a step;
// then the trainer's reference GPU run of docs/benchmarks.md (d512, 8 layers, E = 32, K = 4,
// context 1024, 64 sequences in micro-batches of 16).
std::vector<BenchmarkModel> default_benchmark_models();

struct BenchmarkOptions {
  std::vector<BenchmarkModel> models = default_benchmark_models();
  int warmup_steps = 3;  // untimed: allocator, kernel selection, the CUDA graph's capture
  int timed_steps = 20;
  std::string device = "cuda";                          // a torch device string
  std::optional<double> peak_flops;                     // default: measured (peak_flops.h) on CUDA
  std::optional<std::filesystem::path> profile_folder;  // a Kineto trace per model (CUDA builds)
  std::ostream* log = nullptr;                          // a line per model as it is measured
};

// Trains each model for the warm-up and timed steps through the trainer's own TrainingStep, on
// random bytes (throughput does not depend on the text), and returns tokens/s, Eq. 9 FLOP/s and
// MFU (6 N_a tokens/s over the peak, as the trainer reports it) of each. Throws
// std::runtime_error when the device does not exist or a model does not fit.
ThroughputTable run_throughput_benchmark(const BenchmarkOptions& options);

}  // namespace moescope::training
