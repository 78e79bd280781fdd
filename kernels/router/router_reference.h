#pragma once

// Plain-ATen reference of router.cu, in whatever dtype the logits have (tests use float64).
// The trainer's semantics (training/src/router.cpp). Differentiable: with logits that require
// grad, autograd through the outputs gives the reference backward.

#include <ATen/ATen.h>

#include <cstdint>

namespace moescope::kernels {

struct RouterReference {
  at::Tensor selected_experts;  // [T, K] int64, most probable first
  at::Tensor weights;           // [T, K]
  at::Tensor logsumexp;         // [T]
  at::Tensor expert_counts;     // [E] int64
  at::Tensor probability_sums;  // [E]
  at::Tensor load_balance;      // scalar: E * sum_e f_e P_e
  at::Tensor z_loss;            // scalar: mean(logsumexp^2)
};

RouterReference router_forward_reference(const at::Tensor& logits, std::int64_t active);

// d(logits) of sum(weights * grad_weights) + grad_load_balance * load_balance
// + grad_z_loss * z_loss, by autograd through router_forward_reference.
at::Tensor router_backward_reference(const at::Tensor& logits, std::int64_t active,
                                     const at::Tensor& grad_weights, double grad_load_balance,
                                     double grad_z_loss);

}  // namespace moescope::kernels
