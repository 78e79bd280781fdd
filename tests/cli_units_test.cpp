// Loss units end to end through `moescope` (issue 16): an import says the unit it took, the
// listing shows each run's, a fit refuses a store of nats/token and nats/byte runs naming both,
// and converts with the bytes per token the user gives, recording it in the saved fit.
#include <gtest/gtest.h>

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

constexpr double kBytesPerToken = 4.2;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliUnitsTest : public ::testing::Test {
 protected:
  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir_);
  }

  std::string store() const { return (dir_ / "runs.sqlite").string(); }

  // A store of the synthetic grid at two budgets (nats/token, the default), and the same runs
  // of one budget measured per byte as a byte-level model of the same quality reports them.
  void import_mixed_store() {
    const std::string grid = (dir_ / "grid.csv").string();
    ASSERT_EQ(moescope({"synth", "--out", grid, "--budgets", "1e19,1e20", "--sparsities",
                        "0,0.5,0.75,0.9", "--noise", "0"})
                  .exit_code,
              0);
    const Outcome imported = moescope({"import", grid, "--store", store()});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    // synth writes the unit of its losses, as every export does: nothing is assumed.
    EXPECT_FALSE(contains(imported.err, "taken as")) << imported.err;

    nlohmann::json runs = nlohmann::json::array();
    for (nlohmann::json run : listed_runs()) {
      if (run["C"].get<double>() != 1e19)
        continue;
      run.erase("id");
      run.erase("loss_unit");
      run["name"] = run["name"].get<std::string>() + " (bytes)";
      run["loss"] = run["loss"].get<double>() / kBytesPerToken;
      runs.push_back(run);
    }
    byte_runs_ = runs.size();
    const fs::path bytes = dir_ / "bytes.json";
    std::ofstream(bytes) << runs.dump();
    const Outcome per_byte =
        moescope({"import", bytes.string(), "--loss-unit", "nats/byte", "--store", store()});
    ASSERT_EQ(per_byte.exit_code, 0) << per_byte.err;
    EXPECT_FALSE(contains(per_byte.err, "taken as")) << per_byte.err;
  }

  nlohmann::json listed_runs() const {
    const Outcome listed = moescope({"runs", "--json", "--store", store()});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return nlohmann::json::parse(listed.out)["runs"];
  }

  moescope::testing_support::TemporaryFolder folder_{"moescope-cli-units"};
  const fs::path& dir_ = folder_.path();
  std::size_t byte_runs_ = 0;
};

TEST_F(CliUnitsTest, AFitOfMixedUnitsIsRefusedAndAConversionFits) {
  import_mixed_store();
  ASSERT_GT(byte_runs_, 0u);
  const std::size_t token_runs = listed_runs().size() - byte_runs_;
  const Outcome listing = moescope({"runs", "--store", store()});
  EXPECT_TRUE(contains(listing.out, "nats/byte")) << listing.out;
  EXPECT_TRUE(contains(listing.out, "nats/token")) << listing.out;

  const Outcome refused = moescope({"fit", "isoflop", "--store", store()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, std::to_string(token_runs) + " runs in nats/token, " +
                                        std::to_string(byte_runs_) + " runs in nats/byte"))
      << refused.err;
  EXPECT_TRUE(contains(refused.err, "--bytes-per-token")) << refused.err;

  // Kept to one unit, it fits.
  const Outcome one_unit = moescope(
      {"fit", "isoflop", "--store", store(), "--where", "loss_unit == \"nats/token\"", "--json"});
  ASSERT_EQ(one_unit.exit_code, 0) << one_unit.err;
  EXPECT_EQ(nlohmann::json::parse(one_unit.out)["loss_unit"], "nats/token");

  // Converted at the factor the byte-level losses were made with, the runs of 1e19 are each
  // there twice with one loss: the same optimum as the per-token runs alone.
  const Outcome converted = moescope({"fit", "isoflop", "--store", store(), "--bytes-per-token",
                                      std::to_string(kBytesPerToken), "--json"});
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  const nlohmann::json both = nlohmann::json::parse(converted.out);
  const nlohmann::json alone = nlohmann::json::parse(one_unit.out);
  EXPECT_EQ(both["loss_unit"], "nats/token");
  EXPECT_EQ(both["data"]["runs"].get<std::size_t>(), token_runs + byte_runs_);
  ASSERT_EQ(both["sparsities"].size(), alone["sparsities"].size());
  const auto& optimum = both["sparsities"][0]["optima"][0];
  const auto& expected = alone["sparsities"][0]["optima"][0];
  EXPECT_NEAR(optimum["loss"].get<double>(), expected["loss"].get<double>(),
              1e-9 * expected["loss"].get<double>());
}

TEST_F(CliUnitsTest, TheSavedFitRecordsItsUnitAndTheConversionAndPredictionsSayIt) {
  import_mixed_store();
  const std::string fit = (dir_ / "FIT.json").string();
  const Outcome saved = moescope({"fit", "surface", "--store", store(), "--bytes-per-token",
                                  std::to_string(kBytesPerToken), "--save", fit});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  std::ifstream in(fit);
  const nlohmann::json file = nlohmann::json::parse(in);
  EXPECT_EQ(file["loss_unit"], "nats/token");
  EXPECT_DOUBLE_EQ(file["data"]["loss_conversion"]["bytes_per_token"].get<double>(),
                   kBytesPerToken);

  const Outcome predicted =
      moescope({"predict", "--fit", fit, "--data", (dir_ / "grid.csv").string(), "--json"});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  EXPECT_EQ(nlohmann::json::parse(predicted.out)["loss_unit"], "nats/token");
}

TEST_F(CliUnitsTest, ImportTakesAUnitColumnSaysWhatItAssumedAndRefusesAnUnknownUnit) {
  const fs::path plain = dir_ / "plain.csv";
  std::ofstream(plain) << "name,N,D,loss\nb,1e8,2e9,3.1\n";
  const Outcome assumed = moescope({"import", plain.string(), "--store", store()});
  ASSERT_EQ(assumed.exit_code, 0) << assumed.err;
  EXPECT_TRUE(contains(assumed.err, "the losses of 1 run taken as nats/token")) << assumed.err;
  EXPECT_TRUE(contains(assumed.err, "--loss-unit")) << assumed.err;
  EXPECT_EQ(listed_runs()[0]["loss_unit"], "nats/token");

  const fs::path file = dir_ / "units.csv";
  std::ofstream(file) << "name,N,D,loss,loss_unit\na,1e8,2e9,1.1,bits/byte\n";
  const Outcome imported = moescope({"import", file.string(), "--store", store()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_FALSE(contains(imported.err, "taken as")) << imported.err;
  EXPECT_EQ(listed_runs()[1]["loss_unit"], "bits/byte");

  const Outcome unknown =
      moescope({"import", file.string(), "--loss-unit", "nats/word", "--store", store()});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_TRUE(contains(unknown.err, "nats/word")) << unknown.err;
}

}  // namespace
