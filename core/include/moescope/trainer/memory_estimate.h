#pragma once

// The trainer refuses a run that will not fit with this estimate; `moescope train plan` reports it
// per run. Torch-free, so the planner has it where no trainer is built.

#include <string>

#include "moescope/trainer/train_spec.h"

namespace moescope {

// What a run holds at its peak, in bytes. An estimate that errs high: it counts every tensor the
// backward pass keeps as if none were freed early.
struct MemoryEstimate {
  double model = 0;        // fp32 weights, gradients and AdamW's two moments (16 bytes/parameter)
  double activations = 0;  // what one micro-batch keeps for its backward pass
  double runtime = 0;      // the framework itself (allocator slack, CUDA context, kernels)
  double total() const { return model + activations + runtime; }
};

// `bf16`: matrix products in bfloat16 (bf16 copies of the weights are added); `fused_attention`:
// attention by a fused kernel, which keeps no context x context score matrix.
MemoryEstimate estimate_training_memory(const TrainSpec& spec, bool bf16, bool fused_attention,
                                        bool on_cuda);

// Refuses (SpecError) a run whose estimate exceeds 90 % of `available_bytes` of `memory_name`
// ("host memory", "GPU cuda:0"), naming the key to change: d_model when the model alone does
// not fit, else the batch key that sizes the activations.
void require_fits(const TrainSpec& spec, const MemoryEstimate& estimate, double available_bytes,
                  const std::string& memory_name);

}  // namespace moescope
