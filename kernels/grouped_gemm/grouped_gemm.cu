// One tiled tensor-core kernel serves every grouped product of the layer. A block computes a
// 128 x 128 tile of C = A · B with mma.sync (bf16 in, fp32 accumulate) over a 4-stage cp.async
// pipeline of 32-deep slices; 8 warps each own 64 x 32 of the tile. Two things vary:
//  - which dimension is ragged: the rows of A and C (forward and data gradients: each expert's
//    rows against its own weight) or the reduction (weight gradients: a sum over each expert's
//    rows);
//  - whether each operand is contiguous along the reduction, which picks the shared-memory
//    layout and plain or transposing ldmatrix.
// Rows of A, and in the weight gradients those of B, may be gathered through an index (the token
// of each grouped row), so that no permuted copy of the input or of the output's gradient is
// written out. On Hopper every product takes the wgmma path instead
// (grouped_gemm_wgmma.cu); this kernel serves other GPUs and set_gemm_path(GemmPath::kMmaSync).
#include <atomic>
#include <cstdint>

#include "grouped_gemm_tile.cuh"

namespace moescope::kernels {
namespace {

using namespace tile;

// Measured on the H100 (docs/benchmarks.md): 4 warps of 64 x 64, or 64-deep slices in 3 stages,
// ran 10-15 % slower than this: fewer warps per SM hide less latency.
constexpr int kTileK = 32;
constexpr int kStages = 4;
constexpr int kWarpsN = 4;
constexpr int kWarpTileM = 64;
constexpr int kWarpTileN = 32;
constexpr int kFragmentsM = kWarpTileM / 16;
constexpr int kFragmentsN = kWarpTileN / 8;
// Padding each shared-memory row by 16 bytes puts the 8 rows an ldmatrix reads in distinct banks.
constexpr int kSkew = 8;

// One stage of one operand in shared memory: [128][kTileK] when the operand is contiguous along
// the reduction dimension, [kTileK][128] otherwise.
template <bool kKContiguous>
struct OperandTile {
  static constexpr int rows = kKContiguous ? 128 : kTileK;
  static constexpr int columns = kKContiguous ? kTileK : 128;
  static constexpr int stride = columns + kSkew;
  static constexpr int elements = rows * stride;
  static constexpr int chunks_per_row = columns / 8;
  static constexpr int chunks_per_thread = rows * columns / 8 / kThreads;
};

// Where one operand's rows come from, for one block. Logical row l < row_limit is memory row
// row_base + l, read through `gather` when that is given; columns at or past column_limit, and
// rows at or past row_limit, read as zeros.
struct OperandSource {
  const bf16* data;
  std::int64_t ld;
  const int* gather;
  int row_base;
  int row_limit;
  int column_limit;
};

__device__ __forceinline__ void copy_16_bytes_async(bf16* shared, const bf16* global, bool valid) {
  const auto address = static_cast<std::uint32_t>(__cvta_generic_to_shared(shared));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(address), "l"(global),
               "r"(valid ? 16 : 0));
}

__device__ __forceinline__ void commit_async_copies() {
  asm volatile("cp.async.commit_group;\n");
}

template <int kPending>
__device__ __forceinline__ void wait_async_copies() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending));
}

template <bool kTransposed>
__device__ __forceinline__ void load_matrix_fragments(std::uint32_t (&fragment)[4],
                                                      const bf16* shared) {
  const auto address = static_cast<std::uint32_t>(__cvta_generic_to_shared(shared));
  if constexpr (kTransposed) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(fragment[0]), "=r"(fragment[1]), "=r"(fragment[2]), "=r"(fragment[3])
                 : "r"(address));
  } else {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(fragment[0]), "=r"(fragment[1]), "=r"(fragment[2]), "=r"(fragment[3])
                 : "r"(address));
  }
}

__device__ __forceinline__ void multiply_accumulate(float (&c)[4], const std::uint32_t (&a)[4],
                                                    std::uint32_t b0, std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Copies a [rows][columns] slice of `source` starting at (row_origin, column_origin) into one
// stage, 16 bytes per copy.
template <bool kKContiguous>
__device__ __forceinline__ void load_operand_tile(bf16* shared, const OperandSource& source,
                                                  int row_origin, int column_origin) {
  using Tile = OperandTile<kKContiguous>;
#pragma unroll
  for (int j = 0; j < Tile::chunks_per_thread; ++j) {
    const int chunk = static_cast<int>(threadIdx.x) + j * kThreads;
    const int r = chunk / Tile::chunks_per_row;
    const int c = (chunk % Tile::chunks_per_row) * 8;
    const int row = row_origin + r;
    const int column = column_origin + c;
    const bool valid = row < source.row_limit && column < source.column_limit;
    const bf16* from = source.data;
    if (valid) {
      const int memory_row =
          source.gather ? source.gather[source.row_base + row] : source.row_base + row;
      from = source.data + static_cast<std::int64_t>(memory_row) * source.ld + column;
    }
    copy_16_bytes_async(shared + r * Tile::stride + c, from, valid);
  }
}

template <bool kAKContiguous, bool kBKContiguous>
struct Mainloop {
  using TileA = OperandTile<kAKContiguous>;
  using TileB = OperandTile<kBKContiguous>;
  static constexpr int stage_elements = TileA::elements + TileB::elements;
  static constexpr int shared_bytes_pipeline = kStages * stage_elements * 2;
  static constexpr int shared_bytes =
      shared_bytes_pipeline > kStagedBytes ? shared_bytes_pipeline : kStagedBytes;

  static __device__ __forceinline__ void load_stage(bf16* shared, const OperandSource& a,
                                                    const OperandSource& b, int m0, int n0,
                                                    int k_tile) {
    const int k0 = k_tile * kTileK;
    load_operand_tile<kAKContiguous>(shared, a, kAKContiguous ? m0 : k0, kAKContiguous ? k0 : m0);
    load_operand_tile<kBKContiguous>(shared + TileA::elements, b, kBKContiguous ? n0 : k0,
                                     kBKContiguous ? k0 : n0);
  }

  static __device__ __forceinline__ void multiply_stage(
      const bf16* shared, float (&accumulator)[kFragmentsM][kFragmentsN][4]) {
    const int warp = static_cast<int>(threadIdx.x) / 32;
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int warp_m = (warp / kWarpsN) * kWarpTileM;
    const int warp_n = (warp % kWarpsN) * kWarpTileN;
    const bf16* a_tile = shared;
    const bf16* b_tile = shared + TileA::elements;
    // ldmatrix.x4 reads four 8x8 matrices; lane l gives the address of row l % 8 of matrix l / 8.
    const int matrix = lane / 8;
    const int matrix_row = lane % 8;
#pragma unroll
    for (int k_step = 0; k_step < kTileK; k_step += 16) {
      std::uint32_t a_fragments[kFragmentsM][4];
      std::uint32_t b_fragments[kFragmentsN][2];
#pragma unroll
      for (int fm = 0; fm < kFragmentsM; ++fm) {
        const int m = warp_m + fm * 16;
        if constexpr (kAKContiguous) {
          load_matrix_fragments<false>(
              a_fragments[fm], a_tile + (m + lane % 16) * TileA::stride + k_step + (lane / 16) * 8);
        } else {
          load_matrix_fragments<true>(
              a_fragments[fm], a_tile + (k_step + matrix_row + (matrix / 2) * 8) * TileA::stride +
                                   m + (matrix % 2) * 8);
        }
      }
#pragma unroll
      for (int pair = 0; pair < kFragmentsN / 2; ++pair) {
        const int n = warp_n + pair * 16;
        std::uint32_t loaded[4];
        if constexpr (kBKContiguous) {
          load_matrix_fragments<false>(
              loaded, b_tile + (n + matrix_row + (matrix / 2) * 8) * TileB::stride + k_step +
                          (matrix % 2) * 8);
        } else {
          load_matrix_fragments<true>(
              loaded, b_tile + (k_step + matrix_row + (matrix % 2) * 8) * TileB::stride + n +
                          (matrix / 2) * 8);
        }
        b_fragments[2 * pair][0] = loaded[0];
        b_fragments[2 * pair][1] = loaded[1];
        b_fragments[2 * pair + 1][0] = loaded[2];
        b_fragments[2 * pair + 1][1] = loaded[3];
      }
#pragma unroll
      for (int fm = 0; fm < kFragmentsM; ++fm) {
#pragma unroll
        for (int fn = 0; fn < kFragmentsN; ++fn)
          multiply_accumulate(accumulator[fm][fn], a_fragments[fm], b_fragments[fn][0],
                              b_fragments[fn][1]);
      }
    }
  }

  // Accumulates the block's tile over k_tiles slices, then leaves it in shared memory as fp32
  // [kTileM][kStagedStride] for the epilogue.
  static __device__ __forceinline__ void run(bf16* shared, const OperandSource& a,
                                             const OperandSource& b, int m0, int n0, int k_tiles) {
    float accumulator[kFragmentsM][kFragmentsN][4] = {};
#pragma unroll
    for (int stage = 0; stage < kStages - 1; ++stage) {
      if (stage < k_tiles)
        load_stage(shared + stage * stage_elements, a, b, m0, n0, stage);
      commit_async_copies();
    }
    for (int k_tile = 0; k_tile < k_tiles; ++k_tile) {
      wait_async_copies<kStages - 2>();
      __syncthreads();
      // The stage refilled here was read in the previous iteration, which every thread has
      // finished by the barrier above.
      const int next = k_tile + kStages - 1;
      if (next < k_tiles)
        load_stage(shared + (next % kStages) * stage_elements, a, b, m0, n0, next);
      commit_async_copies();
      multiply_stage(shared + (k_tile % kStages) * stage_elements, accumulator);
    }
    wait_async_copies<0>();
    __syncthreads();

    float* staged = reinterpret_cast<float*>(shared);
    const int warp = static_cast<int>(threadIdx.x) / 32;
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int warp_m = (warp / kWarpsN) * kWarpTileM;
    const int warp_n = (warp % kWarpsN) * kWarpTileN;
#pragma unroll
    for (int fm = 0; fm < kFragmentsM; ++fm) {
#pragma unroll
      for (int fn = 0; fn < kFragmentsN; ++fn) {
        const int row = warp_m + fm * 16 + lane / 4;
        const int column = warp_n + fn * 8 + 2 * (lane % 4);
        *reinterpret_cast<float2*>(staged + row * kStagedStride + column) =
            make_float2(accumulator[fm][fn][0], accumulator[fm][fn][1]);
        *reinterpret_cast<float2*>(staged + (row + 8) * kStagedStride + column) =
            make_float2(accumulator[fm][fn][2], accumulator[fm][fn][3]);
      }
    }
    __syncthreads();
  }
};

template <bool kAKContiguous, bool kBKContiguous, bool kRaggedReduction, Epilogue kEpilogue>
__global__ void __launch_bounds__(kThreads, 2) grouped_gemm_kernel(GemmArguments args) {
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  bf16* shared = reinterpret_cast<bf16*>(shared_bytes);
  using Loop = Mainloop<kAKContiguous, kBKContiguous>;
  const int n0 = static_cast<int>(blockIdx.x) * kTileN;

  int expert = 0;
  int m0 = 0;
  OperandSource a{};
  OperandSource b{};
  int k_tiles = 0;
  if constexpr (kRaggedReduction) {
    expert = static_cast<int>(blockIdx.z);
    m0 = static_cast<int>(blockIdx.y) * kTileM;
    const int first = args.offsets[expert];
    const int rows = args.offsets[expert + 1] - first;
    a = {args.a, args.lda, args.a_gather, first, rows, args.m};
    b = {args.b, args.ldb, args.b_gather, first, rows, args.n};
    k_tiles = ceil_div(rows, kTileK);
  } else {
    if (!find_row_tile(args.offsets, args.experts, static_cast<int>(blockIdx.y), expert, m0))
      return;
    const int first = args.offsets[expert];
    const int rows = args.offsets[expert + 1] - first;
    a = {args.a, args.lda, args.a_gather, first, rows, args.k};
    b = {args.b + expert * args.b_expert_stride,
         args.ldb,
         nullptr,
         0,
         kBKContiguous ? args.n : args.k,
         kBKContiguous ? args.k : args.n};
    k_tiles = ceil_div(args.k, kTileK);
  }
  Loop::run(shared, a, b, m0, n0, k_tiles);

  const int row_count = kRaggedReduction ? args.m : a.row_limit;
  const std::int64_t row_base =
      kRaggedReduction ? static_cast<std::int64_t>(expert) * args.m : a.row_base;
  store_tile<kEpilogue>(args, reinterpret_cast<const float*>(shared), m0, n0, row_count, row_base);
}

// grad_weights[assignment[r]] = the sum of row r's partials, one per output tile of the down
// data gradient, in tile order.
__global__ void sum_weight_partials(const float* partials, int column_tiles, const int* assignment,
                                    int rows, float* grad_weights) {
  const int row = static_cast<int>(blockIdx.x) * kThreads + static_cast<int>(threadIdx.x);
  if (row >= rows)
    return;
  float sum = 0.0f;
  for (int tile = 0; tile < column_tiles; ++tile)
    sum += partials[static_cast<std::int64_t>(row) * column_tiles + tile];
  grad_weights[assignment[row]] = sum;
}

std::atomic<GemmPath> gemm_path{GemmPath::kAuto};

// wgmma needs sm_90a machine code, which runs on compute capability 9.0 alone.
bool wgmma_available() {
  if (gemm_path.load(std::memory_order_relaxed) == GemmPath::kMmaSync)
    return false;
  int device = 0;
  int major = 0;
  int minor = 0;
  check_cuda(cudaGetDevice(&device), "grouped GEMM device");
  check_cuda(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device),
             "grouped GEMM device");
  check_cuda(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device),
             "grouped GEMM device");
  return major == 9 && minor == 0;
}

template <bool kAKContiguous, bool kBKContiguous, bool kRaggedReduction, Epilogue kEpilogue>
void launch(const GemmArguments& args, int rows, cudaStream_t stream) {
  if (wgmma_available()) {
    if constexpr (kRaggedReduction)
      launch_wgmma_ragged_reduction(args, stream);
    else
      launch_wgmma_ragged_rows(args, kBKContiguous, kEpilogue, rows, stream);
    return;
  }
  constexpr int shared_bytes = Mainloop<kAKContiguous, kBKContiguous>::shared_bytes;
  auto* kernel = grouped_gemm_kernel<kAKContiguous, kBKContiguous, kRaggedReduction, kEpilogue>;
  // Above 48 KB a kernel's dynamic shared memory must be allowed explicitly, once.
  static const cudaError_t allowed =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared_bytes);
  check_cuda(allowed, "grouped GEMM shared-memory limit");
  dim3 grid(static_cast<unsigned>(ceil_div(args.n, kTileN)));
  if constexpr (kRaggedReduction) {
    grid.y = static_cast<unsigned>(ceil_div(args.m, kTileM));
    grid.z = static_cast<unsigned>(args.experts);
  } else {
    grid.y = ragged_row_tiles(rows, args.experts);
  }
  kernel<<<grid, kThreads, shared_bytes, stream>>>(args);
  check_launch("grouped GEMM");
}

}  // namespace

void set_gemm_path(GemmPath path) {
  gemm_path.store(path, std::memory_order_relaxed);
}

bool gemm_shapes_supported(int d_model, int hidden) {
  return d_model > 0 && hidden > 0 && d_model % 8 == 0 && hidden % kGateUpInterleave == 0;
}

void launch_gate_up_forward(const bf16* x, const int* source_token, RowWeights row_weights,
                            ExpertGroups groups, int d_model, int hidden,
                            const bf16* gate_up_weight, bf16* pre_activations, bf16* activations,
                            cudaStream_t stream) {
  GemmArguments args{};
  args.a = x;
  args.lda = d_model;
  args.a_gather = source_token;
  args.b = gate_up_weight;
  args.ldb = 2 * hidden;
  args.b_expert_stride = static_cast<std::int64_t>(d_model) * 2 * hidden;
  args.offsets = groups.offsets;
  args.experts = groups.experts;
  args.n = 2 * hidden;
  args.k = d_model;
  args.out = pre_activations;
  args.row_weights = row_weights;
  args.activations = activations;
  launch<true, false, false, Epilogue::kSwigluForward>(args, groups.rows, stream);
}

void launch_down_forward(const bf16* activations, ExpertGroups groups, int hidden, int d_model,
                         const bf16* down_weight, bf16* out, cudaStream_t stream) {
  GemmArguments args{};
  args.a = activations;
  args.lda = hidden;
  args.b = down_weight;
  args.ldb = d_model;
  args.b_expert_stride = static_cast<std::int64_t>(hidden) * d_model;
  args.offsets = groups.offsets;
  args.experts = groups.experts;
  args.n = d_model;
  args.k = hidden;
  args.out = out;
  launch<true, false, false, Epilogue::kStore>(args, groups.rows, stream);
}

std::int64_t down_backward_workspace_floats(int rows, int hidden) {
  return static_cast<std::int64_t>(rows) * ceil_div(hidden, kTileN);
}

void launch_down_backward_data(const bf16* grad_y, const int* source_token, RowWeights row_weights,
                               ExpertGroups groups, int d_model, int hidden,
                               const bf16* down_weight, const bf16* pre_activations,
                               bf16* grad_pre_activations, float* grad_weights, float* workspace,
                               cudaStream_t stream) {
  // grad_y[token] · W_down^T: W_down[e] is [n, d], that is B = W_down^T stored [N = n][K = d].
  GemmArguments args{};
  args.a = grad_y;
  args.lda = d_model;
  args.a_gather = source_token;
  args.b = down_weight;
  args.ldb = d_model;
  args.b_expert_stride = static_cast<std::int64_t>(hidden) * d_model;
  args.offsets = groups.offsets;
  args.experts = groups.experts;
  args.n = hidden;
  args.k = d_model;
  args.out = grad_pre_activations;
  args.row_weights = row_weights;
  args.pre_activations = pre_activations;
  args.weight_partials = workspace;
  launch<true, true, false, Epilogue::kSwigluBackward>(args, groups.rows, stream);
  if (groups.rows == 0)
    return;
  const int column_tiles = ceil_div(hidden, kTileN);
  sum_weight_partials<<<ceil_div(groups.rows, kThreads), kThreads, 0, stream>>>(
      workspace, column_tiles, row_weights.assignment, groups.rows, grad_weights);
  check_launch("grouped GEMM routing-weight gradient");
}

void launch_gate_up_backward_data(const bf16* grad_pre_activations, ExpertGroups groups, int hidden,
                                  int d_model, const bf16* gate_up_weight, bf16* grad_x_grouped,
                                  cudaStream_t stream) {
  // grad · W_gu^T: W_gu[e] is [d, 2n], that is B = W_gu^T stored [N = d][K = 2n].
  GemmArguments args{};
  args.a = grad_pre_activations;
  args.lda = 2 * hidden;
  args.b = gate_up_weight;
  args.ldb = 2 * hidden;
  args.b_expert_stride = static_cast<std::int64_t>(d_model) * 2 * hidden;
  args.offsets = groups.offsets;
  args.experts = groups.experts;
  args.n = d_model;
  args.k = 2 * hidden;
  args.out = grad_x_grouped;
  launch<true, true, false, Epilogue::kStore>(args, groups.rows, stream);
}

void launch_weight_gradient(const bf16* a, const int* a_source_rows, int a_columns, const bf16* b,
                            const int* b_source_rows, int b_columns, ExpertGroups groups,
                            bf16* grad_weight, cudaStream_t stream) {
  GemmArguments args{};
  args.a = a;
  args.lda = a_columns;
  args.a_gather = a_source_rows;
  args.b = b;
  args.ldb = b_columns;
  args.b_gather = b_source_rows;
  args.offsets = groups.offsets;
  args.experts = groups.experts;
  args.m = a_columns;
  args.n = b_columns;
  args.out = grad_weight;
  launch<false, false, true, Epilogue::kStore>(args, groups.rows, stream);
}

}  // namespace moescope::kernels
