#pragma once

// Plain-ATen reference of permute.cu: a stable sort of the assignments by expert, and the
// combine back to token order with its gradient.

#include <ATen/ATen.h>

#include <cstdint>
#include <utility>

namespace moescope::kernels {

struct PermutationReference {
  at::Tensor order;           // [T K] int64: grouped row -> assignment (token * K + slot)
  at::Tensor source_token;    // [T K] int64: grouped row -> token
  at::Tensor inverse;         // [T K] int64: assignment -> grouped row
  at::Tensor expert_offsets;  // [E + 1] int64
};

PermutationReference permute_reference(const at::Tensor& selected_experts, std::int64_t experts);

// y[t] = sum_k weights[t, k] * expert_out[inverse[t K + k]]
at::Tensor combine_reference(const at::Tensor& expert_out, const at::Tensor& weights,
                             const at::Tensor& inverse);

// {grad_expert_out [T K, d], grad_weights [T K]} of combine_reference, in grouped-row order for
// the first and assignment order for the second.
std::pair<at::Tensor, at::Tensor> combine_backward_reference(const at::Tensor& grad_y,
                                                             const at::Tensor& expert_out,
                                                             const at::Tensor& weights,
                                                             const at::Tensor& order);

// out[t] = sum_k grouped[inverse[t K + k]]
at::Tensor sum_grouped_rows_reference(const at::Tensor& grouped, const at::Tensor& inverse,
                                      std::int64_t active);

}  // namespace moescope::kernels
