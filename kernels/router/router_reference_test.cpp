// The router's plain-ATen reference (router_reference.cpp), which defines what router.cu must
// compute and is the trainer's router: against hand examples, the trainer's semantics and finite
// differences, in float64 on the CPU. Runs everywhere LibTorch does, GPU or not.
#include "router/router_reference.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "common/tensor_compare.h"

namespace {

using namespace moescope::kernels;
using namespace moescope::kernels::test;

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

}  // namespace
