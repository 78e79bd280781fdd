// The CUDA kernels (kernels/) against their plain-ATen references computed in float64 on the CPU:
// fresh random inputs for every check, every output poisoned (NaN bytes) before the run that
// fills it, routings that leave experts empty or send every token to one expert, forward and
// backward, and bitwise-equal results from two runs. Skipped, saying so, where no GPU is present.
#include <ATen/ATen.h>
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "grouped_gemm/grouped_gemm.h"
#include "grouped_gemm/grouped_gemm_reference.h"
#include "permute/permute.h"
#include "permute/permute_reference.h"
#include "router/router.h"
#include "router/router_reference.h"

namespace {

using namespace moescope::kernels;

bool gpu_present() {
  int devices = 0;
  return cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
}

#define REQUIRE_GPU()                                                                          \
  if (!gpu_present())                                                                          \
  GTEST_SKIP() << "no CUDA GPU here: the kernels run on the GPU machine (kernels/README.md); " \
                  "their CPU references are checked by kernels_reference_test"

void check(cudaError_t status) {
  ASSERT_EQ(status, cudaSuccess) << cudaGetErrorString(status);
}

// A device array mirrored from and to CPU tensors of the same element size. Poisoned with 0xff
// bytes on creation and on request: NaN as bf16 or fp32, -1 as int32.
template <class T>
class DeviceArray {
 public:
  explicit DeviceArray(std::int64_t count) : count_(count) {
    check(cudaMalloc(&data_, bytes()));
    poison();
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() { cudaFree(data_); }

  T* get() const { return data_; }
  std::size_t bytes() const { return static_cast<std::size_t>(count_) * sizeof(T); }
  void poison() { check(cudaMemset(data_, 0xff, bytes())); }
  void upload(const at::Tensor& host) {
    const at::Tensor contiguous = host.contiguous();
    ASSERT_EQ(contiguous.nbytes(), bytes());
    check(cudaMemcpy(data_, contiguous.data_ptr(), bytes(), cudaMemcpyHostToDevice));
  }
  at::Tensor download(at::ScalarType type, at::IntArrayRef sizes) const {
    check(cudaDeviceSynchronize());
    at::Tensor host = at::empty(sizes, at::TensorOptions().dtype(type));
    EXPECT_EQ(host.nbytes(), bytes());
    check(cudaMemcpy(host.data_ptr(), data_, bytes(), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  T* data_ = nullptr;
  std::int64_t count_;
};

using Bf16Array = DeviceArray<__nv_bfloat16>;

double relative_error(const at::Tensor& actual, const at::Tensor& expected) {
  const at::Tensor a = actual.to(at::kDouble);
  const at::Tensor b = expected.to(at::kDouble);
  if (!a.isfinite().all().item<bool>())
    return INFINITY;  // an unwritten (poisoned) or overflowed element
  return (a - b).norm().item<double>() / b.norm().item<double>();
}

// bf16 operands, fp32 accumulation, bf16 outputs: about 2^-9 relative per element.
constexpr double kBf16Tolerance = 1e-2;
// fp32 arithmetic against float64.
constexpr double kFp32Tolerance = 1e-5;

enum class Skew { kNone, kOneExpert, kHalfEmpty };

// Random router logits; kOneExpert sends every token's first choice to expert 3, kHalfEmpty
// makes the odd experts unreachable when K <= E / 2.
at::Tensor router_logits(std::int64_t tokens, std::int64_t experts, Skew skew) {
  at::Tensor logits = at::randn({tokens, experts}, at::kFloat);
  if (skew == Skew::kOneExpert)
    logits.select(1, 3).add_(40.0);
  if (skew == Skew::kHalfEmpty)
    logits.slice(1, 1, experts, 2).sub_(40.0);
  return logits;
}

// Device buffers of one routing, as the binding carves them, one array each here.
struct DeviceRouting {
  DeviceRouting(int tokens, int experts, int active)
      : selected(tokens * active),
        weights(tokens * active),
        logsumexp(tokens),
        tile_rank(tokens * active),
        tile_counts(router_tiles(tokens) * experts),
        tile_probability_sums(router_tiles(tokens) * experts),
        tile_z_sums(router_tiles(tokens)),
        tile_offsets(router_tiles(tokens) * experts),
        expert_counts(experts),
        probability_sums(experts),
        expert_offsets(experts + 1),
        losses(2),
        order(tokens * active),
        source_token(tokens * active),
        inverse(tokens * active) {}

  RouterBuffers buffers() const {
    return {selected.get(),         weights.get(),        logsumexp.get(),
            tile_rank.get(),        tile_counts.get(),    tile_probability_sums.get(),
            tile_z_sums.get(),      tile_offsets.get(),   expert_counts.get(),
            probability_sums.get(), expert_offsets.get(), losses.get()};
  }
  Permutation permutation() const { return {order.get(), source_token.get(), inverse.get()}; }

  DeviceArray<int> selected;
  DeviceArray<float> weights;
  DeviceArray<float> logsumexp;
  DeviceArray<int> tile_rank;
  DeviceArray<int> tile_counts;
  DeviceArray<float> tile_probability_sums;
  DeviceArray<float> tile_z_sums;
  DeviceArray<int> tile_offsets;
  DeviceArray<int> expert_counts;
  DeviceArray<float> probability_sums;
  DeviceArray<int> expert_offsets;
  DeviceArray<float> losses;
  DeviceArray<int> order;
  DeviceArray<int> source_token;
  DeviceArray<int> inverse;
};

void route_on_device(const DeviceArray<float>& logits, int tokens, int experts, int active,
                     const DeviceRouting& routing) {
  launch_router_forward(logits.get(), tokens, experts, active, routing.buffers(), nullptr);
  launch_permute(routing.buffers(), tokens, experts, active, routing.permutation(), nullptr);
  check(cudaDeviceSynchronize());
}

at::Tensor as_long(const at::Tensor& tensor) {
  return tensor.to(at::kLong);
}

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

bool bitwise_equal(const at::Tensor& a, const at::Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.data_ptr(), b.data_ptr(), a.nbytes()) == 0;
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
