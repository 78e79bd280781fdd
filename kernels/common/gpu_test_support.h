#pragma once

// What the kernels' GPU checks (router/router_test.cpp, grouped_gemm/grouped_gemm_test.cpp)
// share: device arrays poisoned with NaN bytes, the tolerances, random router logits with skewed
// routings, and one routing (router forward and permutation) on the device. Without a GPU each
// check skips, saying so (REQUIRE_GPU).

#include <ATen/ATen.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cstdint>

#include "common/tensor_compare.h"
#include "permute/permute.h"
#include "router/router.h"

namespace moescope::kernels::test {

inline bool gpu_present() {
  int devices = 0;
  return cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
}

#define REQUIRE_GPU()                                                                          \
  if (!::moescope::kernels::test::gpu_present())                                               \
  GTEST_SKIP() << "no CUDA GPU here: the kernels run on the GPU machine (kernels/README.md); " \
                  "their CPU references are checked by kernels_reference_test"

inline void check(cudaError_t status) {
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

// bf16 operands, fp32 accumulation, bf16 outputs: about 2^-9 relative per element.
constexpr double kBf16Tolerance = 1e-2;
// fp32 arithmetic against float64.
constexpr double kFp32Tolerance = 1e-5;

enum class Skew { kNone, kOneExpert, kHalfEmpty };

// Random router logits; kOneExpert sends every token's first choice to expert 3, kHalfEmpty
// makes the odd experts unreachable when K <= E / 2.
inline at::Tensor router_logits(std::int64_t tokens, std::int64_t experts, Skew skew) {
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

// The router's forward pass and the permutation of its assignments.
inline void route_on_device(const DeviceArray<float>& logits, int tokens, int experts, int active,
                            const DeviceRouting& routing) {
  launch_router_forward(logits.get(), tokens, experts, active, routing.buffers(), nullptr);
  launch_permute(routing.buffers(), tokens, experts, active, routing.permutation(), nullptr);
  check(cudaDeviceSynchronize());
}

inline at::Tensor as_long(const at::Tensor& tensor) {
  return tensor.to(at::kLong);
}

}  // namespace moescope::kernels::test
