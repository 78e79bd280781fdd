// Parameter and FLOP accounting against values worked out by hand from the paper's Appendix C.
#include "moescope/model/accounting.h"

#include <gtest/gtest.h>

namespace moescope {
namespace {

// d=1024, 12 layers, E=64, K=8, G=1, V=50432, n_ctx=2048, tied embeddings.
Architecture paper_example() {
  Architecture arch;
  arch.d_model = 1024;
  arch.n_layers = 12;
  arch.n_heads = 16;
  arch.experts = 64;
  arch.active = 8;
  return arch;
}

TEST(Accounting, CountsParametersByModule) {
  const ParameterCount count = count_parameters(paper_example());
  // attention 4*1024^2 = 4,194,304 per layer
  EXPECT_EQ(count.attention, 12.0 * 4194304);
  // one GLU expert: 3 * 1024 * 4096 = 12,582,912
  EXPECT_EQ(count.experts_total, 12.0 * 64 * 12582912);
  EXPECT_EQ(count.experts_active, 12.0 * 8 * 12582912);
  EXPECT_EQ(count.router, 12.0 * 1024 * 64);
  EXPECT_EQ(count.embeddings, 50432.0 * 1024);
  // per layer 4,194,304 + 805,306,368 + 65,536 = 809,566,208; x12 + 51,642,368
  EXPECT_EQ(count.total, 9766436864.0);
  // per layer 4,194,304 + 100,663,296 + 65,536 = 104,923,136; x12 + 51,642,368
  EXPECT_EQ(count.active, 1310720000.0);
}

TEST(Accounting, SparsityIsInactiveOverTotalExperts) {
  EXPECT_DOUBLE_EQ(sparsity(paper_example()), 56.0 / 64.0);
  Architecture dense = paper_example();
  dense.experts = dense.active = 1;
  EXPECT_EQ(sparsity(dense), 0.0);
}

TEST(Accounting, DenseModelHasNoRouterAndEqualCounts) {
  Architecture dense = paper_example();
  dense.experts = dense.active = 1;
  const ParameterCount count = count_parameters(dense);
  EXPECT_EQ(count.router, 0.0);
  EXPECT_EQ(count.total, count.active);
  // 12 * (4 + 12) * 1024^2 + 50432 * 1024
  EXPECT_EQ(count.total, 12.0 * 16 * 1048576 + 51642368);
}

TEST(Accounting, GranularityShrinksEachExpert) {
  Architecture fine = paper_example();
  fine.granularity = 2;
  fine.experts = 128;
  EXPECT_EQ(expert_hidden_width(fine), 2048);
  // Twice the experts at half the width: the same expert parameters in total.
  EXPECT_EQ(count_parameters(fine).experts_total, count_parameters(paper_example()).experts_total);
  // K stays 8 and does not scale with G, so the active experts halve.
  EXPECT_EQ(count_parameters(fine).experts_active,
            count_parameters(paper_example()).experts_active / 2);
}

TEST(Accounting, UntiedEmbeddingsCountTheVocabularyTwice) {
  Architecture untied = paper_example();
  untied.tied_embeddings = false;
  EXPECT_EQ(count_parameters(untied).total - count_parameters(paper_example()).total,
            50432.0 * 1024);
}

TEST(Accounting, Eq9FlopsPerTokenWithRouterTerm) {
  // Per layer: 4*6*d^2 = 25,165,824; 2*6*d*n_ctx = 25,165,824; 12*6*K*d^2/G = 603,979,776;
  // R*d*E = 14*1024*64 = 917,504. Sum 655,228,928, x12 = 7,862,747,136, plus 6*V*d = 309,854,208.
  EXPECT_EQ(flops_per_token_eq9(paper_example()), 8172601344.0);
}

TEST(Accounting, Eq9RouterTermFollowsTheConstant) {
  FlopConstants no_router;
  no_router.router = 0;
  EXPECT_EQ(flops_per_token_eq9(paper_example()) - flops_per_token_eq9(paper_example(), no_router),
            12.0 * 14 * 1024 * 64);
}

TEST(Accounting, SixNaEstimatorAndRatio) {
  EXPECT_EQ(flops_per_token_6na(paper_example()), 6.0 * 1310720000.0);
  EXPECT_DOUBLE_EQ(eq9_to_6na_ratio(paper_example()), 8172601344.0 / 7864320000.0);
  EXPECT_DOUBLE_EQ(training_flops_6nad(1e9, 2e10), 1.2e20);
}

// Figure 7: the ratio stays close to one and the gap closes as models grow, at every sparsity.
TEST(Accounting, Figure7RatioApproachesOneWithSize) {
  for (const int experts : {1, 4, 16, 64}) {
    double previous_gap = 1e9;
    for (const int d_model : {512, 1024, 2048, 4096}) {
      Architecture arch = paper_example();
      arch.d_model = d_model;
      arch.n_heads = d_model / 64;
      arch.n_layers = d_model / 128;
      arch.experts = experts;
      arch.active = 1;
      const double gap = eq9_to_6na_ratio(arch) - 1.0;
      EXPECT_GT(gap, 0.0) << "E=" << experts << " d=" << d_model;
      EXPECT_LT(gap, 0.6) << "E=" << experts << " d=" << d_model;
      EXPECT_LT(gap, previous_gap) << "E=" << experts << " d=" << d_model;
      previous_gap = gap;
    }
  }
}

TEST(Accounting, ValidateNamesEveryBadField) {
  Architecture arch = paper_example();
  EXPECT_TRUE(validate(arch).empty());
  arch.active = 65;
  arch.n_heads = 7;
  arch.granularity = 3;
  arch.n_layers = 0;
  const std::vector<FieldProblem> expected{
      {"layers", "layers=0 must be > 0"},
      {"active", "K=65 active experts exceed E=64 experts"},
      {"heads", "d_model=1024 is not divisible by heads=7"},
      {"granularity", "granularity G=3 does not divide 4*d_model=4096"}};
  EXPECT_EQ(validate(arch), expected);
}

}  // namespace
}  // namespace moescope
