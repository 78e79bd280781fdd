#pragma once

// The router in plain ATen, in whatever dtype and on whatever device the logits have: the
// definition router.cu is checked against (tests use float64 on the CPU), and the trainer's router
// (training/src/router.cpp routes through it). Differentiable: with logits that require grad,
// autograd through the outputs gives the reference backward.
//
// Experts are the top K of the softmax, most probable first, without jitter noise. With K > 1 the
// chosen weights are renormalised to sum to 1; with K = 1 the single weight stays the raw
// probability (Switch Transformer), since renormalising it would make it the constant 1 and cut
// the router off from the language-model loss, leaving it to the auxiliary losses alone.

#include <ATen/ATen.h>

#include <cstdint>

namespace moescope::kernels {

struct RouterReference {
  at::Tensor probabilities;     // [T, E], softmax of the logits
  at::Tensor selected_experts;  // [T, K] int64, most probable first
  at::Tensor weights;           // [T, K]
  at::Tensor logsumexp;         // [T]
  at::Tensor expert_counts;     // [E] int64
  at::Tensor probability_sums;  // [E]
  // The Switch Transformer load-balancing loss, E * sum_e f_e P_e, with f_e the fraction of the
  // tokens' K assignments that go to expert e and P_e the mean router probability of e: 1 under
  // perfect balance. (MegaBlocks normalises f_e by T * K in the same way.)
  at::Tensor load_balance;  // scalar
  at::Tensor z_loss;        // scalar: the router z-loss, router_z_loss_reference
};

RouterReference router_forward_reference(const at::Tensor& logits, std::int64_t active);

// The router z-loss of ST-MoE (Zoph et al., 2022): the mean over tokens of logsumexp(logits)^2,
// which keeps the router's logits small.
at::Tensor router_z_loss_reference(const at::Tensor& logits);

// d(logits) of sum(weights * grad_weights) + grad_load_balance * load_balance
// + grad_z_loss * z_loss, by autograd through router_forward_reference.
at::Tensor router_backward_reference(const at::Tensor& logits, std::int64_t active,
                                     const at::Tensor& grad_weights, double grad_load_balance,
                                     double grad_z_loss);

}  // namespace moescope::kernels
