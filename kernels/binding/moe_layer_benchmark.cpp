// The layer's entry in the kernels' benchmark (benchmark/benchmark_main.cpp): the MoE layer
// forward + backward in bf16 on the CUDA kernels (on the default GEMM path, on mma.sync alone, and
// from the trainer's gate/up layout) against a LibTorch loop over experts (index_select + mm +
// index_add), a layer on at::_grouped_mm, and a dense SwiGLU MLP of the same active FLOPs; the
// peers route with the reference router and permutation. Activation memory is what the caching
// allocator holds after the forward pass for the backward pass (outputs included).
#include <c10/cuda/CUDACachingAllocator.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/cuda.h>
#include <torch/types.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <vector>

#include "benchmark/benchmark.h"
#include "binding/moe_layer.h"
#include "grouped_gemm/grouped_gemm.h"
#include "grouped_gemm/grouped_gemm_reference.h"
#include "permute/permute_reference.h"
#include "router/router_reference.h"

namespace moescope::kernels::bench {
namespace {

std::int64_t allocated_bytes() {
  torch::cuda::synchronize();
  // Entry 0 is the aggregate over pool kinds (the enum's name moved between LibTorch versions).
  return c10::cuda::CUDACachingAllocator::getDeviceStats(0).allocated_bytes[0].current;
}

// A layer's forward: returns the tensors to differentiate (y first, then any auxiliary losses).
using Forward = std::function<std::vector<torch::Tensor>()>;

struct Timing {
  double forward_ms = 0, backward_ms = 0, activation_mib = 0;
  torch::Tensor y;  // from the last run, for the cross-check
};

Timing time_layer(const Forward& forward, const std::vector<torch::Tensor>& leaves,
                  const torch::Tensor& grad_y, int iterations) {
  const auto backward = [&](const std::vector<torch::Tensor>& outputs) {
    std::vector<torch::Tensor> grads{grad_y};
    for (std::size_t i = 1; i < outputs.size(); ++i)
      grads.push_back(torch::ones_like(outputs[i]));
    return torch::autograd::grad(outputs, leaves, grads);
  };
  Timing timing;
  for (int i = 0; i < 3; ++i)
    backward(forward());
  std::vector<double> forward_ms, backward_ms;
  EventTimer forward_timer, backward_timer;
  for (int i = 0; i < iterations; ++i) {
    forward_timer.start();
    const std::vector<torch::Tensor> outputs = forward();
    forward_timer.stop();
    backward_timer.start();
    backward(outputs);
    backward_timer.stop();
    forward_ms.push_back(forward_timer.milliseconds());
    backward_ms.push_back(backward_timer.milliseconds());
  }
  timing.forward_ms = median(forward_ms);
  timing.backward_ms = median(backward_ms);
  const std::int64_t before = allocated_bytes();
  {
    const std::vector<torch::Tensor> outputs = forward();
    timing.activation_mib = static_cast<double>(allocated_bytes() - before) / (1 << 20);
    timing.y = outputs[0].detach().to(torch::kFloat);
  }
  return timing;
}

// The routing every baseline shares: the reference router (the trainer's, fp32 softmax and
// top-K, renormalised for K > 1) and the reference permutation, a stable sort by expert.
struct TorchRouting {
  torch::Tensor weights_sorted;  // [T K] fp32, grouped order
  torch::Tensor token_sorted;    // [T K] int64, grouped order
  torch::Tensor offsets;         // [E] int32, cumulative ends (at::_grouped_mm's convention)
  torch::Tensor load_balance, z_loss;
};

TorchRouting torch_route(const torch::Tensor& logits, std::int64_t active) {
  const RouterReference routed = router_forward_reference(logits, active);
  const PermutationReference permutation =
      permute_reference(routed.selected_experts, logits.size(1));
  TorchRouting routing;
  routing.weights_sorted = routed.weights.reshape(-1).index_select(0, permutation.order);
  routing.token_sorted = permutation.source_token;
  routing.offsets = permutation.expert_offsets.slice(0, 1).to(torch::kInt);
  routing.load_balance = routed.load_balance;
  routing.z_loss = routed.z_loss;
  return routing;
}

void print_layer_row(const char* name, const Config& c, const Timing& t, const Timing& loop,
                     const Timing& grouped, const Timing& dense) {
  const double total = t.forward_ms + t.backward_ms;
  const auto ratio = [&](const Timing& other) {
    const double other_total = other.forward_ms + other.backward_ms;
    return other_total > 0 ? other_total / total : 0.0;
  };
  std::printf("| %s | %s | %.3f | %.3f | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f | %.0f |\n",
              c.name, name, t.forward_ms, t.backward_ms, c.flops_forward() / t.forward_ms / 1e9,
              c.flops_backward() / t.backward_ms / 1e9,
              (c.flops_forward() + c.flops_backward()) / total / 1e9, ratio(loop), ratio(grouped),
              ratio(dense), t.activation_mib);
}

double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).norm() / b.norm()).item<double>();
}

}  // namespace

void benchmark_layers(const Config& c, int iterations) {
  const auto device = torch::TensorOptions().device(torch::kCUDA);
  const auto bf16 = device.dtype(torch::kBFloat16);
  const std::int64_t T = c.tokens, d = c.d_model, n = c.hidden, E = c.experts, K = c.active;
  torch::manual_seed(1);
  const auto leaf = [](const torch::Tensor& t) { return t.detach().requires_grad_(true); };
  const torch::Tensor x = leaf(torch::randn({T, d}, bf16));
  const torch::Tensor router = leaf(torch::randn({d, E}, bf16) * 0.02);
  const torch::Tensor gate = leaf(torch::randn({E, d, n}, bf16) / std::sqrt(d));
  const torch::Tensor up = leaf(torch::randn({E, d, n}, bf16) / std::sqrt(d));
  const torch::Tensor down = leaf(torch::randn({E, n, d}, bf16) / std::sqrt(n));
  const torch::Tensor gate_up_interleaved = leaf(interleave_gate_up(gate, up));
  const torch::Tensor gate_up_concatenated = leaf(torch::cat({gate, up}, 2));
  const torch::Tensor grad_y = torch::randn({T, d}, device.dtype(torch::kFloat));
  const auto logits_of = [&] { return x.mm(router).to(torch::kFloat); };

  const Forward kernels = [&] {
    const MoeLayerOutput out = moe_layer(x, logits_of(), gate_up_interleaved, down, K);
    return std::vector<torch::Tensor>{out.y, out.load_balance, out.z_loss};
  };
  const Forward kernels_trainer_layout = [&] {
    const MoeLayerOutput out = moe_layer(x, logits_of(), interleave_gate_up(gate, up), down, K);
    return std::vector<torch::Tensor>{out.y, out.load_balance, out.z_loss};
  };
  const Forward grouped_mm = [&] {
    const TorchRouting r = torch_route(logits_of(), K);
    const torch::Tensor grouped_x = x.index_select(0, r.token_sorted);
    const std::vector<torch::Tensor> halves =
        at::_grouped_mm(grouped_x, gate_up_concatenated, r.offsets).chunk(2, -1);
    const torch::Tensor expert_out =
        at::_grouped_mm(torch::silu(halves[0]) * halves[1], down, r.offsets);
    const torch::Tensor y =
        torch::zeros({T, d}, device.dtype(torch::kFloat))
            .index_add(0, r.token_sorted,
                       expert_out.to(torch::kFloat) * r.weights_sorted.unsqueeze(1));
    return std::vector<torch::Tensor>{y, r.load_balance, r.z_loss};
  };
  const Forward loop = [&] {
    const TorchRouting r = torch_route(logits_of(), K);
    const torch::Tensor ends = r.offsets.cpu();  // the loop needs the split on the host
    const std::vector<torch::Tensor> gates = gate.unbind(0);
    const std::vector<torch::Tensor> ups = up.unbind(0);
    const std::vector<torch::Tensor> downs = down.unbind(0);
    torch::Tensor y = torch::zeros({T, d}, device.dtype(torch::kFloat));
    std::int64_t first = 0;
    for (std::int64_t e = 0; e < E; ++e) {
      const std::int64_t last = ends[e].item<int>();
      if (last == first)
        continue;
      const torch::Tensor tokens = r.token_sorted.slice(0, first, last);
      const torch::Tensor rows = x.index_select(0, tokens);
      const torch::Tensor out = (torch::silu(rows.mm(gates[e])) * rows.mm(ups[e])).mm(downs[e]);
      y.index_add_(0, tokens,
                   out.to(torch::kFloat) * r.weights_sorted.slice(0, first, last).unsqueeze(1));
      first = last;
    }
    return std::vector<torch::Tensor>{y, r.load_balance, r.z_loss};
  };
  // Dense SwiGLU of width K n over all T tokens: the same 18 T K d n FLOPs, no routing.
  const torch::Tensor dense_in = leaf(torch::randn({d, 2 * K * n}, bf16) / std::sqrt(d));
  const torch::Tensor dense_out = leaf(torch::randn({K * n, d}, bf16) / std::sqrt(K * n));
  const Forward dense = [&] {
    const std::vector<torch::Tensor> halves = x.mm(dense_in).chunk(2, -1);
    return std::vector<torch::Tensor>{(torch::silu(halves[0]) * halves[1]).mm(dense_out)};
  };

  const auto run = [&](const char* name, const Forward& forward,
                       const std::vector<torch::Tensor>& leaves) {
    try {
      return time_layer(forward, leaves, grad_y, iterations);
    } catch (const std::exception& error) {
      std::printf("config %s, %s failed: %s\n", c.name, name, error.what());
      return Timing{};
    }
  };
  const Timing t_kernels = run("kernels", kernels, {x, router, gate_up_interleaved, down});
  set_gemm_path(GemmPath::kMmaSync);
  const Timing t_mma_sync =
      run("kernels (mma.sync)", kernels, {x, router, gate_up_interleaved, down});
  set_gemm_path(GemmPath::kAuto);
  const Timing t_trainer =
      run("kernels (trainer layout)", kernels_trainer_layout, {x, router, gate, up, down});
  const Timing t_grouped = run("grouped_mm", grouped_mm, {x, router, gate_up_concatenated, down});
  const Timing t_loop = run("loop", loop, {x, router, gate, up, down});
  const Timing t_dense = run("dense", dense, {x, dense_in, dense_out});

  std::printf("\nconfig %s: T=%lld d=%lld n=%lld E=%lld K=%lld, %.3g FLOP fwd + %.3g bwd\n", c.name,
              static_cast<long long>(T), static_cast<long long>(d), static_cast<long long>(n),
              static_cast<long long>(E), static_cast<long long>(K), c.flops_forward(),
              c.flops_backward());
  if (t_kernels.y.defined() && t_grouped.y.defined())
    std::printf("cross-check: |y_kernels - y_grouped_mm| / |y_grouped_mm| = %.2e\n",
                relative_difference(t_kernels.y, t_grouped.y));
  if (t_kernels.y.defined() && t_mma_sync.y.defined())
    std::printf("cross-check: |y_kernels - y_mma_sync| / |y_mma_sync| = %.2e\n",
                relative_difference(t_kernels.y, t_mma_sync.y));
  std::printf(
      "| config | layer | fwd ms | bwd ms | fwd TFLOP/s | bwd TFLOP/s | fwd+bwd TFLOP/s | "
      "speed-up vs loop | vs _grouped_mm | vs dense | activations MiB |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  print_layer_row("CUDA kernels", c, t_kernels, t_loop, t_grouped, t_dense);
  print_layer_row("CUDA kernels, mma.sync only", c, t_mma_sync, t_loop, t_grouped, t_dense);
  print_layer_row("CUDA kernels, trainer layout", c, t_trainer, t_loop, t_grouped, t_dense);
  print_layer_row("at::_grouped_mm", c, t_grouped, t_loop, t_grouped, t_dense);
  print_layer_row("LibTorch loop", c, t_loop, t_loop, t_grouped, t_dense);
  print_layer_row("dense SwiGLU", c, t_dense, t_loop, t_grouped, t_dense);
}

}  // namespace moescope::kernels::bench
