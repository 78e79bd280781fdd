// The command line's option checks (issue 13): every numeric option of `train`, `flops`, `fit` and
// `optimum` refuses NaN, infinities and values outside its range as bad usage (exit 2), naming the
// option, before any work; --threads has a cap; an unknown subcommand is named.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/run_program.h"
#include "support/temporary_folder.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::Outcome;
using moescope::testing_support::run_program;

class CliOptionsTest : public ::testing::Test {
 protected:
  CliOptionsTest() {
    // Three runs: too few for any fit, so that a command whose options pass fails fast (exit 1).
    std::ofstream(data()) << "name,N,D,S,loss,C\n"
                             "a,1e7,1e9,0,3.1,6e16\n"
                             "b,2e7,1e9,0,3.0,1.2e17\n"
                             "c,4e7,1e9,0,2.9,2.4e17\n";
  }

  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir(), {{"MOESCOPE_QUEUE", (dir() / "q").string()}});
  }

  // `command... OPTION=VALUE` exits 2 with a message that names the option and quotes the value.
  void expect_refused(const std::vector<std::string>& command, const std::string& option,
                      const std::string& value) const {
    std::vector<std::string> args = command;
    args.push_back(option + "=" + value);
    SCOPED_TRACE(option + "=" + value);
    const Outcome outcome = moescope(args);
    EXPECT_EQ(outcome.exit_code, 2) << outcome.out << outcome.err;
    EXPECT_NE(outcome.err.find(option + ": "), std::string::npos) << outcome.err;
    EXPECT_NE(outcome.err.find("'" + value + "'"), std::string::npos) << outcome.err;
  }

  const fs::path& dir() const { return folder_.path(); }
  std::string data() const { return (dir() / "runs.csv").string(); }

  moescope::testing_support::TemporaryFolder folder_{"moescope-cli-options"};
};

TEST_F(CliOptionsTest, FlopsRefusesNanInfinityAndNonPositiveValues) {
  const std::vector<std::string> flops = {"flops", "--d-model", "64", "--layers", "2"};
  for (const char* value : {"nan", "inf", "-inf", "-1", "0"})
    expect_refused(flops, "--tokens", value);
  for (const char* option :
       {"--experts", "--active", "--granularity", "--ctx", "--vocab", "--heads"})
    expect_refused(flops, option, "0");
  expect_refused({"flops", "--layers", "2"}, "--d-model", "-64");
  expect_refused({"flops", "--d-model", "64"}, "--layers", "0");
}

TEST_F(CliOptionsTest, FitsAndOptimumRefuseBadNumbersAndTooManyThreads) {
  const std::vector<std::string> law = {"fit", "law", "--data", data()};
  expect_refused(law, "--threads", "100000");
  expect_refused(law, "--threads", "-1");
  expect_refused(law, "--bootstrap", "-1");
  expect_refused(law, "--bootstrap", "100001");
  const std::vector<std::string> surface = {"fit", "surface", "--data", data()};
  for (const char* value : {"nan", "inf", "-1"})
    expect_refused(surface, "--budget", value);
  const Outcome degrees = moescope({"fit", "surface", "--data", data(), "--degrees", "5,1,1"});
  EXPECT_EQ(degrees.exit_code, 2);
  EXPECT_NE(degrees.err.find("--degrees: must be a whole number in [0, 4], got '5'"),
            std::string::npos)
      << degrees.err;
  expect_refused(surface, "--bootstrap", "-1");
  const std::vector<std::string> isoflop = {"fit", "isoflop", "--data", data()};
  expect_refused(isoflop, "--noise", "nan");
  expect_refused(isoflop, "--noise", "inf");
  expect_refused(isoflop, "--min-points", "2");
  expect_refused(isoflop, "--bootstrap", "-1");
  for (const char* value : {"nan", "inf", "-1", "0"})
    expect_refused({"optimum", "--data", data()}, "--budget", value);
  const std::vector<std::string> optimum = {"optimum", "--data", data(), "--budget", "1e20"};
  expect_refused(optimum, "--max-params", "nan");
  for (const char* value : {"nan", "1", "-0.5"})
    expect_refused(optimum, "--max-sparsity", value);
  expect_refused(optimum, "--threads", "100000");
  expect_refused(optimum, "--bootstrap", "-1");
  // A valid number still reaches the fit (refused there for too few runs: exit 1).
  EXPECT_EQ(moescope({"fit", "law", "--data", data(), "--threads", "1"}).exit_code, 1);
}

TEST_F(CliOptionsTest, TrainCommandsRefuseBadNumbers) {
  for (const char* cell :
       {"nan,1e6,0.5", "1e15,inf,0.5", "1e15,1e6,nan", "-1e15,1e6,0.5", "1e15,1e6,1"})
    expect_refused({"train", "plan"}, "--cell", cell);
  const std::vector<std::string> plan = {"train", "plan", "--cell", "1e15,1.7e6,0.75"};
  for (const auto& [option, value] :
       std::vector<std::pair<std::string, std::string>>{{"--tolerance", "nan"},
                                                        {"--tolerance", "1"},
                                                        {"--lr", "nan"},
                                                        {"--lr", "0"},
                                                        {"--warmup", "nan"},
                                                        {"--warmup", "1"},
                                                        {"--context", "0"},
                                                        {"--batch-size", "0"},
                                                        {"--granularity", "0"},
                                                        {"--head-size", "0"},
                                                        {"--min-steps", "0"}})
    expect_refused(plan, option, value);
  const std::vector<std::string> gaps = {"train", "plan", "--gaps", "--budgets", "1e15"};
  expect_refused({"train", "plan", "--gaps"}, "--budgets", "nan");
  expect_refused(gaps, "--span", "nan");
  expect_refused(gaps, "--size-tolerance", "inf");
  expect_refused(gaps, "--sizes", "0");

  const std::vector<std::string> launch = {"train", "launch",    "--spec",
                                           data(),  "--trainer", (dir() / "no-trainer").string()};
  expect_refused(launch, "--jobs", "0");
  expect_refused(launch, "--jobs", "100000");
  // NaN made the driver poll without pause.
  for (const char* value : {"nan", "inf", "0"})
    expect_refused({"train", "drive"}, "--interval", value);
  const Outcome cancel = moescope({"train", "cancel", "0"});
  EXPECT_EQ(cancel.exit_code, 2);
  EXPECT_NE(cancel.err.find("ids: "), std::string::npos) << cancel.err;
}

TEST_F(CliOptionsTest, AnUnknownSubcommandIsNamedWithTheRealOnes) {
  Outcome outcome = moescope({"bogus"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(
      outcome.err,
      "moescope: unknown subcommand 'bogus'; the subcommands are import, runs, export, "
      "flops, report, synth, fit, optimum, predict, explore, train, hosts (moescope --help)\n");
  outcome = moescope({"train", "bogus", "--json"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err,
            "moescope train: unknown subcommand 'bogus'; the subcommands are plan, launch, "
            "status, cancel, drive (moescope train --help)\n");
  outcome = moescope({"fit", "bogus"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("moescope fit: unknown subcommand 'bogus'; the subcommands are law, "),
            std::string::npos)
      << outcome.err;
  // No subcommand at all is still the library's message.
  EXPECT_EQ(moescope({}).exit_code, 2);
  EXPECT_EQ(moescope({"--version"}).exit_code, 0);
}

// Every numeric option of every command, in one table: each refuses NaN, infinities and values
// outside its range as bad usage (exit 2), the message naming the option and quoting the value.
// (import, export, runs, predict and train status take no numbers.) Some of these passed before:
// synth --span inf wrote 35 runs, --sizes 100000000 ran for ever, --seed -1 became 2^64 - 1, and
// the synth and fit seeds took any sign.
TEST_F(CliOptionsTest, EveryNumericOptionRefusesNanInfinityAndOutOfRange) {
  using Args = std::vector<std::string>;
  struct Row {
    Args command;  // the command with what it requires, without the option tried
    std::string option;
    std::vector<std::string> bad;
  };
  const std::string out = (dir() / "synthetic.csv").string();
  const Args flops = {"flops", "--d-model", "64", "--layers", "2"};
  const Args synth = {"synth", "--out", out};
  const Args law = {"fit", "law", "--data", data()};
  const Args surface = {"fit", "surface", "--data", data()};
  const Args isoflop = {"fit", "isoflop", "--data", data()};
  const Args optimum = {"optimum", "--data", data(), "--budget", "1e20"};
  const Args plan = {"train", "plan", "--cell", "1e15,1.7e6,0.75"};
  const Args gaps = {"train", "plan", "--gaps", "--budgets", "1e15"};
  const Args launch = {"train", "launch",    "--spec",
                       data(),  "--trainer", (dir() / "no-trainer").string()};
  const std::vector<std::string> counts = {"nan", "inf", "0", "-1", "1.5", "1e3", "99999999999"};
  const std::vector<std::string> seeds = {"nan", "inf", "-1", "1.5", "18446744073709551616"};
  const std::vector<Row> rows = {
      {{"flops", "--layers", "2"}, "--d-model", counts},
      {{"flops", "--d-model", "64"}, "--layers", counts},
      {flops, "--experts", counts},
      {flops, "--active", counts},
      {flops, "--granularity", counts},
      {flops, "--ctx", counts},
      {flops, "--vocab", counts},
      {flops, "--heads", counts},
      {flops, "--tokens", {"nan", "inf", "-inf", "-1", "0", "1e999"}},
      {synth, "--budgets", {"nan", "inf", "-1", "0", "1e14"}},
      {synth, "--sparsities", {"nan", "inf", "-0.1", "1", "75"}},
      {synth, "--sizes", {"nan", "inf", "2", "1001", "100000000", "7.5"}},
      {synth, "--span", {"nan", "inf", "1", "0.5", "1e7"}},
      {synth, "--noise", {"nan", "inf", "-0.1", "0.5"}},
      {synth, "--seed", seeds},
      {{"report"}, "--budget-tolerance", {"nan", "inf", "-0.1"}},
      {{"report"}, "--budget-bins", {"nan", "inf", "0", "1.5"}},
      {law, "--threads", {"nan", "inf", "-1", "1.5", "100000"}},
      {law, "--bootstrap", {"nan", "inf", "-1", "1.5", "100001"}},
      {law, "--seed", seeds},
      {surface, "--budget", {"nan", "inf", "-1", "0"}},
      {surface, "--bootstrap", {"nan", "-1", "100001"}},
      {surface, "--seed", seeds},
      {surface, "--budget-tolerance", {"nan", "inf", "-1"}},
      {surface, "--budget-bins", {"nan", "0"}},
      {isoflop, "--bootstrap", {"nan", "-1", "100001"}},
      {isoflop, "--seed", seeds},
      {isoflop, "--min-points", {"nan", "2", "3.5", "1000001"}},
      {isoflop, "--noise", {"nan", "inf", "-0.01"}},
      {isoflop, "--budget-bins", {"nan", "0"}},
      {{"optimum", "--data", data()}, "--budget", {"nan", "inf", "-1", "0"}},
      {optimum, "--max-params", {"nan", "inf", "-1", "0"}},
      {optimum, "--max-sparsity", {"nan", "inf", "-0.5", "1"}},
      {optimum, "--bootstrap", {"nan", "-1", "100001"}},
      {optimum, "--threads", {"nan", "-1", "100000"}},
      {{"train", "plan"}, "--cell", {"nan,1e6,0.5", "1e15,inf,0.5", "-1e15,1e6,0.5", "1e15,1e6,1"}},
      {plan, "--tolerance", {"nan", "inf", "0", "1"}},
      {plan, "--lr", {"nan", "inf", "0", "2"}},
      {plan, "--warmup", {"nan", "inf", "-0.1", "1"}},
      {plan, "--context", counts},
      {plan, "--batch-size", counts},
      {plan, "--granularity", counts},
      {plan, "--head-size", counts},
      {plan, "--min-steps", counts},
      {plan, "--seed", {"nan", "-1", "1.5", "9007199254740993"}},
      {{"train", "plan", "--gaps"}, "--budgets", {"nan", "inf", "-1", "0"}},
      {gaps, "--sizes", {"nan", "1", "2.5"}},
      {gaps, "--span", {"nan", "inf", "1", "0.5"}},
      {gaps, "--size-tolerance", {"nan", "inf", "0", "-1"}},
      {launch, "--jobs", {"nan", "0", "-1", "1.5", "100000"}},
      {{"train", "drive"}, "--interval", {"nan", "inf", "0", "-1", "3601"}},
  };
  for (const Row& row : rows) {
    for (const std::string& value : row.bad)
      expect_refused(row.command, row.option, value);
  }
  // The positional numbers: job ids.
  for (const char* id : {"0", "-1", "nan", "1.5"}) {
    SCOPED_TRACE(id);
    const Outcome cancel = moescope({"train", "cancel", "--", id});
    EXPECT_EQ(cancel.exit_code, 2) << cancel.err;
    EXPECT_NE(cancel.err.find("ids: "), std::string::npos) << cancel.err;
  }
  // Good values still pass the checks: synth writes its grid, the fits reach the data (too few
  // runs: exit 1).
  const Outcome written = moescope({"synth", "--out", out, "--sizes", "3", "--span", "4", "--seed",
                                    "18446744073709551615", "--noise", "0"});
  EXPECT_EQ(written.exit_code, 0) << written.err;
  EXPECT_EQ(moescope({"fit", "law", "--data", data(), "--seed", "0"}).exit_code, 1);
}

// optimum --law L --data D used the saved law and silently ignored the data (and any fit option).
TEST_F(CliOptionsTest, OptimumRefusesASavedLawBesideRunsToFit) {
  const std::string law = (dir() / "law.json").string();
  std::ofstream(law) << R"({"format": "moescope-fit", "version": 1, "kind": "law", "form": "abnar",
    "params": {"a": 16612.5, "b": 5455.67, "c": 0.4598, "d": 17.26, "e": 0.94, "alpha": 0.5962,
               "beta": 0.3954, "gamma": 0.1595, "lambda": -0.1666, "delta": 0.1603}})";
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--data", data()}, std::vector<std::string>{"--store", data()},
        std::vector<std::string>{"--holdout", "S==0.5"},
        std::vector<std::string>{"--bootstrap", "10"},
        std::vector<std::string>{"--data", data(), "--threads", "1"},
        std::vector<std::string>{"--solver", "vp"}}) {
    std::vector<std::string> args = {"optimum", "--law", law, "--budget", "1e20"};
    args.insert(args.end(), extra.begin(), extra.end());
    SCOPED_TRACE(extra.front());
    const Outcome outcome = moescope(args);
    EXPECT_EQ(outcome.exit_code, 2) << outcome.out << outcome.err;
    EXPECT_TRUE(outcome.out.empty()) << outcome.out;
    EXPECT_NE(outcome.err.find("--law: a saved law is read as it is, so " + extra.front()),
              std::string::npos)
        << outcome.err;
    EXPECT_NE(outcome.err.find("use one"), std::string::npos) << outcome.err;
  }
  EXPECT_EQ(moescope({"optimum", "--law", law, "--budget", "1e20"}).exit_code, 0);
}

}  // namespace
