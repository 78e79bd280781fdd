#pragma once

// Grouped GEMMs of the GLU experts (gate, up, down), forward and backward, on bf16 tensor cores
// with fp32 accumulation. Rows arrive grouped by expert (see permute/): expert e owns the grouped
// rows [offsets[e], offsets[e + 1]), a device array of E + 1 int32 values. Nothing about that
// split is read on the host, so the launches never synchronise; a group may be empty or hold
// every row.
//
// The gate and up weights travel interleaved (gate_up_layout.h), so that the SwiGLU activation is
// applied before an output tile leaves the chip. Shapes: d % 8 == 0 and
// n % kGateUpInterleave == 0 (gemm_shapes_supported).

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "gate_up_layout.h"

namespace moescope::kernels {

bool gemm_shapes_supported(int d_model, int hidden);

// Which tensor-core path the products take. kAuto: wgmma on Hopper (compute capability 9.0),
// mma.sync elsewhere; kMmaSync: mma.sync everywhere (for comparisons). Each path is
// deterministic. Process-wide; set it between launches.
enum class GemmPath { kAuto, kMmaSync };
void set_gemm_path(GemmPath path);

// The grouped rows of all experts: offsets[E + 1] on the device and their total (T * K).
struct ExpertGroups {
  const int* offsets;
  int experts;
  int rows;
};

// Each grouped row's routing weight: weights[assignment[r]], the weight of the (token, slot) the
// row came from (assignment is Permutation::order). The gate+up product scales each row's
// activations by it, so that the combine back to token order is a plain sum of rows and its
// backward folds into the down products' data gradient: the weighted [rows, d] gradient of the
// expert outputs, and the expert outputs themselves, never reach device memory in the backward.
struct RowWeights {
  const float* weights;   // [T * K], by assignment
  const int* assignment;  // [T * K]: grouped row -> assignment
};

// pre_activations[r] = x[source_token[r]] · W_gu[e]   ([rows, 2n], interleaved like W_gu)
// activations[r]     = w_r · silu(gate) * up           ([rows, n], w_r the row's routing weight)
void launch_gate_up_forward(const __nv_bfloat16* x, const int* source_token, RowWeights row_weights,
                            ExpertGroups groups, int d_model, int hidden,
                            const __nv_bfloat16* gate_up_weight, __nv_bfloat16* pre_activations,
                            __nv_bfloat16* activations, cudaStream_t stream);

// out[r] = activations[r] · W_down[e], W_down of shape [E, n, d].
void launch_down_forward(const __nv_bfloat16* activations, ExpertGroups groups, int hidden,
                         int d_model, const __nv_bfloat16* down_weight, __nv_bfloat16* out,
                         cudaStream_t stream);

// The data gradient of the down product and the routing weights' gradient, with grad_y [T, d]
// the gradient of y[t] = sum of out[r] over the rows r of token t. With
// u_r = grad_y[source_token[r]] · W_down[e]^T, the gradient of activations[r]:
//   grad_pre_activations[r] = SwiGLU'(pre_activations[r]) applied to w_r u_r
//   grad_weights[assignment[r]] = <u_r, silu(gate_r) * up_r>
// workspace holds down_backward_workspace_floats(rows, hidden) floats: each output tile's share
// of the second sum, added in a fixed order afterwards (no atomics).
std::int64_t down_backward_workspace_floats(int rows, int hidden);
void launch_down_backward_data(const __nv_bfloat16* grad_y, const int* source_token,
                               RowWeights row_weights, ExpertGroups groups, int d_model, int hidden,
                               const __nv_bfloat16* down_weight,
                               const __nv_bfloat16* pre_activations,
                               __nv_bfloat16* grad_pre_activations, float* grad_weights,
                               float* workspace, cudaStream_t stream);

// grad_x_grouped[r] = grad_pre_activations[r] · W_gu[e]^T   ([rows, d], grouped order)
void launch_gate_up_backward_data(const __nv_bfloat16* grad_pre_activations, ExpertGroups groups,
                                  int hidden, int d_model, const __nv_bfloat16* gate_up_weight,
                                  __nv_bfloat16* grad_x_grouped, cudaStream_t stream);

// grad_weight[e] = sum over the rows r of expert e of a[a_row(r)]^T · b[b_row(r)], of shape
// [E, a_columns, b_columns]; a_row(r) = a_source_rows[r] when given (the token of a grouped row),
// else r, and b_row likewise. An expert without rows gets a zero gradient.
void launch_weight_gradient(const __nv_bfloat16* a, const int* a_source_rows, int a_columns,
                            const __nv_bfloat16* b, const int* b_source_rows, int b_columns,
                            ExpertGroups groups, __nv_bfloat16* grad_weight, cudaStream_t stream);

}  // namespace moescope::kernels
