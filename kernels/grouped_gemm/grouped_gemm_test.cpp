// The grouped GEMMs (grouped_gemm.cu, grouped_gemm_wgmma.cu) against their float64 references
// (grouped_gemm_reference.cpp), on both paths (the default, wgmma on Hopper, and mma.sync), with
// the stages between them (combine and the sum of grouped rows, permute/) in the layer's order:
// fresh random inputs, every output poisoned (NaN bytes) before the run that fills it, routings
// that leave experts empty or send every row to one expert, forward and backward, and
// bitwise-equal results from two runs. Skipped, saying so, where no GPU is present.
#include "grouped_gemm/grouped_gemm.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "common/gpu_test_support.h"
#include "grouped_gemm/grouped_gemm_reference.h"
#include "permute/permute.h"
#include "permute/permute_reference.h"

namespace {

using namespace moescope::kernels;
using namespace moescope::kernels::test;

// One MoE layer's kernels, forward and backward, on fresh random data, every output kept.
struct LayerCase {
  int tokens;
  int d_model;
  int hidden;
  int experts;
  int active;
  Skew skew;
};

struct LayerRun {
  at::Tensor logits, x, gate_up, down, grad_y;  // inputs (bf16 where the kernels take bf16)
  at::Tensor order, source_token, inverse, offsets, weights;
  at::Tensor pre_activations, activations, expert_out, y;
  at::Tensor grad_weights, grad_pre_activations, grad_down, grad_gate_up;
  at::Tensor grad_x_grouped, grad_x;

  // Each grouped row's routing weight.
  at::Tensor row_weights() const { return weights.reshape(-1).index_select(0, order); }
};

LayerRun run_layer(const LayerCase& c, std::uint64_t seed) {
  at::manual_seed(seed);
  LayerRun run;
  const int rows = c.tokens * c.active;
  run.logits = router_logits(c.tokens, c.experts, c.skew);
  run.x = at::randn({c.tokens, c.d_model}).to(at::kBFloat16);
  run.gate_up =
      (at::randn({c.experts, c.d_model, 2 * c.hidden}) / std::sqrt(c.d_model)).to(at::kBFloat16);
  run.down = (at::randn({c.experts, c.hidden, c.d_model}) / std::sqrt(c.hidden)).to(at::kBFloat16);
  run.grad_y = at::randn({c.tokens, c.d_model}).to(at::kBFloat16);

  DeviceArray<float> logits(run.logits.numel());
  Bf16Array x(run.x.numel());
  Bf16Array gate_up(run.gate_up.numel());
  Bf16Array down(run.down.numel());
  Bf16Array grad_y(run.grad_y.numel());
  logits.upload(run.logits);
  x.upload(run.x);
  gate_up.upload(run.gate_up);
  down.upload(run.down);
  grad_y.upload(run.grad_y);
  const DeviceRouting routing(c.tokens, c.experts, c.active);
  route_on_device(logits, c.tokens, c.experts, c.active, routing);
  const ExpertGroups groups{routing.expert_offsets.get(), c.experts, rows};
  const RowWeights row_weights{routing.weights.get(), routing.order.get()};

  Bf16Array pre_activations(static_cast<std::int64_t>(rows) * 2 * c.hidden);
  Bf16Array activations(static_cast<std::int64_t>(rows) * c.hidden);
  Bf16Array expert_out(static_cast<std::int64_t>(rows) * c.d_model);
  DeviceArray<float> y(static_cast<std::int64_t>(c.tokens) * c.d_model);
  DeviceArray<float> grad_weights(rows);
  DeviceArray<float> workspace(down_backward_workspace_floats(rows, c.hidden));
  Bf16Array grad_pre_activations(static_cast<std::int64_t>(rows) * 2 * c.hidden);
  Bf16Array grad_down(run.down.numel());
  Bf16Array grad_gate_up(run.gate_up.numel());
  Bf16Array grad_x_grouped(static_cast<std::int64_t>(rows) * c.d_model);
  Bf16Array grad_x(run.x.numel());

  launch_gate_up_forward(x.get(), routing.source_token.get(), row_weights, groups, c.d_model,
                         c.hidden, gate_up.get(), pre_activations.get(), activations.get(),
                         nullptr);
  launch_down_forward(activations.get(), groups, c.hidden, c.d_model, down.get(), expert_out.get(),
                      nullptr);
  launch_combine(expert_out.get(), routing.inverse.get(), c.tokens, c.active, c.d_model, y.get(),
                 nullptr);
  launch_down_backward_data(grad_y.get(), routing.source_token.get(), row_weights, groups,
                            c.d_model, c.hidden, down.get(), pre_activations.get(),
                            grad_pre_activations.get(), grad_weights.get(), workspace.get(),
                            nullptr);
  launch_weight_gradient(activations.get(), nullptr, c.hidden, grad_y.get(),
                         routing.source_token.get(), c.d_model, groups, grad_down.get(), nullptr);
  launch_weight_gradient(x.get(), routing.source_token.get(), c.d_model, grad_pre_activations.get(),
                         nullptr, 2 * c.hidden, groups, grad_gate_up.get(), nullptr);
  launch_gate_up_backward_data(grad_pre_activations.get(), groups, c.hidden, c.d_model,
                               gate_up.get(), grad_x_grouped.get(), nullptr);
  launch_sum_grouped_rows(grad_x_grouped.get(), routing.inverse.get(), c.tokens, c.active,
                          c.d_model, grad_x.get(), nullptr);

  run.order = as_long(routing.order.download(at::kInt, {rows}));
  run.source_token = as_long(routing.source_token.download(at::kInt, {rows}));
  run.inverse = as_long(routing.inverse.download(at::kInt, {rows}));
  run.offsets = as_long(routing.expert_offsets.download(at::kInt, {c.experts + 1}));
  run.weights = routing.weights.download(at::kFloat, {c.tokens, c.active});
  run.pre_activations = pre_activations.download(at::kBFloat16, {rows, 2 * c.hidden});
  run.activations = activations.download(at::kBFloat16, {rows, c.hidden});
  run.expert_out = expert_out.download(at::kBFloat16, {rows, c.d_model});
  run.y = y.download(at::kFloat, {c.tokens, c.d_model});
  run.grad_weights = grad_weights.download(at::kFloat, {rows});
  run.grad_pre_activations = grad_pre_activations.download(at::kBFloat16, {rows, 2 * c.hidden});
  run.grad_down = grad_down.download(at::kBFloat16, run.down.sizes());
  run.grad_gate_up = grad_gate_up.download(at::kBFloat16, run.gate_up.sizes());
  run.grad_x_grouped = grad_x_grouped.download(at::kBFloat16, {rows, c.d_model});
  run.grad_x = grad_x.download(at::kBFloat16, run.x.sizes());
  return run;
}

at::Tensor f64(const at::Tensor& tensor) {
  return tensor.to(at::kDouble);
}

const LayerCase kLayerCases[] = {
    {700, 128, 64, 8, 2, Skew::kNone},
    {1000, 200, 192, 8, 1, Skew::kOneExpert},  // every row on one expert, seven empty
    {900, 192, 128, 16, 4, Skew::kHalfEmpty},  // eight experts empty
    {2048, 256, 256, 32, 2, Skew::kNone},
    {3, 64, 64, 4, 2, Skew::kNone},  // fewer rows than a tile
};

// The grouped GEMMs' two paths: the default (wgmma on Hopper) and mma.sync alone.
const GemmPath kGemmPaths[] = {GemmPath::kAuto, GemmPath::kMmaSync};

class GemmPathScope {
 public:
  explicit GemmPathScope(GemmPath path) { set_gemm_path(path); }
  ~GemmPathScope() { set_gemm_path(GemmPath::kAuto); }
  GemmPathScope(const GemmPathScope&) = delete;
  GemmPathScope& operator=(const GemmPathScope&) = delete;
};

const char* path_name(GemmPath path) {
  return path == GemmPath::kAuto ? "GEMM path: default" : "GEMM path: mma.sync";
}

// Each kernel is fed the GPU's own inputs to it, so that its error is its own.
TEST(ExpertKernelTest, EveryStageMatchesTheReferenceForwardAndBackward) {
  REQUIRE_GPU();
  std::uint64_t seed = 100;
  for (const GemmPath path : kGemmPaths) {
    const GemmPathScope scope(path);
    SCOPED_TRACE(path_name(path));
    for (const LayerCase& c : kLayerCases) {
      SCOPED_TRACE(testing::Message() << "T=" << c.tokens << " d=" << c.d_model << " n=" << c.hidden
                                      << " E=" << c.experts << " K=" << c.active
                                      << " skew=" << static_cast<int>(c.skew));
      const LayerRun run = run_layer(c, ++seed);
      const at::Tensor row_weights = f64(run.row_weights());
      const GateUpReference gate_up = gate_up_forward_reference(
          f64(run.x), run.source_token, run.offsets, f64(run.gate_up), row_weights);
      EXPECT_LT(relative_error(run.pre_activations, gate_up.pre_activations), kBf16Tolerance);
      EXPECT_LT(relative_error(run.activations, gate_up.activations), kBf16Tolerance);
      EXPECT_LT(relative_error(run.expert_out, down_forward_reference(f64(run.activations),
                                                                      run.offsets, f64(run.down))),
                kBf16Tolerance);
      EXPECT_LT(relative_error(
                    run.y, sum_grouped_rows_reference(f64(run.expert_out), run.inverse, c.active)),
                kFp32Tolerance);

      const DownBackwardReference down_backward =
          down_backward_data_reference(f64(run.grad_y), run.source_token, run.offsets,
                                       f64(run.down), f64(run.pre_activations), row_weights);
      EXPECT_LT(relative_error(run.grad_pre_activations, down_backward.grad_pre_activations),
                kBf16Tolerance);
      // In assignment order; fp32 sums of products of bf16 values, which cancel in part.
      const at::Tensor expected_grad_weights =
          at::zeros({c.tokens * c.active}, at::kDouble)
              .index_copy_(0, run.order, down_backward.grad_row_weights);
      EXPECT_LT(relative_error(run.grad_weights, expected_grad_weights), kFp32Tolerance * 100);
      const at::Tensor expected_grad_down = weight_gradient_reference(
          f64(run.activations), at::Tensor(), f64(run.grad_y), run.source_token, run.offsets);
      EXPECT_LT(relative_error(run.grad_down, expected_grad_down), kBf16Tolerance);
      const at::Tensor expected_grad_gate_up = weight_gradient_reference(
          f64(run.x), run.source_token, f64(run.grad_pre_activations), at::Tensor(), run.offsets);
      EXPECT_LT(relative_error(run.grad_gate_up, expected_grad_gate_up), kBf16Tolerance);
      EXPECT_LT(relative_error(run.grad_x_grouped,
                               gate_up_backward_data_reference(f64(run.grad_pre_activations),
                                                               run.offsets, f64(run.gate_up))),
                kBf16Tolerance);
      EXPECT_LT(relative_error(run.grad_x, sum_grouped_rows_reference(f64(run.grad_x_grouped),
                                                                      run.inverse, c.active)),
                kBf16Tolerance);

      // Experts without rows get exactly zero weight gradients.
      const at::Tensor counts = run.offsets.slice(0, 1) - run.offsets.slice(0, 0, -1);
      for (std::int64_t e = 0; e < c.experts; ++e) {
        if (counts[e].item<std::int64_t>() == 0) {
          EXPECT_TRUE(at::equal(run.grad_down[e].to(at::kFloat),
                                at::zeros_like(run.grad_down[e], at::kFloat)))
              << "expert " << e;
          EXPECT_TRUE(at::equal(run.grad_gate_up[e].to(at::kFloat),
                                at::zeros_like(run.grad_gate_up[e], at::kFloat)))
              << "expert " << e;
        }
      }
    }
  }
}

TEST(ExpertKernelTest, TwoRunsAreBitwiseEqual) {
  REQUIRE_GPU();
  const LayerCase c{4096, 256, 128, 16, 4, Skew::kNone};
  for (const GemmPath path : kGemmPaths) {
    const GemmPathScope scope(path);
    SCOPED_TRACE(path_name(path));
    const LayerRun first = run_layer(c, 7);
    const LayerRun second = run_layer(c, 7);
    EXPECT_TRUE(bitwise_equal(first.y, second.y));
    EXPECT_TRUE(bitwise_equal(first.grad_x, second.grad_x));
    EXPECT_TRUE(bitwise_equal(first.grad_weights, second.grad_weights));
    EXPECT_TRUE(bitwise_equal(first.grad_gate_up, second.grad_gate_up));
    EXPECT_TRUE(bitwise_equal(first.grad_down, second.grad_down));
  }
}

}  // namespace
