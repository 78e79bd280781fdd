#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace moescope::training {

// The trainer's router is the kernels' reference router (kernels/router/router_reference.h, the
// definition the CUDA router is checked against) and its dispatch the reference permutation
// (kernels/permute/permute_reference.h): one implementation of each. These are their views in the
// trainer's terms; the semantics (K = 1 keeps the raw probability, the Switch load-balancing loss,
// the ST-MoE z-loss) are documented there.

// Which experts each token goes to and with which weights: the top-K of the router's softmax,
// without jitter noise (the paper's Table 1 fixes it at 0), and the two auxiliary losses.
struct Routing {
  torch::Tensor probabilities;  // [tokens, E], softmax of the logits
  torch::Tensor experts;        // [tokens, K] int64, distinct experts per token
  torch::Tensor weights;        // [tokens, K] fp32
  torch::Tensor load_balance;   // scalar: E * sum_e f_e * P_e
  torch::Tensor z_loss;         // scalar: mean over tokens of logsumexp(logits)^2
};

// Routes by the top `active` probabilities (renormalised for K > 1).
Routing route(const torch::Tensor& logits, std::int64_t active);

// The Switch Transformer load-balancing loss of a routing (routing.load_balance): 1 under perfect
// balance.
torch::Tensor load_balance_loss(const Routing& routing);

// The router z-loss of ST-MoE (Zoph et al., 2022), which keeps the router's logits small.
torch::Tensor router_z_loss(const torch::Tensor& logits);

// The dropless dispatch of a routing: every (token, slot) assignment, grouped by expert.
struct DispatchPlan {
  torch::Tensor order;         // [tokens * K]: assignment indices (token * K + slot) by expert
  torch::Tensor source_token;  // [tokens * K]: the token of each grouped assignment
  torch::Tensor inverse;       // [tokens * K]: where assignment i sits in the grouped order
  std::vector<std::int64_t> counts;  // assignments per expert, E entries summing to tokens * K
};

// Groups assignments by expert with a stable sort, so that the order (and every sum over it)
// is the same from run to run.
DispatchPlan plan_dispatch(const torch::Tensor& experts, std::int64_t expert_count);

}  // namespace moescope::training
