#pragma once

// Plain-ATen reference of permute.cu, on whatever device the assignments are: a stable sort of the
// assignments by expert (also the trainer's dispatch, training/src/router.cpp), and the sum of
// each token's grouped rows back in token order (the combine, and the gradient of the gather).

#include <ATen/ATen.h>

#include <cstdint>

namespace moescope::kernels {

struct PermutationReference {
  at::Tensor order;           // [T K] int64: grouped row -> assignment (token * K + slot)
  at::Tensor source_token;    // [T K] int64: grouped row -> token
  at::Tensor inverse;         // [T K] int64: assignment -> grouped row
  at::Tensor expert_offsets;  // [E + 1] int64
};

PermutationReference permute_reference(const at::Tensor& selected_experts, std::int64_t experts);

// out[t] = sum_k grouped[inverse[t K + k]]
at::Tensor sum_grouped_rows_reference(const at::Tensor& grouped, const at::Tensor& inverse,
                                      std::int64_t active);

}  // namespace moescope::kernels
