// Reading a run table as a whole: every problem of every row at once, what a read run holds
// (scaled, derived, stamped with its identity), the CSV and JSON dialects, and loss units. Bad
// input case by case is run_table_bad_input_test.cpp's, writing run_table_export_test.cpp's.
#include "moescope/io/run_table.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "moescope/model/accounting.h"
#include "moescope/run/run_identity.h"
#include "run_table_reading.h"

namespace moescope {
namespace {

using testing_support::kCsv;
using testing_support::kCsvName;
using testing_support::kJson;
using testing_support::kJsonName;
using testing_support::problems_of;
using testing_support::read_csv;
using testing_support::read_json;

// ---------------------------------------------------------------------------------------------
// Reading as a whole: every problem at once, or every run.

TEST(ReadRuns, ReportsEveryProblemOfEveryRowInLineOrder) {
  const std::vector<Diagnostic> problems = problems_of(
      "name,N,D,loss,status\n"
      "good,1e8,2e9,2.5,done\n"
      "a,abc,2e9,nan,done\n"
      "good too,1e8,2e9,2.5,done\n"
      "b,1e8,2e9,2.5,finished\n",
      kCsv);
  ASSERT_EQ(problems.size(), 3u) << InputError(problems).what();
  EXPECT_EQ(problems[0].where.line, 3);
  EXPECT_EQ(problems[0].where.field, "N");
  EXPECT_EQ(problems[1].where.line, 3);
  EXPECT_EQ(problems[1].where.field, "loss");
  EXPECT_EQ(problems[2].where.line, 5);
  EXPECT_EQ(problems[2].where.field, "status");
}

TEST(ReadRuns, ReportsRaggedRowsTogether) {
  const std::vector<Diagnostic> problems =
      problems_of("name,N,D,loss\na,1\nb,1e8,2e9,2.5\nc,1,2,3,4\n", kCsv);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].where.line, 2);
  EXPECT_EQ(problems[1].where.line, 4);
}

TEST(ReadRuns, OneBadRowAmongManyReturnsNothing) {
  std::string text = "name,N,D,loss\n";
  for (int i = 0; i < 50; ++i)
    text += "run" + std::to_string(i) + ",1e8,2e9,2.5\n";
  text += "bad,1e8,2e9,-1\n";
  EXPECT_THROW(read_csv(text), InputError);
}

TEST(ReadRuns, ARepeatedRowIsARunOfItsOwnAndReported) {
  const ReadResult result = read_csv(
      "name,N,D,loss\n"
      "a,1e8,2e9,2.5\n"
      "b,2e8,2e9,2.4\n"
      "a,1e8,2e9,2.5\n");
  ASSERT_EQ(result.runs.size(), 3u);
  EXPECT_EQ(result.runs[0].name, "a");
  EXPECT_EQ(result.runs[2].name, "a");
  EXPECT_EQ(result.runs[0].id, content_identity(result.runs[0]));
  EXPECT_EQ(result.runs[2].id, content_identity(result.runs[2], 1));
  EXPECT_NE(result.runs[2].id, result.runs[0].id);
  ASSERT_EQ(result.duplicates.size(), 1u);
  EXPECT_EQ(result.duplicates[0].where.file, kCsvName);
  EXPECT_EQ(result.duplicates[0].where.line, 4);
  EXPECT_NE(result.duplicates[0].message.find("repeats line 2; read as a run of its own"),
            std::string::npos);
  // Reading the file again gives the same ids, so an import of it twice adds nothing twice.
  EXPECT_EQ(read_csv("name,N,D,loss\na,1e8,2e9,2.5\nb,2e8,2e9,2.4\na,1e8,2e9,2.5\n").runs,
            result.runs);
}

TEST(ReadRuns, AnIdGivenToTwoDifferentRunsIsAnError) {
  const std::vector<Diagnostic> problems =
      problems_of("id,name,N,D,loss\nx1,a,1e8,2e9,2.5\nx1,b,1e8,2e9,2.5\n", kCsv);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 3);
  EXPECT_EQ(problems[0].where.field, "id");
  EXPECT_EQ(problems[0].where.column, "id");
  EXPECT_NE(problems[0].message.find("also the id of line 2"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// What a read run holds.

TEST(ReadRuns, AppliesTheScaleOfAMappedColumn) {
  const ReadResult result = read_csv("params (M),tokens (B),final loss\n125,2.5,3.1\n",
                                     "N=params (M)*1e6, D = tokens (B)*1e9, loss=final loss");
  ASSERT_EQ(result.runs.size(), 1u);
  const moescope::Run& run = result.runs[0];
  EXPECT_EQ(run.total_params, 125e6);
  EXPECT_EQ(run.tokens, 2.5e9);
  EXPECT_EQ(run.loss, 3.1);
}

// Porian et al.'s file has a "warmup" column holding "long" or "short", not a fraction.
TEST(ReadRuns, AForeignColumnWithACanonicalNameCanBeLeftOut) {
  const std::string text = "flops,N,D,loss,warmup\n1.25e16,331776,6.2793371e9,4.709,long\n";
  const std::vector<Diagnostic> problems = problems_of(text, TableFormat::kCsv, "C=flops");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].format(),
            std::string(kCsvName) +
                ":2: field warmup: not a number: 'long' (if column 'warmup' is not MoEScope's "
                "warmup, leave it out with --map warmup=)");

  const ReadResult result = read_csv(text, "C=flops,warmup=");
  ASSERT_EQ(result.runs.size(), 1u);
  EXPECT_FALSE(result.runs[0].hyper.warmup_fraction.has_value());
  EXPECT_EQ(result.runs[0].compute, 1.25e16);
  EXPECT_EQ(read_json(R"([{"N": 1e8, "D": 2e9, "loss": 2.5, "warmup": "long"}])", "warmup=")
                .runs.at(0)
                .hyper.warmup_fraction,
            std::nullopt);
}

TEST(ReadRuns, DerivesADenseRunFromItsParamsAndTokens) {
  const moescope::Run run = read_csv("name,N,D,loss\na,1e8,2e9,2.5\n").runs.at(0);
  EXPECT_EQ(run.sparsity, 0.0);
  EXPECT_EQ(run.active_params, 1e8);
  EXPECT_EQ(run.compute, training_flops_6nad(1e8, 2e9));
  EXPECT_TRUE(run.derived.contains(Quantity::kSparsity));
  EXPECT_TRUE(run.derived.contains(Quantity::kActiveParams));
  EXPECT_TRUE(run.derived.contains(Quantity::kCompute));
  EXPECT_FALSE(run.derived.contains(Quantity::kTotalParams));
  EXPECT_FALSE(run.derived.contains(Quantity::kTokens));
}

TEST(ReadRuns, DerivesComputeFromActiveParamsOfASparseRun) {
  const moescope::Run run = read_csv("N,N_active,D,loss\n1e9,2e8,2e9,2.5\n").runs.at(0);
  EXPECT_FALSE(run.sparsity.has_value());
  EXPECT_EQ(run.compute, training_flops_6nad(2e8, 2e9));
  EXPECT_TRUE(run.derived.contains(Quantity::kCompute));
}

TEST(ReadRuns, DerivesParamsAndSparsityFromTheArchitecture) {
  const moescope::Run run = read_csv(
                                "name,d_model,layers,heads,experts,active,granularity,D,loss\n"
                                "moe,512,8,8,8,2,2,2e9,2.5\n")
                                .runs.at(0);
  ASSERT_TRUE(run.architecture.has_value());
  Architecture expected;
  expected.d_model = 512;
  expected.n_layers = 8;
  expected.n_heads = 8;
  expected.experts = 8;
  expected.active = 2;
  expected.granularity = 2;
  EXPECT_EQ(*run.architecture, expected);  // vocab, context and tied take their defaults
  const ParameterCount count = count_parameters(expected);
  EXPECT_EQ(run.total_params, count.total);
  EXPECT_EQ(run.active_params, count.active);
  EXPECT_EQ(run.sparsity, 0.75);
  EXPECT_EQ(run.compute, training_flops_6nad(count.active, 2e9));
  for (const Quantity q :
       {Quantity::kTotalParams, Quantity::kActiveParams, Quantity::kSparsity, Quantity::kCompute}) {
    EXPECT_TRUE(run.derived.contains(q)) << to_string(q);
  }
}

TEST(ReadRuns, StampsProvenanceOriginAndContentIdentity) {
  const moescope::Run run = read_csv("name,N,D,loss\na,1e8,2e9,2.5\n").runs.at(0);
  EXPECT_EQ(run.provenance, Provenance::kImported);
  EXPECT_EQ(run.origin, kCsvName);
  EXPECT_EQ(run.status, RunStatus::kDone);
  EXPECT_EQ(run.id, content_identity(run));
}

TEST(ReadRuns, KeepsTheIdProvenanceAndOriginAFileGives) {
  const moescope::Run run =
      read_csv("id,provenance,origin,N,D,loss\nmy-run,remote,gpu-7,1e8,2e9,2.5\n").runs.at(0);
  EXPECT_EQ(run.id, "my-run");
  EXPECT_EQ(run.provenance, Provenance::kRemote);
  EXPECT_EQ(run.origin, "gpu-7");
}

TEST(ReadRuns, ImportsAChinchillaStyleFileWithAMapping) {
  // Hoffmann et al. publish N and C; the other columns are theirs and are left out.
  const ReadResult result = read_csv(
      "Model Size,Training FLOP,loss,Parameters (Billions),Notes\n"
      "44000000,1.6e18,3.4,0.044,\"small, early\"\n"
      "2.8e9,1e21,2.23,2.8,\n",
      "N=Model Size,C=Training FLOP,loss=loss,Parameters (Billions)=,Notes=");
  ASSERT_EQ(result.runs.size(), 2u);
  const moescope::Run& run = result.runs[1];
  EXPECT_EQ(run.total_params, 2.8e9);
  EXPECT_EQ(run.compute, 1e21);
  EXPECT_EQ(run.loss, 2.23);
  EXPECT_EQ(run.sparsity, 0.0);
  EXPECT_EQ(run.active_params, 2.8e9);
  EXPECT_EQ(run.tokens, 1e21 / (6.0 * 2.8e9));
  QuantitySet derived;
  derived.insert(Quantity::kSparsity);
  derived.insert(Quantity::kActiveParams);
  derived.insert(Quantity::kTokens);
  EXPECT_EQ(run.derived, derived);
}

TEST(ReadRuns, ReadsTheRfc4180Dialect) {
  // BOM, CRLF, quoted separators and line breaks, "" escapes, blank lines, no final newline.
  const std::string text =
      "\xEF\xBB\xBFname , N,D,loss\r\n"
      "\"a, \"\"first\"\"\nrun\",1e8,2e9,2.5\r\n"
      "\r\n"
      "b,2e8,2e9,2.4";
  const ReadResult result = read_csv(text);
  ASSERT_EQ(result.runs.size(), 2u);
  EXPECT_EQ(result.runs[0].name, "a, \"first\"\nrun");
  EXPECT_EQ(result.runs[1].name, "b");
}

TEST(ReadRuns, CountsLinesFromWhereARecordStarts) {
  // The quoted name spans lines 2-3 and line 4 is blank, so the bad row starts on line 5.
  const std::vector<Diagnostic> problems =
      problems_of("name,N,D,loss\n\"two\nlines\",1e8,2e9,2.5\n\nbad,1e8,2e9,x\n", kCsv);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 5);
  EXPECT_EQ(problems[0].where.field, "loss");
}

TEST(ReadRuns, ReadsABareJsonArrayWithRecordLines) {
  const std::string text =
      "[\n"
      "  {\"name\": \"braces {[\\\"\", \"N\": 1e8,\n"
      "   \"D\": 2e9, \"loss\": 2.5},\n"
      "  {\"name\": \"b\", \"N\": 2e8, \"D\": 2e9, \"loss\": null},\n"
      "  {\"name\": \"c\", \"N\": 3e8, \"D\": 2e9, \"loss\": -2}\n"
      "]\n";
  const std::vector<Diagnostic> problems = problems_of(text, kJson);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 5);
  EXPECT_EQ(problems[0].where.field, "loss");
}

TEST(ReadRuns, AppliesTheMappingToJsonKeys) {
  const ReadResult result =
      read_json(R"([{"params": 1e8, "D": 2e9, "final_loss": 2.5}])", "N=params,loss=final_loss");
  ASSERT_EQ(result.runs.size(), 1u);
  EXPECT_EQ(result.runs[0].total_params, 1e8);
  EXPECT_EQ(result.runs[0].loss, 2.5);
  EXPECT_EQ(result.runs[0].origin, kJsonName);
}

// Loss units (issue 16): a file says its unit per row (loss_unit), or the reader is told the
// file's (ReadOptions::loss_unit, `--loss-unit`), or the losses are nats/token, counted as assumed
// so that an import says so.
TEST(LossUnitColumn, IsReadPerRowWithTheDefaultCountedAsAssumed) {
  const ReadResult result = read_csv(
      "name,N,D,loss,loss_unit,tokenizer\n"
      "a,1e8,2e9,1.1,nats/byte,bytes (UTF-8)\n"
      "b,1e8,3e9,3.2,bits/token,GPT-NeoX\n"
      "c,1e8,4e9,3.1,,\n");
  ASSERT_EQ(result.runs.size(), 3u);
  EXPECT_EQ(result.runs[0].loss_unit, LossUnit::kNatsPerByte);
  EXPECT_EQ(result.runs[0].tokenizer, "bytes (UTF-8)");
  EXPECT_EQ(result.runs[1].loss_unit, LossUnit::kBitsPerToken);
  EXPECT_EQ(result.runs[2].loss_unit, LossUnit::kNatsPerToken);
  EXPECT_EQ(result.runs[2].tokenizer, "");
  EXPECT_EQ(result.runs_of_assumed_unit, 1u);
  // The same loss in another unit is another run.
  EXPECT_NE(result.runs[0].id, read_csv("name,N,D,loss\na,1e8,2e9,1.1\n").runs[0].id);
}

TEST(LossUnitColumn, TheFilesUnitFillsRowsAndRefusesADifferentOne) {
  ReadOptions options;
  options.loss_unit = LossUnit::kNatsPerByte;
  const ReadResult filled =
      read_runs("name,N,D,loss\na,1e8,2e9,1.1\n", TableFormat::kCsv, kCsvName, options);
  EXPECT_EQ(filled.runs[0].loss_unit, LossUnit::kNatsPerByte);
  EXPECT_EQ(filled.runs_of_assumed_unit, 0u);
  try {
    read_runs("name,N,D,loss,loss_unit\na,1e8,2e9,1.1,nats/byte\nb,1e8,3e9,3.2,nats/token\n",
              TableFormat::kCsv, kCsvName, options);
    FAIL() << "read a row in another unit than the file's";
  } catch (const InputError& error) {
    ASSERT_EQ(error.diagnostics().size(), 1u);
    EXPECT_EQ(error.diagnostics()[0].where.line, 3);
    EXPECT_EQ(error.diagnostics()[0].where.field, "loss_unit");
    EXPECT_NE(error.diagnostics()[0].message.find("--loss-unit"), std::string::npos);
  }
}

TEST(LossUnitColumn, AnUnknownUnitIsNamedAndAMappedColumnIsRead) {
  const std::vector<Diagnostic> problems =
      problems_of("name,N,D,loss,loss_unit\na,1e8,2e9,1.1,nats/word\n", TableFormat::kCsv);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.field, "loss_unit");
  EXPECT_NE(problems[0].message.find("nats/word"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[0].message.find("nats/token, bits/token, nats/byte or bits/byte"),
            std::string::npos);
  const ReadResult mapped =
      read_csv("name,N,D,loss,Unit\na,1e8,2e9,0.9,bits/byte\n", "loss_unit=Unit");
  EXPECT_EQ(mapped.runs[0].loss_unit, LossUnit::kBitsPerByte);
}

}  // namespace
}  // namespace moescope
