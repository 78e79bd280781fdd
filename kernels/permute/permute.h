#pragma once

// Grouping the (token, slot) assignments by expert and back.
//  - launch_permute: a stable counting sort by expert from the router's per-tile counts and ranks
//    (router.h); no host synchronisation. Grouped row r holds assignment order[r] (= token * K +
//    slot) and inverse[order[r]] = r. Within an expert, assignments keep their token-major order,
//    as a stable sort would leave them.
//  - launch_combine / launch_sum_grouped_rows: back to token order as gathers, each token summing
//    its K rows in slot order, so that the result does not depend on scheduling: no atomics,
//    bitwise reproducible. The routing weights are already in the rows (grouped_gemm.h,
//    RowWeights), so the combine's gradient is a gather too, folded into the down products.
// Row widths d must be multiples of 8 (16-byte accesses).

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "../router/router.h"

namespace moescope::kernels {

struct Permutation {
  int* order;         // [T * K]: grouped row -> assignment
  int* source_token;  // [T * K]: grouped row -> token
  int* inverse;       // [T * K]: assignment -> grouped row
};

void launch_permute(const RouterBuffers& routing, int tokens, int experts, int active,
                    const Permutation& permutation, cudaStream_t stream);

// y[t] = sum over k of expert_out[inverse[t K + k]], in fp32.
void launch_combine(const __nv_bfloat16* expert_out, const int* inverse, int tokens, int active,
                    int d_model, float* y, cudaStream_t stream);

// out[t] = sum over k of grouped[inverse[t K + k]]: the gradient of gathering x into groups.
void launch_sum_grouped_rows(const __nv_bfloat16* grouped, const int* inverse, int tokens,
                             int active, int d_model, __nv_bfloat16* out, cudaStream_t stream);

}  // namespace moescope::kernels
