// The grouped GEMMs' plain-ATen references (grouped_gemm_reference.cpp), which define what the
// GEMM kernels must compute: the interleaved gate/up layout, a per-row loop and autograd, in
// float64 on the CPU. Runs everywhere LibTorch does, GPU or not.
#include "grouped_gemm/grouped_gemm_reference.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <cstdint>

#include "common/tensor_compare.h"
#include "grouped_gemm/gate_up_layout.h"

namespace {

using namespace moescope::kernels;
using namespace moescope::kernels::test;

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

}  // namespace
