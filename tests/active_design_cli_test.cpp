// `moescope train plan --next K`: proposals from a store, their specs saying why they were chosen,
// and the usage errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "moescope/model/sparsity_law.h"
#include "moescope/numerics/numpy_legacy_normal.h"
#include "moescope/plan/planner.h"
#include "support/run_program.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::Outcome;
using testing_support::read_file;
using testing_support::run_program;
using testing_support::TemporaryFolder;

// A coarse grid at C = 1e16 (3 sparsities x 4 sizes) from Eq. 6 with lambda = 0.5, whose S* lies
// inside the sparsities at these sizes (active_design_test.cpp says why), as a CSV.
std::string grid_csv() {
  SparsityLaw law = SparsityLaw::table3();
  law.lambda = 0.5;
  PlannerOptions planner;
  planner.head_size = 32;
  planner.relative_tolerance = 0.3;
  numerics::NumpyLegacyNormal normal(1000);
  std::string csv = "N,N_active,S,C,D,loss\n";
  for (const double sparsity : {0.5, 0.75, 0.875}) {
    for (const double size : {4e6, 8e6, 1.6e7, 3.2e7}) {
      const PlannedRun run = plan_run({1e16, size, sparsity}, planner);
      const double loss =
          law.loss(run.total_params, run.tokens, sparsity) * std::exp(0.005 * normal());
      csv += std::to_string(run.total_params) + "," + std::to_string(run.active_params) + "," +
             std::to_string(sparsity) + ",1e16," + std::to_string(run.tokens) + "," +
             std::to_string(loss) + "\n";
    }
  }
  return csv;
}

class ActiveDesignCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path csv = folder_.path() / "grid.csv";
    std::ofstream(csv) << grid_csv();
    const Outcome imported = moescope({"import", csv.string(), "--store", store()});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }
  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, folder_.path(),
                       {{"MOESCOPE_HOSTS_FILE", (folder_.path() / "hosts.json").string()}});
  }
  // train plan --next with the store and the grid's shapes; 12 runs need fixed degrees.
  Outcome next(std::vector<std::string> args) const {
    args.insert(args.begin(), {"train", "plan"});
    args.insert(args.end(), {"--store", store(), "--degrees", "2,2,1", "--head-size", "32"});
    return moescope(args);
  }
  std::string store() const { return (folder_.path() / "runs.sqlite").string(); }

  TemporaryFolder folder_{"active-design-cli"};
};

TEST_F(ActiveDesignCliTest, WritesTheProposedSpecsEachSayingWhyItWasChosen) {
  const fs::path specs = folder_.path() / "specs";
  const Outcome out = next({"--next", "3", "--budgets", "1e16", "--size", "1.2e7", "--out-dir",
                            specs.string(), "--json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const json plan = json::parse(out.out);
  EXPECT_EQ(plan["target"], "S*");
  ASSERT_EQ(plan["proposals"].size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const json& run = plan["proposals"][i];
    EXPECT_EQ(run["rank"], i + 1);
    const std::string design = run["design"];
    EXPECT_EQ(
        design.rfind("next: S* at C=1e16 N=1.2e7: rank " + std::to_string(i + 1) + " of 3", 0), 0u)
        << design;
    // Candidates that would repeat the default corpus past 4 epochs were left out.
    EXPECT_LE(run["epochs"].get<double>(), 4.0);
    const json spec = json::parse(read_file(run["spec_file"].get<std::string>()));
    EXPECT_EQ(spec["design"], design);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(specs), fs::directory_iterator()), 3);
  const json& s_star = plan["components"][0];
  EXPECT_EQ(s_star["size_basis"], "given");
  EXPECT_LT(s_star["expected_width"].get<double>(), s_star["width"].get<double>());
  EXPECT_EQ(plan["refused"].size(), 0u);

  // The table, the same proposals.
  const Outcome text = next({"--next", "3", "--budgets", "1e16", "--size", "1.2e7"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("3 runs proposed to narrow S*"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(plan["proposals"][0]["name"].get<std::string>()), std::string::npos);
  EXPECT_NE(text.out.find("S* at C=1e16 N=1.2e7"), std::string::npos) << text.out;
}

TEST_F(ActiveDesignCliTest, ABudgetWithoutRunsIsNamedWithWhatToDo) {
  const Outcome out = next({"--next", "2", "--budgets", "1e17"});
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.err.find("C=1e17: no finished runs at this budget; plan a coarse grid there first "
                         "with --cell"),
            std::string::npos)
      << out.err;
}

TEST_F(ActiveDesignCliTest, BadUsageIsRefusedWithAMessage) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--next", "0", "--budgets", "1e16"},
       "--next: must be a whole number in [1, 1000], got '0'"},
      {{"--next", "1001", "--budgets", "1e16"},
       "--next: must be a whole number in [1, 1000], got '1001'"},
      {{"--next", "3"}, "--next requires --budgets"},
      {{"--next", "3", "--budgets", "1e16", "--target", "L*"}, "--target: L* not in {S*,N*}"},
      {{"--next", "3", "--budgets", "1e16", "--gaps"}, "excludes"},
  };
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args[0] + " " + args[1]);
    const Outcome out = next(args);
    EXPECT_EQ(out.exit_code, 2) << out.err;
    EXPECT_NE(out.err.find(message), std::string::npos) << out.err;
  }
  const Outcome budgets =
      moescope({"train", "plan", "--cell", "1e15,1.7e6,0.75", "--budgets", "1e16"});
  EXPECT_EQ(budgets.exit_code, 2);
  EXPECT_NE(budgets.err.find("--budgets requires --gaps or --next"), std::string::npos)
      << budgets.err;
}

}  // namespace
}  // namespace moescope
