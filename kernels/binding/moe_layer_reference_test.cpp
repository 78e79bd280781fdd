// The whole layer's plain-ATen reference (moe_layer_reference.cpp) against a per-token loop over
// the reference router's choices, in float64 on the CPU. Runs everywhere LibTorch does, GPU or not.
#include "binding/moe_layer_reference.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdint>

#include "common/tensor_compare.h"
#include "router/router_reference.h"

namespace {

using namespace moescope::kernels;
using namespace moescope::kernels::test;

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
