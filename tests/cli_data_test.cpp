// Real data in (issue 12), end to end through `moescope`: imports that drop or merge nothing
// silently, curation (--where, --best-of, budget bins, runs delete), read commands that create
// nothing, and stored values checked on the way out. Each case of the issue's "What a new user
// found" that a command answers has a test here.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
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
using moescope::testing_support::run_program;

class CliDataTest : public ::testing::Test {
 protected:
  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir_);
  }

  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }

  std::string store() const { return (dir_ / "runs.sqlite").string(); }

  // The store's runs as `moescope runs --json` lists them.
  nlohmann::json stored_runs() const {
    const Outcome listed = moescope({"runs", "--json", "--store", store()});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return nlohmann::json::parse(listed.out)["runs"];
  }

  moescope::testing_support::TemporaryFolder folder_{"moescope-cli-data"};
  const fs::path& dir_ = folder_.path();
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The header of Epoch AI's svg_extracted_data.csv, with rows of which two share a loss.
const char* kEpochLike =
    "x,y,color,Model Size,Training FLOP,hex_color,loss\n"
    "154.0,140.6,#faebdd,6795600349.29,9.99e18,#faebdd,5.0\n"
    "151.6,175.5,#f8d1b8,2979521172.20,9.23e18,#f8d1b8,5.0\n"
    "150.2,190.1,#f8d1b8,1000000000.00,9.23e18,#f8d1b8,4.1\n";
const char* kEpochMapping = "N=Model Size,C=Training FLOP,x=,y=,color=,hex_color=";

TEST_F(CliDataTest, ImportWithoutAMappingNamesTheUnknownColumnsAndLeavesTheStoreAlone) {
  const fs::path file = write("epoch.csv", kEpochLike);
  const Outcome refused = moescope({"import", file.string(), "--store", store()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, "'Model Size', 'Training FLOP'")) << refused.err;
  EXPECT_FALSE(fs::exists(store()));

  const Outcome imported =
      moescope({"import", file.string(), "--map", kEpochMapping, "--store", store()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(contains(imported.out, "imported 3 runs")) << imported.out;
  EXPECT_EQ(stored_runs().size(), 3u);  // two share a loss; none is merged
  // Refused again, with a store there now: it stays as it was.
  EXPECT_EQ(moescope({"import", file.string(), "--store", store()}).exit_code, 1);
  EXPECT_EQ(stored_runs().size(), 3u);
}

// The issue's Done means on the real file, where ../shared/external is present.
TEST_F(CliDataTest, EpochsChinchillaFileIsImportedRowForRow) {
  const fs::path file =
      fs::path(MOESCOPE_SOURCE_DIR) / "../shared/external/chinchilla-epoch/svg_extracted_data.csv";
  if (!fs::exists(file))
    GTEST_SKIP() << "external data absent: " << file;
  const Outcome refused = moescope({"import", file.string(), "--store", store()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, "'Model Size'")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "'Training FLOP'")) << refused.err;
  EXPECT_FALSE(fs::exists(store()));
  const Outcome imported =
      moescope({"import", file.string(), "--map", "N=Model Size,C=Training FLOP",
                "--ignore-unknown", "--store", store()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(contains(imported.out, "imported 245 runs")) << imported.out;
  EXPECT_EQ(stored_runs().size(), 245u);
}

TEST_F(CliDataTest, ImportRefusesAGivenIdThatIsStoredWithOtherContent) {
  const fs::path first =
      write("first.csv", "id,name,N,D,loss\npaper-1,from the paper,1e8,2e9,2.5\n");
  const fs::path second = write("second.csv", "id,name,N,D,loss\npaper-1,my rerun,1e8,2e9,2.4\n");
  ASSERT_EQ(moescope({"import", first.string(), "--store", store()}).exit_code, 0);
  const Outcome outcome = moescope({"import", second.string(), "--store", store()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_TRUE(contains(outcome.err, "id paper-1: stored 'from the paper' from " + first.string()))
      << outcome.err;
  EXPECT_TRUE(contains(outcome.err, "new 'my rerun' from " + second.string())) << outcome.err;
  ASSERT_EQ(stored_runs().size(), 1u);
  EXPECT_EQ(stored_runs()[0]["loss"], 2.5);
}

TEST_F(CliDataTest, ImportKeepsTheRowsOfOneExperimentAndTheBestOfEachSweep) {
  const fs::path file = write("sweeps.csv",
                              "label,dataset,N,D,peak_lr,loss\n"
                              "Optimizer tuning (no decay),rw,1e8,2e9,0.001,3.2\n"
                              "Optimizer tuning (no decay),rw,1e8,2e9,0.002,3.1\n"
                              "Optimizer tuning (no decay),owt2,1e8,2e9,0.002,3.4\n"
                              "Cosine decay,rw,1e8,2e9,0.002,3.0\n"
                              "Optimizer tuning (no decay),rw,2e8,2e9,0.001,3.0\n");
  const Outcome outcome =
      moescope({"import", file.string(), "--map", "lr=peak_lr", "--where",
                R"r(label == "Optimizer tuning (no decay)" && dataset == "rw")r", "--best-of", "lr",
                "--store", store()});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_TRUE(contains(outcome.out, "imported 2 runs from " + file.string() + " into " + store() +
                                        " (2 of 5 rows left out by --where; 3 rows as the best "
                                        "2 runs by --best-of)"))
      << outcome.out;
  const nlohmann::json runs = stored_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["loss"], 3.1);
  EXPECT_EQ(runs[0]["best_of"], 2);
  EXPECT_FALSE(runs[1].contains("best_of"));  // one row: the default, left out
}

// Porian et al.'s file: a warm-up column of words, 1,745 rows. The message once, with a count.
TEST_F(CliDataTest, AProblemOfEveryRowIsOneLineWithACount) {
  std::string csv = "N,D,loss,warmup\n";
  for (int i = 0; i < 1000; ++i)
    csv += std::to_string(1e8 + i) + ",2e9,3.0,long\n";
  const fs::path file = write("porian.csv", csv);
  const Outcome outcome = moescope({"import", file.string(), "--store", store()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_TRUE(contains(outcome.err, file.string() + ":2: field warmup: not a number: 'long' (if "
                                                    "column 'warmup' is not MoEScope's warmup, "
                                                    "leave it out with --map warmup=) (and 999 "
                                                    "more rows: lines 3, 4, 5, ...)"))
      << outcome.err;
  EXPECT_LT(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 4) << outcome.err;
}

TEST_F(CliDataTest, ReadCommandsRefuseAStoreOrQueueThatDoesNotExist) {
  const fs::path typo = dir_ / "typo" / "runs.sqlite";
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"runs"},
                                             {"export", (dir_ / "out.csv").string()},
                                             {"report"},
                                             {"fit", "surface"},
                                             {"runs", "delete", "r1"}}) {
    std::vector<std::string> args = command;
    args.insert(args.end(), {"--store", typo.string()});
    const Outcome outcome = moescope(args);
    EXPECT_EQ(outcome.exit_code, 1) << command[0];
    EXPECT_TRUE(contains(outcome.err, "run store " + typo.string() + " does not exist"))
        << outcome.err;
  }
  EXPECT_FALSE(fs::exists(typo.parent_path()));
  const Outcome empty = moescope({"runs", "--store", ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_TRUE(contains(empty.err, "the path is empty")) << empty.err;

  const fs::path queue = dir_ / "no-queue";
  const Outcome status = moescope({"train", "status", "--queue", queue.string()});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_TRUE(contains(status.err, "queue " + queue.string() + " does not exist")) << status.err;
  EXPECT_FALSE(fs::exists(queue));
}

TEST_F(CliDataTest, RunsDeleteByIdOrRuleInOneTransaction) {
  const fs::path file = write("runs.csv",
                              "name,N,D,loss\n"
                              "a,1e8,2e9,3.0\nb,2e8,2e9,2.9\nc,4e8,2e9,2.8\nd,8e8,2e9,2.95\n");
  ASSERT_EQ(moescope({"import", file.string(), "--store", store()}).exit_code, 0);
  const std::string first_id = stored_runs()[0]["id"];

  EXPECT_EQ(moescope({"runs", "delete", "--store", store()}).exit_code, 2);  // nothing named
  const Outcome unknown = moescope({"runs", "delete", first_id, "r0000", "--store", store()});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_TRUE(contains(unknown.err, "no run with id r0000; nothing was deleted")) << unknown.err;
  EXPECT_EQ(stored_runs().size(), 4u);

  const Outcome dry =
      moescope({"runs", "delete", "--where", "loss < 2.92", "--dry-run", "--store", store()});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(contains(dry.out, "would delete 2 runs")) << dry.out;
  EXPECT_EQ(stored_runs().size(), 4u);

  const Outcome by_rule =
      moescope({"runs", "delete", "--where", "loss < 2.92", "--store", store()});
  ASSERT_EQ(by_rule.exit_code, 0) << by_rule.err;
  EXPECT_TRUE(contains(by_rule.out, "deleted 2 runs from " + store())) << by_rule.out;
  const Outcome by_id = moescope({"runs", "delete", first_id, "--store", store()});
  ASSERT_EQ(by_id.exit_code, 0) << by_id.err;
  const nlohmann::json left = stored_runs();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["name"], "d");
  // A rule on a column the store cannot have is refused before anything is deleted.
  EXPECT_EQ(
      moescope({"runs", "delete", "--where", R"(label == "x")", "--store", store()}).exit_code, 1);
}

TEST_F(CliDataTest, StoredValuesEditedByAnotherToolAreReportedNotShown) {
  const fs::path file = write("runs.csv", "name,N,D,loss\nkept,1e8,2e9,3.0\nedited,2e8,2e9,2.9\n");
  ASSERT_EQ(moescope({"import", file.string(), "--store", store()}).exit_code, 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE runs SET sparsity = 1.5 WHERE name = 'edited'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  const Outcome listed = moescope({"runs", "--store", store()});
  EXPECT_EQ(listed.exit_code, 1);
  EXPECT_TRUE(contains(listed.out, "kept")) << listed.out;
  EXPECT_FALSE(contains(listed.out, "edited")) << listed.out;
  EXPECT_TRUE(contains(listed.err, "(edited): field S: sparsity must lie in [0, 1), got 1.5"))
      << listed.err;
  EXPECT_TRUE(contains(listed.err, "moescope runs delete r")) << listed.err;
  const Outcome exported = moescope({"export", (dir_ / "out.json").string(), "--store", store()});
  EXPECT_EQ(exported.exit_code, 1);
  EXPECT_FALSE(fs::exists(dir_ / "out.json"));
  // The rule sees the stored value, so the run can be deleted.
  ASSERT_EQ(moescope({"runs", "delete", "--where", "S > 1", "--store", store()}).exit_code, 0);
  EXPECT_EQ(moescope({"runs", "--store", store()}).exit_code, 0);
}

// ---- Choosing runs and grouping budgets for a fit ------------------------------------------

std::string exact(double value) {
  return nlohmann::json(value).dump();
}

TEST_F(CliDataTest, FitIsoflopTakesOneExperimentOfAFileByWhere) {
  // Two experiments in one file; B's rows would spoil A's curves.
  std::string csv = "label,N,C,loss\n";
  for (const double c : {1e19, 1e20}) {
    const double shift = c == 1e19 ? 0.0 : 0.7;
    for (int i = 0; i < 5; ++i) {
      const double x = 18.0 + i + shift;
      const double loss = 3.0 + 0.1 * (x - 20.0 - shift) * (x - 20.0 - shift);
      csv += "A," + exact(std::exp(x)) + "," + exact(c) + "," + exact(loss) + "\n";
      csv += "B," + exact(std::exp(x)) + "," + exact(c) + "," + exact(9.0 - 0.1 * x) + "\n";
    }
  }
  const fs::path data = write("two.csv", csv);
  const Outcome outcome = moescope({"fit", "isoflop", "--data", data.string(), "--where",
                                    R"(label == "A")", "--bootstrap", "0", "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const auto json = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(json["data"]["runs"], 10);
  EXPECT_TRUE(contains(json["data"]["source"].get<std::string>(), R"((where label == "A"))"));
  const auto& level = json["sparsities"][0];
  ASSERT_EQ(level["optima"].size(), 2u);
  EXPECT_NEAR(std::log(level["optima"][0]["N"].get<double>()), 20.0, 1e-6);
  EXPECT_NEAR(std::log(level["optima"][1]["N"].get<double>()), 20.7, 1e-6);
  // ln N* rises by 0.7 over ln C's ln 10: a = 0.7 / ln 10.
  EXPECT_NEAR(level["exponents"]["N"]["a"].get<double>(), 0.7 / std::log(10.0), 1e-6);

  const Outcome absent =
      moescope({"fit", "isoflop", "--data", data.string(), "--where", R"(label == "C")"});
  EXPECT_EQ(absent.exit_code, 1);
  EXPECT_TRUE(contains(absent.err,
                       "no row matches the rule 'label == \"C\"'; column label holds "
                       "'A', 'B'"))
      << absent.err;
  const Outcome unknown =
      moescope({"fit", "isoflop", "--data", data.string(), "--where", R"(experiment == "A")"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_TRUE(contains(unknown.err, "column 'experiment' (read by the row rule) not found"))
      << unknown.err;
}

// Epoch AI's budgets vary continuously: no two runs share a C within 2 %.
std::string continuous_budgets_csv() {
  std::string csv = "N,C,loss\n";
  for (int decade = 0; decade < 3; ++decade) {
    const double centre = std::pow(10.0, 19 + decade);
    const double optimum = 0.1 * std::sqrt(centre);
    for (int i = 0; i < 7; ++i) {
      const double c = centre * (1.0 + 0.1 * std::sin(1.7 * i + decade));
      const double n = optimum * std::exp(0.4 * (i - 3));
      csv += exact(n) + "," + exact(c) + "," +
             exact(2.0 + 0.05 * std::pow(std::log(n / optimum), 2)) + "\n";
    }
  }
  return csv;
}

TEST_F(CliDataTest, ContinuousBudgetsAreGroupedByBinsPerDecade) {
  const fs::path data = write("continuous.csv", continuous_budgets_csv());
  const Outcome by_tolerance =
      moescope({"fit", "isoflop", "--data", data.string(), "--bootstrap", "0"});
  EXPECT_EQ(by_tolerance.exit_code, 1);
  EXPECT_TRUE(contains(by_tolerance.err, "too few points")) << by_tolerance.err;

  const Outcome text = moescope({"fit", "isoflop", "--data", data.string(), "--bootstrap", "0",
                                 "--budget-tolerance", "0.15"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "budgets: runs within 15% of one C")) << text.out;

  const Outcome binned = moescope({"fit", "isoflop", "--data", data.string(), "--bootstrap", "0",
                                   "--budget-bins", "4", "--json"});
  ASSERT_EQ(binned.exit_code, 0) << binned.err;
  const auto json = nlohmann::json::parse(binned.out);
  EXPECT_EQ(json["options"]["budgets"], "4 bins per decade of C (centres 10^(i/4))");
  const auto& level = json["sparsities"][0];
  ASSERT_EQ(level["optima"].size(), 3u);
  EXPECT_EQ(level["optima"][1]["C"], 1e20);
  EXPECT_NEAR(level["exponents"]["N"]["a"].get<double>(), 0.5, 1e-9);

  const Outcome report = moescope({"report", "--data", data.string(), "--budget-bins", "4"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(contains(report.out, "Best observed run per compute budget (4 bins per decade of C"))
      << report.out;
  EXPECT_EQ(moescope({"report", "--data", data.string(), "--budget-bins", "4", "--budget-tolerance",
                      "0.1"})
                .exit_code,
            2);  // one way or the other
}

TEST_F(CliDataTest, AFitWithNoUsableRunSaysWhichFieldIsMissing) {
  const fs::path data =
      write("sizes.csv", "N,D,status\n1e8,2e9,done\n2e8,2e9,done\n4e8,2e9,planned\n");
  const Outcome outcome = moescope({"fit", "surface", "--data", data.string()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_TRUE(contains(outcome.err,
                       "none of the 3 runs can be fitted: 2 have no loss, 1 has "
                       "status planned"))
      << outcome.err;
}

}  // namespace
