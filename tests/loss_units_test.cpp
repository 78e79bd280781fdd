// Loss units (issue 16): conversion where the user defines one, and every fit refusing losses in
// more than one unit, through core's one gathering of runs (scaling_points, surface_points,
// downstream_points) and the explorer's load; the saved fit records its unit.
#include "moescope/run/loss_units.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/fit/downstream_fit.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/fit/optimum_report.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/fit/usable_runs.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/saved_fit.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/quick_law_fit.h"

namespace moescope {
namespace {

using testing_support::quick_chinchilla_options;

constexpr double kBytesPerToken = 4.2;

// The synthetic grid at one sparsity level (nats/token, the paper's unit).
std::vector<moescope::Run> dense_runs() {
  std::vector<moescope::Run> runs = generate_synthetic_grid({});
  std::erase_if(runs, [](const moescope::Run& run) { return *run.sparsity != 0; });
  return runs;
}

// The same runs with the first `count` measured per byte of a text of kBytesPerToken bytes per
// token, as a byte-level model of the same quality would report them.
std::vector<moescope::Run> with_byte_level_runs(std::vector<moescope::Run> runs,
                                                std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    runs[i].loss = *runs[i].loss / kBytesPerToken;
    runs[i].loss_unit = LossUnit::kNatsPerByte;
  }
  return runs;
}

std::string refusal_of(const std::function<void()>& fit) {
  try {
    fit();
  } catch (const FitRefused& refused) {
    EXPECT_EQ(refused.reason(), RefusalReason::kMixedLossUnits);
    return refused.what();
  }
  ADD_FAILURE() << "the fit was not refused";
  return {};
}

TEST(ConvertLoss, FollowsNatsPerBitsAndBytesPerToken) {
  EXPECT_DOUBLE_EQ(*convert_loss(1.0, LossUnit::kBitsPerByte, LossUnit::kNatsPerByte, std::nullopt),
                   std::numbers::ln2);
  EXPECT_DOUBLE_EQ(*convert_loss(1.0, LossUnit::kNatsPerByte, LossUnit::kNatsPerToken, 4.0), 4.0);
  EXPECT_DOUBLE_EQ(*convert_loss(2.0, LossUnit::kBitsPerToken, LossUnit::kNatsPerByte, 4.0),
                   2.0 * std::numbers::ln2 / 4.0);
  EXPECT_DOUBLE_EQ(*convert_loss(3.0, LossUnit::kNatsPerToken, LossUnit::kBitsPerByte, 4.0),
                   3.0 / 4.0 / std::numbers::ln2);
  // Between tokens and bytes only the user knows the factor.
  EXPECT_FALSE(convert_loss(1.0, LossUnit::kNatsPerToken, LossUnit::kNatsPerByte, std::nullopt));
}

TEST(ConvertLosses, ConvertsLossesAndCurvesKeepingIds) {
  std::vector<moescope::Run> runs = with_byte_level_runs(dense_runs(), 2);
  runs[0].loss_curve = {{.step = 10, .tokens = 1e6, .loss = 1.0}};
  const std::vector<moescope::Run> converted =
      convert_losses(runs, LossConversion{.to = std::nullopt, .bytes_per_token = kBytesPerToken});
  for (std::size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(converted[i].id, runs[i].id);
    EXPECT_EQ(converted[i].loss_unit, LossUnit::kNatsPerToken);
    const double factor = i < 2 ? kBytesPerToken : 1.0;
    EXPECT_DOUBLE_EQ(*converted[i].loss, *runs[i].loss * factor);
  }
  EXPECT_DOUBLE_EQ(converted[0].loss_curve[0].loss, kBytesPerToken);
  // Nothing asked, nothing changed.
  EXPECT_EQ(convert_losses(runs, {}), runs);
}

TEST(ConvertLosses, RefusesWhatNeedsBytesPerTokenNamingTheRuns) {
  const std::vector<moescope::Run> runs = with_byte_level_runs(dense_runs(), 3);
  try {
    convert_losses(runs, LossConversion{.to = LossUnit::kNatsPerToken, .bytes_per_token = {}});
    FAIL() << "converted without bytes per token";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("3 runs in nats/byte"), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("--bytes-per-token"), std::string::npos);
  }
  EXPECT_THROW(convert_losses(runs, LossConversion{.to = {}, .bytes_per_token = 0.0}), InputError);
  // Within bytes no factor is needed: bits and nats differ by ln 2.
  const std::vector<moescope::Run> per_byte = with_byte_level_runs(runs, runs.size());
  const std::vector<moescope::Run> in_bits = convert_losses(
      per_byte, LossConversion{.to = LossUnit::kBitsPerByte, .bytes_per_token = std::nullopt});
  EXPECT_DOUBLE_EQ(*in_bits[0].loss, *per_byte[0].loss / std::numbers::ln2);
}

TEST(MixedLossUnits, EveryFitRefusesThemNamingUnitsAndCounts) {
  const std::vector<moescope::Run> runs = with_byte_level_runs(dense_runs(), 3);
  const std::size_t per_token = runs.size() - 3;
  const std::string law = refusal_of([&] {
    fit_law_to_runs(runs, RunFilter::parse(""), LawForm::kChinchilla, quick_chinchilla_options());
  });
  EXPECT_NE(law.find(std::to_string(per_token) + " runs in nats/token, 3 runs in nats/byte"),
            std::string::npos)
      << law;
  EXPECT_NE(law.find("--bytes-per-token"), std::string::npos) << law;
  EXPECT_NE(law.find("loss_unit == \"nats/token\""), std::string::npos) << law;
  refusal_of([&] { surface_points(runs, SizeAxis::kTotal); });
  refusal_of([&] { fitted_loss_unit(runs); });
  refusal_of([&] { load_explorer_data(runs, ExplorerLoadOptions::quick()); });

  std::vector<moescope::Run> with_metrics = runs;
  with_metrics[0].downstream = {{.task = "t", .kind = MetricKind::kAccuracy, .value = 0.6}};
  with_metrics.back().downstream = {{.task = "t", .kind = MetricKind::kAccuracy, .value = 0.7}};
  refusal_of([&] { downstream_points(with_metrics, "t"); });
}

TEST(MixedLossUnits, BitsAndNatsPerByteAskForAConversionWithoutBytesPerToken) {
  std::vector<moescope::Run> runs = with_byte_level_runs(dense_runs(), dense_runs().size());
  runs[0].loss = *runs[0].loss / std::numbers::ln2;
  runs[0].loss_unit = LossUnit::kBitsPerByte;
  const std::string refused = refusal_of([&] { scaling_points(runs); });
  EXPECT_NE(refused.find("--convert-loss"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("--bytes-per-token"), std::string::npos) << refused;
  const ScalingData converted = scaling_points(
      convert_losses(runs, LossConversion{.to = LossUnit::kNatsPerByte, .bytes_per_token = {}}));
  EXPECT_EQ(converted.loss_unit, LossUnit::kNatsPerByte);
  EXPECT_EQ(converted.points.size(), runs.size());
}

// Only the runs a fit takes count: a failed run has no loss, whatever its unit says.
TEST(MixedLossUnits, RunsAFitLeavesOutDoNotCount) {
  std::vector<moescope::Run> runs = dense_runs();
  moescope::Run failed = runs.front();
  failed.id = "failed";
  failed.status = RunStatus::kFailed;
  failed.loss.reset();
  failed.loss_unit = LossUnit::kNatsPerByte;
  runs.push_back(failed);
  EXPECT_EQ(scaling_points(runs).loss_unit, LossUnit::kNatsPerToken);
  EXPECT_EQ(fitted_loss_unit(runs), LossUnit::kNatsPerToken);
}

// Converted with the factor they were made with, the byte-level runs are the per-token runs
// again, and the law fitted to them is the one fitted to the per-token runs alone.
TEST(MixedLossUnits, AConversionFitsTheSameLawAsOneUnit) {
  const std::vector<moescope::Run> per_token = dense_runs();
  const std::vector<moescope::Run> mixed = with_byte_level_runs(per_token, 5);
  const RunLawFit expected = fit_law_to_runs(per_token, RunFilter::parse(""), LawForm::kChinchilla,
                                             quick_chinchilla_options());
  const RunLawFit converted = fit_law_to_runs(
      convert_losses(mixed, LossConversion{.to = {}, .bytes_per_token = kBytesPerToken}),
      RunFilter::parse(""), LawForm::kChinchilla, quick_chinchilla_options());
  EXPECT_EQ(converted.scope.loss_unit, LossUnit::kNatsPerToken);
  EXPECT_EQ(converted.summary.fit.points, expected.summary.fit.points);
  const auto want = expected.summary.law.parameters();
  const auto got = converted.summary.law.parameters();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i].second, want[i].second, 1e-6 * std::abs(want[i].second)) << want[i].first;
}

// The saved fit says its unit, so that predictions and read-outs say theirs; a file written
// before units were saved reads as nats/token.
TEST(SavedFitLossUnit, IsWrittenReadAndCarriedToTheReadOut) {
  const std::vector<moescope::Run> runs = with_byte_level_runs(dense_runs(), dense_runs().size());
  const RunLawFit fitted =
      fit_law_to_runs(runs, RunFilter::parse(""), LawForm::kChinchilla, quick_chinchilla_options());
  EXPECT_EQ(fitted.scope.loss_unit, LossUnit::kNatsPerByte);
  FitDataSummary summary{"runs.csv",
                         fitted.data.points.size(),
                         0,
                         "",
                         fitted.data.loss_unit,
                         LossConversion{.to = LossUnit::kNatsPerByte, .bytes_per_token = {}}};
  const nlohmann::ordered_json written = law_json(fitted, summary);
  EXPECT_EQ(written["loss_unit"], "nats/byte");
  EXPECT_EQ(written["data"]["loss_conversion"]["to"], "nats/byte");
  const nlohmann::json file = nlohmann::json::parse(written.dump());
  const SavedLaw saved = read_saved_law(file, "FIT.json");
  EXPECT_EQ(saved.scope.loss_unit, LossUnit::kNatsPerByte);
  const OptimumReadOut read_out =
      read_optimum(saved.law, saved.scope, {}, 1e19, OptimumOptions{}, false);
  EXPECT_EQ(nlohmann::json::parse(optimum_json(read_out))["loss_unit"], "nats/byte");

  nlohmann::json old = file;
  old.erase("loss_unit");
  EXPECT_EQ(read_saved_law(old, "FIT.json").scope.loss_unit, LossUnit::kNatsPerToken);
  nlohmann::json wrong = file;
  wrong["loss_unit"] = "nats/word";
  try {
    read_saved_law(wrong, "FIT.json");
    FAIL() << "read an unknown unit";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("loss_unit"), std::string::npos) << error.what();
  }
}

// A law the fit wrote is one the reader takes, however far its data let an exponent go: the
// study's Eq. 6 fit has lambda = -34 in some bootstrap refits (a term that is c at S = 0 only).
TEST(SavedFitLossUnit, ALawWithAFarExponentReadsBack) {
  const std::vector<moescope::Run> runs = with_byte_level_runs(dense_runs(), dense_runs().size());
  RunLawFit fitted =
      fit_law_to_runs(runs, RunFilter::parse(""), LawForm::kChinchilla, quick_chinchilla_options());
  fitted.summary.law.chinchilla.alpha = -34;
  fitted.summary.replicates.assign(2, fitted.summary.law);
  FitDataSummary summary{"runs.csv", fitted.data.points.size(), 0, "", fitted.data.loss_unit, {}};
  const nlohmann::json file = nlohmann::json::parse(law_json(fitted, summary).dump());
  const SavedLaw saved = read_saved_law(file, "FIT.json");
  EXPECT_EQ(saved.law.chinchilla.alpha, -34);
  EXPECT_EQ(saved.replicates.size(), 2u);
  nlohmann::json beyond = file;
  beyond["params"]["alpha"] = 2e4;
  EXPECT_THROW(read_saved_law(beyond, "FIT.json"), InputError);
}

// The explorer names the unit of what it fitted on its loss axes.
TEST(ExplorerLossUnit, LossAxesNameTheDataUnit) {
  const std::vector<moescope::Run> runs = with_byte_level_runs(generate_synthetic_grid({}), 245);
  ASSERT_EQ(runs.size(), 245u);
  const ExplorerLoad load = load_explorer_data(runs, ExplorerLoadOptions::quick());
  EXPECT_EQ(load.data.loss_unit, LossUnit::kNatsPerByte);
  ExplorerState state;
  state.budget = 1e20;
  const Figure by_sparsity = figure(FigureId::kLossVsSparsity, load.data, state);
  EXPECT_EQ(by_sparsity.y_label, "Loss L (nats/byte)");
}

}  // namespace
}  // namespace moescope
