// Writing a run table: exact round trips through CSV and JSON, the header and the JSON object
// written, and files written atomically and read back by their extension.
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"
#include "moescope/run/derive.h"
#include "moescope/run/run_identity.h"
#include "run_table_reading.h"

namespace moescope {
namespace {

using testing_support::read_csv;
using testing_support::read_json;

// ---------------------------------------------------------------------------------------------
// Export and exact round trips.

Run derived(Run run) {
  derive_missing(run);
  if (run.id.empty())
    run.id = content_identity(run);
  return run;
}

Architecture moe_architecture() {
  Architecture arch;
  arch.d_model = 512;
  arch.n_layers = 8;
  arch.n_heads = 8;
  arch.experts = 8;
  arch.active = 2;
  arch.granularity = 2;
  arch.vocab = 32000;
  arch.tied_embeddings = false;
  return arch;
}

// Runs as the rest of MoEScope holds them: derived, checked, with ids.
std::vector<Run> sample_runs() {
  Run imported;
  imported.name = "dense, \"small\"\r\nsecond line";
  imported.origin = "/data/chinchilla.csv";
  imported.total_params = 1e8;
  imported.tokens = 2e9;
  imported.loss = 3.0000000000000004;

  Run remote;
  remote.id = "custom-id";
  remote.name = "moe-8x2 α";
  remote.provenance = Provenance::kRemote;
  remote.origin = "gpu-host-7";
  remote.status = RunStatus::kRunning;
  remote.architecture = moe_architecture();
  remote.tokens = 1e9;
  remote.loss = 0.1;
  remote.hyper = {0.1, 0.01, 0.01};
  remote.loss_curve = {{0, 0, 10.5}, {100, 1e8, 4.25}, {1000, 1e9, 0.1}};
  remote.downstream = {{"hella,swag \"x\"", MetricKind::kAccuracy, 0.1},
                       {"lambada", MetricKind::kLoss, 3.0000000000000004}};
  remote.loss_unit = LossUnit::kNatsPerByte;
  remote.tokenizer = "bytes (UTF-8)";

  Run planned;
  planned.provenance = Provenance::kTrainedLocally;
  planned.origin = "workstation";
  planned.status = RunStatus::kPlanned;
  planned.architecture = moe_architecture();
  planned.architecture->tied_embeddings = true;

  Run given;
  given.name = "all given";
  given.status = RunStatus::kFailed;
  given.origin = "paper table 3";
  given.total_params = 1.5e9;
  given.active_params = 4.5e8;
  given.sparsity = 0.7;
  given.tokens = 3.3e10;
  given.compute = 8.91e19;
  given.loss = 2.718281828459045;
  given.loss_unit = LossUnit::kBitsPerToken;
  given.tokenizer = "GPT-NeoX, \"20B\"";
  // Data repeated for three epochs, and two numbers a user-defined law might read.
  given.unique_tokens = 1.1e10;
  given.extras = {{"epochs_seen", 3.0000000000000004}, {"seed", -7}};

  return {derived(imported), derived(remote), derived(planned), derived(given)};
}

TEST(RoundTrip, SampleRunsAreValidAndAlreadyDerived) {
  for (const moescope::Run& run : sample_runs()) {
    EXPECT_TRUE(check_run(run).empty()) << run.name;
    EXPECT_EQ(derived(run), run) << run.name;
  }
}

TEST(RoundTrip, CsvGivesBackEqualRuns) {
  const auto runs = sample_runs();
  const ReadResult result = read_csv(format_runs(runs, TableFormat::kCsv));
  EXPECT_EQ(result.runs, runs);
  EXPECT_TRUE(result.duplicates.empty());
}

TEST(RoundTrip, JsonGivesBackEqualRuns) {
  const auto runs = sample_runs();
  const ReadResult result = read_json(format_runs(runs, TableFormat::kJson));
  EXPECT_EQ(result.runs, runs);
}

TEST(RoundTrip, CsvHeaderIsEveryCanonicalField) {
  const std::string text = format_runs(sample_runs(), TableFormat::kCsv);
  std::string expected;
  for (const std::string& field : canonical_fields()) {
    expected += (expected.empty() ? "" : ",") + field;
  }
  EXPECT_EQ(text.substr(0, text.find('\n')), expected);
}

TEST(RoundTrip, ExportsUniqueTokensAndExtras) {
  const moescope::Run given = sample_runs()[3];
  const std::string csv = format_runs({given}, TableFormat::kCsv);
  EXPECT_NE(csv.find(",D,unique_tokens,C,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",3.3e+10,1.1e+10,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(R"("{""epochs_seen"":3.0000000000000004,""seed"":-7.0}")"), std::string::npos)
      << csv;
  const std::string json = format_runs({given}, TableFormat::kJson);
  EXPECT_NE(json.find(R"("unique_tokens":11000000000.0)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("extras":{"epochs_seen":3.0000000000000004,"seed":-7.0})"),
            std::string::npos)
      << json;
}

TEST(RoundTrip, JsonIsTheVersionedObjectWithoutAbsentValues) {
  const std::string text = format_runs({sample_runs()[0]}, TableFormat::kJson);
  EXPECT_EQ(text.rfind(R"({"format":"moescope-runs","version":1,"runs":[)", 0), 0u) << text;
  EXPECT_EQ(text.find("d_model"), std::string::npos);  // no architecture
  EXPECT_EQ(text.find("null"), std::string::npos);
  EXPECT_NE(text.find(R"("derived":"N_active;S;C")"), std::string::npos) << text;
}

class TableFileTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(MOESCOPE_BINARY_DIR) / "run_table_test" /
           testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(TableFileTest, WritesAtomicallyAndReadsBackByExtension) {
  const auto runs = sample_runs();
  for (const char* name : {"runs.csv", "runs.JSON"}) {
    const std::filesystem::path file = dir_ / name;
    write_runs(file, runs);
    EXPECT_FALSE(std::filesystem::exists(file.string() + ".pending"));
    EXPECT_EQ(read_runs(file).runs, runs) << name;
  }
}

TEST_F(TableFileTest, ErrorsNameThePath) {
  const std::filesystem::path unknown = dir_ / "runs.xlsx";
  try {
    write_runs(unknown, sample_runs());
    FAIL() << "wrote an .xlsx";
  } catch (const InputError& error) {
    EXPECT_EQ(error.diagnostics().at(0).where.file, unknown.string());
  }
  const std::filesystem::path missing = dir_ / "no such dir" / "runs.csv";
  try {
    write_runs(missing, sample_runs());
    FAIL() << "wrote into a missing directory";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(missing.string()), std::string::npos);
  }
  try {
    read_runs(missing);
    FAIL() << "read a missing file";
  } catch (const InputError& error) {
    EXPECT_EQ(error.diagnostics().at(0).where.file, missing.string());
  }
}

}  // namespace
}  // namespace moescope
