// The trainer's model: routing, the dropless MoE block, parameter counts against core's
// accounting, and a tiny MoE whose validation loss falls.
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "moescope/model/accounting.h"
#include "moescope/trainer/train_records.h"
#include "moescope/trainer/train_spec.h"
#include "moescope/training/moe_feed_forward.h"
#include "moescope/training/router.h"
#include "moescope/training/trainer.h"
#include "moescope/training/transformer.h"
#include "support/temporary_folder.h"

namespace {

using namespace moescope::training;
using moescope::Architecture;
using moescope::kByteVocabulary;
using moescope::parse_train_spec;
using moescope::read_metrics_log;
using moescope::TrainSpec;
using moescope::ValidationPoint;
using moescope::testing_support::TemporaryFolder;

Architecture architecture(int d_model, int layers, int heads, int experts, int active,
                          int granularity) {
  Architecture arch;
  arch.d_model = d_model;
  arch.n_layers = layers;
  arch.n_heads = heads;
  arch.experts = experts;
  arch.active = active;
  arch.granularity = granularity;
  arch.vocab = kByteVocabulary;
  arch.context = 64;
  return arch;
}

TEST(RouterTest, TopKWeightsSumToOneAndEveryTokenReachesKDistinctExperts) {
  torch::manual_seed(3);
  const torch::Tensor logits = torch::randn({50, 8});
  const Routing routing = route(logits, 2);
  ASSERT_EQ(routing.experts.sizes(), (std::vector<std::int64_t>{50, 2}));
  EXPECT_TRUE(torch::allclose(routing.weights.sum(-1), torch::ones({50})));
  EXPECT_TRUE((routing.experts.select(1, 0) != routing.experts.select(1, 1)).all().item<bool>());
  // The chosen experts are the two most probable ones.
  const torch::Tensor second_best = std::get<0>(routing.probabilities.topk(2, -1)).select(1, 1);
  EXPECT_TRUE(torch::equal(std::get<0>(routing.probabilities.gather(1, routing.experts).min(1)),
                           second_best));

  const DispatchPlan plan = plan_dispatch(routing.experts, 8);
  ASSERT_EQ(plan.counts.size(), 8u);
  std::int64_t total = 0;
  for (const std::int64_t count : plan.counts)
    total += count;
  EXPECT_EQ(total, 100);
  // Every token appears exactly K times among the grouped assignments...
  EXPECT_TRUE(
      torch::equal(torch::bincount(plan.source_token, {}, 50), torch::full({50}, 2, torch::kLong)));
  // ...grouped by expert in ascending order, and `inverse` undoes the grouping.
  const torch::Tensor grouped_experts = routing.experts.reshape(-1).index_select(0, plan.order);
  EXPECT_TRUE(torch::equal(grouped_experts, std::get<0>(grouped_experts.sort())));
  EXPECT_TRUE(torch::equal(plan.order.index_select(0, plan.inverse), torch::arange(100)));
}

TEST(RouterTest, OneActiveExpertKeepsItsRawProbability) {
  const torch::Tensor logits = torch::tensor({{0.0f, std::log(3.0f)}});
  const Routing routing = route(logits, 1);
  EXPECT_EQ(routing.experts.item<std::int64_t>(), 1);
  EXPECT_NEAR(routing.weights.item<float>(), 0.75f, 1e-6f);
}

TEST(RouterTest, LoadBalanceLossIsTheSwitchFormulaOnAHandExample) {
  // Four tokens, two experts, K = 1. Probabilities (0.7, 0.3), (0.6, 0.4), (0.2, 0.8), (0.9, 0.1):
  // assignments go to experts 0, 0, 1, 0, so f = (3/4, 1/4); mean probabilities P = (0.6, 0.4).
  // E * sum f_e P_e = 2 * (0.75 * 0.6 + 0.25 * 0.4) = 1.1.
  const torch::Tensor probabilities =
      torch::tensor({{0.7f, 0.3f}, {0.6f, 0.4f}, {0.2f, 0.8f}, {0.9f, 0.1f}});
  const Routing routing = route(probabilities.log(), 1);
  EXPECT_NEAR(load_balance_loss(routing).item<float>(), 1.1f, 1e-6f);
  // Perfect balance gives 1.
  const Routing balanced = route(torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}}), 1);
  EXPECT_NEAR(load_balance_loss(balanced).item<float>(), 1.0f, 1e-6f);
}

TEST(RouterTest, ZLossIsTheMeanSquaredLogSumExp) {
  const torch::Tensor logits = torch::tensor({{0.0f, 0.0f}, {std::log(3.0f), 0.0f}});
  const double expected = (std::pow(std::log(2.0), 2) + std::pow(std::log(4.0), 2)) / 2;
  EXPECT_NEAR(router_z_loss(logits).item<float>(), expected, 1e-6);
}

TEST(MoeFeedForwardTest, EachTokenGetsTheWeightedSumOfItsExperts) {
  torch::manual_seed(5);
  MoeFeedForward block(architecture(16, 1, 2, 4, 2, 2), torch::kFloat);
  const torch::Tensor x = torch::randn({30, 16});
  const torch::Tensor y = block.forward(x).y;
  const Routing routing = route(x.matmul(block.router_weight), 2);
  for (std::int64_t token = 0; token < 30; ++token) {
    torch::Tensor expected = torch::zeros({16});
    for (std::int64_t slot = 0; slot < 2; ++slot) {
      const std::int64_t e = routing.experts[token][slot].item<std::int64_t>();
      const torch::Tensor row = x[token];
      const torch::Tensor hidden =
          torch::silu(row.matmul(block.gate_weight[e])) * row.matmul(block.up_weight[e]);
      expected += routing.weights[token][slot] * hidden.matmul(block.down_weight[e]);
    }
    EXPECT_TRUE(torch::allclose(y[token], expected, 1e-5, 1e-6)) << "token " << token;
  }
}

// The built model's weight matrices against core's count_parameters, N and N_a.
void expect_counts_match_core(const Architecture& arch) {
  const MoeTransformer model(arch, torch::kFloat);
  const moescope::ParameterCount count = moescope::count_parameters(arch);
  EXPECT_EQ(static_cast<double>(model.weight_count()), count.total);
  EXPECT_EQ(static_cast<double>(model.active_weight_count()), count.active);
}

TEST(ParameterCountTest, DenseModelMatchesCore) {
  expect_counts_match_core(architecture(64, 2, 2, 1, 1, 1));
  expect_counts_match_core(architecture(96, 3, 3, 1, 1, 2));
}

TEST(ParameterCountTest, MoeModelMatchesCore) {
  expect_counts_match_core(architecture(64, 2, 2, 8, 2, 1));
  expect_counts_match_core(architecture(64, 3, 4, 16, 1, 2));
  expect_counts_match_core(architecture(32, 1, 1, 4, 4, 1));  // S = 0 with a router
}

TEST(TinyMoeTest, ValidationLossFallsClearly) {
  const TemporaryFolder folder("training-tiny-moe");
  const TrainSpec spec = parse_train_spec(
      R"({"d_model": 64, "layers": 2, "heads": 2, "experts": 8, "active": 2, "granularity": 1,
          "context": 64, "batch_size": 16, "tokens": 122880, "lr": 0.003,
          "warmup_fraction": 0.05, "seed": 1, "eval_tokens": 16384, "eval_interval": 60})",
      folder.path());
  ASSERT_EQ(spec.steps, 120);
  std::ostringstream log;
  TrainOptions options;
  options.out = folder.path() / "run";
  options.data_folder = std::filesystem::path(MOESCOPE_BINARY_DIR) / "training-data";
  options.log = &log;
  train(spec, options);

  const std::vector<ValidationPoint> curve =
      read_metrics_log(options.out / "metrics.jsonl").validation;
  ASSERT_EQ(curve.size(), 3u) << log.str();  // steps 0, 60 and 120
  // Untrained, the model is near uniform over 256 bytes: ln 256 = 5.55 nats.
  EXPECT_NEAR(curve.front().loss, std::log(256.0), 0.3);
  EXPECT_LT(curve[1].loss, curve.front().loss - 2.0);
  EXPECT_LT(curve.back().loss, curve[1].loss);
  EXPECT_LT(curve.back().loss, 3.0);

  std::ifstream in(options.out / "result.json");
  const nlohmann::json result = nlohmann::json::parse(in);
  EXPECT_EQ(result.at("val_loss").get<double>(), curve.back().loss);
  EXPECT_EQ(result.at("tokens").get<double>(), 122880.0);
  EXPECT_EQ(result.at("N").get<double>(), moescope::count_parameters(spec.architecture).total);
  EXPECT_EQ(result.at("S").get<double>(), 0.75);
}

}  // namespace
