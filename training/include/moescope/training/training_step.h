#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "moescope/trainer/train_spec.h"
#include "moescope/training/adamw.h"
#include "moescope/training/distributed.h"
#include "moescope/training/expert_parallel.h"
#include "moescope/training/transformer.h"

namespace moescope::training {

// The optimizer step of a run, what the trainer and its throughput benchmark both time: the
// step's rows copied to the device, a forward and a backward pass per micro-batch with the
// gradients summed, global-norm clipping and AdamW.
//
// On CUDA, where the optimizer takes the fused path, the step after the first is captured once
// as a CUDA graph and replayed from then on: a small model's step is hundreds of short kernels,
// whose launches cost the host more time than the GPU spends in them, and a replay launches them
// all at once. Capture needs every shape and address fixed and no synchronisation with the host:
// the rows go through fixed buffers (the next step's are copied while this one computes), the
// learning rate and the clipping divisor are device tensors, the gradients stay allocated, the
// losses are summed on the device, and dropless routing keeps its data-dependent sizes on the
// device (the MoE kernels size their buffers by T·K and read the per-expert counts there).
// The first step runs eagerly on the same stream, so that libraries allocate their workspaces
// outside the capture; a replay runs the kernels the eager step ran, in the same order.
// MOESCOPE_CUDA_GRAPH=0 in the environment keeps every step eager (to compare, or to rule the
// graph out). A capture that fails throws: what it leaves behind is not safe to train on.
//
// With several ranks (`ranks` not null), this rank trains on its share of the step's rows, rows
// [rank, rank + 1) x batch_size / world, in the global batch's micro-batches: every micro-batch's
// loss is divided by the global batch's micro-batch count, so that the gradients summed over the
// ranks (RankGroup::sum, once the backward passes are done) are the one-rank step's, up to the
// order of the sums. Steps of several ranks stay eager (no graph). With expert parallelism
// (`experts` not null), the expert shards' gradients are not summed (each rank's already holds
// every rank's tokens), and the clipping norm takes every rank's experts' norms.
class TrainingStep {
 public:
  TrainingStep(const TrainSpec& spec, MoeTransformer& model, AdamW& optimizer,
               const torch::Device& device, std::ostream& log, RankGroup* ranks = nullptr,
               ExpertParallel* experts = nullptr);
  ~TrainingStep();
  TrainingStep(const TrainingStep&) = delete;
  TrainingStep& operator=(const TrainingStep&) = delete;

  // Trains optimizer step `step` (0-based) at `learning_rate` on its rows of `train_tokens`.
  // Returns without waiting for the device. Throws std::runtime_error when the capture fails.
  void run(std::int64_t step, double learning_rate, std::span<const std::uint8_t> train_tokens);

  // The mean language-model and auxiliary losses of the steps since the last call, per step,
  // over the whole global batch (summed over the ranks); waits for the device.
  struct WindowLosses {
    double language = 0;
    double auxiliary = 0;
  };
  WindowLosses take_window_losses(std::int64_t steps);

  // Waits until every step given so far has finished on the device.
  void synchronize();

  std::string_view mode() const;  // "CUDA graph" or "eager"

 private:
  struct Graph;
  void copy_rows(std::int64_t step, std::span<const std::uint8_t> train_tokens);
  void compute();                       // the device work of one step, eagerly or under capture
  torch::Tensor gradient_norm() const;  // of the gradients of every rank's parameters

  const TrainSpec& spec_;
  MoeTransformer& model_;
  AdamW& optimizer_;
  torch::Device device_;
  std::ostream& log_;
  RankGroup* ranks_;                 // null: one rank
  ExpertParallel* experts_;          // null: every rank holds every expert
  std::vector<bool> expert_weight_;  // per parameter, in the optimizer's order
  std::int64_t first_row_ = 0;       // this rank's first row of a step's global batch
  torch::Tensor host_rows_;          // [rows of this rank, context + 1] uint8, pinned on CUDA
  torch::Tensor device_rows_;        // the same on the device
  torch::Tensor learning_rate_;
  torch::Tensor window_language_;
  torch::Tensor window_auxiliary_;
  std::unique_ptr<Graph> graph_;  // CUDA only
  std::int64_t steps_run_ = 0;
};

}  // namespace moescope::training
