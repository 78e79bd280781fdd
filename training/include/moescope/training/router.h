#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace moescope::training {

// Which experts each token goes to and with which weights: the top-K of the router's softmax,
// without jitter noise (the paper's Table 1 fixes it at 0).
struct Routing {
  torch::Tensor logits;         // [tokens, E] fp32
  torch::Tensor probabilities;  // [tokens, E], softmax of the logits
  torch::Tensor experts;        // [tokens, K] int64, distinct experts per token
  torch::Tensor weights;        // [tokens, K] fp32
};

// Routes by the top `active` probabilities. With K > 1 the chosen weights are renormalised to sum
// to 1; with K = 1 the single weight stays the raw probability (Switch Transformer), since
// renormalising it would make it the constant 1 and cut the router off from the language-model
// loss, leaving it to the auxiliary losses alone.
Routing route(const torch::Tensor& logits, std::int64_t active);

// The Switch Transformer load-balancing loss, E * sum_e f_e * P_e, with f_e the fraction of the
// tokens' K assignments that go to expert e and P_e the mean router probability of e. It is 1
// under perfect balance. (MegaBlocks, which the paper trained with, normalises f_e by tokens * K
// in the same way.)
torch::Tensor load_balance_loss(const Routing& routing);

// The router z-loss of ST-MoE (Zoph et al., 2022): the mean over tokens of logsumexp(logits)^2,
// which keeps the router's logits small.
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
