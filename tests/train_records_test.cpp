// moescope-train's records (core/include/moescope/trainer/train_records.h): what the trainer
// writes into result.json is what the launch queue reads back.
#include "moescope/trainer/train_records.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "moescope/model/accounting.h"
#include "support/temporary_folder.h"
#include "support/valid_spec.h"

namespace moescope {
namespace {

using testing_support::TemporaryFolder;

TEST(TrainResultTest, WhatTheTrainerWritesIsWhatTheQueueReads) {
  const TemporaryFolder folder("train-result");
  const TrainSpec spec = parse_train_spec(testing_support::valid_spec_text(), "/specs");
  TrainOutcome outcome;
  outcome.validation_loss = 3.25;
  outcome.corpus_train_tokens = 1'000'000;
  outcome.curve = {{0, 0, 5.5}, {976, spec.trained_tokens(), 3.25}};
  std::ofstream(result_file(folder.path())) << result_json(spec, outcome);

  const TrainResult result = read_train_result(result_file(folder.path()));
  const ParameterCount count = count_parameters(spec.architecture);
  EXPECT_EQ(result.architecture, spec.architecture);
  EXPECT_EQ(result.total_params, count.total);
  EXPECT_EQ(result.active_params, count.active);
  EXPECT_EQ(result.sparsity, sparsity(spec.architecture));
  EXPECT_EQ(result.tokens, spec.trained_tokens());
  EXPECT_EQ(result.compute, flops_per_token_eq9(spec.architecture) * spec.trained_tokens());
  EXPECT_EQ(result.validation_loss, 3.25);
  ASSERT_TRUE(result.hyper);
  EXPECT_EQ(result.hyper->learning_rate, 0.003);
  EXPECT_EQ(result.hyper->warmup_fraction, 0.05);
  EXPECT_EQ(result.hyper->load_balance, 0.01);
}

TEST(TrainResultTest, AMissingOrMistypedKeyIsNamedWithTheFile) {
  const TemporaryFolder folder("train-result-refused");
  const std::filesystem::path file = result_file(folder.path());
  auto refusal = [&file](const std::string& text) -> std::string {
    std::ofstream(file) << text;
    try {
      read_train_result(file);
    } catch (const std::runtime_error& error) {
      return error.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refusal("[]"), file.string() + ": not a JSON object");
  EXPECT_EQ(refusal("{}"), file.string() + ": key architecture: missing");
  EXPECT_EQ(refusal(R"({"architecture": {"d_model": 64.5}})"),
            file.string() + ": key d_model: not a whole number: 64.5");
}

}  // namespace
}  // namespace moescope
