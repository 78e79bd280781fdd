// The trainer's parts without LibTorch: the memory check, the schedule, the batch sampler, the
// held-out split and the run directory. (The spec itself is core's: train_spec_test.cpp.)
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>

#include "moescope/model/accounting.h"
#include "moescope/trainer/memory_estimate.h"
#include "moescope/trainer/train_records.h"
#include "moescope/trainer/train_spec.h"
#include "moescope/training/batch_sampler.h"
#include "moescope/training/corpus.h"
#include "moescope/training/lr_schedule.h"
#include "moescope/training/run_directory.h"
#include "support/temporary_folder.h"
#include "support/valid_spec.h"

namespace moescope::training {
namespace {

using testing_support::TemporaryFolder;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

TrainSpec parse(const std::map<std::string, std::string>& changes = {}) {
  return parse_train_spec(testing_support::valid_spec_text(changes), "/specs");
}

TEST(MemoryEstimateTest, RefusesARunThatDoesNotFitNamingTheKeyToChange) {
  auto refused_key = [](const TrainSpec& spec, double available) -> std::string {
    try {
      require_fits(spec, estimate_training_memory(spec, false, false, false), available, "host");
    } catch (const SpecError& error) {
      return error.problems().at(0).field;
    }
    return "";
  };
  EXPECT_EQ(refused_key(parse(), 24 * kGiB), "");
  // 2^15-wide layers: some 5e13 parameters, far beyond any memory.
  EXPECT_EQ(
      refused_key(parse({{"d_model", "32768"}, {"heads", "256"}, {"layers", "64"}}), 24 * kGiB),
      "d_model");
  const TrainSpec wide_batch = parse({{"batch_size", "65536"}, {"tokens", "1e12"}});
  EXPECT_EQ(refused_key(wide_batch, 24 * kGiB), "batch_size");
  const TrainSpec accumulated =
      parse({{"batch_size", "65536"}, {"micro_batch_size", "32768"}, {"tokens", "1e12"}});
  EXPECT_EQ(refused_key(accumulated, 24 * kGiB), "micro_batch_size");
}

TEST(MemoryEstimateTest, CountsSixteenBytesPerParameterAndGrowsWithTheBatch) {
  const TrainSpec spec = parse();
  const MemoryEstimate estimate = estimate_training_memory(spec, false, false, false);
  EXPECT_EQ(estimate.model, 16 * count_parameters(spec.architecture).total);
  const MemoryEstimate doubled =
      estimate_training_memory(parse({{"batch_size", "32"}}), false, false, false);
  EXPECT_DOUBLE_EQ(doubled.activations, 2 * estimate.activations);
  EXPECT_LT(estimate_training_memory(spec, false, true, false).activations, estimate.activations);
}

TEST(LearningRateTest, WarmsUpLinearlyThenDecaysByCosineToTheFloor) {
  const TrainSpec spec = parse({{"tokens", "1024000"}, {"warmup_fraction", "0.1"}});  // 1000 steps
  ASSERT_EQ(spec.steps, 1000);
  ASSERT_EQ(warmup_steps(spec), 100);
  EXPECT_DOUBLE_EQ(learning_rate_at(spec, 0), 0.003 / 100);
  EXPECT_DOUBLE_EQ(learning_rate_at(spec, 49), 0.003 * 50 / 100);
  EXPECT_DOUBLE_EQ(learning_rate_at(spec, 99), 0.003);
  EXPECT_DOUBLE_EQ(learning_rate_at(spec, 100), 0.003);
  EXPECT_NEAR(learning_rate_at(spec, 550), 0.003 * (0.1 + 0.9 * 0.5), 1e-12);  // halfway
  for (std::int64_t step = 100; step < 999; ++step)
    EXPECT_GT(learning_rate_at(spec, step), learning_rate_at(spec, step + 1));
  EXPECT_GT(learning_rate_at(spec, 999), 0.003 * 0.1);
  EXPECT_NEAR(learning_rate_at(spec, 999), 0.003 * 0.1, 1e-7);
}

TEST(BatchSamplerTest, DrawsTheSameSequencesForTheSameSeedStepAndRow) {
  const std::uint64_t corpus = 1'000'000;
  std::set<std::uint64_t> starts;
  for (std::int64_t row = 0; row < 64; ++row) {
    const std::uint64_t start = sequence_start(7, 12, row, corpus, 64);
    EXPECT_EQ(start, sequence_start(7, 12, row, corpus, 64));
    EXPECT_LE(start + 65, corpus);
    starts.insert(start);
  }
  EXPECT_EQ(starts.size(), 64u);  // rows differ
  EXPECT_NE(sequence_start(7, 12, 0, corpus, 64), sequence_start(7, 13, 0, corpus, 64));
  EXPECT_NE(sequence_start(7, 12, 0, corpus, 64), sequence_start(8, 12, 0, corpus, 64));
}

TEST(BatchSamplerTest, CopiesInputsWithTheirNextTokenTargets) {
  std::vector<std::uint8_t> corpus(1000);
  for (std::size_t i = 0; i < corpus.size(); ++i)
    corpus[i] = static_cast<std::uint8_t>(i % 251);
  std::vector<std::uint8_t> rows(3 * 9);
  copy_training_rows(corpus, 1, 2, 0, 3, 8, rows.data());
  for (int row = 0; row < 3; ++row) {
    const std::uint64_t start = sequence_start(1, 2, row, corpus.size(), 8);
    for (int i = 0; i < 9; ++i)
      EXPECT_EQ(rows[static_cast<std::size_t>(row * 9 + i)],
                corpus[start + static_cast<std::uint64_t>(i)]);
  }
  EXPECT_EQ(validation_windows(1000, 8, 10'000), 124);  // (1000 - 1) / 8
  EXPECT_EQ(validation_windows(1000, 8, 80), 10);
  copy_validation_rows(corpus, 2, 1, 8, rows.data());
  EXPECT_EQ(rows[0], corpus[16]);
  EXPECT_EQ(rows[8], corpus[24]);
}

TEST(CorpusTest, HoldsOutEveryHundredthBlock) {
  const std::string text(100 * 1000, 'a');
  const SplitText split = split_held_out(text);
  EXPECT_EQ(split.validation.size(), 1000u);
  EXPECT_EQ(split.train.size() + split.validation.size(), text.size());
  std::string numbered;
  for (int block = 0; block < 200; ++block)
    numbered += std::string(65536, static_cast<char>('A' + block % 100 / 4));
  const SplitText large = split_held_out(numbered);
  EXPECT_EQ(large.validation.size(), 2u * 65536);
  EXPECT_EQ(large.validation.front(), 'A' + 99 / 4);  // block 99
}

TEST(RunDirectoryTest, RefusesAnotherSpecAndASecondProcess) {
  const TemporaryFolder folder("training-run-directory");
  const std::string spec = to_json(parse());
  {
    const RunDirectory directory(folder.path() / "run");
    directory.claim(spec);
    directory.claim(spec);  // the same spec again: a restart
    EXPECT_THROW(RunDirectory(folder.path() / "run"), std::runtime_error);  // locked
    try {
      directory.claim(to_json(parse({{"lr", "0.001"}})));
      ADD_FAILURE() << "a different spec was accepted";
    } catch (const SpecError& error) {
      ASSERT_EQ(error.problems().size(), 1u);
      EXPECT_EQ(error.problems()[0].field, "lr");
      EXPECT_NE(error.problems()[0].message.find("0.003"), std::string::npos);
    }
    EXPECT_FALSE(directory.finished());
  }
  EXPECT_NO_THROW(RunDirectory(folder.path() / "run"));  // the lock went with its holder
}

TEST(RunDirectoryTest, KeepsMetricsThroughTheCheckpointStepAndDropsATornLine) {
  const TemporaryFolder folder("training-metrics");
  const RunDirectory directory(folder.path() / "run");
  const auto metrics = directory.metrics_file();
  std::ofstream(metrics) << metrics_line(ValidationPoint{0, 0, 5.5}) << '\n'
                         << metrics_line(TrainingPoint{10, 640, 3.0, 0.01, 1e-3, 1000}) << '\n'
                         << metrics_line(ValidationPoint{10, 640, 3.1}) << '\n'
                         << metrics_line(TrainingPoint{20, 1280, 2.5, 0.01, 1e-3, 1000}) << '\n'
                         << "{\"step\": 30, \"tok";
  directory.keep_metrics_through(10);
  std::ifstream in(metrics);
  std::string line;
  int lines = 0;
  while (std::getline(in, line))
    ++lines;
  EXPECT_EQ(lines, 3);
  const std::vector<ValidationPoint> curve = read_metrics_log(metrics).validation;
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_EQ(curve[1].step, 10);
  EXPECT_EQ(curve[1].loss, 3.1);
  directory.keep_metrics_through(-1);
  EXPECT_EQ(std::filesystem::file_size(metrics), 0u);
}

}  // namespace
}  // namespace moescope::training
