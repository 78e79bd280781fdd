#include "moescope/io/run_table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "moescope/io/column_mapping.h"
#include "moescope/model/accounting.h"
#include "moescope/run/derive.h"
#include "moescope/run/run_identity.h"

namespace moescope {
namespace {

constexpr char kCsvName[] = "runs.csv";
constexpr char kJsonName[] = "runs.json";

ReadOptions with_mapping(const std::string& spec) {
  ReadOptions options;
  options.mapping = ColumnMapping::parse(spec);
  return options;
}

ReadResult read_csv(std::string_view text, const std::string& mapping = "") {
  return read_runs(text, TableFormat::kCsv, kCsvName, with_mapping(mapping));
}

ReadResult read_json(std::string_view text, const std::string& mapping = "") {
  return read_runs(text, TableFormat::kJson, kJsonName, with_mapping(mapping));
}

// The diagnostics read_runs throws; a failure when it throws none.
std::vector<Diagnostic> problems_of(std::string_view text, TableFormat format,
                                    const std::string& mapping = "") {
  const std::string name = format == TableFormat::kCsv ? kCsvName : kJsonName;
  try {
    read_runs(text, format, name, with_mapping(mapping));
  } catch (const InputError& error) {
    return error.diagnostics();
  }
  ADD_FAILURE() << "read_runs accepted:\n" << text;
  return {};
}

std::vector<Diagnostic> mapping_problems_of(const std::string& spec) {
  try {
    ColumnMapping::parse(spec);
  } catch (const InputError& error) {
    return error.diagnostics();
  }
  ADD_FAILURE() << "ColumnMapping::parse accepted '" << spec << "'";
  return {};
}

// ---------------------------------------------------------------------------------------------
// Bad inputs: each must give exactly one diagnostic, at the right place, saying what is wrong.

struct BadInput {
  const char* label;
  TableFormat format;
  const char* mapping;
  const char* text;
  int line;
  const char* field;
  const char* column;
  const char* message;
};

void PrintTo(const BadInput& input, std::ostream* out) {
  *out << input.label;
}

class BadInputTest : public testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, IsReportedWithItsLocation) {
  const BadInput& input = GetParam();
  const std::vector<Diagnostic> problems = problems_of(input.text, input.format, input.mapping);
  ASSERT_EQ(problems.size(), 1u) << (problems.empty() ? "" : InputError(problems).what());
  const Diagnostic& problem = problems.front();
  EXPECT_EQ(problem.where.file, input.format == TableFormat::kCsv ? kCsvName : kJsonName);
  EXPECT_EQ(problem.where.line, input.line);
  EXPECT_EQ(problem.where.field, input.field);
  EXPECT_EQ(problem.where.column, input.column);
  EXPECT_NE(problem.message.find(input.message), std::string::npos) << problem.format();
}

constexpr TableFormat kCsv = TableFormat::kCsv;
constexpr TableFormat kJson = TableFormat::kJson;

const BadInput kBadInputs[] = {
    {"NonNumericN", kCsv, "", "name,N,D,loss\na,12x,2e9,2.5\n", 2, "N", "N", "not a number: '12x'"},
    {"NonNumericInMappedColumn", kCsv, "N=Model Size",
     "name,Model Size,D,loss\na,1e8,2e9,2.5\nb,1e8 params,2e9,2.5\n", 3, "N", "Model Size",
     "not a number: '1e8 params'"},
    {"NanLoss", kCsv, "", "name,N,D,loss\na,1e8,2e9,nan\n", 2, "loss", "loss",
     "not a finite number: 'nan'"},
    {"NegativeTokens", kCsv, "", "name,N,D,loss\na,1e8,-2e9,2.5\n", 2, "D", "D",
     "must be positive"},
    {"SparsityAboveOne", kCsv, "", "name,N,N_active,S,D,loss\na,1e9,2e8,1.2,2e9,2.5\n", 2, "S", "S",
     "sparsity must lie in [0, 1)"},
    {"SparsityAsPercentage", kCsv, "", "name,N,N_active,S,D,loss\na,1e9,2e8,75,2e9,2.5\n", 2, "S",
     "S", "a percentage?"},
    {"MoreActiveThanTotalExperts", kCsv, "",
     "name,d_model,layers,heads,experts,active,D,loss\na,512,8,8,8,9,2e9,2.5\n", 2, "active",
     "active", "K=9 active experts exceed E=8"},
    {"ActiveParamsExceedTotal", kCsv, "", "name,N,N_active,D,loss\na,1e8,2e8,2e9,2.5\n", 2,
     "N_active", "N_active", "exceeds N="},
    {"MissingMappedColumn", kCsv, "N=Model Size", "name,N,D,loss\na,1e8,2e9,2.5\n", 1, "N", "",
     "column 'Model Size' (mapped to N) not found; columns are: name, N, D, loss"},
    {"RaggedRow", kCsv, "", "name,N,D,loss\na,1e8,2e9,2.5\nb,1e8,2e9\n", 3, "", "",
     "row has 3 fields but the header (line 1) has 4"},
    {"UnterminatedQuote", kCsv, "", "name,N,D,loss\na,1e8,2e9,2.5\n\"b,1e8,2e9,2.5\nc,1,2,3\n", 3,
     "", "", "unterminated quoted field"},
    {"TextAfterClosingQuote", kCsv, "", "name,N,D,loss\n\"a\"b,1e8,2e9,2.5\n", 2, "", "",
     "unexpected 'b' after a closing quote"},
    {"ParamsInMillions", kCsv, "", "name,N,D,loss\na,125,2e9,2.5\n", 2, "N", "N",
     "125 is implausibly small"},
    {"ComputeInconsistentWithParamsAndTokens", kCsv, "", "name,N,D,C,loss\na,1e8,2e9,1.2e21,2.5\n",
     2, "C", "C", "check the units of C, N_a and D"},
    {"DerivedTokensImplausible", kCsv, "", "name,N,C,loss\na,1e9,1e10,2.5\n", 2, "D", "",
     "(a derived value"},
    {"UnknownStatus", kCsv, "", "name,status,N,D,loss\na,finished,1e8,2e9,2.5\n", 2, "status",
     "status", "unknown status 'finished'; expected planned, running, done or failed"},
    {"UnknownProvenance", kCsv, "", "name,provenance,N,D,loss\na,cloud,1e8,2e9,2.5\n", 2,
     "provenance", "provenance", "unknown provenance 'cloud'"},
    {"UnknownDerivedQuantity", kCsv, "", "name,N,D,loss,derived\na,1e8,2e9,2.5,N;X\n", 2, "derived",
     "derived", "unknown derived 'N;X'"},
    {"MalformedLossCurve", kCsv, "", "name,N,D,loss,loss_curve\na,1e8,2e9,2.5,\"[[1,2\"\n", 2,
     "loss_curve", "loss_curve", "malformed loss_curve: expected JSON [[step,tokens,loss],...]"},
    {"LossCurvePointWithFractionalStep", kCsv, "",
     "name,N,D,loss,loss_curve\na,1e8,2e9,2.5,\"[[1.5,2e6,3.1]]\"\n", 2, "loss_curve", "loss_curve",
     "with a whole step"},
    {"UnknownMetricKind", kCsv, "",
     "name,N,D,loss,downstream\n"
     "a,1e8,2e9,2.5,\"[{\"\"task\"\":\"\"piqa\"\",\"\"kind\"\":\"\"f1\"\",\"\"value\"\":0.5}]\"\n",
     2, "downstream", "downstream", "unknown metric kind 'f1'"},
    {"BadTiedEmbeddings", kCsv, "",
     "name,d_model,layers,heads,experts,active,tied_embeddings,D,loss\n"
     "a,512,8,8,8,2,yes,2e9,2.5\n",
     2, "tied_embeddings", "tied_embeddings", "expected true, false, 1 or 0, got 'yes'"},
    {"DuplicateHeader", kCsv, "", "name,N,N,loss\na,1e8,1e8,2.5\n", 1, "", "N",
     "duplicate column name"},
    {"FractionalLayers", kCsv, "",
     "name,d_model,layers,heads,experts,active,D,loss\na,512,8.5,8,8,2,2e9,2.5\n", 2, "layers",
     "layers", "must be a positive whole number, got 8.5"},
    {"ArchitectureWithoutLayers", kCsv, "",
     "name,d_model,heads,experts,active,D,loss\na,512,8,8,2,2e9,2.5\n", 2, "layers", "",
     "missing: an architecture"},
    {"ExpertsWithoutDModel", kCsv, "", "name,N,experts,active,D,loss\na,1e9,8,2,2e9,2.5\n", 2,
     "experts", "experts", "given without d_model"},
    {"EmptyFile", kCsv, "", "", 0, "", "", "empty file: no runs"},
    {"HeaderOnly", kCsv, "", "\xEF\xBB\xBFname,N,D,loss\r\n", 1, "", "", "no runs"},
    {"JsonSyntaxError", kJson, "",
     "{\"format\":\"moescope-runs\",\"version\":1,\"runs\":[\n"
     "{\"name\":\"a\",\"N\":1e8,\"D\":2e9,\"loss\":2.5},\n"
     "{\"name\":\"b\",\"N\":1e8,,\"D\":2e9,\"loss\":2.5}\n"
     "]}\n",
     3, "", "", "JSON syntax error at column 21"},
    {"JsonUnknownKey", kJson, "",
     "[\n"
     "  {\"name\": \"a\", \"N\": 1e8, \"D\": 2e9, \"loss\": 2.5},\n"
     "  {\"name\": \"b\", \"N_total\": 1e8, \"D\": 2e9, \"loss\": 2.5}\n"
     "]\n",
     3, "", "", "key that maps to no field: 'N_total'"},
    {"JsonVersionedRecordLine", kJson, "",
     "{\"format\": \"moescope-runs\", \"version\": 1, \"runs\": [\n"
     "  {\"name\": \"a\", \"N\": 1e8, \"D\": 2e9, \"loss\": 2.5,\n"
     "   \"loss_curve\": [[1, 1e6, 9.5],\n"
     "                  [2, 2e6, 8.5]]},\n"
     "  {\"name\": \"],[{\", \"N\": 1e8, \"D\": 2e9, \"loss\": 2.4},\n"
     "  {\"name\": \"c\", \"N\": 1e8, \"D\": 2e9, \"loss\": 2.3, \"status\": \"ok\"}\n"
     "]}\n",
     6, "status", "status", "unknown status 'ok'"},
    {"JsonNumberOverflow", kJson, "", "[{\"N\": 1e999}]", 0, "", "", "number overflow"},
    {"JsonNumberAsWord", kJson, "", "[{\"name\":\"a\",\"N\":1e8,\"D\":\"lots\",\"loss\":2.5}]", 1,
     "D", "D", "not a number: 'lots'"},
    {"JsonRunNotAnObject", kJson, "", "[\n{\"N\":1e8,\"D\":2e9,\"loss\":2.5},\n[1,2]\n]", 3, "", "",
     "a run must be a JSON object, got array"},
    {"JsonOtherFormat", kJson, "", "{\"format\":\"other\",\"version\":1,\"runs\":[]}", 0, "",
     "format", "not a MoEScope runs file"},
    {"JsonEmptyRuns", kJson, "", "{\"format\":\"moescope-runs\",\"version\":1,\"runs\":[]}", 0, "",
     "", "no runs"},
};

INSTANTIATE_TEST_SUITE_P(RunTable, BadInputTest, testing::ValuesIn(kBadInputs),
                         [](const testing::TestParamInfo<BadInput>& param) {
                           return std::string(param.param.label);
                         });

struct BadMapping {
  const char* label;
  const char* spec;
  const char* field;
  const char* message;
};

void PrintTo(const BadMapping& input, std::ostream* out) {
  *out << input.label;
}

class BadMappingTest : public testing::TestWithParam<BadMapping> {};

TEST_P(BadMappingTest, NamesTheEntry) {
  const BadMapping& input = GetParam();
  const std::vector<Diagnostic> problems = mapping_problems_of(input.spec);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems.front().where.field, input.field);
  EXPECT_NE(problems.front().message.find(input.message), std::string::npos)
      << problems.front().format();
}

const BadMapping kBadMappings[] = {
    {"UnknownField", "N=size,Q=quality", "",
     "map entry 'Q=quality': unknown field 'Q'; valid fields: id, name,"},
    {"NoEquals", "N=size,loss", "", "map entry 'loss': expected FIELD=COLUMN"},
    {"EmptyColumn", "N= *1e6,loss=loss", "N", "map entry 'N= *1e6': empty column name"},
    {"BadScale", "D=tokens*abc", "D", "map entry 'D=tokens*abc': bad scale 'abc'"},
    {"NegativeScale", "D=tokens*-1e9", "D", "bad scale '-1e9'"},
    {"ScaleOnText", "name=label*2", "name", "field name is not a number and takes no scale"},
    {"MappedTwice", "N=size,N=params", "N", "map entry 'N=params': field N is mapped twice"},
    {"AliasMappedTwice", "E=experts_total,experts=n_experts", "experts", "mapped twice"},
};

INSTANTIATE_TEST_SUITE_P(RunTable, BadMappingTest, testing::ValuesIn(kBadMappings),
                         [](const testing::TestParamInfo<BadMapping>& param) {
                           return std::string(param.param.label);
                         });

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
