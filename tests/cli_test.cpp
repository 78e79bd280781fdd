// The `moescope` binary end to end: exit codes, messages on stderr, and what lands in the store.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
  EXPECT_NE(second.out.find("3 duplicates skipped"), std::string::npos) << second.out;
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

TEST_F(CliTest, ReportSummarisesTheEmbeddedGridByBudget) {
  const Outcome outcome = moescope({"report"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("245 runs from datasets/synthetic-table3.csv (embedded)"),
            std::string::npos)
      << outcome.out;
  for (const std::string budget : {"3e19", "6e19", "1e20", "3e20", "1e21"}) {
    EXPECT_NE(outcome.out.find("\n" + budget + " "), std::string::npos) << budget;
  }
}

// The committed default data set is exactly what its documented command makes.
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
  const Outcome outcome =
      moescope({"fit", "surface", "--budget", "1e20", "--save", saved, "--json"});
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
  const Outcome outcome = moescope({"fit", "surface", "--budget", "5e19"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("no runs at C=5e19 (within 2%); budgets in the data: 3e19, 6e19, "
                             "1e20, 3e20, 1e21"),
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
  const Outcome outcome = moescope({"fit", "law", "--holdout", "Q == 1"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("hold-out rule 'Q == 1': unknown field 'Q'"), std::string::npos)
      << outcome.err;
}

// Issue 4's contract: the explorer's read-out at a budget is exactly what `moescope optimum`
// prints for it. Both fit the embedded data with the full Table 2 grid (about half a minute each).
TEST_F(CliTest, ExplorerReadOutEqualsOptimumAtTheSameBudget) {
#ifndef MOESCOPE_HAVE_EXPLORER
  GTEST_SKIP() << "the explorer is not built here (it needs Qt 6 and VTK 9)";
#endif
  const Outcome optimum = moescope({"optimum", "--budget", "3e20", "--json"});
  ASSERT_EQ(optimum.exit_code, 0) << optimum.err;
  const Outcome explorer = moescope({"explore", "--budget", "3e20", "--print-readout"});
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

}  // namespace
