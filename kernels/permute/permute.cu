#include <cstdint>
#include <stdexcept>

#include "../common/cuda_check.h"
#include "permute.h"

namespace moescope::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kThreads = 256;

__global__ void permute_assignments(RouterBuffers routing, int assignments, int experts, int active,
                                    Permutation permutation) {
  const int assignment = static_cast<int>(blockIdx.x) * kThreads + static_cast<int>(threadIdx.x);
  if (assignment >= assignments)
    return;
  const int e = routing.selected_experts[assignment];
  const int token = assignment / active;
  const std::int64_t tile_entry =
      static_cast<std::int64_t>(token / kRouterTileTokens) * experts + e;
  const int row =
      routing.expert_offsets[e] + routing.tile_offsets[tile_entry] + routing.tile_rank[assignment];
  permutation.order[row] = assignment;
  permutation.source_token[row] = token;
  permutation.inverse[assignment] = row;
}

__device__ __forceinline__ void add_bf16x8(float (&sum)[8], const bf16* source) {
  const uint4 bits = *reinterpret_cast<const uint4*>(source);
  const auto* values = reinterpret_cast<const __nv_bfloat162*>(&bits);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 pair = __bfloat1622float2(values[i]);
    sum[2 * i] += pair.x;
    sum[2 * i + 1] += pair.y;
  }
}

// One thread per (token, 8 columns); the K rows are added in slot order.
template <class Out>
__global__ void gather_rows(const bf16* grouped, const int* inverse, int tokens, int active,
                            int d_model, Out* out) {
  const int chunks = d_model / 8;
  const std::int64_t task =
      static_cast<std::int64_t>(blockIdx.x) * kThreads + static_cast<int>(threadIdx.x);
  if (task >= static_cast<std::int64_t>(tokens) * chunks)
    return;
  const auto token = static_cast<int>(task / chunks);
  const int column = static_cast<int>(task % chunks) * 8;
  float sum[8] = {};
  for (int k = 0; k < active; ++k)
    add_bf16x8(sum,
               grouped + static_cast<std::int64_t>(inverse[token * active + k]) * d_model + column);
  Out* target = out + static_cast<std::int64_t>(token) * d_model + column;
  if constexpr (sizeof(Out) == 4) {
    reinterpret_cast<float4*>(target)[0] = make_float4(sum[0], sum[1], sum[2], sum[3]);
    reinterpret_cast<float4*>(target)[1] = make_float4(sum[4], sum[5], sum[6], sum[7]);
  } else {
    uint4 bits;
    auto* values = reinterpret_cast<__nv_bfloat162*>(&bits);
#pragma unroll
    for (int i = 0; i < 4; ++i)
      values[i] = __floats2bfloat162_rn(sum[2 * i], sum[2 * i + 1]);
    *reinterpret_cast<uint4*>(target) = bits;
  }
}

void check_width(int d_model) {
  if (d_model <= 0 || d_model % 8 != 0)
    throw std::invalid_argument("permute kernels: d_model must be a positive multiple of 8");
}

unsigned blocks_for(std::int64_t tasks) {
  return static_cast<unsigned>(ceil_div<std::int64_t>(tasks, kThreads));
}

}  // namespace

void launch_permute(const RouterBuffers& routing, int tokens, int experts, int active,
                    const Permutation& permutation, cudaStream_t stream) {
  const int assignments = tokens * active;
  permute_assignments<<<blocks_for(assignments), kThreads, 0, stream>>>(
      routing, assignments, experts, active, permutation);
  check_launch("permute_assignments");
}

void launch_combine(const bf16* expert_out, const int* inverse, int tokens, int active, int d_model,
                    float* y, cudaStream_t stream) {
  check_width(d_model);
  gather_rows<float>
      <<<blocks_for(static_cast<std::int64_t>(tokens) * (d_model / 8)), kThreads, 0, stream>>>(
          expert_out, inverse, tokens, active, d_model, y);
  check_launch("combine");
}

void launch_sum_grouped_rows(const bf16* grouped, const int* inverse, int tokens, int active,
                             int d_model, bf16* out, cudaStream_t stream) {
  check_width(d_model);
  gather_rows<bf16>
      <<<blocks_for(static_cast<std::int64_t>(tokens) * (d_model / 8)), kThreads, 0, stream>>>(
          grouped, inverse, tokens, active, d_model, out);
  check_launch("sum_grouped_rows");
}

}  // namespace moescope::kernels
