// The `moescope` binary end to end on its data commands (flops, import, export, report, synth):
// exit codes, messages on stderr, and what lands in the store. Fits and what is read from them are
// in cli_fit_test.cpp, hostile input in cli_hostile_input_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_fixture.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::CliTest;
using moescope::testing_support::kGoodCsv;
using moescope::testing_support::Outcome;
using moescope::testing_support::read_file;

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

}  // namespace
