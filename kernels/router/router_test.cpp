// The router's kernels (router.cu) and the permutation of their assignments (permute/) against
// the float64 references (router_reference.cpp, permute_reference.cpp) on fresh random logits,
// with routings that leave experts empty or send every token to one expert; forward and backward.
// Skipped, saying so, where no GPU is present.
#include "router/router.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "common/gpu_test_support.h"
#include "permute/permute_reference.h"
#include "router/router_reference.h"

namespace {

using namespace moescope::kernels;
using namespace moescope::kernels::test;

struct RouterCase {
  int tokens;
  int experts;
  int active;
  Skew skew;
};

const RouterCase kRouterCases[] = {
    {1000, 8, 1, Skew::kNone},       {1000, 8, 2, Skew::kNone},    {777, 40, 3, Skew::kNone},
    {4096, 128, 8, Skew::kNone},     {3000, 32, 2, Skew::kNone},   {1000, 8, 1, Skew::kOneExpert},
    {1000, 16, 4, Skew::kHalfEmpty}, {300, 1024, 32, Skew::kNone}, {5, 64, 4, Skew::kNone},
};

TEST(RouterKernelTest, ForwardAndPermutationMatchTheReference) {
  REQUIRE_GPU();
  at::manual_seed(11);
  for (const RouterCase& c : kRouterCases) {
    SCOPED_TRACE(testing::Message() << "T=" << c.tokens << " E=" << c.experts << " K=" << c.active
                                    << " skew=" << static_cast<int>(c.skew));
    const at::Tensor logits = router_logits(c.tokens, c.experts, c.skew);
    DeviceArray<float> device_logits(logits.numel());
    device_logits.upload(logits);
    const DeviceRouting routing(c.tokens, c.experts, c.active);
    route_on_device(device_logits, c.tokens, c.experts, c.active, routing);

    const RouterReference expected = router_forward_reference(logits.to(at::kDouble), c.active);
    const at::Tensor selected = as_long(routing.selected.download(at::kInt, {c.tokens, c.active}));
    EXPECT_TRUE(at::equal(selected, expected.selected_experts));
    EXPECT_LT(relative_error(routing.weights.download(at::kFloat, {c.tokens, c.active}),
                             expected.weights),
              kFp32Tolerance);
    EXPECT_LT(
        relative_error(routing.logsumexp.download(at::kFloat, {c.tokens}), expected.logsumexp),
        kFp32Tolerance);
    EXPECT_TRUE(at::equal(as_long(routing.expert_counts.download(at::kInt, {c.experts})),
                          expected.expert_counts));
    EXPECT_LT(relative_error(routing.probability_sums.download(at::kFloat, {c.experts}),
                             expected.probability_sums),
              kFp32Tolerance);
    const at::Tensor losses = routing.losses.download(at::kFloat, {2}).to(at::kDouble);
    EXPECT_NEAR(losses[0].item<double>(), expected.load_balance.item<double>(),
                kFp32Tolerance * expected.load_balance.item<double>());
    EXPECT_NEAR(losses[1].item<double>(), expected.z_loss.item<double>(),
                kFp32Tolerance * expected.z_loss.item<double>());

    const PermutationReference permutation = permute_reference(selected, c.experts);
    const std::int64_t rows = c.tokens * c.active;
    EXPECT_TRUE(at::equal(as_long(routing.expert_offsets.download(at::kInt, {c.experts + 1})),
                          permutation.expert_offsets));
    EXPECT_TRUE(at::equal(as_long(routing.order.download(at::kInt, {rows})), permutation.order));
    EXPECT_TRUE(at::equal(as_long(routing.source_token.download(at::kInt, {rows})),
                          permutation.source_token));
    EXPECT_TRUE(
        at::equal(as_long(routing.inverse.download(at::kInt, {rows})), permutation.inverse));
  }
}

TEST(RouterKernelTest, BackwardMatchesTheReference) {
  REQUIRE_GPU();
  at::manual_seed(12);
  for (const RouterCase& c : kRouterCases) {
    SCOPED_TRACE(testing::Message() << "T=" << c.tokens << " E=" << c.experts << " K=" << c.active);
    const at::Tensor logits = router_logits(c.tokens, c.experts, c.skew);
    const at::Tensor grad_weights = at::randn({c.tokens, c.active}, at::kFloat);
    const at::Tensor grad_losses = at::rand({2}, at::kFloat) + 0.5;
    DeviceArray<float> device_logits(logits.numel());
    DeviceArray<float> device_grad_weights(grad_weights.numel());
    DeviceArray<float> device_grad_losses(2);
    DeviceArray<float> grad_logits(logits.numel());
    device_logits.upload(logits);
    device_grad_weights.upload(grad_weights);
    device_grad_losses.upload(grad_losses);
    const DeviceRouting routing(c.tokens, c.experts, c.active);
    route_on_device(device_logits, c.tokens, c.experts, c.active, routing);
    launch_router_backward(device_logits.get(), c.tokens, c.experts, c.active, routing.buffers(),
                           device_grad_weights.get(), device_grad_losses.get(),
                           device_grad_losses.get() + 1, grad_logits.get(), nullptr);
    const at::Tensor expected =
        router_backward_reference(logits.to(at::kDouble), c.active, grad_weights.to(at::kDouble),
                                  grad_losses[0].item<double>(), grad_losses[1].item<double>());
    EXPECT_LT(relative_error(grad_logits.download(at::kFloat, {c.tokens, c.experts}), expected),
              1e-4);

    // Absent gradients count as zero: only the z-loss here.
    grad_logits.poison();
    launch_router_backward(device_logits.get(), c.tokens, c.experts, c.active, routing.buffers(),
                           nullptr, nullptr, device_grad_losses.get() + 1, grad_logits.get(),
                           nullptr);
    const at::Tensor z_only = router_backward_reference(
        logits.to(at::kDouble), c.active, at::zeros({c.tokens, c.active}, at::kDouble), 0.0,
        grad_losses[1].item<double>());
    EXPECT_LT(relative_error(grad_logits.download(at::kFloat, {c.tokens, c.experts}), z_only),
              1e-4);
  }
}

}  // namespace
