// The `moescope` binary end to end: exit codes, messages on stderr, and what lands in the store.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/read_only_folder.h"
#include "support/routed_lm_law.h"
#include "support/run_program.h"
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::Outcome;
using moescope::testing_support::read_file;
using moescope::testing_support::run_program;

class CliTest : public ::testing::Test {
 protected:
  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir_);
  }

  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }

  std::string store() const { return (dir_ / "runs.sqlite").string(); }

  moescope::testing_support::TemporaryFolder folder_{"moescope-cli"};
  const fs::path& dir_ = folder_.path();
};

const char* kGoodCsv =
    "Model Size,Training FLOP,loss\n"
    "1e8,6e18,3.1\n"
    "2e8,6e18,3.0\n"
    "4e8,6e18,3.05\n";

TEST_F(CliTest, FlopsJsonHasTheDocumentedKeysAndValues) {
  const Outcome outcome = moescope({"flops", "--d-model", "1024", "--layers", "12", "--experts",
                                    "64", "--active", "8", "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(json["N"], 9766436864.0);
  EXPECT_EQ(json["N_active"], 1310720000.0);
  EXPECT_EQ(json["S"], 0.875);
  EXPECT_EQ(json["flops_per_token_eq9"], 8172601344.0);
  EXPECT_EQ(json["flops_per_token_6Na"], 7864320000.0);
  EXPECT_DOUBLE_EQ(json["ratio"].get<double>(), 8172601344.0 / 7864320000.0);
  EXPECT_FALSE(json.contains("D"));
}

TEST_F(CliTest, FlopsRefusesMoreActiveThanTotalExperts) {
  const Outcome outcome =
      moescope({"flops", "--d-model", "512", "--layers", "4", "--experts", "8", "--active", "9"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("K=9 active experts exceed E=8 experts"), std::string::npos)
      << outcome.err;
  EXPECT_TRUE(outcome.out.empty());
}

TEST_F(CliTest, BadUsageExitsWithTwo) {
  EXPECT_EQ(moescope({"flops", "--layers", "4"}).exit_code, 2);
  EXPECT_EQ(moescope({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(moescope({}).exit_code, 2);
}

TEST_F(CliTest, ImportTwiceAddsNothingTheSecondTime) {
  const fs::path file = write("chinchilla.csv", kGoodCsv);
  const std::string mapping = "N=Model Size,C=Training FLOP,loss=loss";
  Outcome first = moescope({"import", file.string(), "--map", mapping, "--store", store()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("imported 3 runs"), std::string::npos) << first.out;
  Outcome second = moescope({"import", file.string(), "--map", mapping, "--store", store()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("imported 0 runs"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("(3 already in the store)"), std::string::npos) << second.out;
  const Outcome listed = moescope({"runs", "--json", "--store", store()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(nlohmann::json::parse(listed.out)["runs"].size(), 3u);
}

TEST_F(CliTest, BadImportNamesFileLineFieldAndLeavesTheStoreUntouched) {
  const fs::path good = write("good.csv", kGoodCsv);
  const std::string mapping = "N=Model Size,C=Training FLOP,loss=loss";
  ASSERT_EQ(moescope({"import", good.string(), "--map", mapping, "--store", store()}).exit_code, 0);
  const std::string before = moescope({"runs", "--json", "--store", store()}).out;

  const fs::path bad = write("bad.csv",
                             "Model Size,Training FLOP,loss\n"
                             "3e8,6e18,2.9\n"
                             "abc,6e18,3.0\n");
  const Outcome outcome = moescope({"import", bad.string(), "--map", mapping, "--store", store()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find(bad.string() + ":3: field N (column 'Model Size'): not a number"),
            std::string::npos)
      << outcome.err;
  // Line 2 was fine, yet nothing of the file went in.
  EXPECT_EQ(moescope({"runs", "--json", "--store", store()}).out, before);
}

TEST_F(CliTest, BadImportDoesNotCreateAStore) {
  const fs::path bad = write("bad.csv", "N,loss\n1e8,-2\n");
  EXPECT_EQ(moescope({"import", bad.string(), "--store", store()}).exit_code, 1);
  EXPECT_FALSE(fs::exists(store()));
}

TEST_F(CliTest, ExportedFilesImportBackIntoAnEqualStore) {
  const fs::path file = write("chinchilla.csv", kGoodCsv);
  ASSERT_EQ(moescope({"import", file.string(), "--map", "N=Model Size,C=Training FLOP,loss=loss",
                      "--store", store()})
                .exit_code,
            0);
  const std::string original = moescope({"runs", "--json", "--store", store()}).out;
  for (const std::string extension : {"csv", "json"}) {
    const std::string exported = (dir_ / ("export." + extension)).string();
    ASSERT_EQ(moescope({"export", exported, "--store", store()}).exit_code, 0) << extension;
    const std::string copy = (dir_ / ("copy-" + extension + ".sqlite")).string();
    ASSERT_EQ(moescope({"import", exported, "--store", copy}).exit_code, 0) << extension;
    EXPECT_EQ(moescope({"runs", "--json", "--store", copy}).out, original) << extension;
  }
}

TEST_F(CliTest, ExportRefusesAnUnknownFormat) {
  const Outcome outcome = moescope({"export", (dir_ / "runs.xlsx").string(), "--store", store()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("runs.xlsx"), std::string::npos) << outcome.err;
}

TEST_F(CliTest, ReportSummarisesTheEmbeddedSyntheticGridByBudget) {
  const Outcome outcome = moescope({"report", "--data", "synthetic"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("245 runs from datasets/synthetic-table3.csv (embedded)"),
            std::string::npos)
      << outcome.out;
  for (const std::string budget : {"3e19", "6e19", "1e20", "3e20", "1e21"}) {
    EXPECT_NE(outcome.out.find("\n" + budget + " "), std::string::npos) << budget;
  }
}

// The committed synthetic data set is exactly what its documented command makes.
TEST_F(CliTest, SynthRegeneratesTheCommittedDataset) {
  const std::string regenerated = (dir_ / "synthetic-table3.csv").string();
  const Outcome outcome = moescope({"synth", "--out", regenerated});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(read_file(regenerated),
            read_file(fs::path(MOESCOPE_SOURCE_DIR) / "datasets/synthetic-table3.csv"));
}

// A law file as `moescope fit law --save` writes it, with the paper's Table 3 coefficients.
std::string table3_law_file() {
  return R"({"format": "moescope-fit", "version": 1, "kind": "law", "form": "abnar",
    "params": {"a": 16612.5, "b": 5455.67, "c": 0.4598, "d": 17.26, "e": 0.94, "alpha": 0.5962,
               "beta": 0.3954, "gamma": 0.1595, "lambda": -0.1666, "delta": 0.1603},
    "replicates": []})";
}

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

// ---- Hostile input (issue 13) ----------------------------------------------------------------

// ~100,000 nested brackets overflowed the stack (exit 139) when a reader quoted the value; every
// reader now measures the nesting on the raw text first and names the file, line and field.
TEST_F(CliTest, NestingTooDeepIsRefusedByEveryReaderNotACrash) {
  constexpr int kDeep = 100'000;
  const std::string brackets = std::string(kDeep, '[') + std::string(kDeep, ']');
  const fs::path json = write("deep.json", "[{\"N\": " + brackets + ", \"loss\": 2}]");
  const fs::path csv = write("deep.csv", "N,D,loss,loss_curve\n1e8,1e9,2.5,\"" + brackets + "\"\n");
  const fs::path fit = write("deep-fit.json",
                             "{\"format\": \"moescope-fit\", \"version\": 1, "
                             "\"kind\": \"law\", \"params\": " +
                                 brackets + "}");
  const fs::path rows = write("rows.csv", "N,D,S\n1e8,2e9,0\n");
  const fs::path law = write("law.json", table3_law_file());
  const std::string in_json =
      "deep.json:1: field N: arrays and objects nested more than 512 deep (MoEScope's limit) at "
      "line 1, column 518, in [0].N[0][0]... (run 1)";
  const std::string in_csv =
      "deep.csv:2: field loss_curve: malformed loss_curve: arrays and objects nested more than 512 "
      "deep (MoEScope's limit) at character 513 of the value";
  const std::string in_fit =
      "deep-fit.json:1: arrays and objects nested more than 512 deep (MoEScope's limit) at line 1, "
      "column ";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"import", json.string(), "--store", store()}, in_json},
      {{"import", csv.string(), "--store", store()}, in_csv},
      {{"report", "--data", json.string()}, in_json},
      {{"report", "--data", csv.string()}, in_csv},
      {{"fit", "law", "--data", csv.string()}, in_csv},
      {{"fit", "surface", "--data", json.string()}, in_json},
      {{"fit", "isoflop", "--data", csv.string()}, in_csv},
      {{"optimum", "--data", json.string(), "--budget", "1e20"}, in_json},
      {{"predict", "--fit", law.string(), "--data", csv.string()}, in_csv},
      {{"predict", "--fit", fit.string(), "--data", rows.string()}, in_fit},
      {{"optimum", "--law", fit.string(), "--budget", "1e20"}, in_fit},
      {{"train", "plan", "--gaps", "--budgets", "1e15", "--law", fit.string(), "--store", store()},
       in_fit},
  };
  // train plan --gaps reads a store: one with a run in it.
  ASSERT_EQ(moescope({"import", write("one.csv", kGoodCsv).string(), "--map",
                      "N=Model Size,C=Training FLOP", "--store", store()})
                .exit_code,
            0);
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args.front() + " " + args[1] + " " + args[2]);
    const Outcome outcome = moescope(args);
    EXPECT_EQ(outcome.exit_code, 1) << outcome.err;  // -1: killed by a signal
    EXPECT_NE(outcome.err.find(message), std::string::npos) << outcome.err;
  }
  // Nothing was stored from the refused files.
  EXPECT_EQ(
      nlohmann::json::parse(moescope({"runs", "--json", "--store", store()}).out)["runs"].size(),
      3u);
}

// A FIT.json from `fit law --save`, edited: each field a reader uses is checked before use.
std::string law_file_with(const std::string& from, const std::string& to) {
  std::string text = table3_law_file();
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

// Corrupt fit files were answered (losses of 114.38 or -196.7, "loss": null beside finite bounds)
// or hung (a surface degree of 1e9 built a billion coefficient names); each is now refused, naming
// the file and the field, and nothing is predicted.
TEST_F(CliTest, PredictRefusesACorruptFitNamingTheFileAndField) {
  const std::string saved = (dir_ / "surface.json").string();
  ASSERT_EQ(moescope({"fit", "surface", "--data", "synthetic", "--budget", "1e20", "--bootstrap",
                      "10", "--save", saved})
                .exit_code,
            0);
  const std::string surface = read_file(saved);
  // Edits the first surface (the options before it repeat some of its keys).
  const auto surface_with = [&](const std::string& from, const std::string& to) {
    std::string text = surface;
    const std::size_t at = text.find(from, text.find("\"surfaces\": ["));
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  // a = 1e308 with alpha = -5: a loss of 1e308 N^5, infinite at any size.
  std::string huge_a = law_file_with("\"a\": 16612.5", "\"a\": 1e308");
  huge_a.replace(huge_a.find("\"alpha\": 0.5962"), 15, "\"alpha\": -5");
  const auto degrees_at = surface.find("\"degrees\": [\n        ", surface.find("\"surfaces\": ["));
  ASSERT_NE(degrees_at, std::string::npos) << surface;
  const std::string first_degree = surface.substr(degrees_at + 21, 1);
  const std::string degrees = "\"degrees\": [\n        " + first_degree;
  struct Case {
    std::string name;
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"version-text.json", law_file_with("\"version\": 1", "\"version\": \"1\""),
       "field version: fit file version \"1\" is not supported"},
      {"version-two.json", law_file_with("\"version\": 1", "\"version\": 2"),
       "field version: fit file version 2 is not supported"},
      {"form-number.json", law_file_with("\"form\": \"abnar\"", "\"form\": 5"),
       "field form: unknown law form 5; expected \"abnar\" or \"chinchilla\""},
      {"huge-a.json", huge_a, "field params.a: must be a finite number in [0, 1e+100], got 1e+308"},
      {"alpha.json", law_file_with("\"alpha\": 0.5962", "\"alpha\": -50000"),
       "field params.alpha: must be a finite number in [-10000, 10000], got -50000"},
      {"missing-e.json", law_file_with("\"e\": 0.94, ", ""), "field params.e: missing"},
      {"extra.json", law_file_with("\"e\": 0.94,", "\"e\": 0.94, \"zeta\": 1,"),
       "field params.zeta: not a parameter of the abnar form"},
      {"replicate.json",
       law_file_with("\"replicates\": []",
                     "\"replicates\": [{\"a\": 1, \"b\": 1, \"c\": 1, \"d\": 1, \"e\": \"1\", "
                     "\"alpha\": 1, \"beta\": 1, \"gamma\": 1, \"lambda\": 1, \"delta\": 1}]"),
       "field replicates[0].e: must be a finite number in [0, 1e+100], got \"1\""},
      {"degree-negative.json", surface_with(degrees, "\"degrees\": [\n        -1"),
       "field surfaces[0].degrees[0]: must be a whole number in [0, 4], got -1"},
      {"degree-fraction.json", surface_with(degrees, "\"degrees\": [\n        1.5"),
       "field surfaces[0].degrees[0]: must be a whole number in [0, 4], got 1.5"},
      {"degree-huge.json", surface_with(degrees, "\"degrees\": [\n        1e9"),
       "field surfaces[0].degrees[0]: must be a whole number in [0, 4], got 1000000000.0"},
      {"coefficient.json", surface_with("\"const\": ", "\"const\": \"x\", \"ignored\": "),
       "field surfaces[0].coefficients.const: must be a finite number, got \"x\""},
      {"axis.json", surface_with("\"axis\": \"N\",\n", "\"axis\": \"tokens\",\n"),
       "field surfaces[0].axis: must be \"N\" or \"N_active\", got \"tokens\""},
  };
  const fs::path rows = write("rows.csv", "N,D,S,C\n1e9,2e10,0.5,1e20\n");
  for (const Case& item : cases) {
    SCOPED_TRACE(item.name);
    const fs::path file = write(item.name, item.text);
    const Outcome outcome =
        moescope({"predict", "--fit", file.string(), "--data", rows.string(), "--json"});
    EXPECT_EQ(outcome.exit_code, 1) << outcome.out << outcome.err;
    EXPECT_TRUE(outcome.out.empty()) << outcome.out;
    EXPECT_NE(outcome.err.find(item.name + ": " + item.message), std::string::npos) << outcome.err;
  }
}

// A law within its file's bounds can still overflow far from its data: the row is refused rather
// than answered with null (or with a loss beside infinite bounds).
TEST_F(CliTest, PredictRefusesARowWhereTheLawGivesNoFiniteLoss) {
  const fs::path law = write("steep.json", law_file_with("\"alpha\": 0.5962", "\"alpha\": -10"));
  const fs::path rows = write("rows.csv", "name,N,D,S\nnear,1e8,2e9,0\nfar,1e200,2e9,0\n");
  const Outcome outcome =
      moescope({"predict", "--fit", law.string(), "--data", rows.string(), "--json"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_TRUE(outcome.out.empty()) << outcome.out;
  EXPECT_NE(outcome.err.find("row 2 (far): the fit gives no finite loss here (inf)"),
            std::string::npos)
      << outcome.err;
}

TEST_F(CliTest, OptimumAndPlanRefuseACorruptLawNamingTheField) {
  const fs::path law = write("law.json", law_file_with("\"form\": \"abnar\"", "\"form\": 5"));
  Outcome outcome = moescope({"optimum", "--law", law.string(), "--budget", "1e20"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("law.json: field form: unknown law form 5"), std::string::npos)
      << outcome.err;
  ASSERT_EQ(moescope({"import", write("one.csv", kGoodCsv).string(), "--map",
                      "N=Model Size,C=Training FLOP", "--store", store()})
                .exit_code,
            0);
  outcome = moescope(
      {"train", "plan", "--gaps", "--budgets", "1e15", "--law", law.string(), "--store", store()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("law.json: field form: unknown law form 5"), std::string::npos)
      << outcome.err;
}

// A store whose user_version is negative crashed every command (exit 139 in schema preparation,
// std::bad_alloc for -1).
TEST_F(CliTest, AStoreWithANegativeSchemaVersionIsRefusedNamingIt) {
  ASSERT_EQ(moescope({"import", write("one.csv", kGoodCsv).string(), "--map",
                      "N=Model Size,C=Training FLOP", "--store", store()})
                .exit_code,
            0);
  // The header's user_version (bytes 60-63, big-endian), as `PRAGMA user_version = N` writes it.
  for (const std::uint32_t version : {0x80000000u, 0xffffffffu}) {
    std::fstream file(store(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(60);
    for (const int shift : {24, 16, 8, 0})
      file.put(static_cast<char>((version >> shift) & 0xff));
    file.close();
    const std::string shown = std::to_string(static_cast<std::int32_t>(version));
    SCOPED_TRACE(shown);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"runs", "--store", store()},
          std::vector<std::string>{"import", write("two.csv", kGoodCsv).string(), "--map",
                                   "N=Model Size,C=Training FLOP", "--store", store()},
          std::vector<std::string>{"export", (dir_ / "out.csv").string(), "--store", store()}}) {
      const Outcome outcome = moescope(args);
      EXPECT_EQ(outcome.exit_code, 1) << outcome.err;
      EXPECT_NE(outcome.err.find(store() + " has schema version " + shown +
                                 " (PRAGMA user_version), which no MoEScope writes"),
                std::string::npos)
          << outcome.err;
    }
  }
}

// A WAL store in a folder that cannot be written ("unable to open database file": SQLite could not
// create the store's -shm index there) is read as a read-only copy; writing to it is refused.
TEST_F(CliTest, AStoreInAReadOnlyFolderCanBeRead) {
  const fs::path folder = dir_ / "read-only";
  fs::create_directory(folder);
  const std::string copy = (folder / "runs.sqlite").string();
  ASSERT_EQ(moescope({"import", write("one.csv", kGoodCsv).string(), "--map",
                      "N=Model Size,C=Training FLOP", "--store", copy})
                .exit_code,
            0);
  const fs::path scratch = dir_ / "scratch";
  fs::create_directory(scratch);
  const auto read_only = [&](const std::vector<std::string>& args) {
    return moescope::testing_support::run_with_read_only_folder(folder, MOESCOPE_BINARY, args,
                                                                scratch);
  };
  const auto runs = read_only({"runs", "--json", "--store", copy});
  if (!runs)
    GTEST_SKIP() << "running as root without the right to mount: no folder can be made read-only";
  SCOPED_TRACE(describe(runs->second));
  ASSERT_EQ(runs->first.exit_code, 0) << runs->first.err;
  EXPECT_EQ(nlohmann::json::parse(runs->first.out)["runs"].size(), 3u);
  const std::string exported = (dir_ / "exported.csv").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"export", exported, "--store", copy},
        std::vector<std::string>{"report", "--store", copy},
        std::vector<std::string>{"runs", "delete", "--where", "N > 0", "--dry-run", "--store",
                                 copy}}) {
    SCOPED_TRACE(args.front());
    const auto outcome = read_only(args);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->first.exit_code, 0) << outcome->first.err;
  }
  EXPECT_EQ(read_file(exported).empty(), false);
  // Deleting needs to write: refused, and the store is as it was.
  const auto deleted = read_only({"runs", "delete", "--where", "N > 0", "--store", copy});
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->first.exit_code, 1);
  EXPECT_NE(
      deleted->first.err.find(folder.string() + " cannot be written: a read-only filesystem?"),
      std::string::npos)
      << deleted->first.err;
  EXPECT_EQ(nlohmann::json::parse(moescope({"runs", "--json", "--store", copy}).out)["runs"].size(),
            3u);
  // Nothing was left beside the store by the reads.
  EXPECT_FALSE(fs::exists(copy + "-shm"));
  EXPECT_FALSE(fs::exists(copy + "-wal"));
}

}  // namespace
