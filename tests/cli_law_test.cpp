// `moescope fit law` and `moescope optimum` on data they did not make: the form the data
// supports, refusals with reasons, extrapolation flags and validation across budgets, through
// the binary as a user runs it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/json_checks.h"
#include "support/run_program.h"
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::Outcome;
using moescope::testing_support::run_program;

const fs::path kEpochData =
    fs::path(MOESCOPE_EXTERNAL_DIR) / "chinchilla-epoch" / "svg_extracted_data.csv";
const char* kEpochMapping = "N=Model Size,C=Training FLOP,x=,y=,color=,hex_color=";

using moescope::testing_support::has_non_finite;

class CliLawTest : public ::testing::Test {
 protected:
  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir_);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  // A dense Chinchilla-form grid: 5 budgets x 5 sizes from a known law, with 1 % wiggle.
  fs::path dense_grid() const {
    std::string csv = "N,D,loss\n";
    int k = 0;
    for (const double budget : {1e17, 1e18, 1e19, 1e20, 1e21}) {
      for (const double size : {3e7, 1e8, 3e8, 1e9, 3e9}) {
        const double tokens = budget / (6 * size);
        const double loss = (1.8 + 480 / std::pow(size, 0.35) + 2100 / std::pow(tokens, 0.37)) *
                            (1 + 0.01 * ((k++ % 3) - 1));
        csv +=
            std::to_string(size) + "," + std::to_string(tokens) + "," + std::to_string(loss) + "\n";
      }
    }
    return write("dense.csv", csv);
  }

  moescope::testing_support::TemporaryFolder folder_{"moescope-cli-law"};
  const fs::path& dir_ = folder_.path();
};

// The Done means: on dense data the optimum names Chinchilla's form, S = 0, and makes no
// sparsity claim.
TEST_F(CliLawTest, OptimumOnEpochsChinchillaDataIsDenseAndNamesItsForm) {
  if (!fs::exists(kEpochData))
    GTEST_SKIP() << "Epoch AI's Chinchilla data is absent: " << kEpochData;
  const Outcome outcome =
      moescope({"optimum", "--data", kEpochData.string(), "--map", kEpochMapping, "--budget",
                "1e20", "--bootstrap", "20", "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(json["form"], "chinchilla");
  EXPECT_EQ(json["S"], 0.0);
  EXPECT_EQ(json["law_sparsity"], 0.0);
  EXPECT_EQ(json["N"], json["N_active"]);
  EXPECT_TRUE(json["intervals"]["S"].is_null());
  EXPECT_FALSE(json["sparsity_at_bound"].get<bool>());
  // Chinchilla's compute-optimal size at 1e20 FLOPs is about a billion parameters.
  EXPECT_GT(json["N"].get<double>(), 3e8);
  EXPECT_LT(json["N"].get<double>(), 3e9);
  EXPECT_TRUE(json["extrapolation"].is_null());
  EXPECT_FALSE(has_non_finite(json));
  EXPECT_NE(outcome.err.find("sparsity terms are not identified"), std::string::npos)
      << outcome.err;
}

TEST_F(CliLawTest, FitLawSaysWhichFormItFittedAndWhy) {
  const Outcome text = moescope({"fit", "law", "--data", dense_grid().string(), "--holdout", ""});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Law chinchilla"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("every fit point has S = 0"), std::string::npos) << text.out;
  // Nothing held out: the row says so rather than printing a mean over no runs.
  EXPECT_EQ(text.out.find("nan"), std::string::npos) << text.out;

  const Outcome json = moescope({"fit", "law", "--data", dense_grid().string(), "--holdout", "",
                                 "--bootstrap", "50", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto fit = nlohmann::json::parse(json.out);
  EXPECT_EQ(fit["form"], "chinchilla");
  EXPECT_EQ(fit["law_sparsity"], 0.0);
  EXPECT_EQ(fit["bootstrap"]["replicates"], 50);
  for (const auto& [name, interval] : fit["param_intervals"].items())
    EXPECT_LT(interval[0].get<double>(), interval[1].get<double>()) << name;
  EXPECT_NEAR(fit["data"]["range"]["C"][0].get<double>() / 1e17, 1.0, 1e-9);
  EXPECT_FALSE(has_non_finite(fit));

  // Asked for Eq. 6 by name on one sparsity level: refused, exit 1, with the reason.
  const Outcome abnar =
      moescope({"fit", "law", "--form", "abnar", "--data", dense_grid().string(), "--holdout", ""});
  EXPECT_EQ(abnar.exit_code, 1);
  EXPECT_NE(abnar.err.find("distinct values of S"), std::string::npos) << abnar.err;
}

TEST_F(CliLawTest, DataThatCannotDetermineALawIsRefusedWithTheReason) {
  std::string one_size = "N,D,loss\n";
  for (const double tokens : {1e9, 2e9, 4e9, 8e9, 1.6e10, 3.2e10, 6.4e10})
    one_size += "1e8," + std::to_string(tokens) + "," + std::to_string(2 + 1e3 / tokens) + "\n";
  for (const char* command : {"fit", "optimum"}) {
    std::vector<std::string> args = {command};
    if (std::string(command) == "fit")
      args.push_back("law");
    for (const std::string& arg : {std::string("--data"), write("one_size.csv", one_size).string(),
                                   std::string("--holdout"), std::string("")})
      args.push_back(arg);
    if (std::string(command) == "optimum") {
      args.push_back("--budget");
      args.push_back("1e20");
    }
    const Outcome outcome = moescope(args);
    EXPECT_EQ(outcome.exit_code, 1) << command;
    EXPECT_NE(outcome.err.find("not identified"), std::string::npos) << outcome.err;
    EXPECT_NE(outcome.err.find("N = 1e8"), std::string::npos) << outcome.err;
    EXPECT_TRUE(outcome.out.empty()) << outcome.out;
  }
}

TEST_F(CliLawTest, OptimumFarBeyondTheDataIsMarkedAsExtrapolated) {
  const fs::path law = dir_ / "law.json";
  ASSERT_EQ(moescope({"fit", "law", "--data", dense_grid().string(), "--holdout", "", "--bootstrap",
                      "20", "--save", law.string()})
                .exit_code,
            0);
  const Outcome json = moescope({"optimum", "--law", law.string(), "--budget", "1e25", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto readout = nlohmann::json::parse(json.out);
  ASSERT_TRUE(readout["extrapolation"].is_object()) << json.out;
  EXPECT_EQ(readout["extrapolation"]["budget"]["value"], 1e25);
  EXPECT_EQ(readout["extrapolation"]["budget"]["data"][1], 1e21);
  EXPECT_TRUE(readout["extrapolation"].contains("N"));
  EXPECT_FALSE(has_non_finite(readout));

  const Outcome text = moescope({"optimum", "--law", law.string(), "--budget", "1e25"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("EXTRAPOLATED"), std::string::npos) << text.out;
  const Outcome inside = moescope({"optimum", "--law", law.string(), "--budget", "3e20"});
  EXPECT_EQ(inside.out.find("EXTRAPOLATED"), std::string::npos) << inside.out;
}

TEST_F(CliLawTest, ValidationAcrossBudgetsScoresEachBudgetAndTheLargest) {
  const Outcome budgets = moescope({"fit", "law", "--data", dense_grid().string(), "--holdout", "",
                                    "--validate", "budgets", "--json"});
  ASSERT_EQ(budgets.exit_code, 0) << budgets.err;
  const auto json = nlohmann::json::parse(budgets.out);
  ASSERT_EQ(json["validation"]["scheme"], "budgets");
  ASSERT_EQ(json["validation"]["budgets"].size(), 5u);
  for (const auto& budget : json["validation"]["budgets"]) {
    EXPECT_EQ(budget["points"], 5);
    EXPECT_EQ(budget["fitted_points"], 20);
    // The generating law misses each point by its 1 % wiggle (4 of 5 points, at ~3-5 nats): an
    // MSE of ~1e-3. A refit that never saw the budget, extrapolating at the two ends, may miss
    // by more, but not by an order of magnitude beyond the noise.
    EXPECT_LT(budget["mse"].get<double>(), 2e-2) << budget.dump();
    EXPECT_NEAR(budget["best_predicted_loss"].get<double>(),
                budget["best_observed_loss"].get<double>(), 0.15)
        << budget.dump();
  }
  EXPECT_FALSE(has_non_finite(json));

  const Outcome forward = moescope(
      {"fit", "law", "--data", dense_grid().string(), "--holdout", "", "--validate", "forward"});
  ASSERT_EQ(forward.exit_code, 0) << forward.err;
  EXPECT_NE(forward.out.find("predicting the largest"), std::string::npos) << forward.out;
  EXPECT_NE(forward.out.find("1e21"), std::string::npos) << forward.out;
}

}  // namespace
