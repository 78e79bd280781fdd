#pragma once

// The one benchmark driver of the kernels (benchmark_main.cpp, the moe_layer_benchmark program)
// and the entries each kernel folder registers into it: the layer against its LibTorch peers
// (binding/moe_layer_benchmark.cpp), then each kernel alone (router/, permute/, grouped_gemm/
// *_benchmark.cpp) on the buffers of one forward and backward pass. Medians of CUDA-event timings
// after warm-up.

#include <ATen/cuda/CUDAContext.h>
#include <cuda_bf16.h>
#include <torch/types.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "binding/moe_layer.h"

namespace moescope::kernels::bench {

// A layer shape. FLOPs: 6 T K d n forward, 12 T K d n backward (18 in all, SwiGLU's three
// matrices).
struct Config {
  const char* name;
  std::int64_t tokens, d_model, hidden, experts, active;
  double flops_forward() const {
    return 6.0 * static_cast<double>(tokens * active * d_model * hidden);
  }
  double flops_backward() const { return 2 * flops_forward(); }
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

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The layer forward + backward against its peers, printed as one table (binding/).
void benchmark_layers(const Config& c, int iterations);

// The buffers of one layer's forward and backward pass on the kernels, for timing each kernel
// alone: random logits and weights, every intermediate allocated once (benchmark_main.cpp).
struct KernelBench {
  explicit KernelBench(const Config& c);

  std::int64_t T, d, n, E, K;
  int rows;
  // The sizes as the launches take them, and as doubles for the FLOP and byte counts.
  int t, di, ni, e, k;
  double tk, ft, fd, fn, fe;
  torch::Tensor logits, x, gate_up, down, grad_y, grad_y_bf16, grad_losses;
  DeviceRouting routing;
  torch::Tensor pre, act, expert_out, y, grad_weights, workspace, grad_pre, grad_down, grad_gate_up,
      grad_x_grouped, grad_x, grad_logits;
  cudaStream_t stream;
  ExpertGroups groups;
  RowWeights row_weights;
  const int* source_token;
};

inline __nv_bfloat16* bf16(torch::Tensor& t) {
  return reinterpret_cast<__nv_bfloat16*>(t.data_ptr<at::BFloat16>());
}

// One timed launch: a kernel, or an ATen step of the layer between two kernels.
struct Stage {
  const char* name;
  double flops;  // 0 for the memory-bound stages
  double bytes;  // the fewest bytes the stage must move
  std::function<void()> launch;
};

// Each kernel folder's entry: its stages on the bench's buffers. The driver runs them in the
// layer's order, since each stage's inputs come from the ones before.
Stage router_forward_stage(KernelBench& b);   // router/router_benchmark.cpp
Stage router_backward_stage(KernelBench& b);  // router/router_benchmark.cpp
Stage permute_stage(KernelBench& b);          // permute/permute_benchmark.cpp
Stage combine_stage(KernelBench& b);
Stage sum_grouped_rows_stage(KernelBench& b);
Stage gate_up_forward_stage(KernelBench& b);  // grouped_gemm/grouped_gemm_benchmark.cpp
Stage down_forward_stage(KernelBench& b);
Stage down_backward_data_stage(KernelBench& b);
Stage down_weight_gradient_stage(KernelBench& b);
Stage gate_up_weight_gradient_stage(KernelBench& b);
Stage gate_up_backward_data_stage(KernelBench& b);

}  // namespace moescope::kernels::bench
