// Fits through the `moescope` binary and what is read from them: fit law, fit surface and fit
// isoflop, optimum and predict with a saved fit, and the explorer's read-out beside optimum's.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_fixture.h"
#include "support/routed_lm_law.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::CliTest;
using moescope::testing_support::Outcome;
using moescope::testing_support::table3_law_file;

TEST_F(CliTest, OptimumThroughASavedLawHasTheDocumentedKeys) {
  const fs::path law = write("law.json", table3_law_file());
  const Outcome free = moescope({"optimum", "--law", law.string(), "--budget", "1e20", "--json"});
  ASSERT_EQ(free.exit_code, 0) << free.err;
  const auto json = nlohmann::json::parse(free.out);
  for (const char* key : {"budget", "S", "N", "N_active", "D", "loss", "intervals",
                          "sparsity_at_bound", "params_at_cap"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  // Table 3: without a cap the loss keeps falling with sparsity (Figure 3c).
  EXPECT_EQ(json["S"], 0.98);
  EXPECT_TRUE(json["sparsity_at_bound"].get<bool>());
  EXPECT_DOUBLE_EQ(json["D"].get<double>(), 1e20 / (6.0 * json["N_active"].get<double>()));
  EXPECT_TRUE(json["intervals"]["S"].is_null());  // a law saved without replicates

  // A memory cap below the free optimum binds, and the best sparsity for it is lower.
  const double cap = json["N"].get<double>() / 10;
  const Outcome capped = moescope({"optimum", "--law", law.string(), "--budget", "1e20",
                                   "--max-params", std::to_string(cap), "--json"});
  ASSERT_EQ(capped.exit_code, 0) << capped.err;
  const auto bound = nlohmann::json::parse(capped.out);
  EXPECT_TRUE(bound["params_at_cap"].get<bool>());
  EXPECT_NEAR(bound["N"].get<double>(), cap, 1e-6 * cap);
  EXPECT_LT(bound["S"].get<double>(), 0.98);
  EXPECT_GT(bound["loss"].get<double>(), json["loss"].get<double>());
}

TEST_F(CliTest, PredictAnswersEveryRowInOrderWithTheSavedLaw) {
  const fs::path law = write("law.json", table3_law_file());
  const fs::path rows = write("configs.csv",
                              "name,N,D,S\n"
                              "small,1e8,2e9,0\n"
                              "sparse,4e9,3e10,0.9\n"
                              "small again,1e8,2e9,0\n");
  const Outcome outcome =
      moescope({"predict", "--fit", law.string(), "--data", rows.string(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto predictions = nlohmann::json::parse(outcome.out)["predictions"];
  ASSERT_EQ(predictions.size(), 3u);
  // L(1e8, 2e9, 0) with Table 3, worked out term by term.
  const double dense = 16612.5 / std::pow(1e8, 0.5962) + 5455.67 / std::pow(2e9, 0.3954) + 0.4598 +
                       17.26 / std::pow(1e8, 0.1595) + 0.94;
  EXPECT_NEAR(predictions[0]["loss"].get<double>(), dense, 1e-12);
  EXPECT_EQ(predictions[2], predictions[0]);
  EXPECT_LT(predictions[1]["loss"].get<double>(), predictions[0]["loss"].get<double>());
  EXPECT_FALSE(predictions[0].contains("lo"));  // no replicates, no interval
}

TEST_F(CliTest, PredictNamesTheRowThatLacksWhatTheLawNeeds) {
  const fs::path law = write("law.json", table3_law_file());
  const fs::path rows = write("configs.csv", "name,N,D,S\nok,1e8,2e9,0\nno tokens,1e8,,0.5\n");
  const Outcome outcome = moescope({"predict", "--fit", law.string(), "--data", rows.string()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("row 2 (no tokens): the law needs N, D and S"), std::string::npos)
      << outcome.err;
}

TEST_F(CliTest, PredictRefusesAFileThatIsNotAFit) {
  const fs::path bogus = write("bogus.json", R"({"format": "something-else"})");
  const fs::path rows = write("configs.csv", "N,D,S\n1e8,2e9,0\n");
  const Outcome outcome = moescope({"predict", "--fit", bogus.string(), "--data", rows.string()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("bogus.json: not a MoEScope fit"), std::string::npos) << outcome.err;
}

TEST_F(CliTest, FitSurfaceAtOneBudgetSavesAFitThatPredictsItsOwnRuns) {
  const std::string saved = (dir_ / "surface.json").string();
  const Outcome outcome = moescope(
      {"fit", "surface", "--data", "synthetic", "--budget", "1e20", "--save", saved, "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  for (const char* key : {"degrees", "coefficients", "cv_mse", "heldout_r", "optimum"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["budget"], 1e20);
  EXPECT_EQ(json["points"], 49);
  EXPECT_GT(json["heldout_r"].get<double>(), 0.95);
  // The fitted optimum is at the sparsest level of the data (the surface falls with S).
  EXPECT_EQ(json["optimum"]["S"], 0.98);

  const fs::path rows = write("runs.csv",
                              "N,S,C\n"
                              "1e9,0.5,1e20\n");
  const Outcome predicted =
      moescope({"predict", "--fit", saved, "--data", rows.string(), "--json"});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto prediction = nlohmann::json::parse(predicted.out)["predictions"][0];
  EXPECT_GT(prediction["loss"].get<double>(), 2.3);
  EXPECT_LT(prediction["loss"].get<double>(), 2.8);
  EXPECT_LE(prediction["lo"].get<double>(), prediction["loss"].get<double>());
  EXPECT_GE(prediction["hi"].get<double>(), prediction["loss"].get<double>());
}

TEST_F(CliTest, FitSurfaceNamesTheBudgetsWhenTheAskedOneIsAbsent) {
  const Outcome outcome = moescope({"fit", "surface", "--data", "synthetic", "--budget", "5e19"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("no runs at C=5e19 (budgets: runs within 2% of one C); budgets in "
                             "the data: 3e19, 6e19, 1e20, 3e20, 1e21"),
            std::string::npos)
      << outcome.err;
}

TEST_F(CliTest, FitLawChinchillaOnASmallGridReportsTheContractKeys) {
  // Dense runs drawn exactly from L = 1.8 + 400/N^0.34 + 2000/D^0.37.
  std::string csv = "N,D,loss\n";
  for (const double n : {5e7, 1e8, 2e8, 4e8, 8e8}) {
    for (const double d : {2e9, 8e9, 3.2e10}) {
      const double loss = 1.8 + 400 / std::pow(n, 0.34) + 2000 / std::pow(d, 0.37);
      csv += std::to_string(n) + "," + std::to_string(d) + "," + std::to_string(loss) + "\n";
    }
  }
  const fs::path data = write("dense.csv", csv);
  const Outcome outcome = moescope(
      {"fit", "law", "--form", "chinchilla", "--data", data.string(), "--threads", "2", "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  for (const char* key :
       {"form", "params", "objective", "starts", "converged", "seconds", "fit", "holdout"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["form"], "chinchilla");
  EXPECT_EQ(json["starts"], 4500);
  EXPECT_NEAR(json["params"]["E"].get<double>(), 1.8, 0.01);
  EXPECT_NEAR(json["params"]["alpha"].get<double>(), 0.34, 0.01);
  EXPECT_NEAR(json["params"]["beta"].get<double>(), 0.37, 0.01);
  EXPECT_LT(json["fit"]["mse"].get<double>(), 1e-8);
  EXPECT_EQ(json["holdout"]["points"], 0);  // dense data: nothing has S == 0.98
}

TEST_F(CliTest, FitLawRefusesTooFewRuns) {
  const fs::path data = write("tiny.csv", "N,D,loss\n1e8,2e9,3.0\n2e8,2e9,2.9\n");
  const Outcome outcome = moescope({"fit", "law", "--form", "chinchilla", "--data", data.string()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("fit refused: too few points"), std::string::npos) << outcome.err;
}

TEST_F(CliTest, FitLawRefusesABadHoldOutRule) {
  const Outcome outcome = moescope({"fit", "law", "--data", "synthetic", "--holdout", "Q == 1"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("hold-out rule 'Q == 1': unknown field 'Q'"), std::string::npos)
      << outcome.err;
}

// Issue 4's contract: the explorer's read-out at a budget is exactly what `moescope optimum`
// prints for it. Both fit the embedded synthetic grid with the full Table 2 grid (about half a
// minute each).
TEST_F(CliTest, ExplorerReadOutEqualsOptimumAtTheSameBudget) {
#ifndef MOESCOPE_HAVE_EXPLORER
  GTEST_SKIP() << "the explorer is not built here (it needs Qt 6 and VTK 9)";
#endif
  const Outcome optimum =
      moescope({"optimum", "--data", "synthetic", "--budget", "3e20", "--json"});
  ASSERT_EQ(optimum.exit_code, 0) << optimum.err;
  const Outcome explorer =
      moescope({"explore", "--data", "synthetic", "--budget", "3e20", "--print-readout"});
  ASSERT_EQ(explorer.exit_code, 0) << explorer.err;
  const auto expected = nlohmann::json::parse(optimum.out);
  const auto actual = nlohmann::json::parse(explorer.out);
  for (const char* key :
       {"budget", "S", "N", "N_active", "D", "loss", "sparsity_at_bound", "params_at_cap"}) {
    EXPECT_EQ(actual[key], expected[key]) << key;
  }
  for (const char* key : {"S", "N", "N_active", "D", "loss"}) {
    ASSERT_FALSE(expected["intervals"][key].is_null()) << key;
    EXPECT_EQ(actual["intervals"][key], expected["intervals"][key]) << key;
  }
}

// ---- moescope fit isoflop -------------------------------------------------------------------

// Chinchilla's L = 1.69 + 406.4/N^0.34 + 410.7/D^0.28 with D = C/(6N), at 4 budgets, 7 sizes
// each spaced evenly in ln N around the law's own optimum: N* ∝ C^(0.28/0.62), D* ∝ C^(0.34/0.62).
// (The same offsets from N* at every budget make the parabola's vertices an exact power law.)
// Numbers are written in shortest round-trip form.
std::string exact(double value) {
  return nlohmann::json(value).dump();
}

std::string chinchilla_isoflop_csv() {
  const double alpha = 0.34, beta = 0.28;
  const double g = std::pow(alpha * 406.4 / (beta * 410.7), 1.0 / (alpha + beta));
  std::string csv = "N,D,C,loss\n";
  for (const double budget : {1e18, 1e19, 1e20, 1e21}) {
    const double optimum = g * std::pow(budget / 6.0, beta / (alpha + beta));
    for (int i = -3; i <= 3; ++i) {
      const double n = optimum * std::exp(0.5 * i);
      const double d = budget / (6.0 * n);
      const double loss = 1.69 + 406.4 / std::pow(n, alpha) + 410.7 / std::pow(d, beta);
      csv += exact(n) + "," + exact(d) + "," + exact(budget) + "," + exact(loss) + "\n";
    }
  }
  return csv;
}

TEST_F(CliTest, FitIsoflopJsonGivesTheExponentsOfAKnownLaw) {
  const fs::path data = write("chinchilla.csv", chinchilla_isoflop_csv());
  const Outcome outcome = moescope({"fit", "isoflop", "--data", data.string(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(json["method"], "parabola");
  EXPECT_EQ(json["axis"], "N");
  EXPECT_EQ(json["options"]["bootstrap"], 100);
  EXPECT_EQ(json["data"]["runs"], 28);
  ASSERT_EQ(json["sparsities"].size(), 1u);
  const auto& level = json["sparsities"][0];
  EXPECT_EQ(level["S"], 0.0);
  ASSERT_EQ(level["optima"].size(), 4u);
  for (const auto& optimum : level["optima"]) {
    for (const char* key :
         {"C", "points", "N", "N_interval", "D", "D_interval", "loss", "loss_interval"}) {
      EXPECT_TRUE(optimum.contains(key)) << key;
    }
    // C = 6 N D in the data: D* = C / (6 N*).
    EXPECT_NEAR(
        optimum["D"].get<double>() * 6 * optimum["N"].get<double>() / optimum["C"].get<double>(),
        1.0, 1e-9);
  }
  // The vertices lie on an exact power law (exact data): a = 0.28/0.62, b = 0.34/0.62.
  const auto& n = level["exponents"]["N"];
  const auto& d = level["exponents"]["D"];
  EXPECT_NEAR(n["a"].get<double>(), 0.28 / 0.62, 1e-6);
  EXPECT_NEAR(d["a"].get<double>(), 0.34 / 0.62, 1e-6);
  EXPECT_LE(n["lo"].get<double>(), n["a"].get<double>());
  EXPECT_GE(n["hi"].get<double>(), n["a"].get<double>());
  EXPECT_GT(level["coefficients"]["N"].get<double>(), 0);
  EXPECT_GT(level["coefficients"]["D"].get<double>(), 0);
  EXPECT_EQ(level["power_law"]["budgets"], 4);
  EXPECT_FALSE(level["power_law"]["weighted"].get<bool>());
  EXPECT_TRUE(level["refused"].empty());

  // The same data by Porian et al.'s method: weighted, 1,000 noise replicates, near the truth.
  const Outcome akima =
      moescope({"fit", "isoflop", "--data", data.string(), "--method", "akima", "--json"});
  ASSERT_EQ(akima.exit_code, 0) << akima.err;
  const auto porian = nlohmann::json::parse(akima.out);
  EXPECT_EQ(porian["options"]["bootstrap"], 1000);
  EXPECT_EQ(porian["options"]["seed"], 42);
  const auto& akima_level = porian["sparsities"][0];
  EXPECT_TRUE(akima_level["power_law"]["weighted"].get<bool>());
  EXPECT_NEAR(akima_level["exponents"]["N"]["a"].get<double>(), 0.28 / 0.62, 0.01);
  EXPECT_TRUE(akima_level["optima"][0].contains("N_log_sd"));
}

TEST_F(CliTest, FitIsoflopListsRefusedBudgetsAndTheMissingPowerLaw) {
  // 1e19: a proper curve; 1e20: loss still falling at the largest size; 1e21: two runs.
  const fs::path data = write("curves.csv",
                              "N,C,loss\n"
                              "1e8,1e19,3.30\n2e8,1e19,3.10\n4e8,1e19,3.05\n8e8,1e19,3.12\n"
                              "1e8,1e20,3.00\n2e8,1e20,2.90\n4e8,1e20,2.82\n8e8,1e20,2.76\n"
                              "1e9,1e21,2.60\n2e9,1e21,2.55\n");
  for (const std::string method : {"parabola", "akima"}) {
    SCOPED_TRACE(method);
    const Outcome outcome =
        moescope({"fit", "isoflop", "--data", data.string(), "--method", method, "--json"});
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out.find("NaN"), std::string::npos);
    const auto level = nlohmann::json::parse(outcome.out)["sparsities"][0];
    ASSERT_EQ(level["optima"].size(), 1u);
    EXPECT_EQ(level["optima"][0]["C"], 1e19);
    ASSERT_EQ(level["refused"].size(), 2u);
    EXPECT_EQ(level["refused"][0]["C"], 1e20);
    EXPECT_EQ(level["refused"][0]["reason"], "no interior minimum");
    EXPECT_EQ(level["refused"][1]["C"], 1e21);
    EXPECT_EQ(level["refused"][1]["reason"], "too few points");
    // One budget left: no power law, and why.
    EXPECT_TRUE(level["exponents"].is_null());
    EXPECT_NE(level["power_law_refused"].get<std::string>().find("a power law needs two"),
              std::string::npos);
  }
  const Outcome text = moescope({"fit", "isoflop", "--data", data.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("refused: C=1e20 (4 runs): no interior minimum"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("no power law:"), std::string::npos) << text.out;
}

// ---- moescope fit surface / predict on routed-LM data (N, S and the loss only) ---------------

// The routed-LM grid of tests/support/routed_lm_law.h as CSV, without architecture or N_a: the
// runs with E = 128 go to `sparsest` without their loss.
struct RoutedFiles {
  std::string runs = "name,N,S,loss\n";
  std::string sparsest = "name,N,S\n";
  std::vector<double> sparsest_losses;
};

RoutedFiles routed_files() {
  // nlohmann's dump writes the shortest text that reads back to the same double.
  const auto number = [](double value) { return nlohmann::json(value).dump(); };
  RoutedFiles files;
  for (const auto& run : moescope::testing_support::routed_runs(0.002, 1)) {
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    std::string row = "b";
    for (const std::string& piece :
         {number(run.base_params / 1e6), std::string("M_E"), number(run.experts), std::string(","),
          number(run.total_params), std::string(","), number(run.sparsity)})
      row += piece;
    if (run.experts == 128) {
      files.sparsest += row + "\n";
      files.sparsest_losses.push_back(run.loss);
    } else {
      files.runs += row + "," + number(run.loss) + "\n";
    }
  }
  return files;
}

TEST_F(CliTest, FitSurfaceOnNAndSAloneSavesAFitThatPredictsTheSparsestRuns) {
  const RoutedFiles files = routed_files();
  const fs::path runs = write("routed.csv", files.runs);
  const std::string saved = (dir_ / "surface.json").string();
  const Outcome fitted =
      moescope({"fit", "surface", "--data", runs.string(), "--save", saved, "--json"});
  ASSERT_EQ(fitted.exit_code, 0) << fitted.err;
  EXPECT_EQ(fitted.err.find("left out"), std::string::npos) << fitted.err;  // no run lacks N_a
  const auto json = nlohmann::json::parse(fitted.out);
  EXPECT_EQ(json["points"], 49);
  EXPECT_EQ(json["axis"], "N");
  EXPECT_TRUE(json["budget"].is_null());
  // The degree rule and its numbers.
  const auto& search = json["degree_search"];
  EXPECT_EQ(search["rule"], "one-standard-error");
  EXPECT_EQ(search["max_coefficients"], 12);  // 49 runs / 4
  int coefficients = 1;
  for (const auto& degree : json["degrees"])
    coefficients += degree.get<int>();
  EXPECT_LE(coefficients, 12);
  EXPECT_GT(json["cv_se"].get<double>(), 0);
  EXPECT_LE(json["cv_mse"].get<double>(),
            search["least_cv"]["cv_mse"].get<double>() + search["least_cv"]["cv_se"].get<double>());
  EXPECT_EQ(json["bootstrap"]["replicates"], 100);

  const fs::path rows = write("sparsest.csv", files.sparsest);
  const Outcome predicted =
      moescope({"predict", "--fit", saved, "--data", rows.string(), "--json"});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto predictions = nlohmann::json::parse(predicted.out)["predictions"];
  ASSERT_EQ(predictions.size(), files.sparsest_losses.size());
  double error = 0;
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    const auto& prediction = predictions[i];
    error += std::abs(prediction["loss"].get<double>() / files.sparsest_losses[i] - 1);
    EXPECT_LT(prediction["lo"].get<double>(), prediction["hi"].get<double>());  // never zero-width
    EXPECT_LE(prediction["lo"].get<double>(), prediction["loss"].get<double>());
    EXPECT_GE(prediction["hi"].get<double>(), prediction["loss"].get<double>());
  }
  // The same fit as isoflop_surface_test's acceptance check, through the files: within 1 %.
  EXPECT_LT(error / static_cast<double>(predictions.size()), 0.01);
}

TEST_F(CliTest, FitSurfaceOnTheActiveAxisSaysWhyRunsWithoutNActiveAreLeftOut) {
  const fs::path runs = write("routed.csv", routed_files().runs);
  const Outcome outcome =
      moescope({"fit", "surface", "--data", runs.string(), "--x", "Na", "--json"});
  // The 7 dense runs have N_a = N; the 42 sparse ones have no N_a and are left out.
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.err.find("42 runs left out of the fit"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find("no N_active (the N_active axis needs it; the N axis does not)"),
            std::string::npos)
      << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(json["points"], 7);
  EXPECT_EQ(json["degrees"], nlohmann::json::parse("[0, 0, 0]"));  // 7 runs allow 1 coefficient
  ASSERT_EQ(json["notes"].size(), 1u);
  EXPECT_NE(json["notes"][0].get<std::string>().find("all points have S = 0"), std::string::npos);
  EXPECT_TRUE(json["optimum"].is_null());
  EXPECT_TRUE(json["threshold_size"].is_null());
}

TEST_F(CliTest, FitSurfaceRefusesLossesThatAreAllEqual) {
  std::string csv = "N,S,loss\n";
  for (const double n : {1e8, 2e8, 4e8, 8e8})
    for (const double s : {0.0, 0.5, 0.75})
      csv += std::to_string(n) + "," + std::to_string(s) + ",3.0\n";
  const fs::path data = write("flat.csv", csv);
  const Outcome outcome = moescope({"fit", "surface", "--data", data.string(), "--json"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("fit refused: not identified: all 12 losses equal 3"),
            std::string::npos)
      << outcome.err;
  EXPECT_TRUE(outcome.out.empty());
}

TEST_F(CliTest, PredictRefusesOtherSparsitiesWithASurfaceOfOneSparsityLevel) {
  std::string csv = "N,S,loss\n";
  for (int i = 0; i < 12; ++i) {
    const double n = 1e8 * std::pow(1.4, i);
    csv +=
        std::to_string(n) + ",0.75," +
        std::to_string(0.05 * std::pow(std::log(n) - 20.0, 2) + 2.4 + 0.002 * std::sin(3.0 * i)) +
        "\n";
  }
  const fs::path data = write("one-level.csv", csv);
  const std::string saved = (dir_ / "surface.json").string();
  const Outcome fitted = moescope({"fit", "surface", "--data", data.string(), "--save", saved});
  ASSERT_EQ(fitted.exit_code, 0) << fitted.err;
  EXPECT_NE(fitted.out.find("note: all points have S = 0.75"), std::string::npos) << fitted.out;
  const fs::path rows = write("rows.csv", "name,N,S\nsame,5e8,0.75\nother,5e8,0.5\n");
  const Outcome predicted = moescope({"predict", "--fit", saved, "--data", rows.string()});
  EXPECT_EQ(predicted.exit_code, 1);
  EXPECT_NE(predicted.err.find("row 2 (other): the surface was fitted at one sparsity level, "
                               "S = 0.75, and says nothing about S = 0.5"),
            std::string::npos)
      << predicted.err;
}

}  // namespace
