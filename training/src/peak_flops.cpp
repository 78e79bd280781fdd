#include "moescope/training/peak_flops.h"

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>

namespace moescope::training {

double measure_peak_flops(const torch::Device& device) {
  constexpr std::int64_t kSize = 8192;
  constexpr int kProductsPerRound = 10;
  const auto options = torch::TensorOptions().dtype(torch::kBFloat16).device(device);
  const torch::Tensor a = torch::randn({kSize, kSize}, options);
  const torch::Tensor b = torch::randn({kSize, kSize}, options);
  torch::Tensor c = a.matmul(b);  // the first product pays for kernel selection
  torch::cuda::synchronize(device.index());
  double best_seconds = 1e30;
  for (int round = 0; round < 3; ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kProductsPerRound; ++i)
      c = a.matmul(b);
    torch::cuda::synchronize(device.index());
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best_seconds = std::min(best_seconds, elapsed.count());
  }
  const double flops = 2.0 * kSize * kSize * kSize * kProductsPerRound;
  return flops / best_seconds;
}

double measure_cpu_peak_flops() {
  constexpr std::int64_t kSize = 1024;
  const torch::Tensor a = torch::randn({kSize, kSize});
  const torch::Tensor b = torch::randn({kSize, kSize});
  torch::Tensor c = a.matmul(b);
  double best_seconds = 1e30;
  for (int round = 0; round < 3; ++round) {
    const auto start = std::chrono::steady_clock::now();
    c = a.matmul(b);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best_seconds = std::min(best_seconds, elapsed.count());
  }
  return 2.0 * kSize * kSize * kSize / best_seconds;
}

}  // namespace moescope::training
