// Hold-out rules such as the paper's "S == 0.98".
#include "moescope/run/run_filter.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "moescope/io/diagnostic.h"

namespace moescope {
namespace {

moescope::Run run_with(double sparsity, double compute) {
  moescope::Run run;
  run.sparsity = sparsity;
  run.compute = compute;
  run.loss = 2.5;
  return run;
}

TEST(RunFilter, PaperHoldOutMatchesAComputedSparsity) {
  const RunFilter rule = RunFilter::parse("S == 0.98");
  EXPECT_TRUE(rule.matches(run_with(49.0 / 50.0, 1e20)));
  EXPECT_FALSE(rule.matches(run_with(0.95, 1e20)));
  EXPECT_FALSE(rule.matches(moescope::Run{}));  // no S: not held out
}

TEST(RunFilter, ConjunctionsAndEveryOperator) {
  const std::vector<moescope::Run> runs{run_with(0.5, 1e19), run_with(0.9, 1e20),
                                        run_with(0.95, 1e21)};
  EXPECT_EQ(RunFilter::parse("S>=0.9 && C<1e21").matches(runs),
            (std::vector<bool>{false, true, false}));
  EXPECT_EQ(RunFilter::parse("S>0.5&&C<=1e21").matches(runs),
            (std::vector<bool>{false, true, true}));
  EXPECT_EQ(RunFilter::parse("S != 0.9").matches(runs), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(RunFilter::parse("C <= 1e20 && loss == 2.5").matches(runs),
            (std::vector<bool>{true, true, false}));
  EXPECT_EQ(RunFilter::parse("").matches(runs), (std::vector<bool>{false, false, false}));
}

TEST(RunFilter, ArchitectureFields) {
  moescope::Run run = run_with(0.75, 1e20);
  EXPECT_FALSE(RunFilter::parse("experts == 4").matches(run));
  run.architecture = Architecture{};
  run.architecture->experts = 4;
  EXPECT_TRUE(RunFilter::parse("experts == 4 && active < 2").matches(run));
}

TEST(RunFilter, TextFieldsCompareExactly) {
  moescope::Run run = run_with(0.5, 1e20);
  run.name = "moe && \"dense\"";
  run.status = RunStatus::kFailed;
  EXPECT_TRUE(RunFilter::parse(R"(name == "moe && \"dense\"" && status == "failed")").matches(run));
  EXPECT_FALSE(RunFilter::parse(R"(name != "moe && \"dense\"")").matches(run));
  EXPECT_FALSE(RunFilter::parse(R"(status == "done")").matches(run));
}

TEST(RunFilter, ReadsAFilesColumnsThatAreNoField) {
  const RunFilter rule = RunFilter::parse(
      R"r(label == "Optimizer tuning (no decay)" && `Model Size` > 1e9 && S < 0.5)r",
      RunFilter::Scope::kFileColumns, "--where");
  EXPECT_EQ(rule.columns(), (std::vector<std::string>{"label", "Model Size"}));
  EXPECT_EQ(rule.compared_as_text(), std::vector<std::string>{"label"});
  const moescope::Run run = run_with(0.25, 1e20);
  const std::map<std::string, std::string> row{{"label", "Optimizer tuning (no decay)"},
                                               {"Model Size", "2e9"}};
  EXPECT_TRUE(rule.matches(run, row));
  EXPECT_FALSE(rule.matches(run, {{"label", "Cosine decay"}, {"Model Size", "2e9"}}));
  // A cell that is no number, and a column the row lacks, match nothing.
  EXPECT_FALSE(
      rule.matches(run, {{"label", "Optimizer tuning (no decay)"}, {"Model Size", "big"}}));
  EXPECT_FALSE(rule.matches(run));
}

void expect_refused(const std::string& rule, const std::string& message) {
  try {
    RunFilter::parse(rule);
    ADD_FAILURE() << "accepted: " << rule;
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(message), std::string::npos) << error.what();
  }
}

TEST(RunFilter, RefusesWithTheOffendingPart) {
  expect_refused("Q == 1", "hold-out rule 'Q == 1': unknown field 'Q'; fields: N, N_active");
  expect_refused("S 0.98", "'S 0.98' has no operator");
  expect_refused("S == high", "'high' is not a number");
  expect_refused("S == 0.98 &&", "empty comparison around '&&'");
  expect_refused("S == nan", "'nan' is not a number");
  expect_refused(R"(label == "x")", "unknown field 'label'");  // runs alone have no columns
  expect_refused(R"(name < "b")", "texts compare with == and != only");
  expect_refused(R"(S == "0.5")", "field S is a number; compare it with one");
  expect_refused("name == moe", "'moe' is not a number; a text goes in double quotes: \"moe\"");
  expect_refused(R"(name == "moe)", "the text's closing quote is missing");
  expect_refused(R"(name == "a" b)", "' b' follows the closing quote");
  expect_refused("`Model Size > 1", "the name's backquote is not closed");
}

}  // namespace
}  // namespace moescope
