// The data sets built into `moescope` (app/default_data.h): MoEScope's own study is what a command
// reads without --data or --store, and `--data synthetic` names the paper's synthetic Table-3 grid
// wherever --data is taken. The study grows as runs are trained, so what is expected of it is read
// from datasets/moe-study/runs.json itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_program.h"
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::Outcome;
using moescope::testing_support::read_file;
using moescope::testing_support::run_program;

const fs::path kStudy = fs::path(MOESCOPE_SOURCE_DIR) / "datasets" / "moe-study" / "runs.json";
const fs::path kSynthetic = fs::path(MOESCOPE_SOURCE_DIR) / "datasets" / "synthetic-table3.csv";

// What a data file holds, as `moescope report` summarises it: the runs with a C and a loss, their
// budgets (values of C more than 10 % apart: the study's and the grid's budgets lie a factor of 2
// or more apart, their runs within 2 % of them), sparsity levels and loss units.
struct Holdings {
  std::size_t runs = 0;
  std::size_t budgets = 0;
  std::set<double> sparsities;
  std::set<std::string> units;
};

Holdings holdings(const std::vector<nlohmann::json>& runs) {
  Holdings held;
  std::vector<double> compute;
  for (const nlohmann::json& run : runs) {
    if (!run.contains("C") || !run.contains("loss"))
      continue;
    ++held.runs;
    compute.push_back(run["C"].get<double>());
    if (run.contains("S"))
      held.sparsities.insert(run["S"].get<double>());
    held.units.insert(run.value("loss_unit", std::string("nats/token")));
  }
  std::sort(compute.begin(), compute.end());
  for (std::size_t i = 0; i < compute.size(); ++i) {
    if (i == 0 || compute[i] > 1.1 * compute[i - 1])
      ++held.budgets;
  }
  return held;
}

Holdings study_holdings() {
  const auto file = nlohmann::json::parse(read_file(kStudy));
  return holdings(file["runs"].get<std::vector<nlohmann::json>>());
}

// What the synthetic CSV holds, its rows read as JSON objects (its cells are plain numbers and
// words: no quotes, no commas inside).
Holdings synthetic_holdings() {
  std::istringstream text(read_file(kSynthetic));
  std::string line;
  std::getline(text, line);
  std::vector<std::string> header;
  std::stringstream names(line);
  for (std::string name; std::getline(names, name, ',');)
    header.push_back(name);
  std::vector<nlohmann::json> runs;
  while (std::getline(text, line)) {
    nlohmann::json run;
    std::stringstream cells(line);
    std::string cell;
    for (std::size_t column = 0; column < header.size() && std::getline(cells, cell, ',');
         ++column) {
      if (cell.empty())
        continue;
      const std::string& name = header[column];
      if (name == "C" || name == "loss" || name == "S")
        run[name] = std::stod(cell);
      else if (name == "loss_unit")
        run[name] = cell;
    }
    runs.push_back(run);
  }
  return holdings(runs);
}

// The rows of the report's table that starts after the line `title`, up to the blank line.
std::vector<std::vector<std::string>> table_after(const std::string& report,
                                                  const std::string& title) {
  std::vector<std::vector<std::string>> rows;
  const std::size_t at = report.find(title);
  if (at == std::string::npos)
    return rows;
  std::istringstream lines(report.substr(report.find('\n', at) + 1));
  for (std::string line; std::getline(lines, line) && !line.empty();) {
    std::istringstream words(line);
    std::vector<std::string>& row = rows.emplace_back();
    for (std::string word; words >> word;)
      row.push_back(word);
  }
  return rows;
}

// Checks that a report shows what the file holds: one row per budget whose runs add up to the
// file's, and one column per sparsity level (a budget may lack some).
void expect_report_shows(const std::string& report, const Holdings& held) {
  const auto budgets = table_after(report, "Best observed run per compute budget");
  ASSERT_EQ(budgets.size(), held.budgets + 1) << report;  // and the header
  std::size_t runs = 0;
  std::size_t most_sparsities = 0;
  for (std::size_t row = 1; row < budgets.size(); ++row) {
    runs += std::stoul(budgets[row].at(1));
    most_sparsities = std::max<std::size_t>(most_sparsities, std::stoul(budgets[row].at(2)));
  }
  EXPECT_EQ(runs, held.runs) << report;
  EXPECT_LE(most_sparsities, held.sparsities.size()) << report;
  const auto by_sparsity = table_after(report, "Lowest observed loss by budget and sparsity:");
  ASSERT_EQ(by_sparsity.size(), held.budgets + 1) << report;
  // "budget C \ S" and then one column per level.
  EXPECT_EQ(by_sparsity.front().size(), 4 + held.sparsities.size()) << report;
  ASSERT_EQ(held.units.size(), 1u);
  EXPECT_NE(report.find("Losses in " + *held.units.begin() + ".\n"), std::string::npos) << report;
}

class CliEmbeddedDataTest : public ::testing::Test {
 protected:
  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir_);
  }
  // `moescope args...` run in the test's folder (env -C), where a file may share a set's name.
  Outcome moescope_here(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-C", dir_.string(), MOESCOPE_BINARY});
    return run_program("/usr/bin/env", args, dir_);
  }

  moescope::testing_support::TemporaryFolder folder_{"moescope-cli-embedded"};
  const fs::path& dir_ = folder_.path();
};

TEST_F(CliEmbeddedDataTest, ReportWithoutDataSummarisesTheStudyByBudgetAndSparsity) {
  const Holdings study = study_holdings();
  ASSERT_GT(study.runs, 0u);
  EXPECT_EQ(study.units, std::set<std::string>{"nats/byte"});  // the trainer is byte-level
  const Outcome outcome = moescope({"report"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("MoEScope report: " + std::to_string(study.runs) +
                             " runs from datasets/moe-study/runs.json (embedded)\n"),
            std::string::npos)
      << outcome.out;
  // What the set is, and how to read the other.
  EXPECT_NE(outcome.out.find("MoEScope's own MoE study"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("also built in: --data synthetic"), std::string::npos) << outcome.out;
  expect_report_shows(outcome.out, study);

  // --data study names the same set.
  const Outcome named = moescope({"report", "--data", "study"});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out, outcome.out);
}

TEST_F(CliEmbeddedDataTest, DataSyntheticIsTheTable3Grid) {
  const Holdings grid = synthetic_holdings();
  const Outcome outcome = moescope({"report", "--data", "synthetic"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("MoEScope report: " + std::to_string(grid.runs) +
                             " runs from datasets/synthetic-table3.csv (embedded)\n"),
            std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find("also built in: --data study"), std::string::npos) << outcome.out;
  expect_report_shows(outcome.out, grid);
  // Curation applies as to a file.
  const Outcome dense = moescope({"report", "--data", "synthetic", "--where", "S == 0"});
  ASSERT_EQ(dense.exit_code, 0) << dense.err;
  EXPECT_NE(dense.out.find(std::to_string(grid.runs / grid.sparsities.size()) +
                           " runs from datasets/synthetic-table3.csv (embedded) (where S == 0)"),
            std::string::npos)
      << dense.out;
}

// The bare name is the embedded set even beside a file of that name; a path is the file (read as
// a file: refused, since its name gives no format).
TEST_F(CliEmbeddedDataTest, APathReadsAFileThatSharesASetsName) {
  std::ofstream(dir_ / "synthetic") << "N,C,loss\n1e8,6e18,3.1\n2e8,6e18,3.0\n4e8,6e18,3.05\n";
  const Outcome embedded = moescope_here({"report", "--data", "synthetic"});
  ASSERT_EQ(embedded.exit_code, 0) << embedded.err;
  EXPECT_NE(embedded.out.find("runs from datasets/synthetic-table3.csv (embedded)"),
            std::string::npos)
      << embedded.out;
  const Outcome file = moescope_here({"report", "--data", "./synthetic"});
  EXPECT_EQ(file.exit_code, 1) << file.err;
  EXPECT_NE(file.err.find("./synthetic"), std::string::npos) << file.err;
}

TEST_F(CliEmbeddedDataTest, AnUnknownNameIsBadUsageListingTheSets) {
  const Outcome outcome = moescope({"report", "--data", "stduy"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("File does not exist: stduy, nor a data set built in (study, "),
            std::string::npos)
      << outcome.err;
  const Outcome help = moescope({"report", "--help"});
  EXPECT_NE(help.out.find("study (MoEScope's own MoE study"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("synthetic (the paper's Table 3 law"), std::string::npos) << help.out;
}

// fit law, optimum and predict take the grid by name. (Each Eq. 6 fit takes the full Table 2
// grid of starts: a few budgets' runs keep it short.)
TEST_F(CliEmbeddedDataTest, FitOptimumAndPredictTakeTheSyntheticGridByName) {
  const std::string law = (dir_ / "law.json").string();
  // Variable projection: the multi-start fit of Table 2's 437,400 starts, twice, took 11 minutes
  // under the sanitizers, and what is tested here is the data set's name.
  const Outcome fitted = moescope({"fit", "law", "--data", "synthetic", "--where", "C <= 6e19",
                                   "--solver", "vp", "--save", law, "--json"});
  ASSERT_EQ(fitted.exit_code, 0) << fitted.err;
  const auto fit = nlohmann::json::parse(fitted.out);
  EXPECT_EQ(fit["form"], "abnar");
  EXPECT_EQ(fit["data"]["source"], "datasets/synthetic-table3.csv (embedded) (where C <= 6e19)");
  EXPECT_EQ(fit["data"]["range"]["C"][1], 6e19);

  const Outcome optimum =
      moescope({"optimum", "--data", "synthetic", "--where", "C <= 6e19", "--budget", "6e19",
                "--bootstrap", "0", "--solver", "vp", "--json"});
  ASSERT_EQ(optimum.exit_code, 0) << optimum.err;
  // Table 3's law: the loss keeps falling with sparsity (Figure 3c).
  EXPECT_EQ(nlohmann::json::parse(optimum.out)["S"], 0.98);

  const Outcome predicted = moescope({"predict", "--fit", law, "--data", "synthetic", "--json"});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto predictions = nlohmann::json::parse(predicted.out)["predictions"];
  EXPECT_EQ(predictions.size(), synthetic_holdings().runs);
  for (const auto& prediction : predictions)
    EXPECT_TRUE(std::isfinite(prediction["loss"].get<double>())) << prediction.dump();
}

}  // namespace
