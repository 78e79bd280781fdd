// The MoE layer on the CUDA kernels as LibTorch autograd functions (kernels/binding/), against
// the float64 CPU reference layer: outputs, both losses and the gradients of every input, from
// fresh random inputs, with routings that leave experts empty or send every token to one expert;
// and bitwise-equal results from two runs. Built only against a LibTorch with CUDA; skipped,
// saying so, where no GPU is present.
#include "binding/moe_layer.h"

#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/cuda.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "common/tensor_compare.h"
#include "grouped_gemm/grouped_gemm_reference.h"

namespace {

using namespace moescope::kernels;
using namespace moescope::kernels::test;

struct LayerCase {
  std::int64_t tokens, d_model, hidden, experts, active;
  double one_expert_bias;  // added to expert 3's logits: large sends every token there
};

struct LayerResult {
  MoeLayerOutput out;
  std::vector<torch::Tensor> grads;  // x, logits, gate, up, down
};

struct LayerInputs {
  torch::Tensor x, logits, gate, up, down, grad_y;
  double grad_balance, grad_z;
};

LayerInputs random_inputs(const LayerCase& c) {
  LayerInputs in;
  in.x = torch::randn({c.tokens, c.d_model}).to(torch::kBFloat16).to(torch::kDouble);
  in.logits = torch::randn({c.tokens, c.experts}).to(torch::kDouble);
  in.logits.select(1, 3).add_(c.one_expert_bias);
  in.gate = (torch::randn({c.experts, c.d_model, c.hidden}) / std::sqrt(c.d_model))
                .to(torch::kBFloat16)
                .to(torch::kDouble);
  in.up = (torch::randn({c.experts, c.d_model, c.hidden}) / std::sqrt(c.d_model))
              .to(torch::kBFloat16)
              .to(torch::kDouble);
  in.down = (torch::randn({c.experts, c.hidden, c.d_model}) / std::sqrt(c.hidden))
                .to(torch::kBFloat16)
                .to(torch::kDouble);
  in.grad_y = torch::randn({c.tokens, c.d_model}).to(torch::kDouble);
  in.grad_balance = 0.7;
  in.grad_z = 0.3;
  return in;
}

// Runs a layer function on leaf copies of the inputs (converted by `prepare`) and returns its
// outputs and the gradients of <y, grad_y> + the weighted losses.
template <class Layer>
LayerResult run(const LayerInputs& in, const torch::TensorOptions& options, Layer&& layer) {
  std::vector<torch::Tensor> leaves;
  for (const torch::Tensor& t : {in.x, in.logits, in.gate, in.up, in.down})
    leaves.push_back(t.to(options).detach().requires_grad_(true));
  LayerResult result;
  result.out = layer(leaves);
  const torch::Tensor objective = (result.out.y * in.grad_y.to(result.out.y.options())).sum() +
                                  in.grad_balance * result.out.load_balance +
                                  in.grad_z * result.out.z_loss;
  result.grads = torch::autograd::grad({objective}, leaves);
  return result;
}

LayerResult reference_layer(const LayerInputs& in, std::int64_t active) {
  return run(in, torch::TensorOptions().dtype(torch::kDouble),
             [&](const std::vector<torch::Tensor>& l) {
               return moe_layer_reference(l[0], l[1], l[2], l[3], l[4], active);
             });
}

LayerResult cuda_layer(const LayerInputs& in, std::int64_t active) {
  return run(in, torch::TensorOptions().device(torch::kCUDA).dtype(torch::kDouble),
             [&](const std::vector<torch::Tensor>& l) {
               return moe_layer(
                   l[0].to(torch::kBFloat16), l[1].to(torch::kFloat),
                   interleave_gate_up(l[2].to(torch::kBFloat16), l[3].to(torch::kBFloat16)),
                   l[4].to(torch::kBFloat16), active);
             });
}

TEST(MoeLayerKernelTest, ForwardAndGradientsMatchTheFloat64Reference) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "no CUDA GPU here: the layer runs on the GPU machine (kernels/README.md)";
  torch::manual_seed(21);
  const LayerCase cases[] = {
      {2000, 256, 128, 16, 4, 0.0},
      {1500, 192, 192, 8, 1, 0.0},
      {1000, 128, 64, 8, 1, 40.0},  // every token on expert 3, seven experts empty
      {1000, 128, 64, 8, 2, 40.0},  // expert 3 full, the others share the second choice
  };
  for (const LayerCase& c : cases) {
    SCOPED_TRACE(testing::Message()
                 << "T=" << c.tokens << " d=" << c.d_model << " n=" << c.hidden
                 << " E=" << c.experts << " K=" << c.active << " bias=" << c.one_expert_bias);
    const LayerInputs in = random_inputs(c);
    const LayerResult expected = reference_layer(in, c.active);
    const LayerResult actual = cuda_layer(in, c.active);
    // bf16 operands and intermediates (the hidden activations, the expert outputs).
    EXPECT_LT(relative_error(actual.out.y, expected.out.y), 1e-2);
    EXPECT_LT(relative_error(actual.out.load_balance, expected.out.load_balance), 1e-5);
    EXPECT_LT(relative_error(actual.out.z_loss, expected.out.z_loss), 1e-5);
    const char* names[] = {"x", "logits", "gate", "up", "down"};
    for (std::size_t i = 0; i < expected.grads.size(); ++i)
      EXPECT_LT(relative_error(actual.grads[i], expected.grads[i]), 2e-2) << "d/d" << names[i];
  }
}

TEST(MoeLayerKernelTest, TwoRunsAreBitwiseEqual) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "no CUDA GPU here: the layer runs on the GPU machine (kernels/README.md)";
  torch::manual_seed(22);
  const LayerInputs in = random_inputs({8192, 256, 256, 32, 4, 0.0});
  const LayerResult first = cuda_layer(in, 4);
  const LayerResult second = cuda_layer(in, 4);
  EXPECT_TRUE(bitwise_equal(first.out.y, second.out.y));
  EXPECT_TRUE(bitwise_equal(first.out.load_balance, second.out.load_balance));
  for (std::size_t i = 0; i < first.grads.size(); ++i)
    EXPECT_TRUE(bitwise_equal(first.grads[i], second.grads[i])) << "gradient " << i;
}

}  // namespace
