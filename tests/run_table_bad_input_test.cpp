// Bad input to the run table's reader and bad column mappings, case by case: each gives exactly
// one diagnostic, at the right place, saying what is wrong.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"
#include "run_table_reading.h"

namespace moescope {
namespace {

using testing_support::kCsv;
using testing_support::kCsvName;
using testing_support::kJson;
using testing_support::kJsonName;
using testing_support::problems_of;

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

}  // namespace
}  // namespace moescope
