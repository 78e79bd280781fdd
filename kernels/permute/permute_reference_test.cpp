// The permutation's plain-ATen reference (permute_reference.cpp), which defines what permute.cu
// must compute: against a hand example and a per-token loop, in float64 on the CPU. Runs
// everywhere LibTorch does, GPU or not.
#include "permute/permute_reference.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdint>

#include "common/tensor_compare.h"

namespace {

using namespace moescope::kernels;
using namespace moescope::kernels::test;

TEST(PermuteReferenceTest, GroupsByExpertStablyAndInverts) {
  const at::Tensor experts = at::tensor({2, 0, 1, 2, 0, 1, 2, 1}, at::kLong).view({4, 2});
  const PermutationReference p = permute_reference(experts, 4);
  // Expert 0: assignments 1, 4; expert 1: 2, 5, 7; expert 2: 0, 3, 6; expert 3: none.
  EXPECT_TRUE(at::equal(p.order, at::tensor({1, 4, 2, 5, 7, 0, 3, 6}, at::kLong)));
  EXPECT_TRUE(at::equal(p.source_token, at::tensor({0, 2, 1, 2, 3, 0, 1, 3}, at::kLong)));
  EXPECT_TRUE(at::equal(p.expert_offsets, at::tensor({0, 2, 5, 8, 8}, at::kLong)));
  EXPECT_TRUE(at::equal(p.order.index_select(0, p.inverse), at::arange(8, at::kLong)));
}

TEST(PermuteReferenceTest, SumOfGroupedRowsAddsEachTokensRows) {
  at::manual_seed(2);
  const std::int64_t tokens = 5, active = 3, d = 4;
  const at::Tensor experts = at::randint(0, 6, {tokens, active}, at::kLong);
  const PermutationReference p = permute_reference(experts, 6);
  const at::Tensor grouped = at::randn({tokens * active, d}, kDouble);
  const at::Tensor sums = sum_grouped_rows_reference(grouped, p.inverse, active);
  for (std::int64_t t = 0; t < tokens; ++t) {
    at::Tensor expected = at::zeros({d}, kDouble);
    for (std::int64_t k = 0; k < active; ++k)
      expected += grouped[p.inverse[t * active + k].item<std::int64_t>()];
    EXPECT_TRUE(close(sums[t], expected)) << "token " << t;
  }
}

}  // namespace
