// Three launches: route_tiles (one warp per token, one block per tile of kRouterTileTokens
// tokens), scan_tiles (one block per expert: where each tile's assignments to it start) and
// finish_statistics (one block: expert offsets and the two losses). Only the first touches the
// [T, E] logits; the other two read per-tile summaries.
#include <cmath>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
#include <stdexcept>

#include "../common/cuda_check.h"
#include "router.h"

namespace moescope::kernels {
namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kTokensPerWarp = kRouterTileTokens / kWarps;
constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float warp_sum(float value) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_xor_sync(kFullMask, value, offset);
  return value;
}

__device__ __forceinline__ float warp_max(float value) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2)
    value = fmaxf(value, __shfl_xor_sync(kFullMask, value, offset));
  return value;
}

// Lane l holds the logits of experts l, l + 32, ... in slots 0, 1, ...
template <int kSlots>
__device__ __forceinline__ void load_row(const float* row, int experts, float (&logits)[kSlots]) {
  const int lane = static_cast<int>(threadIdx.x) % 32;
#pragma unroll
  for (int slot = 0; slot < kSlots; ++slot) {
    const int e = lane + 32 * slot;
    logits[slot] = e < experts ? row[e] : -INFINITY;
  }
}

template <int kSlots>
__device__ __forceinline__ float row_logsumexp(const float (&logits)[kSlots]) {
  float largest = -INFINITY;
#pragma unroll
  for (int slot = 0; slot < kSlots; ++slot)
    largest = fmaxf(largest, logits[slot]);
  largest = warp_max(largest);
  float sum = 0.0f;
#pragma unroll
  for (int slot = 0; slot < kSlots; ++slot)
    sum += expf(logits[slot] - largest);  // exp(-inf) = 0 for the padding slots
  return largest + logf(warp_sum(sum));
}

template <int kSlots>
__global__ void __launch_bounds__(kThreads)
    route_tiles(const float* logits, int tokens, int experts, int active, RouterBuffers buffers) {
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  float* warp_probability_sums = reinterpret_cast<float*>(shared_bytes);  // [kWarps][E]
  float* warp_z_sums = warp_probability_sums + kWarps * experts;          // [kWarps]
  int* tile_count = reinterpret_cast<int*>(warp_z_sums + kWarps);         // [E]
  int* tile_experts = tile_count + experts;  // [kRouterTileTokens * K], assignment order

  const int tile = static_cast<int>(blockIdx.x);
  const int warp = static_cast<int>(threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x) % 32;
  for (int e = static_cast<int>(threadIdx.x); e < experts; e += kThreads)
    tile_count[e] = 0;

  float probability_sum[kSlots] = {};
  float z_sum = 0.0f;
  for (int j = 0; j < kTokensPerWarp; ++j) {
    const int local_token = warp * kTokensPerWarp + j;
    const int token = tile * kRouterTileTokens + local_token;
    if (token >= tokens)
      break;
    float row[kSlots];
    load_row(logits + static_cast<std::int64_t>(token) * experts, experts, row);
    const float logsumexp = row_logsumexp(row);
    float probability[kSlots];
#pragma unroll
    for (int slot = 0; slot < kSlots; ++slot) {
      probability[slot] = expf(row[slot] - logsumexp);
      probability_sum[slot] += probability[slot];
    }
    if (lane == 0) {
      z_sum += logsumexp * logsumexp;
      buffers.logsumexp[token] = logsumexp;
    }

    // Top-K by repeated warp arg-max; lane k keeps the k-th choice.
    unsigned taken = 0;
    int my_expert = 0;
    float my_probability = 0.0f;
    for (int k = 0; k < active; ++k) {
      float best = -INFINITY;
      int best_expert = experts;
      float best_probability = 0.0f;
#pragma unroll
      for (int slot = 0; slot < kSlots; ++slot) {
        if (!(taken >> slot & 1u) && row[slot] > best) {
          best = row[slot];
          best_expert = lane + 32 * slot;
          best_probability = probability[slot];
        }
      }
#pragma unroll
      for (int offset = 16; offset > 0; offset /= 2) {
        const float other = __shfl_xor_sync(kFullMask, best, offset);
        const int other_expert = __shfl_xor_sync(kFullMask, best_expert, offset);
        const float other_probability = __shfl_xor_sync(kFullMask, best_probability, offset);
        if (other > best || (other == best && other_expert < best_expert)) {
          best = other;
          best_expert = other_expert;
          best_probability = other_probability;
        }
      }
      if (lane == best_expert % 32)
        taken |= 1u << (best_expert / 32);
      if (lane == k) {
        my_expert = best_expert;
        my_probability = best_probability;
      }
      if (lane == 0)
        tile_experts[local_token * active + k] = best_expert;
    }
    const float chosen_sum = warp_sum(lane < active ? my_probability : 0.0f);
    if (lane < active) {
      const std::int64_t assignment = static_cast<std::int64_t>(token) * active + lane;
      buffers.selected_experts[assignment] = my_expert;
      buffers.weights[assignment] = active > 1 ? my_probability / chosen_sum : my_probability;
    }
  }
#pragma unroll
  for (int slot = 0; slot < kSlots; ++slot) {
    const int e = lane + 32 * slot;
    if (e < experts)
      warp_probability_sums[warp * experts + e] = probability_sum[slot];
  }
  if (lane == 0)
    warp_z_sums[warp] = z_sum;
  __syncthreads();

  for (int e = static_cast<int>(threadIdx.x); e < experts; e += kThreads) {
    float sum = 0.0f;
    for (int w = 0; w < kWarps; ++w)
      sum += warp_probability_sums[w * experts + e];
    buffers.tile_probability_sums[static_cast<std::int64_t>(tile) * experts + e] = sum;
  }
  if (threadIdx.x == 0) {
    float sum = 0.0f;
    for (int w = 0; w < kWarps; ++w)
      sum += warp_z_sums[w];
    buffers.tile_z_sums[tile] = sum;
  }

  // Stable ranks: one warp walks the tile's assignments in order, 32 at a time; lanes naming the
  // same expert rank among themselves by lane, after the earlier chunks' count.
  if (warp == 0) {
    const int tile_tokens = min(kRouterTileTokens, tokens - tile * kRouterTileTokens);
    const int assignments = tile_tokens * active;
    const std::int64_t first = static_cast<std::int64_t>(tile) * kRouterTileTokens * active;
    for (int base = 0; base < assignments; base += 32) {
      const int i = base + lane;
      const int e = i < assignments ? tile_experts[i] : -1;
      const unsigned peers = __match_any_sync(kFullMask, e);
      const int before = e >= 0 ? tile_count[e] : 0;
      __syncwarp();
      if (e >= 0) {
        buffers.tile_rank[first + i] = before + __popc(peers & ((1u << lane) - 1u));
        if (lane == __ffs(peers) - 1)
          tile_count[e] = before + __popc(peers);
      }
      __syncwarp();
    }
  }
  __syncthreads();
  for (int e = static_cast<int>(threadIdx.x); e < experts; e += kThreads)
    buffers.tile_counts[static_cast<std::int64_t>(tile) * experts + e] = tile_count[e];
}

// Block e: exclusive scan of expert e's per-tile counts, and its probability sum.
__global__ void __launch_bounds__(kThreads)
    scan_tiles(int tiles, int experts, RouterBuffers buffers) {
  using Scan = cub::BlockScan<int, kThreads>;
  using Reduce = cub::BlockReduce<float, kThreads>;
  __shared__ union {
    typename Scan::TempStorage scan;
    typename Reduce::TempStorage reduce;
  } temporary;
  const int e = static_cast<int>(blockIdx.x);
  int running = 0;
  float probability = 0.0f;
  for (int base = 0; base < tiles; base += kThreads) {
    const int tile = base + static_cast<int>(threadIdx.x);
    const std::int64_t index = static_cast<std::int64_t>(tile) * experts + e;
    const int count = tile < tiles ? buffers.tile_counts[index] : 0;
    int before = 0;
    int total = 0;
    Scan(temporary.scan).ExclusiveSum(count, before, total);
    __syncthreads();
    if (tile < tiles) {
      buffers.tile_offsets[index] = running + before;
      probability += buffers.tile_probability_sums[index];
    }
    running += total;
  }
  const float probability_sum = Reduce(temporary.reduce).Sum(probability);
  if (threadIdx.x == 0) {
    buffers.expert_counts[e] = running;
    buffers.probability_sums[e] = probability_sum;
  }
}

constexpr int kFinishThreads = kRouterMaxExperts;

__global__ void __launch_bounds__(kFinishThreads)
    finish_statistics(int tokens, int tiles, int experts, int active, RouterBuffers buffers) {
  using Scan = cub::BlockScan<int, kFinishThreads>;
  using Reduce = cub::BlockReduce<float, kFinishThreads>;
  __shared__ union {
    typename Scan::TempStorage scan;
    typename Reduce::TempStorage reduce;
  } temporary;
  const int e = static_cast<int>(threadIdx.x);
  const int count = e < experts ? buffers.expert_counts[e] : 0;
  int offset = 0;
  int total = 0;
  Scan(temporary.scan).ExclusiveSum(count, offset, total);
  if (e < experts)
    buffers.expert_offsets[e] = offset;
  if (e == 0)
    buffers.expert_offsets[experts] = total;
  __syncthreads();

  // load balance = E * sum_e (count_e / (T K)) (probability_sum_e / T)
  const float product = e < experts ? static_cast<float>(count) * buffers.probability_sums[e] : 0;
  const float products = Reduce(temporary.reduce).Sum(product);
  __syncthreads();
  float z = 0.0f;
  for (int tile = e; tile < tiles; tile += kFinishThreads)
    z += buffers.tile_z_sums[tile];
  const float z_total = Reduce(temporary.reduce).Sum(z);
  if (e == 0) {
    const float t = static_cast<float>(tokens);
    buffers.losses[0] =
        static_cast<float>(experts) / (t * static_cast<float>(active)) * (products / t);
    buffers.losses[1] = z_total / t;
  }
}

template <int kSlots>
__global__ void __launch_bounds__(kThreads)
    route_backward(const float* logits, int tokens, int experts, int active, RouterBuffers buffers,
                   const float* grad_weights, const float* grad_load_balance,
                   const float* grad_z_loss, float* grad_logits) {
  const int warp = static_cast<int>(threadIdx.x) / 32;
  const int lane = static_cast<int>(threadIdx.x) % 32;
  const int token = static_cast<int>(blockIdx.x) * kWarps + warp;
  if (token >= tokens)
    return;
  const float t = static_cast<float>(tokens);
  const float g_balance = grad_load_balance ? *grad_load_balance : 0.0f;
  const float g_z = grad_z_loss ? *grad_z_loss : 0.0f;
  const float* logit_row = logits + static_cast<std::int64_t>(token) * experts;
  float row[kSlots];
  load_row(logit_row, experts, row);
  const float logsumexp = buffers.logsumexp[token];

  // d(loss)/d(probability): the load balance gives E f_e / T per unit of its gradient
  // (the assignment fractions f_e are counts, not differentiable).
  const float balance_scale =
      g_balance * static_cast<float>(experts) / (t * static_cast<float>(active)) / t;
  float probability[kSlots];
  float grad_probability[kSlots];
#pragma unroll
  for (int slot = 0; slot < kSlots; ++slot) {
    const int e = lane + 32 * slot;
    probability[slot] = expf(row[slot] - logsumexp);
    grad_probability[slot] =
        e < experts ? balance_scale * static_cast<float>(buffers.expert_counts[e]) : 0.0f;
  }

  if (grad_weights) {
    // Lane k < K holds slot k: w_k = p_k / s with s the sum of the chosen probabilities (K > 1),
    // so dp_k = (g_k - sum_j g_j w_j) / s; with K = 1, w = p and dp = g.
    const std::int64_t assignment = static_cast<std::int64_t>(token) * active + lane;
    const bool holds_slot = lane < active;
    const int chosen = holds_slot ? buffers.selected_experts[assignment] : 0;
    const float g = holds_slot ? grad_weights[assignment] : 0.0f;
    float grad_chosen = g;
    if (active > 1) {
      const float p = holds_slot ? expf(logit_row[chosen] - logsumexp) : 0.0f;
      const float w = holds_slot ? buffers.weights[assignment] : 0.0f;
      grad_chosen = (g - warp_sum(g * w)) / warp_sum(p);
    }
    for (int k = 0; k < active; ++k) {
      const int e = __shfl_sync(kFullMask, chosen, k);
      const float grad = __shfl_sync(kFullMask, grad_chosen, k);
      if (lane == e % 32) {
#pragma unroll
        for (int slot = 0; slot < kSlots; ++slot) {
          if (slot == e / 32)
            grad_probability[slot] += grad;
        }
      }
    }
  }

  float weighted = 0.0f;
#pragma unroll
  for (int slot = 0; slot < kSlots; ++slot)
    weighted += probability[slot] * grad_probability[slot];
  weighted = warp_sum(weighted);
  const float z_scale = 2.0f * g_z * logsumexp / t;
#pragma unroll
  for (int slot = 0; slot < kSlots; ++slot) {
    const int e = lane + 32 * slot;
    if (e < experts)
      grad_logits[static_cast<std::int64_t>(token) * experts + e] =
          probability[slot] * (grad_probability[slot] - weighted + z_scale);
  }
}

// The compile-time slot count (experts per lane) that covers `experts`; launch<kSlots>() is
// called on the functor.
template <class Launcher>
void with_slots(int experts, const Launcher& launcher) {
  if (experts <= 32)
    launcher.template launch<1>();
  else if (experts <= 64)
    launcher.template launch<2>();
  else if (experts <= 128)
    launcher.template launch<4>();
  else if (experts <= 256)
    launcher.template launch<8>();
  else if (experts <= 512)
    launcher.template launch<16>();
  else
    launcher.template launch<32>();
}

struct ForwardLauncher {
  const float* logits;
  int tokens, experts, active, shared_bytes;
  const RouterBuffers& buffers;
  cudaStream_t stream;
  template <int kSlots>
  void launch() const {
    auto* kernel = route_tiles<kSlots>;
    check_cuda(
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared_bytes),
        "router shared-memory limit");
    kernel<<<router_tiles(tokens), kThreads, shared_bytes, stream>>>(logits, tokens, experts,
                                                                     active, buffers);
  }
};

struct BackwardLauncher {
  const float* logits;
  int tokens, experts, active;
  const RouterBuffers& buffers;
  const float *grad_weights, *grad_load_balance, *grad_z_loss;
  float* grad_logits;
  cudaStream_t stream;
  template <int kSlots>
  void launch() const {
    route_backward<kSlots><<<ceil_div(tokens, kWarps), kThreads, 0, stream>>>(
        logits, tokens, experts, active, buffers, grad_weights, grad_load_balance, grad_z_loss,
        grad_logits);
  }
};

void check_shapes(int tokens, int experts, int active) {
  if (tokens <= 0 || !router_shapes_supported(experts, active))
    throw std::invalid_argument("router kernels: need T > 0, 2 <= E <= 1024, 1 <= K <= min(E, 32)");
}

}  // namespace

bool router_shapes_supported(int experts, int active) {
  return experts >= 2 && experts <= kRouterMaxExperts && active >= 1 && active <= experts &&
         active <= kRouterMaxActive;
}

void launch_router_forward(const float* logits, int tokens, int experts, int active,
                           const RouterBuffers& buffers, cudaStream_t stream) {
  check_shapes(tokens, experts, active);
  const int tiles = router_tiles(tokens);
  const int shared_bytes = (kWarps * experts + kWarps + experts + kRouterTileTokens * active) * 4;
  with_slots(experts,
             ForwardLauncher{logits, tokens, experts, active, shared_bytes, buffers, stream});
  check_launch("route_tiles");
  scan_tiles<<<experts, kThreads, 0, stream>>>(tiles, experts, buffers);
  check_launch("scan_tiles");
  finish_statistics<<<1, kFinishThreads, 0, stream>>>(tokens, tiles, experts, active, buffers);
  check_launch("finish_statistics");
}

void launch_router_backward(const float* logits, int tokens, int experts, int active,
                            const RouterBuffers& buffers, const float* grad_weights,
                            const float* grad_load_balance, const float* grad_z_loss,
                            float* grad_logits, cudaStream_t stream) {
  check_shapes(tokens, experts, active);
  with_slots(experts, BackwardLauncher{logits, tokens, experts, active, buffers, grad_weights,
                                       grad_load_balance, grad_z_loss, grad_logits, stream});
  check_launch("route_backward");
}

}  // namespace moescope::kernels
