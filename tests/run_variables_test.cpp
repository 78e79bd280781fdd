// The run variables a user-defined law reads (issue 18): U, the unique tokens of the training
// data, a field like D; and extras, numbers of columns the caller allows by name. Both are read
// from CSV and JSON, checked, and kept through export (the store's side: run_store_test).
#include "moescope/run/run_variables.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"
#include "moescope/run/derive.h"

namespace moescope {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ReadOptions mapped(const std::string& mapping, const std::vector<std::string>& extras = {}) {
  ReadOptions options;
  options.mapping = ColumnMapping::parse(mapping, extras);
  return options;
}

ReadResult read_csv(std::string_view text, const ReadOptions& options = {}) {
  return read_runs(text, TableFormat::kCsv, "runs.csv", options);
}

std::string error_of(std::string_view text, TableFormat format, const ReadOptions& options = {}) {
  try {
    read_runs(text, format, format == TableFormat::kCsv ? "runs.csv" : "runs.json", options);
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "read_runs accepted:\n" << text;
  return {};
}

std::string mapping_error_of(const std::string& mapping, const std::vector<std::string>& extras) {
  try {
    ColumnMapping::parse(mapping, extras);
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "the mapping was accepted: " << mapping;
  return {};
}

// ---- run_variable -----------------------------------------------------------------------------

TEST(RunVariable, NamesEachQuantityOfARunOnce) {
  EXPECT_EQ(law_run_variables(),
            (std::vector<std::string>{"N", "N_active", "D", "C", "S", "E", "K", "G", "U"}));
  moescope::Run run;
  run.total_params = 1e9;
  run.active_params = 2e8;
  run.tokens = 4e10;
  run.compute = 4.8e19;
  run.sparsity = 0.75;
  run.unique_tokens = 1e10;
  run.loss = 2.5;
  run.extras = {{"epochs_seen", 4}, {"seed", 1}};
  EXPECT_EQ(run_variable(run, "N"), 1e9);
  EXPECT_EQ(run_variable(run, "N_active"), 2e8);
  EXPECT_EQ(run_variable(run, "D"), 4e10);
  EXPECT_EQ(run_variable(run, "C"), 4.8e19);
  EXPECT_EQ(run_variable(run, "S"), 0.75);
  EXPECT_EQ(run_variable(run, "U"), 1e10);
  EXPECT_EQ(run_variable(run, "L"), 2.5);
  EXPECT_EQ(run_variable(run, "epochs_seen"), 4.0);
  EXPECT_EQ(run_extra(run, "seed"), 1.0);
  // Without an architecture there are no E, K, G; an unknown name is no variable.
  for (const char* name : {"E", "K", "G", "absent", "n", "loss", "unique_tokens"})
    EXPECT_FALSE(run_variable(run, name).has_value()) << name;
  run.architecture = Architecture{.d_model = 512, .n_layers = 4, .n_heads = 8};
  run.architecture->experts = 8;
  run.architecture->active = 2;
  run.architecture->granularity = 4;
  EXPECT_EQ(run_variable(run, "E"), 8.0);
  EXPECT_EQ(run_variable(run, "K"), 2.0);
  EXPECT_EQ(run_variable(run, "G"), 4.0);
}

TEST(ExtraNames, AreIdentifiersThatNameNoFieldOrVariable) {
  for (const char* name : {"epochs_seen", "_x", "seed2", "u", "l", "lr_peak"})
    EXPECT_FALSE(extra_name_problem(name).has_value()) << name;
  EXPECT_TRUE(contains(*extra_name_problem("2x"), "no name for an extra"));
  EXPECT_TRUE(contains(*extra_name_problem("a-b"), "no name for an extra"));
  EXPECT_TRUE(contains(*extra_name_problem(""), "no name for an extra"));
  for (const char* name : {"N", "U", "L", "loss", "Na", "unique_tokens", "best_of", "extras"})
    EXPECT_TRUE(contains(*extra_name_problem(name), "is a run field or variable")) << name;
  EXPECT_FALSE(extra_name_problem(std::string(64, 'x')).has_value());
  EXPECT_TRUE(contains(*extra_name_problem(std::string(65, 'x')), "at most 64 characters"));
}

// ---- U ----------------------------------------------------------------------------------------

TEST(UniqueTokens, IsReadUnderItsNameItsAliasOrAMappedColumn) {
  const char* by_name = "N,D,unique_tokens,loss\n1e8,2e10,5e9,2.5\n";
  EXPECT_EQ(read_csv(by_name).runs.at(0).unique_tokens, 5e9);
  // U may exceed D: a run that saw part of its unique data.
  const char* mapped_column = "N,D,Unique (B),loss\n1e8,2e9,5,2.5\n";
  const ReadResult result = read_csv(mapped_column, mapped("U=Unique (B)*1e9"));
  EXPECT_EQ(result.runs.at(0).unique_tokens, 5e9);
  EXPECT_EQ(run_variable(result.runs.at(0), "U"), 5e9);
  // An empty cell: this run gives no U. Never derived from D.
  EXPECT_FALSE(read_csv("N,D,unique_tokens,loss\n1e8,2e10,,2.5\n").runs.at(0).unique_tokens);
}

TEST(UniqueTokens, BadValuesAreNamedByLineFieldAndColumn) {
  const std::string message = error_of(
      "N,D,U_col,loss\n1e8,2e10,5e9,2.5\n1e8,2e10,-1,2.5\n1e8,2e10,many,2.5\n1e8,2e10,inf,2.5\n",
      TableFormat::kCsv, mapped("unique_tokens=U_col"));
  EXPECT_TRUE(contains(message,
                       "runs.csv:3: field unique_tokens (column 'U_col'): must be "
                       "positive, got -1"))
      << message;
  EXPECT_TRUE(contains(message,
                       "runs.csv:4: field unique_tokens (column 'U_col'): not a number: "
                       "'many'"))
      << message;
  EXPECT_TRUE(contains(message,
                       "runs.csv:5: field unique_tokens (column 'U_col'): not a finite "
                       "number"))
      << message;
  // A count given in billions is D's unit slip, and named as such.
  EXPECT_TRUE(contains(error_of("N,D,U,loss\n1e8,2e10,5,2.5\n", TableFormat::kCsv, mapped("U=U")),
                       "runs.csv:2: field unique_tokens (column 'U'): 5 is implausibly small"));
}

// ---- Extras -----------------------------------------------------------------------------------

TEST(Extras, AreReadFromTheColumnsTheCallerAllows) {
  const char* text =
      "N,D,U,ep,seed,loss\n"
      "1e8,2e10,5e9,4,1,2.5\n"
      "1e8,2e10,5e9,,2,2.6\n";
  const ReadResult result =
      read_csv(text, mapped("U=U,epochs_seen=ep*1", {"epochs_seen", "seed", "N", "U"}));
  ASSERT_EQ(result.runs.size(), 2u);
  // Sorted by name; `seed` is read from a column of its own name, unmapped.
  EXPECT_EQ(result.runs[0].extras,
            (std::vector<std::pair<std::string, double>>{{"epochs_seen", 4}, {"seed", 1}}));
  EXPECT_EQ(result.runs[0].unique_tokens, 5e9);
  // An empty cell: no epochs_seen for that run.
  EXPECT_EQ(result.runs[1].extras, (std::vector<std::pair<std::string, double>>{{"seed", 2}}));
  EXPECT_FALSE(run_variable(result.runs[1], "epochs_seen").has_value());
  // An extra takes a scale, as a number field does.
  EXPECT_EQ(
      read_csv(text, mapped("U=U,epochs_seen=ep*10,seed=", {"epochs_seen", "seed"})).runs[0].extras,
      (std::vector<std::pair<std::string, double>>{{"epochs_seen", 40}}));
  // Not allowed, the same columns are columns that map to no field.
  EXPECT_TRUE(
      contains(error_of(text, TableFormat::kCsv, mapped("U=U")), "columns that map to no field"));
}

TEST(Extras, ABadValueIsNamedByLineExtraAndColumn) {
  const std::string message =
      error_of("N,D,ep,loss\n1e8,2e10,4,2.5\n1e8,2e10,four,2.5\n1e8,2e10,nan,2.5\n",
               TableFormat::kCsv, mapped("epochs_seen=ep", {"epochs_seen"}));
  EXPECT_TRUE(
      contains(message, "runs.csv:3: field epochs_seen (column 'ep'): not a number: 'four'"))
      << message;
  EXPECT_TRUE(contains(message, "runs.csv:4: field epochs_seen (column 'ep'): not a finite number"))
      << message;
}

TEST(Extras, AMappedNameNeitherFieldNorAllowedIsRefusedWithTheNearestName) {
  EXPECT_TRUE(contains(mapping_error_of("epoch_seen=ep", {"epochs_seen"}),
                       "map entry 'epoch_seen=ep': unknown field 'epoch_seen' (a typo of "
                       "epochs_seen?); valid fields: "));
  EXPECT_TRUE(contains(mapping_error_of("epoch_seen=ep", {"epochs_seen"}),
                       "; extras read here: epochs_seen"));
  EXPECT_TRUE(contains(mapping_error_of("epochs_seen=ep", {}),
                       "map entry 'epochs_seen=ep': unknown field 'epochs_seen'; valid fields: "));
  EXPECT_TRUE(contains(mapping_error_of("Los=l", {}), "unknown field 'Los' (a typo of loss?)"));
}

TEST(Extras, HostileNamesAndCountsAreRefused) {
  EXPECT_TRUE(contains(mapping_error_of("", {"bad name"}), "extra field: 'bad name' is no name"));
  EXPECT_TRUE(contains(mapping_error_of("", {std::string(65, 'y')}), "at most 64 characters"));
  std::vector<std::string> many;
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  for (int i = 0; i < 65; ++i)
    many.push_back(std::string("x").append(std::to_string(i)));
  EXPECT_TRUE(contains(mapping_error_of("", many),
                       "65 extra fields asked for; a run holds at "
                       "most 64"));
  many.pop_back();
  EXPECT_EQ(ColumnMapping::parse("", many).extra_fields().size(), 64u);

  // The extras field of an export is input too.
  const auto extras_error = [](const std::string& object) {
    return error_of("N,D,loss,extras\n1e8,2e10,2.5,\"" + object + "\"\n", TableFormat::kCsv);
  };
  std::string big = "{";
  for (int i = 0; i < 65; ++i)
    big += std::string(i ? "," : "") + "\"\"x" + std::to_string(i) + "\"\":1";
  EXPECT_TRUE(contains(extras_error(big + "}"), "field extras: 65 extras; a run holds at most 64"));
  EXPECT_TRUE(contains(extras_error(R"({""a b"":1})"), "field extras: 'a b' is no name"));
  EXPECT_TRUE(contains(extras_error(R"({""N"":1})"), "'N' is a run field or variable"));
  EXPECT_TRUE(contains(extras_error(R"({""a"":""1""})"), "extra a must be a finite number"));
  EXPECT_TRUE(contains(extras_error(R"({""a"":1,""a"":2})"), "extra 'a' is given twice"));
  EXPECT_TRUE(contains(extras_error("[1]"), "malformed extras: expected a JSON object"));
  EXPECT_TRUE(contains(extras_error(std::string(600, '[')), "malformed extras: nested more"));
}

TEST(Extras, AnExtraGivenByItsColumnAndByTheExtrasFieldIsRefused) {
  const std::string message =
      error_of("N,D,loss,ep,extras\n1e8,2e10,2.5,4,\"{\"\"epochs_seen\"\":3}\"\n",
               TableFormat::kCsv, mapped("epochs_seen=ep", {"epochs_seen"}));
  EXPECT_TRUE(contains(message,
                       "runs.csv:2: field epochs_seen (column 'ep'): extra epochs_seen "
                       "is given twice"))
      << message;
}

TEST(Extras, ReadFromJsonKeysAndTheExtrasObjectAndSurviveExport) {
  const char* text = R"({"format":"moescope-runs","version":1,"runs":[
{"N":1e8,"D":2e10,"U":5e9,"loss":2.5,"ep":4,"extras":{"seed":3}},
{"N":1e8,"D":2e10,"loss":2.6,"extras":{"b":1.5,"a":-2}}
]})";
  const ReadOptions options = mapped("U=U,epochs_seen=ep", {"epochs_seen"});
  const ReadResult result = read_runs(text, TableFormat::kJson, "runs.json", options);
  ASSERT_EQ(result.runs.size(), 2u);
  EXPECT_EQ(result.runs[0].unique_tokens, 5e9);
  EXPECT_EQ(result.runs[0].extras,
            (std::vector<std::pair<std::string, double>>{{"epochs_seen", 4}, {"seed", 3}}));
  EXPECT_EQ(result.runs[1].extras,
            (std::vector<std::pair<std::string, double>>{{"a", -2}, {"b", 1.5}}));
  for (const TableFormat format : {TableFormat::kCsv, TableFormat::kJson}) {
    // Read back without being told the names: the extras field carries them.
    const ReadResult again = read_runs(format_runs(result.runs, format), format, "export", {});
    EXPECT_EQ(again.runs, result.runs);
  }
  const std::string message =
      error_of(R"([{"N":1e8,"D":2e10,"loss":2.5,"ep":"x"}])", TableFormat::kJson, options);
  EXPECT_TRUE(contains(message, "runs.json:1: field epochs_seen (column 'ep'): not a number: 'x'"))
      << message;
}

TEST(Extras, MakeAnotherRunAndAreChecked) {
  moescope::Run run;
  run.total_params = 1e8;
  run.tokens = 2e10;
  run.loss = 2.5;
  derive_missing(run);
  moescope::Run with_u = run;
  with_u.unique_tokens = 5e9;
  moescope::Run with_extra = run;
  with_extra.extras = {{"a", 1}};
  const std::vector<moescope::Run> runs{run, with_u, with_extra};
  const ReadResult read = read_csv(format_runs(runs, TableFormat::kCsv));
  ASSERT_EQ(read.runs.size(), 3u);
  EXPECT_TRUE(read.duplicates.empty());  // three runs, three ids
  EXPECT_NE(read.runs[0].id, read.runs[1].id);
  EXPECT_NE(read.runs[0].id, read.runs[2].id);

  moescope::Run bad = run;
  bad.extras = {{"b", 1}, {"a", 2}, {"a", 3}, {"c", std::numeric_limits<double>::infinity()}};
  std::string problems;
  for (const FieldProblem& problem : check_run(bad))
    problems += problem.field + ": " + problem.message + "\n";
  EXPECT_TRUE(contains(problems, "extras: extra a is out of order")) << problems;
  EXPECT_TRUE(contains(problems, "extras: extra a is given twice")) << problems;
  EXPECT_TRUE(contains(problems, "extras: extra c must be finite")) << problems;
}

}  // namespace
}  // namespace moescope
