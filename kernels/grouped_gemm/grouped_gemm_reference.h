#pragma once

// Plain-ATen reference of grouped_gemm.cu: one matrix product per expert over its slice of the
// grouped rows, in the dtype of the inputs (tests use float64). Offsets are the E + 1 group
// boundaries (an int64 tensor on the CPU).

#include <ATen/ATen.h>

#include <utility>

namespace moescope::kernels {

// The kernels' layout of the gate and up weights: [E, d, 2n], blocks of kGateUpInterleave gate
// columns followed by the matching up columns. Differentiable (a stack and a view).
at::Tensor interleave_gate_up(const at::Tensor& gate, const at::Tensor& up);
// The inverse: {gate, up} of an interleaved [..., 2n] tensor.
std::pair<at::Tensor, at::Tensor> split_gate_up(const at::Tensor& interleaved);

struct GateUpReference {
  at::Tensor pre_activations;  // [rows, 2n], interleaved
  at::Tensor activations;      // [rows, n], scaled by the rows' routing weights
};

// row_weights [rows]: each grouped row's routing weight (grouped_gemm.h, RowWeights).
GateUpReference gate_up_forward_reference(const at::Tensor& x, const at::Tensor& source_token,
                                          const at::Tensor& offsets,
                                          const at::Tensor& gate_up_weight,
                                          const at::Tensor& row_weights);
at::Tensor down_forward_reference(const at::Tensor& activations, const at::Tensor& offsets,
                                  const at::Tensor& down_weight);

struct DownBackwardReference {
  at::Tensor grad_pre_activations;  // [rows, 2n], interleaved
  at::Tensor grad_row_weights;      // [rows], in grouped-row order
};
// grad_y [T, d]: the gradient of each token's sum of its rows' outputs.
DownBackwardReference down_backward_data_reference(const at::Tensor& grad_y,
                                                   const at::Tensor& source_token,
                                                   const at::Tensor& offsets,
                                                   const at::Tensor& down_weight,
                                                   const at::Tensor& pre_activations,
                                                   const at::Tensor& row_weights);
at::Tensor gate_up_backward_data_reference(const at::Tensor& grad_pre_activations,
                                           const at::Tensor& offsets,
                                           const at::Tensor& gate_up_weight);
// [E, a columns, b columns]: per expert, a[rows]^T b[rows], rows of a (b) read through
// a_source_rows (b_source_rows) when it is defined.
at::Tensor weight_gradient_reference(const at::Tensor& a, const at::Tensor& a_source_rows,
                                     const at::Tensor& b, const at::Tensor& b_source_rows,
                                     const at::Tensor& offsets);

}  // namespace moescope::kernels
