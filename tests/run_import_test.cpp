// Real data in (issue 12): a reader that drops or merges nothing silently, and the curation a
// researcher does on the way in (--where on any column, --best-of). Each case of "What a new user
// found" that the reader answers has a test here.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"
#include "moescope/model/accounting.h"
#include "moescope/run/best_of.h"
#include "moescope/run/run_identity.h"

namespace moescope {
namespace {

constexpr char kCsvName[] = "runs.csv";

ReadOptions options_with(const std::string& mapping, const std::string& where = "",
                         std::vector<std::string> best_of = {}) {
  ReadOptions options;
  options.mapping = ColumnMapping::parse(mapping);
  if (!where.empty())
    options.where = RunFilter::parse(where, RunFilter::Scope::kFileColumns, "--where");
  options.best_of = std::move(best_of);
  return options;
}

ReadResult read_csv(std::string_view text, const ReadOptions& options = {}) {
  return read_runs(text, TableFormat::kCsv, kCsvName, options);
}

// What read_runs throws, as the user reads it; a failure when it throws nothing.
std::string error_of(std::string_view text, TableFormat format, const ReadOptions& options = {}) {
  try {
    read_runs(text, format, format == TableFormat::kCsv ? kCsvName : "runs.json", options);
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "read_runs accepted:\n" << text;
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Epoch AI's file, in miniature: the header of svg_extracted_data.csv, and rows that share a loss.
const char* kEpochLike =
    "x,y,color,Model Size,Training FLOP,hex_color,loss\n"
    "154.0,140.6,#faebdd,6795600349.29,9.99e18,#faebdd,5.0\n"
    "151.6,175.5,#f8d1b8,2979521172.20,9.23e18,#f8d1b8,5.0\n";

// ---- Nothing dropped silently ---------------------------------------------------------------

TEST(UnknownColumns, WithoutAMappingEveryColumnThatMapsToNoFieldIsNamed) {
  const std::string message = error_of(kEpochLike, TableFormat::kCsv);
  EXPECT_TRUE(contains(message,
                       "runs.csv:1: columns that map to no field: 'x', 'y', 'color', "
                       "'Model Size', 'Training FLOP', 'hex_color'"))
      << message;
  EXPECT_TRUE(contains(message, "leave it out (--map \"x=\"), or pass --ignore-unknown"))
      << message;
}

TEST(UnknownColumns, MiscasedAndMistypedColumnsNameTheNearestField) {
  const std::string message =
      error_of("Name,N,D,Loss,tokns,lr_peak\na,1e8,2e9,2.5,1,1\n", TableFormat::kCsv);
  EXPECT_TRUE(contains(message, "'Name' (a typo of name?), 'Loss' (a typo of loss?)")) << message;
  // Nothing is a close enough typo for these: no suggestion that would mislead.
  EXPECT_TRUE(contains(message, "'tokns', 'lr_peak'.")) << message;
}

TEST(UnknownColumns, AreReadOnceMappedLeftOutOrIgnored) {
  const ReadResult mapped =
      read_csv(kEpochLike, options_with("N=Model Size,C=Training FLOP,x=,y=,color=,hex_color="));
  ASSERT_EQ(mapped.runs.size(), 2u);
  EXPECT_EQ(mapped.runs[0].total_params, 6795600349.29);
  ReadOptions ignoring = options_with("N=Model Size,C=Training FLOP");
  ignoring.ignore_unknown_columns = true;
  EXPECT_EQ(read_csv(kEpochLike, ignoring).runs, mapped.runs);
  // A column left out must exist: a typo there would otherwise hide the column it meant.
  const std::string message = error_of(kEpochLike, TableFormat::kCsv,
                                       options_with("N=Model Size,C=Training FLOP,colour=,x=,y="));
  EXPECT_TRUE(contains(message, "column 'colour' (left out by the mapping) not found")) << message;
}

TEST(UnknownColumns, JsonKeysThatMapToNoFieldAreNamedPerRun) {
  const std::string text =
      R"([{"N": 1e8, "D": 2e9, "Loss": 2.5}, {"N": 2e8, "D": 2e9, "Loss": 2.4}])";
  const std::string message = error_of(text, TableFormat::kJson);
  EXPECT_TRUE(contains(message, "runs.json:1: key that maps to no field: 'Loss' (a typo of loss?)"))
      << message;
  EXPECT_EQ(read_runs(text, TableFormat::kJson, "runs.json", options_with("loss=Loss")).runs.size(),
            2u);
}

TEST(UsableRows, ARowWithNoSizeTokensOrBudgetIsRefusedByLine) {
  ReadOptions ignoring;
  ignoring.ignore_unknown_columns = true;
  const std::string message = error_of(kEpochLike, TableFormat::kCsv, ignoring);
  EXPECT_TRUE(contains(message,
                       "runs.csv:2: nothing to fit: the row gives no N, N_active, D or "
                       "C, nor an architecture they follow from"))
      << message;
  EXPECT_TRUE(contains(message, "(and 1 more row: line 3)")) << message;
}

// ---- Nothing merged silently ----------------------------------------------------------------

TEST(Identity, RowsThatShareALossAreDistinctRuns) {
  const ReadResult result =
      read_csv(kEpochLike, options_with("N=Model Size,C=Training FLOP,x=,y=,color=,hex_color="));
  ASSERT_EQ(result.runs.size(), 2u);
  EXPECT_NE(result.runs[0].id, result.runs[1].id);
  EXPECT_TRUE(result.duplicates.empty());
}

TEST(Identity, MinusZeroIsZero) {
  const ReadResult result = read_csv("N,N_active,S,D,loss\n1e8,1e8,-0,2e9,2.5\n");
  ASSERT_EQ(result.runs.size(), 1u);
  EXPECT_FALSE(std::signbit(*result.runs[0].sparsity));
  EXPECT_EQ(result.runs[0].id, read_csv("N,N_active,S,D,loss\n1e8,1e8,0,2e9,2.5\n").runs[0].id);
  moescope::Run negative = result.runs[0];
  negative.sparsity = -0.0;
  EXPECT_EQ(content_identity(negative), content_identity(result.runs[0]));
}

TEST(Identity, ANameThatIsNotUtf8IsRefusedNamingItsLine) {
  const std::string message =
      error_of("name,N,D,loss\ncafe,1e8,2e9,2.5\ncaf\xE9,1e8,2e9,2.5\n", TableFormat::kCsv);
  EXPECT_TRUE(contains(message,
                       "runs.csv:3: field name: not valid UTF-8 (byte 0xE9 at position "
                       "4): save the file as UTF-8"))
      << message;
  // Overlong forms and surrogates are not UTF-8 either; real multi-byte text is.
  EXPECT_TRUE(contains(error_of("name,N,D,loss\n\xC0\xAF,1e8,2e9,2.5\n", TableFormat::kCsv),
                       "not valid UTF-8"));
  EXPECT_TRUE(contains(error_of("name,N,D,loss\n\xED\xA0\x80,1e8,2e9,2.5\n", TableFormat::kCsv),
                       "not valid UTF-8"));
  EXPECT_EQ(read_csv("name,N,D,loss\nmoe-8x2 \xCE\xB1 \xF0\x9F\x9A\x80,1e8,2e9,2.5\n").runs.size(),
            1u);
}

// ~100,000 nested brackets in a value crashed the reader (a stack overflow quoting the value in a
// message); the nesting is measured on the raw text first, and the limit is named with the line,
// the field and the column or run.
TEST(HostileInput, NestingTooDeepIsRefusedNamingLineAndField) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  std::string message =
      error_of("name,N,D,loss,loss_curve\nok,1e8,2e9,2.5,\nbad,1e8,2e9,2.5,\"" + deep + "\"\n",
               TableFormat::kCsv);
  EXPECT_TRUE(
      contains(message,
               "runs.csv:3: field loss_curve: malformed loss_curve: arrays and objects "
               "nested more than 512 deep (MoEScope's limit) at character 513 of the value"))
      << message;
  message = error_of(
      "{\"format\": \"moescope-runs\", \"version\": 1, \"runs\": [\n"
      "{\"N\": 1e8, \"D\": 2e9, \"loss\": 2.5},\n"
      "{\"Model Size\": 1e8, \"D\": 2e9, \"loss\": 2.5, \"downstream\": " +
          deep + "}]}",
      TableFormat::kJson, options_with("N=Model Size"));
  EXPECT_TRUE(
      contains(message,
               "runs.json:3: field downstream: arrays and objects nested more than 512 deep "
               "(MoEScope's limit) at line 3, column 56"))
      << message;
  EXPECT_TRUE(contains(message, "in runs[1].downstream[0]... (run 2)")) << message;
  message = error_of("[{\"Model Size\": " + deep + "}]", TableFormat::kJson,
                     options_with("N=Model Size"));
  EXPECT_TRUE(contains(message,
                       "runs.json:1: field N (column 'Model Size'): arrays and objects "
                       "nested more than 512 deep"))
      << message;
  // Within the limit, a nested value is only malformed: named, as before, without a crash.
  const std::string at_limit = std::string(500, '[') + std::string(500, ']');
  message = error_of("[{\"N\": 1e8, \"D\": 2e9, \"loss\": 2.5, \"loss_curve\": " + at_limit + "}]",
                     TableFormat::kJson);
  EXPECT_TRUE(contains(message, "field loss_curve: each point is [step,tokens,loss]")) << message;
}

TEST(Identity, AJsonKeyGivenTwiceIsRefused) {
  const std::string message = error_of(
      "[\n{\"N\": 1e8, \"D\": 2e9,\n \"loss\": 2.5, \"loss\": 9.5}\n]", TableFormat::kJson);
  EXPECT_TRUE(contains(message,
                       "runs.json:3: column 'loss': key given twice in one object (first "
                       "at line 3)"))
      << message;
  // Nested objects have keys of their own; a key may recur in another object.
  EXPECT_EQ(read_runs(R"([{"N": 1e8, "D": 2e9, "loss": 2.5}, {"N": 1e8, "D": 4e9, "loss": 2.4}])",
                      TableFormat::kJson, "runs.json")
                .runs.size(),
            2u);
}

TEST(Identity, AnNThatContradictsTheArchitectureSaysWhichToDrop) {
  Architecture arch;
  arch.d_model = 512;
  arch.n_layers = 8;
  arch.n_heads = 8;
  arch.experts = 8;
  arch.active = 2;
  const ParameterCount count = count_parameters(arch);
  const std::string header = "d_model,layers,heads,experts,active,N,N_active,D,loss\n";
  const std::string arch_cells = "512,8,8,8,2,";
  // The architecture's own count passes, and so does a count within the tolerance.
  EXPECT_EQ(read_csv(header + arch_cells + std::to_string(count.total * 1.005) + "," +
                     std::to_string(count.active) + ",2e9,2.5\n")
                .runs.size(),
            1u);
  const std::string message = error_of(header + arch_cells + std::to_string(count.total * 1.5) +
                                           "," + std::to_string(count.active) + ",2e9,2.5\n",
                                       TableFormat::kCsv);
  EXPECT_TRUE(contains(message, "runs.csv:2: field N: N="));
  EXPECT_TRUE(contains(message, "is 50% off the given architecture's count"));
  EXPECT_TRUE(contains(message,
                       "tolerance 1%): drop N to take the count, or drop the "
                       "architecture to keep N"))
      << message;
}

// ---- Curation on the way in: --where ----------------------------------------------------------

const char* kTwoExperiments =
    "label,dataset,N,C,loss,warmup\n"
    "Optimizer tuning (no decay),rw,1e8,1e19,3.1,long\n"
    "Optimizer tuning (no decay),owt2,1e8,1e19,3.3,long\n"
    "Cosine decay,rw,1e8,1e19,3.2,short\n"
    "Optimizer tuning (no decay),rw,2e8,1e20,2.9,long\n";

TEST(Where, KeepsTheRowsOfOneExperimentByColumnsThatAreNoField) {
  const ReadResult result = read_csv(
      kTwoExperiments,
      options_with("warmup=", R"r(label == "Optimizer tuning (no decay)" && dataset == "rw")r"));
  ASSERT_EQ(result.runs.size(), 2u);
  EXPECT_EQ(result.runs[0].loss, 3.1);
  EXPECT_EQ(result.runs[1].loss, 2.9);
  EXPECT_EQ(result.rows, 4u);
  EXPECT_EQ(result.rows_matched, 2u);
}

TEST(Where, ComparesFieldsAfterMappingAndDerivation) {
  // D is derived from C and N; the rule reads it like a given value.
  const ReadResult result =
      read_csv(kTwoExperiments, options_with("warmup=,label=,dataset=", "D > 1e10 && C < 5e19"));
  ASSERT_EQ(result.runs.size(), 3u);
  EXPECT_EQ(result.runs[0].tokens, 1e19 / 6e8);
}

TEST(Where, RowsLeftOutAreNotCheckedButTheirProblemsStayInTheRowsKept) {
  // "long" is no warm-up fraction. Every row says so, once: one line, with a count.
  const std::string message =
      error_of(kTwoExperiments, TableFormat::kCsv,
               options_with("dataset=", R"r(label == "Optimizer tuning (no decay)")r"));
  EXPECT_TRUE(contains(message, "runs.csv:2: field warmup: not a number: 'long'")) << message;
  EXPECT_TRUE(contains(message, "(and 2 more rows: lines 3, 5)")) << message;
  EXPECT_FALSE(contains(message, "'short'")) << message;  // line 4 is not asked for
}

TEST(Where, NoMatchingRowListsTheValuesTheColumnHolds) {
  const std::string message =
      error_of(kTwoExperiments, TableFormat::kCsv,
               options_with("warmup=,dataset=", R"(label == "Optimiser tuning")"));
  EXPECT_TRUE(contains(message,
                       "no row matches the rule 'label == \"Optimiser tuning\"'; column "
                       "label holds 'Cosine decay', 'Optimizer tuning (no decay)'"))
      << message;
  const std::string absent =
      error_of(kTwoExperiments, TableFormat::kCsv, options_with("warmup=", R"(lable == "x")"));
  EXPECT_TRUE(contains(absent,
                       "column 'lable' (read by the row rule) not found; columns are: "
                       "label, dataset, N, C, loss, warmup"))
      << absent;
}

// ---- Curation on the way in: --best-of ----------------------------------------------------------

const char* kSweep =
    "N,D,peak_lr,seed,loss\n"
    "1e8,2e9,0.001,1,3.20\n"
    "1e8,2e9,0.002,1,3.10\n"
    "1e8,2e9,0.004,1,3.15\n"
    "1e8,2e9,0.002,2,3.12\n"
    "2e8,2e9,0.001,1,3.00\n"
    "2e8,2e9,0.002,1,3.05\n";

TEST(BestOf, KeepsTheLowestLossOfEachConfigurationAndCountsItsRows) {
  const ReadResult result = read_csv(kSweep, options_with("lr=peak_lr", "", {"lr", "seed"}));
  ASSERT_EQ(result.runs.size(), 2u);
  EXPECT_EQ(result.runs[0].total_params, 1e8);
  EXPECT_EQ(result.runs[0].loss, 3.10);
  EXPECT_EQ(result.runs[0].hyper.learning_rate, 0.002);
  EXPECT_EQ(result.runs[0].best_of, 4);
  EXPECT_EQ(result.runs[1].loss, 3.00);
  EXPECT_EQ(result.runs[1].best_of, 2);
  // The count is part of the run: exported and read back, it stays.
  const std::string exported = format_runs(result.runs, TableFormat::kCsv);
  EXPECT_EQ(read_csv(exported).runs, result.runs);
  EXPECT_EQ(result.runs[0].id, content_identity(result.runs[0]));
}

TEST(BestOf, WithoutTheSweptFieldInTheGroupOnlyIdenticalConfigurationsMerge) {
  // Over the seed alone, each learning rate is a configuration of its own.
  const ReadResult result = read_csv(kSweep, options_with("lr=peak_lr", "", {"seed"}));
  ASSERT_EQ(result.runs.size(), 5u);
  EXPECT_EQ(result.runs[1].loss, 3.10);
  EXPECT_EQ(result.runs[1].best_of, 2);
}

TEST(BestOf, RefusesRowsWithoutALossAndNamesThatAreNoConfiguration) {
  EXPECT_TRUE(contains(error_of("N,D,lr,loss\n1e8,2e9,0.001,\n1e8,2e9,0.002,3.1\n",
                                TableFormat::kCsv, options_with("", "", {"lr"})),
                       "runs.csv:2: field loss: --best-of keeps the lowest loss, and this row has "
                       "none"));
  EXPECT_TRUE(
      contains(error_of(kSweep, TableFormat::kCsv, options_with("lr=peak_lr", "", {"loss"})),
               "'loss' identifies no configuration"));
  EXPECT_TRUE(contains(error_of(kSweep, TableFormat::kCsv, options_with("lr=peak_lr", "", {"sed"})),
                       "column 'sed' (named by --best-of) not found"));
}

TEST(BestOf, OnRunsAddsUpTheRowsEachAlreadyStandsFor) {
  moescope::Run a;
  a.total_params = 1e8;
  a.tokens = 2e9;
  a.hyper.learning_rate = 0.001;
  a.loss = 3.0;
  a.best_of = 3;
  moescope::Run b = a;
  b.hyper.learning_rate = 0.002;
  b.loss = 2.9;
  b.best_of = 2;
  const std::vector<moescope::Run> best = keep_best_of({a, b}, {"lr"});
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0].loss, 2.9);
  EXPECT_EQ(best[0].best_of, 5);
}

}  // namespace
}  // namespace moescope
