// All six grouped products on Hopper's wgmma. A block computes a 128 x 128 tile of C = A · B as
// two warpgroups of 64 x 128 (wgmma.m64n128k16, bf16 in, fp32 accumulate), both operands read by
// the tensor cores from shared memory in the 128-byte-swizzled layout, K-major or MN-major as
// they lie in memory. Slices 64 deep arrive through a 3-stage cp.async pipeline issued by all 256
// threads, rows gathered through the token index as they are copied (TMA copies boxes, so it does
// not fit the gathered operand; the weights could take it), each slice's copies issued after its
// products, while they run. Tried and measured slower (docs/benchmarks.md): writing the plain
// outputs straight from the accumulators, no shared-memory staging (H200); and a persistent block
// per SM streaming all of its tiles through one 4-stage pipeline, the epilogue overlapping the
// next tile's products (H100: one block per SM hides too little latency); and, for the ragged
// rows, a ring of mbarrier slots with the weights by the tensor copy engine, fed either by a
// producer warp (H100: half the speed, one warp's cp.async keeping too few of A's rows in flight)
// or by all 256 threads with no block barrier (no faster than this). Two kernels:
// ragged rows (forward and data gradients: each expert's rows against its own weight) and ragged
// reduction (weight gradients). Built for sm_90a alone (kernels/CMakeLists.txt); grouped_gemm.cu
// calls it on compute capability 9.0 and keeps mma.sync everywhere else.
#include <cstdint>

#include "grouped_gemm_tile.cuh"

namespace moescope::kernels::tile {
namespace {

constexpr int kTileK = 64;  // one 128-byte swizzle row of bf16
// 3 stages of 32 KB (plus alignment) leave room for 2 blocks per SM, so that one block's
// epilogue overlaps the other's products.
constexpr int kStages = 3;
// Products of earlier slices a warpgroup leaves running when it moves to the next slice
// (wgmma.wait_group's argument). Each costs a slice of lead for the copies: kLead slices are
// copied ahead of the one being multiplied. 1 (products overlapping across slices, copies one
// slice ahead) ran 10 % slower on the H100 than 0: the copies' lead matters more.
constexpr int kPendingProducts = 0;
constexpr int kLead = kStages - 1 - kPendingProducts;
static_assert(kLead >= 1);
constexpr int kOperandBytes = 128 * kTileK * 2;
constexpr int kStageBytes = 2 * kOperandBytes;
constexpr int kPipelineBytes = kStages * kStageBytes;
constexpr int kSharedBytes = (kPipelineBytes > kStagedBytes ? kPipelineBytes : kStagedBytes) + 1024;
constexpr int kChunksPerThread = 128 * kTileK / 8 / kThreads;

// Byte offset of the 16-byte chunk `chunk` (8 values along k) of row `row` in an operand stored
// K-major, [128 rows][64 k]: 128-byte rows whose chunks are permuted by the row's index mod 8
// (the 128-byte swizzle; the tile starts 1024-byte aligned, as the hardware's pattern assumes).
__device__ __forceinline__ std::uint32_t k_major_offset(int row, int chunk) {
  return static_cast<std::uint32_t>(row * 128 + ((chunk ^ (row & 7)) << 4));
}

// The same for an operand stored MN-major, [64 k][128 columns], as two blocks of 64 columns, each
// [64 k][64 columns] of 128-byte rows; `chunk` counts 8 columns, 0 to 15.
__device__ __forceinline__ std::uint32_t mn_major_offset(int k, int chunk) {
  return static_cast<std::uint32_t>((chunk >> 3) * (64 * 128) + k * 128 +
                                    (((chunk & 7) ^ (k & 7)) << 4));
}

// A shared-memory matrix descriptor with the 128-byte swizzle: the start address, the leading
// byte offset (MN-major: between blocks of 64 columns; ignored K-major) and the stride byte offset
// (between groups of 8 rows), each in 16-byte units.
__device__ __forceinline__ std::uint64_t descriptor(std::uint32_t address, std::uint32_t leading,
                                                    std::uint32_t stride) {
  return static_cast<std::uint64_t>((address & 0x3FFFF) >> 4) |
         static_cast<std::uint64_t>(leading >> 4) << 16 |
         static_cast<std::uint64_t>(stride >> 4) << 32 | 1ull << 62;
}

__device__ __forceinline__ void copy_16_bytes_async(std::uint32_t shared, const bf16* global,
                                                    bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared), "l"(global),
               "r"(valid ? 16 : 0));
}

// d += A · B for one warpgroup, 64 x 128 x 16; A (B) MN-major when kATransposed (kBTransposed).
template <bool kATransposed, bool kBTransposed>
__device__ __forceinline__ void multiply_accumulate(float (&d)[64], std::uint64_t a,
                                                    std::uint64_t b) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%"
      "25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%"
      "48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63}, %64, %65, p, 1, 1, %67, "
      "%68;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
        "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]),
        "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]),
        "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]),
        "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]),
        "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]),
        "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]),
        "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]),
        "+f"(d[63])
      : "l"(a), "l"(b), "r"(1), "n"(kATransposed ? 1 : 0), "n"(kBTransposed ? 1 : 0));
}

// Keeps the compiler from moving accumulator accesses across the asynchronous products.
__device__ __forceinline__ void fence_accumulators(float (&d)[64]) {
#pragma unroll
  for (int i = 0; i < 64; ++i)
    asm volatile("" : "+f"(d[i])::"memory");
}

__device__ __forceinline__ std::uint32_t shared_address(const void* pointer) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(pointer));
}

// The bytes that bring dynamic shared memory (after the static variables) to a 1024-byte boundary.
__device__ __forceinline__ std::uint32_t alignment_padding(const void* dynamic_shared) {
  return (1024 - (shared_address(dynamic_shared) & 1023)) & 1023;
}

// Accumulates the block's 128 x 128 tile over k_tiles slices that load_stage(slot, k_tile) copies
// into the stages (A at the slot's start, B kOperandBytes after), then leaves it in `staged` as
// fp32 [kTileM][kStagedStride] (over the stages) for the epilogue. A (B) is stored MN-major when
// kATransposed (kBTransposed), else K-major.
template <bool kATransposed, bool kBTransposed, class LoadStage>
__device__ __forceinline__ void multiply_tile(std::uint32_t shared, float* staged, int k_tiles,
                                              const LoadStage& load_stage) {
  const int thread = static_cast<int>(threadIdx.x);
  const int warpgroup = thread / 128;
#pragma unroll
  for (int stage = 0; stage < kLead; ++stage) {
    if (stage < k_tiles)
      load_stage(stage, stage);
    asm volatile("cp.async.commit_group;\n");
  }
  float accumulator[64];
#pragma unroll
  for (int i = 0; i < 64; ++i)
    accumulator[i] = 0.0f;
  for (int k_tile = 0; k_tile < k_tiles; ++k_tile) {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(kLead - 1));
    // The tensor cores read shared memory through the async proxy.
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
    __syncthreads();

    const std::uint32_t a_tile = shared + (k_tile % kStages) * kStageBytes + warpgroup * 64 * 128;
    const std::uint32_t b_tile = shared + (k_tile % kStages) * kStageBytes + kOperandBytes;
    fence_accumulators(accumulator);
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#pragma unroll
    for (int step = 0; step < kTileK / 16; ++step) {
      // K-major: 16 deeper is 32 bytes along the swizzled rows; MN-major: 16 rows of 128 bytes
      // further, the blocks of 64 columns 8 KB apart (a warpgroup's 64 rows of A are one block).
      const std::uint64_t a = kATransposed ? descriptor(a_tile + step * 16 * 128, 64 * 128, 1024)
                                           : descriptor(a_tile + step * 32, 16, 1024);
      const std::uint64_t b = kBTransposed ? descriptor(b_tile + step * 16 * 128, 64 * 128, 1024)
                                           : descriptor(b_tile + step * 32, 16, 1024);
      multiply_accumulate<kATransposed, kBTransposed>(accumulator, a, b);
    }
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
    // The next copies are issued while the tensor cores work on this slice. The slot refilled
    // here was read by the products of slice k_tile - 1 - kPendingProducts, which every
    // warpgroup waited for before the barrier above.
    const int next = k_tile + kLead;
    if (next < k_tiles)
      load_stage(next % kStages, next);
    asm volatile("cp.async.commit_group;\n");
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(kPendingProducts) : "memory");
    fence_accumulators(accumulator);
  }
  asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
  fence_accumulators(accumulator);
  asm volatile("cp.async.wait_group 0;\n" ::: "memory");
  __syncthreads();

  // The accumulators as fp32 [128][kStagedStride] in shared memory (over the pipeline's stages):
  // in warpgroup g, warp w and lane l hold, for each 8 columns j, rows 64 g + 16 w + l / 4 (+ 8)
  // and columns 8 j + 2 (l % 4) (+ 1).
  const int lane = thread % 32;
  const int row = warpgroup * 64 + (thread % 128) / 32 * 16 + lane / 4;
#pragma unroll
  for (int j = 0; j < 16; ++j) {
    const int column = j * 8 + 2 * (lane % 4);
    *reinterpret_cast<float2*>(staged + row * kStagedStride + column) =
        make_float2(accumulator[4 * j], accumulator[4 * j + 1]);
    *reinterpret_cast<float2*>(staged + (row + 8) * kStagedStride + column) =
        make_float2(accumulator[4 * j + 2], accumulator[4 * j + 3]);
  }
}

template <bool kBKContiguous, Epilogue kEpilogue>
__global__ void __launch_bounds__(kThreads, 2) wgmma_ragged_rows_kernel(GemmArguments args) {
  extern __shared__ unsigned char shared_bytes[];
  const std::uint32_t padding = alignment_padding(shared_bytes);
  const std::uint32_t shared = shared_address(shared_bytes) + padding;
  float* staged = reinterpret_cast<float*>(shared_bytes + padding);
  const int n0 = static_cast<int>(blockIdx.x) * kTileN;
  int expert = 0;
  int m0 = 0;
  if (!find_row_tile(args.offsets, args.experts, static_cast<int>(blockIdx.y), expert, m0))
    return;
  const int first = args.offsets[expert];
  const int rows = args.offsets[expert + 1] - first;
  const int thread = static_cast<int>(threadIdx.x);

  // Each thread copies the same 8-column chunk of 4 rows of A in every slice: find those rows once.
  const int a_chunk = thread % 8;
  const bf16* a_rows[kChunksPerThread];
  bool a_valid[kChunksPerThread];
#pragma unroll
  for (int j = 0; j < kChunksPerThread; ++j) {
    const int r = m0 + thread / 8 + j * (kThreads / 8);
    a_valid[j] = r < rows;
    const int memory_row = !a_valid[j] ? 0 : args.a_gather ? args.a_gather[first + r] : first + r;
    a_rows[j] = args.a + static_cast<std::int64_t>(memory_row) * args.lda + a_chunk * 8;
  }
  const bf16* b = args.b + expert * args.b_expert_stride;

  const auto load_stage = [&](int slot, int k_tile) {
    const int k0 = k_tile * kTileK;
    const std::uint32_t a_tile = shared + slot * kStageBytes;
    const std::uint32_t b_tile = a_tile + kOperandBytes;
    const bool a_k_valid = k0 + a_chunk * 8 < args.k;
#pragma unroll
    for (int j = 0; j < kChunksPerThread; ++j) {
      const int r = thread / 8 + j * (kThreads / 8);
      const bool valid = a_valid[j] && a_k_valid;
      copy_16_bytes_async(a_tile + k_major_offset(r, a_chunk), valid ? a_rows[j] + k0 : args.a,
                          valid);
    }
#pragma unroll
    for (int j = 0; j < kChunksPerThread; ++j) {
      if constexpr (kBKContiguous) {
        // B stored [n][k]: rows are output columns.
        const int r = thread / 8 + j * (kThreads / 8);
        const int column = n0 + r;
        const int k = k0 + a_chunk * 8;
        const bool valid = column < args.n && k < args.k;
        copy_16_bytes_async(b_tile + k_major_offset(r, a_chunk),
                            valid ? b + static_cast<std::int64_t>(column) * args.ldb + k : args.b,
                            valid);
      } else {
        // B stored [k][n].
        const int kr = thread / 16 + j * (kThreads / 16);
        const int chunk = thread % 16;
        const int k = k0 + kr;
        const int column = n0 + chunk * 8;
        const bool valid = k < args.k && column < args.n;
        copy_16_bytes_async(b_tile + mn_major_offset(kr, chunk),
                            valid ? b + static_cast<std::int64_t>(k) * args.ldb + column : args.b,
                            valid);
      }
    }
  };

  multiply_tile<false, !kBKContiguous>(shared, staged, ceil_div(args.k, kTileK), load_stage);
  __syncthreads();
  store_tile<kEpilogue>(args, staged, m0, n0, rows, first);
}

// Weight gradients: C[expert] = A[rows of expert]^T · B[rows of expert], the reduction running
// over the expert's rows; A [rows, m] and B [rows, n] both MN-major slices, rows gathered through
// args.a_gather and args.b_gather when given. An expert without rows writes zeros.
__global__ void __launch_bounds__(kThreads, 2) wgmma_ragged_reduction_kernel(GemmArguments args) {
  extern __shared__ unsigned char shared_bytes[];
  const std::uint32_t padding = alignment_padding(shared_bytes);
  const std::uint32_t shared = shared_address(shared_bytes) + padding;
  float* staged = reinterpret_cast<float*>(shared_bytes + padding);
  const int n0 = static_cast<int>(blockIdx.x) * kTileN;
  const int m0 = static_cast<int>(blockIdx.y) * kTileM;
  const int expert = static_cast<int>(blockIdx.z);
  const int first = args.offsets[expert];
  const int rows = args.offsets[expert + 1] - first;
  const int thread = static_cast<int>(threadIdx.x);
  const int chunk = thread % 16;
  const bool a_column_valid = m0 + chunk * 8 < args.m;
  const bool b_column_valid = n0 + chunk * 8 < args.n;

  // The memory rows this thread copies in the next slice (-1: past the expert's rows). They are
  // read one slice ahead: a gathered row's address waits on its index, and an index read when
  // the copy is due would hold up the copies, and the products behind them, for a trip to memory.
  int a_row[kChunksPerThread];
  int b_row[kChunksPerThread];
  const auto find_rows = [&](int k_tile) {
#pragma unroll
    for (int j = 0; j < kChunksPerThread; ++j) {
      const int r = k_tile * kTileK + thread / 16 + j * (kThreads / 16);
      const bool valid = r < rows;
      a_row[j] = !valid ? -1 : args.a_gather ? args.a_gather[first + r] : first + r;
      b_row[j] = !valid ? -1 : args.b_gather ? args.b_gather[first + r] : first + r;
    }
  };
  find_rows(0);

  // Called for k_tile = 0, 1, 2, ... in turn.
  const auto load_stage = [&](int slot, int k_tile) {
    const std::uint32_t a_tile = shared + slot * kStageBytes;
    const std::uint32_t b_tile = a_tile + kOperandBytes;
#pragma unroll
    for (int j = 0; j < kChunksPerThread; ++j) {
      const int kr = thread / 16 + j * (kThreads / 16);
      const bool a_valid = a_row[j] >= 0 && a_column_valid;
      copy_16_bytes_async(
          a_tile + mn_major_offset(kr, chunk),
          a_valid ? args.a + static_cast<std::int64_t>(a_row[j]) * args.lda + m0 + chunk * 8
                  : args.a,
          a_valid);
      const bool b_valid = b_row[j] >= 0 && b_column_valid;
      copy_16_bytes_async(
          b_tile + mn_major_offset(kr, chunk),
          b_valid ? args.b + static_cast<std::int64_t>(b_row[j]) * args.ldb + n0 + chunk * 8
                  : args.b,
          b_valid);
    }
    find_rows(k_tile + 1);
  };
  multiply_tile<true, true>(shared, staged, ceil_div(rows, kTileK), load_stage);
  __syncthreads();
  store_tile<Epilogue::kStore>(args, staged, m0, n0, args.m,
                               static_cast<std::int64_t>(expert) * args.m);
}

// One instantiation per kernel, so that each kernel's shared-memory limit is raised once.
template <void (*kKernel)(GemmArguments)>
void launch_kernel(const GemmArguments& args, dim3 grid, cudaStream_t stream) {
  // Above 48 KB a kernel's dynamic shared memory must be allowed explicitly.
  static const cudaError_t allowed =
      cudaFuncSetAttribute(kKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kSharedBytes);
  check_cuda(allowed, "grouped GEMM (wgmma) shared-memory limit");
  kKernel<<<grid, kThreads, kSharedBytes, stream>>>(args);
  check_launch("grouped GEMM (wgmma)");
}

template <bool kBKContiguous, Epilogue kEpilogue>
void launch(const GemmArguments& args, int rows, cudaStream_t stream) {
  launch_kernel<wgmma_ragged_rows_kernel<kBKContiguous, kEpilogue>>(
      args,
      dim3(static_cast<unsigned>(ceil_div(args.n, kTileN)), ragged_row_tiles(rows, args.experts)),
      stream);
}

}  // namespace

void launch_wgmma_ragged_rows(const GemmArguments& args, bool b_k_contiguous, Epilogue epilogue,
                              int rows, cudaStream_t stream) {
  if (b_k_contiguous) {
    if (epilogue == Epilogue::kSwigluBackward)
      launch<true, Epilogue::kSwigluBackward>(args, rows, stream);
    else
      launch<true, Epilogue::kStore>(args, rows, stream);
  } else {
    if (epilogue == Epilogue::kSwigluForward)
      launch<false, Epilogue::kSwigluForward>(args, rows, stream);
    else
      launch<false, Epilogue::kStore>(args, rows, stream);
  }
}

void launch_wgmma_ragged_reduction(const GemmArguments& args, cudaStream_t stream) {
  launch_kernel<wgmma_ragged_reduction_kernel>(
      args,
      dim3(static_cast<unsigned>(ceil_div(args.n, kTileN)),
           static_cast<unsigned>(ceil_div(args.m, kTileM)), static_cast<unsigned>(args.experts)),
      stream);
}

}  // namespace moescope::kernels::tile
