#pragma once

// The whole MoE feed-forward layer after the router's logits, in plain ATen: the reference the
// CUDA layer (moe_layer.h) is checked against, with the trainer's semantics (route by softmax
// top-K, dropless stable grouping, SwiGLU experts, weighted combine). Differentiable through
// autograd in any floating dtype; tests run it in float64 on the CPU.

#include <ATen/ATen.h>

#include <cstdint>

namespace moescope::kernels {

struct MoeLayerOutput {
  at::Tensor y;             // [T, d]
  at::Tensor load_balance;  // scalar
  at::Tensor z_loss;        // scalar
};

// x [T, d], logits [T, E], gate and up [E, d, n], down [E, n, d].
MoeLayerOutput moe_layer_reference(const at::Tensor& x, const at::Tensor& logits,
                                   const at::Tensor& gate, const at::Tensor& up,
                                   const at::Tensor& down, std::int64_t active);

}  // namespace moescope::kernels
