// The MoE layer forward + backward in bf16 on one GPU, in one run: the CUDA kernels (kernels/)
// against a LibTorch loop over experts (index_select + mm + index_add), a layer on
// at::_grouped_mm, and a dense SwiGLU MLP of the same active FLOPs
// (binding/moe_layer_benchmark.cpp); then each kernel alone, on the routing of a real forward pass
// (each folder's *_benchmark.cpp). The kernels run twice: on the default GEMM path (wgmma on
// Hopper) and on mma.sync alone. Activation memory is what the caching allocator holds after the
// forward pass for the backward pass (outputs included).
//
//   moe_layer_benchmark [--config A|B|all] [--iterations N]
#include <torch/cuda.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "benchmark/benchmark.h"
#include "grouped_gemm/grouped_gemm.h"

namespace moescope::kernels::bench {

KernelBench::KernelBench(const Config& c)
    : T(c.tokens),
      d(c.d_model),
      n(c.hidden),
      E(c.experts),
      K(c.active),
      rows(static_cast<int>(T * K)),
      t(static_cast<int>(T)),
      di(static_cast<int>(d)),
      ni(static_cast<int>(n)),
      e(static_cast<int>(E)),
      k(static_cast<int>(K)),
      tk(static_cast<double>(rows)),
      ft(static_cast<double>(T)),
      fd(static_cast<double>(d)),
      fn(static_cast<double>(n)),
      fe(static_cast<double>(E)) {
  const auto device = torch::TensorOptions().device(torch::kCUDA);
  const auto bf16_options = device.dtype(torch::kBFloat16);
  const auto fp32 = device.dtype(torch::kFloat);
  torch::manual_seed(2);
  logits = torch::randn({T, E}, fp32);
  x = torch::randn({T, d}, bf16_options);
  gate_up = torch::randn({E, d, 2 * n}, bf16_options) / std::sqrt(d);
  down = torch::randn({E, n, d}, bf16_options) / std::sqrt(n);
  grad_y = torch::randn({T, d}, fp32);
  grad_y_bf16 = torch::empty({T, d}, bf16_options);
  grad_losses = torch::ones({2}, fp32);
  routing = DeviceRouting::allocate(T, E, K, logits.device());
  pre = torch::empty({rows, 2 * n}, bf16_options);
  act = torch::empty({rows, n}, bf16_options);
  expert_out = torch::empty({rows, d}, bf16_options);
  y = torch::empty({T, d}, fp32);
  grad_weights = torch::empty({T, K}, fp32);
  workspace = torch::empty({down_backward_workspace_floats(rows, ni)}, fp32);
  grad_pre = torch::empty({rows, 2 * n}, bf16_options);
  grad_down = torch::empty_like(down);
  grad_gate_up = torch::empty_like(gate_up);
  grad_x_grouped = torch::empty({rows, d}, bf16_options);
  grad_x = torch::empty_like(x);
  grad_logits = torch::empty_like(logits);
  stream = at::cuda::getCurrentCUDAStream().stream();
  groups = routing.groups();
  row_weights = RowWeights{routing.weights.data_ptr<float>(), routing.permutation.order};
  source_token = routing.permutation.source_token;
}

namespace {

// The binding's one ATen step between the kernels: the output gradient to bf16.
Stage output_gradient_stage(KernelBench& b) {
  return {"output gradient to bf16 (ATen)", 0, b.ft * b.fd * 6.0,
          [&b] { b.grad_y_bf16.copy_(b.grad_y); }};
}

// Each kernel alone on the routing of a real forward pass.
void benchmark_kernels(const Config& c, int iterations) {
  KernelBench b(c);
  const std::vector<Stage> stages = {
      router_forward_stage(b),
      permute_stage(b),
      gate_up_forward_stage(b),
      down_forward_stage(b),
      combine_stage(b),
      output_gradient_stage(b),
      down_backward_data_stage(b),
      down_weight_gradient_stage(b),
      gate_up_weight_gradient_stage(b),
      gate_up_backward_data_stage(b),
      sum_grouped_rows_stage(b),
      router_backward_stage(b),
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

const Config kConfigs[] = {
    {"A", 40960, 768, 1024, 32, 2},
    {"B", 40960, 768, 256, 128, 8},
};

}  // namespace
}  // namespace moescope::kernels::bench

int main(int argc, char** argv) {
  using namespace moescope::kernels::bench;
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
