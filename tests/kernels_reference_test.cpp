// The plain-ATen references of the CUDA kernels (kernels/*/*_reference.cpp), which define what the
// kernels must compute: against hand examples, the trainer's semantics, per-token loops and
// autograd, in float64 on the CPU. Runs everywhere LibTorch does, GPU or not.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <cstdint>

#include "binding/moe_layer_reference.h"
#include "grouped_gemm/gate_up_layout.h"
#include "grouped_gemm/grouped_gemm_reference.h"
#include "permute/permute_reference.h"
#include "router/router_reference.h"

namespace {

using namespace moescope::kernels;

const auto kDouble = at::TensorOptions().dtype(at::kDouble);

bool close(const at::Tensor& actual, const at::Tensor& expected) {
  return at::allclose(actual, expected, 1e-10, 1e-12);
}

TEST(RouterReferenceTest, OneActiveExpertKeepsItsRawProbability) {
  const RouterReference routed =
      router_forward_reference(at::tensor({0.0, std::log(3.0)}, kDouble).view({1, 2}), 1);
  EXPECT_EQ(routed.selected_experts.item<std::int64_t>(), 1);
  EXPECT_NEAR(routed.weights.item<double>(), 0.75, 1e-15);
}

TEST(RouterReferenceTest, SeveralActiveExpertsAreRenormalisedMostProbableFirst) {
  const at::Tensor probabilities = at::tensor({0.1, 0.5, 0.15, 0.25}, kDouble).view({1, 4});
  const RouterReference routed = router_forward_reference(probabilities.log(), 2);
  EXPECT_TRUE(at::equal(routed.selected_experts, at::tensor({1, 3}, at::kLong).view({1, 2})));
  EXPECT_TRUE(close(routed.weights, at::tensor({2.0 / 3, 1.0 / 3}, kDouble).view({1, 2})));
}

TEST(RouterReferenceTest, LossesAreTheSwitchAndZLossFormulas) {
  // The trainer's hand example: f = (3/4, 1/4), P = (0.6, 0.4), E sum f P = 1.1.
  const at::Tensor probabilities =
      at::tensor({0.7, 0.3, 0.6, 0.4, 0.2, 0.8, 0.9, 0.1}, kDouble).view({4, 2});
  const RouterReference routed = router_forward_reference(probabilities.log(), 1);
  EXPECT_NEAR(routed.load_balance.item<double>(), 1.1, 1e-12);
  EXPECT_TRUE(at::equal(routed.expert_counts, at::tensor({3, 1}, at::kLong)));
  EXPECT_TRUE(close(routed.probability_sums, at::tensor({2.4, 1.6}, kDouble)));
  const at::Tensor logits = at::tensor({0.0, 0.0, std::log(3.0), 0.0}, kDouble).view({2, 2});
  EXPECT_NEAR(router_forward_reference(logits, 1).z_loss.item<double>(),
              (std::pow(std::log(2.0), 2) + std::pow(std::log(4.0), 2)) / 2, 1e-12);
}

TEST(RouterReferenceTest, BackwardMatchesFiniteDifferences) {
  at::manual_seed(1);
  const at::Tensor logits = at::randn({6, 5}, kDouble);
  const at::Tensor grad_weights = at::randn({6, 2}, kDouble);
  const double grad_balance = 0.7;
  const double grad_z = 0.3;
  const at::Tensor analytic =
      router_backward_reference(logits, 2, grad_weights, grad_balance, grad_z);
  const auto objective = [&](const at::Tensor& l) {
    const RouterReference r = router_forward_reference(l, 2);
    return ((r.weights * grad_weights).sum() + grad_balance * r.load_balance + grad_z * r.z_loss)
        .item<double>();
  };
  // Small steps keep the top-2 choice fixed, so the objective is smooth along them.
  const double step = 1e-6;
  for (std::int64_t i = 0; i < logits.numel(); ++i) {
    at::Tensor plus = logits.clone();
    at::Tensor minus = logits.clone();
    plus.view({-1})[i] += step;
    minus.view({-1})[i] -= step;
    const double numeric = (objective(plus) - objective(minus)) / (2 * step);
    EXPECT_NEAR(analytic.view({-1})[i].item<double>(), numeric, 1e-7) << "logit " << i;
  }
}

TEST(PermuteReferenceTest, GroupsByExpertStablyAndInverts) {
  const at::Tensor experts = at::tensor({2, 0, 1, 2, 0, 1, 2, 1}, at::kLong).view({4, 2});
  const PermutationReference p = permute_reference(experts, 4);
  // Expert 0: assignments 1, 4; expert 1: 2, 5, 7; expert 2: 0, 3, 6; expert 3: none.
  EXPECT_TRUE(at::equal(p.order, at::tensor({1, 4, 2, 5, 7, 0, 3, 6}, at::kLong)));
  EXPECT_TRUE(at::equal(p.source_token, at::tensor({0, 2, 1, 2, 3, 0, 1, 3}, at::kLong)));
  EXPECT_TRUE(at::equal(p.expert_offsets, at::tensor({0, 2, 5, 8, 8}, at::kLong)));
  EXPECT_TRUE(at::equal(p.order.index_select(0, p.inverse), at::arange(8, at::kLong)));
}

TEST(PermuteReferenceTest, SumOfGroupedRowsAddsEachTokensRows) {
  at::manual_seed(2);
  const std::int64_t tokens = 5, active = 3, d = 4;
  const at::Tensor experts = at::randint(0, 6, {tokens, active}, at::kLong);
  const PermutationReference p = permute_reference(experts, 6);
  const at::Tensor grouped = at::randn({tokens * active, d}, kDouble);
  const at::Tensor sums = sum_grouped_rows_reference(grouped, p.inverse, active);
  for (std::int64_t t = 0; t < tokens; ++t) {
    at::Tensor expected = at::zeros({d}, kDouble);
    for (std::int64_t k = 0; k < active; ++k)
      expected += grouped[p.inverse[t * active + k].item<std::int64_t>()];
    EXPECT_TRUE(close(sums[t], expected)) << "token " << t;
  }
}

TEST(GroupedGemmReferenceTest, InterleavedLayoutAlternatesGateAndUpBlocks) {
  const std::int64_t hidden = 2 * kGateUpInterleave;
  const at::Tensor gate = at::arange(hidden, kDouble).view({1, 1, hidden});
  const at::Tensor up = -1 - at::arange(hidden, kDouble).view({1, 1, hidden});
  const at::Tensor interleaved = interleave_gate_up(gate, up);
  ASSERT_EQ(interleaved.size(2), 2 * hidden);
  EXPECT_EQ(interleaved[0][0][kGateUpInterleave - 1].item<double>(), kGateUpInterleave - 1);
  EXPECT_EQ(interleaved[0][0][kGateUpInterleave].item<double>(), -1);
  EXPECT_EQ(interleaved[0][0][2 * kGateUpInterleave].item<double>(), kGateUpInterleave);
  auto [gate_back, up_back] = split_gate_up(interleaved);
  EXPECT_TRUE(at::equal(gate_back, gate));
  EXPECT_TRUE(at::equal(up_back, up));
}

// Small grouped problem: 3 experts (the middle one empty), rows gathered from 7 tokens, each row
// with its routing weight.
struct GroupedProblem {
  std::int64_t d = 8, hidden = kGateUpInterleave, experts = 3;
  at::Tensor source_token = at::tensor({4, 0, 6, 1, 1, 3, 2}, at::kLong);
  at::Tensor offsets = at::tensor({0, 3, 3, 7}, at::kLong);
  at::Tensor row_weights = at::rand({7}, kDouble);
  at::Tensor x = at::randn({7, 8}, kDouble);
  at::Tensor gate = at::randn({3, 8, kGateUpInterleave}, kDouble);
  at::Tensor up = at::randn({3, 8, kGateUpInterleave}, kDouble);
  at::Tensor down = at::randn({3, kGateUpInterleave, 8}, kDouble);
  std::int64_t expert_of(std::int64_t row) const { return row < 3 ? 0 : 2; }
};

TEST(GroupedGemmReferenceTest, ForwardIsEachRowThroughItsExpertScaledByItsWeight) {
  at::manual_seed(3);
  const GroupedProblem problem;
  const GateUpReference gate_up =
      gate_up_forward_reference(problem.x, problem.source_token, problem.offsets,
                                interleave_gate_up(problem.gate, problem.up), problem.row_weights);
  const at::Tensor out = down_forward_reference(gate_up.activations, problem.offsets, problem.down);
  for (std::int64_t r = 0; r < 7; ++r) {
    const std::int64_t e = problem.expert_of(r);
    const at::Tensor row = problem.x[problem.source_token[r].item<std::int64_t>()];
    const at::Tensor activation =
        problem.row_weights[r] * at::silu(row.matmul(problem.gate[e])) * row.matmul(problem.up[e]);
    EXPECT_TRUE(close(gate_up.activations[r], activation)) << "row " << r;
    EXPECT_TRUE(close(out[r], activation.matmul(problem.down[e]))) << "row " << r;
  }
}

// The backward references against autograd through the forward ones, with each token's output
// the sum of its rows' (the combine) and the gradient given per token.
TEST(GroupedGemmReferenceTest, BackwardReferencesAgreeWithAutograd) {
  at::manual_seed(4);
  const GroupedProblem problem;
  const at::Tensor x = problem.x.clone().requires_grad_(true);
  const at::Tensor gate_up =
      interleave_gate_up(problem.gate, problem.up).clone().requires_grad_(true);
  const at::Tensor down = problem.down.clone().requires_grad_(true);
  const at::Tensor row_weights = problem.row_weights.clone().requires_grad_(true);
  const GateUpReference forward =
      gate_up_forward_reference(x, problem.source_token, problem.offsets, gate_up, row_weights);
  const at::Tensor out = down_forward_reference(forward.activations, problem.offsets, down);
  const at::Tensor y = at::zeros({7, problem.d}, kDouble).index_add(0, problem.source_token, out);
  const at::Tensor grad_y = at::randn_like(y);
  const auto grads = torch::autograd::grad(
      {(y * grad_y).sum()}, {x, gate_up, down, row_weights, forward.pre_activations}, {},
      /*retain_graph=*/true);

  const DownBackwardReference down_backward =
      down_backward_data_reference(grad_y, problem.source_token, problem.offsets, problem.down,
                                   forward.pre_activations.detach(), problem.row_weights);
  EXPECT_TRUE(close(down_backward.grad_pre_activations, grads[4]));
  EXPECT_TRUE(close(down_backward.grad_row_weights, grads[3]));
  EXPECT_TRUE(close(weight_gradient_reference(forward.activations.detach(), at::Tensor(), grad_y,
                                              problem.source_token, problem.offsets),
                    grads[2]));
  const at::Tensor& grad_pre = down_backward.grad_pre_activations;
  EXPECT_TRUE(close(weight_gradient_reference(problem.x, problem.source_token, grad_pre,
                                              at::Tensor(), problem.offsets),
                    grads[1]));
  const at::Tensor grad_x_grouped =
      gate_up_backward_data_reference(grad_pre, problem.offsets, gate_up.detach());
  EXPECT_TRUE(close(at::zeros_like(problem.x).index_add_(0, problem.source_token, grad_x_grouped),
                    grads[0]));
  // The empty expert's gradients are zero.
  EXPECT_TRUE(at::equal(grads[2][1], at::zeros_like(grads[2][1])));
}

TEST(MoeLayerReferenceTest, EachTokenGetsTheWeightedSumOfItsExperts) {
  at::manual_seed(5);
  const std::int64_t tokens = 20, d = 8, hidden = 16, experts = 4, active = 2;
  const at::Tensor x = at::randn({tokens, d}, kDouble);
  const at::Tensor logits = at::randn({tokens, experts}, kDouble);
  const at::Tensor gate = at::randn({experts, d, hidden}, kDouble);
  const at::Tensor up = at::randn({experts, d, hidden}, kDouble);
  const at::Tensor down = at::randn({experts, hidden, d}, kDouble);
  const MoeLayerOutput out = moe_layer_reference(x, logits, gate, up, down, active);
  const RouterReference routed = router_forward_reference(logits, active);
  for (std::int64_t t = 0; t < tokens; ++t) {
    at::Tensor expected = at::zeros({d}, kDouble);
    for (std::int64_t k = 0; k < active; ++k) {
      const std::int64_t e = routed.selected_experts[t][k].item<std::int64_t>();
      expected += routed.weights[t][k] *
                  (at::silu(x[t].matmul(gate[e])) * x[t].matmul(up[e])).matmul(down[e]);
    }
    EXPECT_TRUE(close(out.y[t], expected)) << "token " << t;
  }
  EXPECT_TRUE(close(out.load_balance, routed.load_balance));
  EXPECT_TRUE(close(out.z_loss, routed.z_loss));
}

}  // namespace
