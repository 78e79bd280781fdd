#pragma once

// Grouping the (token, slot) assignments by expert and back.
//  - launch_permute: a stable counting sort by expert from the router's per-tile counts and ranks
//    (router.h); no host synchronisation. Grouped row r holds assignment order[r] (= token * K +
//    slot) and inverse[order[r]] = r. Within an expert, assignments keep their token-major order,
//    as a stable sort would leave them.
//  - launch_combine / launch_sum_grouped_rows: back to token order as gathers, each token summing
//    its K rows in slot order, so that the result does not depend on scheduling: no atomics,
//    bitwise reproducible.
//  - launch_combine_backward: the gradient of the combine, one warp per token, also without
//    atomics.
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

// y[t] = sum over k of weights[t K + k] * expert_out[inverse[t K + k]], in fp32.
void launch_combine(const __nv_bfloat16* expert_out, const float* weights, const int* inverse,
                    int tokens, int active, int d_model, float* y, cudaStream_t stream);

// grad_expert_out[r] = weights[a] * grad_y[t] and grad_weights[a] = <grad_y[t], expert_out[r]>,
// for each assignment a = t K + k and its grouped row r = inverse[a].
void launch_combine_backward(const float* grad_y, const __nv_bfloat16* expert_out,
                             const float* weights, const int* inverse, int tokens, int active,
                             int d_model, __nv_bfloat16* grad_expert_out, float* grad_weights,
                             cudaStream_t stream);

// out[t] = sum over k of grouped[inverse[t K + k]]: the gradient of gathering x into groups.
void launch_sum_grouped_rows(const __nv_bfloat16* grouped, const int* inverse, int tokens,
                             int active, int d_model, __nv_bfloat16* out, cudaStream_t stream);

}  // namespace moescope::kernels
