#pragma once

// What the two tensor-core paths of the grouped GEMMs share (grouped_gemm.cu: mma.sync, any
// sm_80+ GPU; grouped_gemm_wgmma.cu: wgmma, Hopper's sm_90a): the arguments of one product, the
// choice of a block's expert and rows, and the epilogue that writes a 128 x 128 output tile left
// in shared memory as fp32. Each path sums every output element in a fixed k order, so each is
// deterministic (on the H100 the two gave bitwise-equal layer outputs, benchmark cross-check).
#include <cstdint>
#include <cub/block/block_scan.cuh>

#include "../common/cuda_check.h"
#include "grouped_gemm.h"

namespace moescope::kernels::tile {

using bf16 = __nv_bfloat16;

constexpr int kTileM = 128;
constexpr int kTileN = 128;
constexpr int kThreads = 256;
constexpr int kStagedStride = kTileN + 4;  // floats per row of the output tile in shared memory
constexpr int kStagedBytes = kTileM * kStagedStride * 4;

enum class Epilogue { kStore, kSwigluForward, kSwigluBackward };

struct GemmArguments {
  const bf16* a;
  std::int64_t lda;
  const int* a_gather;
  const bf16* b;
  std::int64_t ldb;
  const int* b_gather;           // ragged reduction only
  std::int64_t b_expert_stride;  // elements between experts' weights (ragged rows only)
  const int* offsets;
  int experts;
  int m;  // fixed rows of C when the reduction is ragged
  int n;
  int k;  // fixed reduction depth when the rows are ragged
  bf16* out;
  RowWeights row_weights;       // the SwiGLU epilogues
  bf16* activations;            // kSwigluForward: w_r silu(gate) * up, [rows, n / 2]
  const bf16* pre_activations;  // kSwigluBackward: the forward's gate and up values
  float* weight_partials;       // kSwigluBackward: [rows][ceil(n / kTileN)], see store_tile
};

// Grid rows for a product with ragged rows: at most ceil(rows / 128) + E tiles however the rows
// split; blocks past the last one exit.
inline unsigned ragged_row_tiles(int rows, int experts) {
  const int tiles = ceil_div(rows, kTileM) + experts;
  if (tiles > 65535)
    throw std::invalid_argument("grouped GEMM: too many rows for one launch");
  return static_cast<unsigned>(tiles);
}

// Eight consecutive bf16 values as one 16-byte access.
struct Bf16x8 {
  uint4 bits;
  __device__ __forceinline__ float get(int i) const {
    const auto* values = reinterpret_cast<const bf16*>(&bits);
    return __bfloat162float(values[i]);
  }
  __device__ __forceinline__ void set(int i, float value) {
    reinterpret_cast<bf16*>(&bits)[i] = __float2bfloat16(value);
  }
};

__device__ __forceinline__ Bf16x8 load_bf16x8(const bf16* address) {
  return {*reinterpret_cast<const uint4*>(address)};
}
__device__ __forceinline__ void store_bf16x8(bf16* address, const Bf16x8& values) {
  *reinterpret_cast<uint4*>(address) = values.bits;
}

__device__ __forceinline__ float sigmoid(float x) {
  return 1.0f / (1.0f + __expf(-x));
}

// Which expert and which 128 of its rows this block's tile index stands for, counting each
// expert's ceil(rows / 128) tiles in expert order. Returns false past the last tile (the grid is
// sized for the worst case, since the split is known only on the device). The whole block scans
// the offsets, each thread a few consecutive experts, so that every offset is read in one trip to
// memory rather than one trip per 32 experts.
__device__ __forceinline__ bool find_row_tile(const int* offsets, int experts, int tile,
                                              int& expert, int& first_row) {
  constexpr int kExpertsPerThread = 4;
  using Scan = cub::BlockScan<int, kThreads>;
  __shared__ typename Scan::TempStorage scan_storage;
  __shared__ int found_expert;
  __shared__ int found_row;
  if (threadIdx.x == 0)
    found_expert = -1;
  int tiles_before_chunk = 0;
  for (int base = 0; base < experts; base += kThreads * kExpertsPerThread) {
    const int first = base + static_cast<int>(threadIdx.x) * kExpertsPerThread;
    int tiles[kExpertsPerThread];
    int own_tiles = 0;
#pragma unroll
    for (int j = 0; j < kExpertsPerThread; ++j) {
      const int e = first + j;
      tiles[j] = e < experts ? ceil_div(offsets[e + 1] - offsets[e], kTileM) : 0;
      own_tiles += tiles[j];
    }
    int start = 0;
    int chunk_tiles = 0;
    // The scan's barriers also order thread 0's reset above before any thread's find below.
    Scan(scan_storage).ExclusiveSum(own_tiles, start, chunk_tiles);
    start += tiles_before_chunk;
#pragma unroll
    for (int j = 0; j < kExpertsPerThread; ++j) {
      if (tile >= start && tile < start + tiles[j]) {
        found_expert = first + j;
        found_row = (tile - start) * kTileM;
      }
      start += tiles[j];
    }
    tiles_before_chunk += chunk_tiles;
    __syncthreads();  // the scan's storage is used again in the next chunk
  }
  expert = found_expert;
  first_row = found_row;
  return expert >= 0;
}

// Writes the block's output tile, held in shared memory as fp32 [kTileM][kStagedStride], at
// output column n0 and rows m0 + r < row_count, row m0 + r being output row row_base + m0 + r.
template <Epilogue kEpilogue>
__device__ __forceinline__ void store_tile(const GemmArguments& args, const float* staged, int m0,
                                           int n0, int row_count, std::int64_t row_base) {
  if constexpr (kEpilogue == Epilogue::kSwigluForward) {
    // The tile's 128 columns are 64 gate columns and the 64 up columns that pair with them. Each
    // thread first reads the routing weights of all its rows (two dependent trips to memory),
    // so that the rows' trips overlap instead of following one another.
    constexpr int kTasks = kTileM * 8 / kThreads;
    const int hidden = args.n / 2;
    const int c = (static_cast<int>(threadIdx.x) % 8) * 8;
    float weights[kTasks];
#pragma unroll
    for (int j = 0; j < kTasks; ++j) {
      const int r = static_cast<int>(threadIdx.x) / 8 + j * (kThreads / 8);
      weights[j] = m0 + r < row_count
                       ? args.row_weights.weights[args.row_weights.assignment[row_base + m0 + r]]
                       : 0.0f;
    }
#pragma unroll
    for (int j = 0; j < kTasks; ++j) {
      const int r = static_cast<int>(threadIdx.x) / 8 + j * (kThreads / 8);
      if (m0 + r >= row_count)
        continue;
      const std::int64_t row = row_base + m0 + r;
      Bf16x8 gate;
      Bf16x8 up;
      Bf16x8 activation;
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        const float g = staged[r * kStagedStride + c + i];
        const float u = staged[r * kStagedStride + kGateUpInterleave + c + i];
        gate.set(i, g);
        up.set(i, u);
        activation.set(i, weights[j] * (g * sigmoid(g) * u));
      }
      store_bf16x8(args.out + row * args.n + n0 + c, gate);
      store_bf16x8(args.out + row * args.n + n0 + kGateUpInterleave + c, up);
      store_bf16x8(args.activations + row * hidden + n0 / 2 + c, activation);
    }
  } else if constexpr (kEpilogue == Epilogue::kStore) {
    for (int task = static_cast<int>(threadIdx.x); task < kTileM * (kTileN / 8); task += kThreads) {
      const int r = task / (kTileN / 8);
      const int c = (task % (kTileN / 8)) * 8;
      if (m0 + r >= row_count || n0 + c >= args.n)
        continue;
      const std::int64_t row = row_base + m0 + r;
      Bf16x8 result;
#pragma unroll
      for (int i = 0; i < 8; ++i)
        result.set(i, staged[r * kStagedStride + c + i]);
      store_bf16x8(args.out + row * args.n + n0 + c, result);
    }
  } else {
    // The tile holds u = d(activations) for hidden columns n0 + c... of its rows, before the
    // routing weight; their gate and up values sit in the interleaved layout of the forward's
    // pre-activations. This epilogue moves more bytes than the product's operands, so each
    // thread issues the loads (gate, up, routing weight) of kRowsInFlight rows together, one trip
    // to memory for them all rather than one a row (all 8 rows at once spill registers). Each
    // row's 16 chunks are 16 consecutive lanes of one warp, which add their shares of
    // <u, silu(gate) * up> in a fixed order; every thread runs the same number of rounds, so the
    // whole warp takes part in each shuffle.
    static_assert(kTileN / 8 == 16 && kThreads % 16 == 0);
    constexpr int kTasks = kTileM * 16 / kThreads;
    constexpr int kRowsInFlight = 4;
    static_assert(kTasks % kRowsInFlight == 0);
    const int column_tiles = ceil_div(args.n, kTileN);
    const int c = (static_cast<int>(threadIdx.x) % 16) * 8;
    const int h = n0 + c;
    const bool column_valid = h < args.n;
    const int gate_column = (h / kGateUpInterleave) * 2 * kGateUpInterleave + h % kGateUpInterleave;
#pragma unroll 1
    for (int batch = 0; batch < kTasks; batch += kRowsInFlight) {
      Bf16x8 gate[kRowsInFlight];
      Bf16x8 up[kRowsInFlight];
      float weights[kRowsInFlight];
#pragma unroll
      for (int j = 0; j < kRowsInFlight; ++j) {
        const int r = static_cast<int>(threadIdx.x) / 16 + (batch + j) * (kThreads / 16);
        const std::int64_t row = row_base + m0 + r;
        if (m0 + r < row_count && column_valid) {
          const std::int64_t gate_index = row * 2 * args.n + gate_column;
          weights[j] = args.row_weights.weights[args.row_weights.assignment[row]];
          gate[j] = load_bf16x8(args.pre_activations + gate_index);
          up[j] = load_bf16x8(args.pre_activations + gate_index + kGateUpInterleave);
        }
      }
#pragma unroll
      for (int j = 0; j < kRowsInFlight; ++j) {
        const int r = static_cast<int>(threadIdx.x) / 16 + (batch + j) * (kThreads / 16);
        const bool row_valid = m0 + r < row_count;
        const std::int64_t row = row_base + m0 + r;
        float dot = 0.0f;
        if (row_valid && column_valid) {
          const std::int64_t gate_index = row * 2 * args.n + gate_column;
          Bf16x8 grad_gate;
          Bf16x8 grad_up;
#pragma unroll
          for (int i = 0; i < 8; ++i) {
            const float u = staged[r * kStagedStride + c + i];
            const float g = gate[j].get(i);
            const float s = sigmoid(g);
            const float silu = g * s;
            dot += u * (silu * up[j].get(i));
            const float grad_activation = weights[j] * u;
            grad_up.set(i, grad_activation * silu);
            grad_gate.set(i, grad_activation * up[j].get(i) * s * (1.0f + g * (1.0f - s)));
          }
          store_bf16x8(args.out + gate_index, grad_gate);
          store_bf16x8(args.out + gate_index + kGateUpInterleave, grad_up);
        }
#pragma unroll
        for (int offset = 8; offset > 0; offset /= 2)
          dot += __shfl_xor_sync(0xffffffffu, dot, offset);
        if (row_valid && threadIdx.x % 16 == 0)
          args.weight_partials[row * column_tiles + n0 / kTileN] = dot;
      }
    }
  }
}

// The wgmma path (grouped_gemm_wgmma.cu) for the weight gradients: C[expert] = A^T · B over the
// expert's rows, A [rows, m] gathered through args.a_gather when given, B [rows, n]. Call only on
// a device of compute capability 9.0.
void launch_wgmma_ragged_reduction(const GemmArguments& args, cudaStream_t stream);

// The wgmma path (grouped_gemm_wgmma.cu) for the products with ragged rows: C = A · B[expert],
// A [rows, k] with rows gathered through args.a_gather when given, B stored [k][n] or, when
// b_k_contiguous, [n][k]. Call only on a device of compute capability 9.0.
void launch_wgmma_ragged_rows(const GemmArguments& args, bool b_k_contiguous, Epilogue epilogue,
                              int rows, cudaStream_t stream);

}  // namespace moescope::kernels::tile
