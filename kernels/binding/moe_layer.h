#pragma once

// The MoE feed-forward layer on the CUDA kernels, as LibTorch autograd functions: the router
// (after its logits) and the experts with their permutation. Built only against a LibTorch with
// CUDA; the trainer uses it when a GPU is present (training/src/moe_feed_forward.cpp).
// Forward and backward are bitwise reproducible run to run: no atomics, no host synchronisation.

#include <torch/types.h>

#include <cstdint>

#include "../grouped_gemm/grouped_gemm.h"
#include "../permute/permute.h"
#include "../router/router.h"
#include "moe_layer_reference.h"

namespace moescope::kernels {

// Whether the CUDA layer takes this shape; otherwise use the reference path.
bool moe_layer_supported(std::int64_t d_model, std::int64_t hidden, std::int64_t experts,
                         std::int64_t active);

// x [T, d] bf16, logits [T, E] fp32, gate_up [E, d, 2n] bf16 in the interleaved layout
// (interleave_gate_up in grouped_gemm_reference.h), down [E, n, d] bf16; CUDA and contiguous.
// y is [T, d] fp32; everything is differentiable with respect to x, logits, gate_up and down.
MoeLayerOutput moe_layer(const torch::Tensor& x, const torch::Tensor& logits,
                         const torch::Tensor& gate_up, const torch::Tensor& down,
                         std::int64_t active);

// The device buffers of one routing (router.h, permute.h) as tensors: the integer buffers in one
// int32 tensor and the float ones in one fp32 tensor, with the kernels' views of them. weights and
// losses are separate because they are autograd outputs.
struct DeviceRouting {
  torch::Tensor integers;
  torch::Tensor floats;
  torch::Tensor weights;  // [T, K] fp32
  torch::Tensor losses;   // [2] fp32: load balance, z-loss
  RouterBuffers buffers;
  Permutation permutation;
  std::int64_t experts = 0;
  std::int64_t rows = 0;  // T * K

  static DeviceRouting allocate(std::int64_t tokens, std::int64_t experts, std::int64_t active,
                                const torch::Device& device);
  // The views of buffers that already exist (the autograd functions pass these tensors on);
  // weights and losses may be undefined where they are not needed.
  static DeviceRouting view(const torch::Tensor& integers, const torch::Tensor& floats,
                            const torch::Tensor& weights, const torch::Tensor& losses,
                            std::int64_t tokens, std::int64_t experts, std::int64_t active);
  ExpertGroups groups() const;
};

}  // namespace moescope::kernels
