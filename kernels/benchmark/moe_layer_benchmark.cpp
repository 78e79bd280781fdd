// The MoE layer forward + backward in bf16 on one GPU, in one run: the CUDA kernels (kernels/)
// against a LibTorch loop over experts (index_select + mm + index_add), a layer on
// at::_grouped_mm, and a dense SwiGLU MLP of the same active FLOPs; then each kernel alone. The
// kernels run twice: on the default GEMM path (wgmma on Hopper) and on mma.sync alone.
// FLOPs: 6 T K d n forward, 12 T K d n backward (18 in all, SwiGLU's three matrices). Medians of
// CUDA-event timings after warm-up; activation memory is what the caching allocator holds after
// the forward pass for the backward pass (outputs included).
//
//   moe_layer_benchmark [--config A|B|all] [--iterations N]
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/cuda.h>
#include <torch/types.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "binding/moe_layer.h"
#include "grouped_gemm/grouped_gemm.h"
#include "grouped_gemm/grouped_gemm_reference.h"

namespace {

using namespace moescope::kernels;

struct Config {
  const char* name;
  std::int64_t tokens, d_model, hidden, experts, active;
  double flops_forward() const {
    return 6.0 * static_cast<double>(tokens * active * d_model * hidden);
  }
  double flops_backward() const { return 2 * flops_forward(); }
};

const Config kConfigs[] = {
    {"A", 40960, 768, 1024, 32, 2},
    {"B", 40960, 768, 256, 128, 8},
};

class EventTimer {
 public:
  EventTimer() {
    cudaEventCreate(&start_);
    cudaEventCreate(&stop_);
  }
  ~EventTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void start() { cudaEventRecord(start_, at::cuda::getCurrentCUDAStream().stream()); }
  void stop() { cudaEventRecord(stop_, at::cuda::getCurrentCUDAStream().stream()); }
  double milliseconds() {
    cudaEventSynchronize(stop_);
    float ms = 0;
    cudaEventElapsedTime(&ms, start_, stop_);
    return ms;
  }

 private:
  cudaEvent_t start_{};
  cudaEvent_t stop_{};
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

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

// The routing every baseline shares, in LibTorch: fp32 softmax and top-K (renormalised for
// K > 1), assignments sorted stably by expert.
struct TorchRouting {
  torch::Tensor weights_sorted;  // [T K] fp32, grouped order
  torch::Tensor token_sorted;    // [T K] int64, grouped order
  torch::Tensor offsets;         // [E] int32, cumulative ends (at::_grouped_mm's convention)
  torch::Tensor load_balance, z_loss;
};

TorchRouting torch_route(const torch::Tensor& logits, std::int64_t active) {
  const std::int64_t tokens = logits.size(0);
  const std::int64_t experts = logits.size(1);
  const torch::Tensor probabilities = logits.softmax(-1);
  auto [top, selected] = probabilities.topk(active, -1);
  const torch::Tensor weights = active > 1 ? top / top.sum(-1, true) : top;
  const torch::Tensor flat = selected.reshape(-1);
  const torch::Tensor order = std::get<1>(flat.sort(true, 0, false));
  const torch::Tensor counts = torch::bincount(flat, {}, experts);
  TorchRouting routing;
  routing.weights_sorted = weights.reshape(-1).index_select(0, order);
  routing.token_sorted = order.div(active, "floor");
  routing.offsets = counts.cumsum(0).to(torch::kInt);
  routing.load_balance =
      static_cast<double>(experts) *
      (counts.to(torch::kFloat) / static_cast<double>(tokens * active) * probabilities.mean(0))
          .sum();
  routing.z_loss = logits.logsumexp(-1).pow(2).mean();
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

// Each kernel alone on the routing of a real forward pass.
void benchmark_kernels(const Config& c, int iterations) {
  const auto device = torch::TensorOptions().device(torch::kCUDA);
  const auto bf16 = device.dtype(torch::kBFloat16);
  const std::int64_t T = c.tokens, d = c.d_model, n = c.hidden, E = c.experts, K = c.active;
  const int rows = static_cast<int>(T * K);
  torch::manual_seed(2);
  torch::Tensor logits = torch::randn({T, E}, device.dtype(torch::kFloat));
  torch::Tensor x = torch::randn({T, d}, bf16);
  torch::Tensor gate_up = torch::randn({E, d, 2 * n}, bf16) / std::sqrt(d);
  torch::Tensor down = torch::randn({E, n, d}, bf16) / std::sqrt(n);
  torch::Tensor grad_y = torch::randn({T, d}, device.dtype(torch::kFloat));
  torch::Tensor grad_y_bf16 = torch::empty({T, d}, bf16);
  torch::Tensor grad_losses = torch::ones({2}, device.dtype(torch::kFloat));
  DeviceRouting routing = DeviceRouting::allocate(T, E, K, logits.device());
  torch::Tensor pre = torch::empty({rows, 2 * n}, bf16);
  torch::Tensor act = torch::empty({rows, n}, bf16);
  torch::Tensor expert_out = torch::empty({rows, d}, bf16);
  torch::Tensor y = torch::empty({T, d}, device.dtype(torch::kFloat));
  torch::Tensor grad_weights = torch::empty({T, K}, device.dtype(torch::kFloat));
  torch::Tensor workspace = torch::empty(
      {down_backward_workspace_floats(rows, static_cast<int>(n))}, device.dtype(torch::kFloat));
  torch::Tensor grad_pre = torch::empty({rows, 2 * n}, bf16);
  torch::Tensor grad_down = torch::empty_like(down);
  torch::Tensor grad_gate_up = torch::empty_like(gate_up);
  torch::Tensor grad_x_grouped = torch::empty({rows, d}, bf16);
  torch::Tensor grad_x = torch::empty_like(x);
  torch::Tensor grad_logits = torch::empty_like(logits);
  const auto p = [](torch::Tensor& t) {
    return reinterpret_cast<__nv_bfloat16*>(t.data_ptr<at::BFloat16>());
  };
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream().stream();
  const ExpertGroups groups = routing.groups();
  const RowWeights row_weights{routing.weights.data_ptr<float>(), routing.permutation.order};
  const int* source_token = routing.permutation.source_token;
  const int t = static_cast<int>(T), di = static_cast<int>(d), ni = static_cast<int>(n),
            e = static_cast<int>(E), k = static_cast<int>(K);

  struct Stage {
    const char* name;
    double flops;  // 0 for the memory-bound stages
    double bytes;  // the fewest bytes the stage must move
    std::function<void()> launch;
  };
  const double tk = static_cast<double>(rows), ft = static_cast<double>(T),
               fd = static_cast<double>(d), fn = static_cast<double>(n),
               fe = static_cast<double>(E);
  const std::vector<Stage> stages = {
      {"router forward (softmax, top-K, statistics)", 0, ft * fe * 4.0 + tk * 12,
       [&] { launch_router_forward(logits.data_ptr<float>(), t, e, k, routing.buffers, stream); }},
      {"permute (counting sort)", 0, tk * 20,
       [&] { launch_permute(routing.buffers, t, e, k, routing.permutation, stream); }},
      {"gate+up GEMM, SwiGLU fused", 4 * tk * fd * fn, tk * fd * 2 + tk * 6 * fn,
       [&] {
         launch_gate_up_forward(p(x), source_token, row_weights, groups, di, ni, p(gate_up), p(pre),
                                p(act), stream);
       }},
      {"down GEMM", 2 * tk * fd * fn, tk * (fn + fd) * 2,
       [&] { launch_down_forward(p(act), groups, ni, di, p(down), p(expert_out), stream); }},
      {"combine (unpermute)", 0, tk * fd * 2 + ft * fd * 4.0,
       [&] {
         launch_combine(p(expert_out), routing.permutation.inverse, t, k, di, y.data_ptr<float>(),
                        stream);
       }},
      {"output gradient to bf16 (ATen)", 0, ft * fd * 6.0, [&] { grad_y_bf16.copy_(grad_y); }},
      {"down dX GEMM, SwiGLU and routing-weight backward fused", 2 * tk * fd * fn,
       tk * (2 * fd + 8 * fn + 4),
       [&] {
         launch_down_backward_data(p(grad_y_bf16), source_token, row_weights, groups, di, ni,
                                   p(down), p(pre), p(grad_pre), grad_weights.data_ptr<float>(),
                                   workspace.data_ptr<float>(), stream);
       }},
      {"down dW GEMM, output gradient gathered", 2 * tk * fd * fn, tk * (fn + fd) * 2,
       [&] {
         launch_weight_gradient(p(act), nullptr, ni, p(grad_y_bf16), source_token, di, groups,
                                p(grad_down), stream);
       }},
      {"gate+up dW GEMM", 4 * tk * fd * fn, tk * (fd + 2 * fn) * 2,
       [&] {
         launch_weight_gradient(p(x), source_token, di, p(grad_pre), nullptr, 2 * ni, groups,
                                p(grad_gate_up), stream);
       }},
      {"gate+up dX GEMM", 4 * tk * fd * fn, tk * (2 * fn + fd) * 2,
       [&] {
         launch_gate_up_backward_data(p(grad_pre), groups, ni, di, p(gate_up), p(grad_x_grouped),
                                      stream);
       }},
      {"sum grouped rows (dx)", 0, tk * fd * 2 + ft * fd * 2.0,
       [&] {
         launch_sum_grouped_rows(p(grad_x_grouped), routing.permutation.inverse, t, k, di,
                                 p(grad_x), stream);
       }},
      {"router backward", 0, ft * fe * 8.0,
       [&] {
         launch_router_backward(logits.data_ptr<float>(), t, e, k, routing.buffers,
                                grad_weights.data_ptr<float>(), grad_losses.data_ptr<float>(),
                                grad_losses.data_ptr<float>() + 1, grad_logits.data_ptr<float>(),
                                stream);
       }},
  };
  for (const Stage& stage : stages)  // in order: each stage's inputs come from the ones before
    stage.launch();
  std::printf("\nconfig %s, each kernel alone (median of %d):\n", c.name, iterations);
  std::printf("| kernel | ms | TFLOP/s | GB/s (fewest bytes) |\n|---|---|---|---|\n");
  EventTimer timer;
  const auto time_stage = [&](const Stage& stage, const char* suffix) {
    std::vector<double> ms;
    for (int i = 0; i < iterations; ++i) {
      timer.start();
      stage.launch();
      timer.stop();
      ms.push_back(timer.milliseconds());
    }
    const double m = median(ms);
    if (stage.flops > 0)
      std::printf("| %s%s | %.3f | %.0f | %.0f |\n", stage.name, suffix, m, stage.flops / m / 1e9,
                  stage.bytes / m / 1e6);
    else
      std::printf("| %s%s | %.3f | | %.0f |\n", stage.name, suffix, m, stage.bytes / m / 1e6);
  };
  for (const Stage& stage : stages)
    time_stage(stage, "");
  // The GEMMs again on mma.sync alone (the same inputs: every stage's output is already there).
  set_gemm_path(GemmPath::kMmaSync);
  for (const Stage& stage : stages) {
    if (stage.flops > 0) {
      stage.launch();  // warm-up: the first launch of a kernel loads it
      time_stage(stage, ", mma.sync");
    }
  }
  set_gemm_path(GemmPath::kAuto);
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = "all";
  int iterations = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--config")
      which = argv[i + 1];
    else if (flag == "--iterations")
      iterations = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: moe_layer_benchmark [--config A|B|all] [--iterations N]\n");
      return 2;
    }
  }
  if (!torch::cuda::is_available()) {
    std::fprintf(stderr, "moe_layer_benchmark: no CUDA GPU\n");
    return 1;
  }
  const cudaDeviceProp& properties = *at::cuda::getCurrentDeviceProperties();
  std::printf("device: %s, %d SMs\n", properties.name, properties.multiProcessorCount);
  try {
    for (const Config& c : kConfigs) {
      if (which != "all" && which != c.name)
        continue;
      benchmark_layers(c, iterations);
      benchmark_kernels(c, iterations);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "moe_layer_benchmark: %s\n", error.what());
    return 1;
  }
  return 0;
}
