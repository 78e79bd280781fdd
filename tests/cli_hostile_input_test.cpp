// Hostile input (issue 13) through the `moescope` binary: input nested too deep for any reader,
// corrupt fit files, stores of a negative schema version or in a folder that cannot be written.
// Each is refused, naming the file and the field, or read as far as it can be; none crashes.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cli_fixture.h"
#include "support/read_only_folder.h"

namespace {

namespace fs = std::filesystem;
using moescope::testing_support::CliTest;
using moescope::testing_support::kGoodCsv;
using moescope::testing_support::Outcome;
using moescope::testing_support::read_file;
using moescope::testing_support::table3_law_file;

// ~100,000 nested brackets overflowed the stack (exit 139) when a reader quoted the value; every
// reader now measures the nesting on the raw text first and names the file, line and field.
TEST_F(CliTest, NestingTooDeepIsRefusedByEveryReaderNotACrash) {
  constexpr int kDeep = 100'000;
  const std::string brackets = std::string(kDeep, '[') + std::string(kDeep, ']');
  const fs::path json = write("deep.json", "[{\"N\": " + brackets + ", \"loss\": 2}]");
  const fs::path csv = write("deep.csv", "N,D,loss,loss_curve\n1e8,1e9,2.5,\"" + brackets + "\"\n");
  const fs::path fit = write("deep-fit.json",
                             "{\"format\": \"moescope-fit\", \"version\": 1, "
                             "\"kind\": \"law\", \"params\": " +
                                 brackets + "}");
  const fs::path rows = write("rows.csv", "N,D,S\n1e8,2e9,0\n");
  const fs::path law = write("law.json", table3_law_file());
  const std::string in_json =
      "deep.json:1: field N: arrays and objects nested more than 512 deep (MoEScope's limit) at "
      "line 1, column 518, in [0].N[0][0]... (run 1)";
  const std::string in_csv =
      "deep.csv:2: field loss_curve: malformed loss_curve: arrays and objects nested more than 512 "
      "deep (MoEScope's limit) at character 513 of the value";
  const std::string in_fit =
      "deep-fit.json:1: arrays and objects nested more than 512 deep (MoEScope's limit) at line 1, "
      "column ";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"import", json.string(), "--store", store()}, in_json},
      {{"import", csv.string(), "--store", store()}, in_csv},
      {{"report", "--data", json.string()}, in_json},
      {{"report", "--data", csv.string()}, in_csv},
      {{"fit", "law", "--data", csv.string()}, in_csv},
      {{"fit", "surface", "--data", json.string()}, in_json},
      {{"fit", "isoflop", "--data", csv.string()}, in_csv},
      {{"optimum", "--data", json.string(), "--budget", "1e20"}, in_json},
      {{"predict", "--fit", law.string(), "--data", csv.string()}, in_csv},
      {{"predict", "--fit", fit.string(), "--data", rows.string()}, in_fit},
      {{"optimum", "--law", fit.string(), "--budget", "1e20"}, in_fit},
      {{"train", "plan", "--gaps", "--budgets", "1e15", "--law", fit.string(), "--store", store()},
       in_fit},
  };
  // train plan --gaps reads a store: one with a run in it.
  ASSERT_EQ(moescope({"import", write("one.csv", kGoodCsv).string(), "--map",
                      "N=Model Size,C=Training FLOP", "--store", store()})
                .exit_code,
            0);
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args.front() + " " + args[1] + " " + args[2]);
    const Outcome outcome = moescope(args);
    EXPECT_EQ(outcome.exit_code, 1) << outcome.err;  // -1: killed by a signal
    EXPECT_NE(outcome.err.find(message), std::string::npos) << outcome.err;
  }
  // Nothing was stored from the refused files.
  EXPECT_EQ(
      nlohmann::json::parse(moescope({"runs", "--json", "--store", store()}).out)["runs"].size(),
      3u);
}

// A FIT.json from `fit law --save`, edited: each field a reader uses is checked before use.
std::string law_file_with(const std::string& from, const std::string& to) {
  std::string text = table3_law_file();
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

// Corrupt fit files were answered (losses of 114.38 or -196.7, "loss": null beside finite bounds)
// or hung (a surface degree of 1e9 built a billion coefficient names); each is now refused, naming
// the file and the field, and nothing is predicted.
TEST_F(CliTest, PredictRefusesACorruptFitNamingTheFileAndField) {
  const std::string saved = (dir_ / "surface.json").string();
  ASSERT_EQ(moescope({"fit", "surface", "--data", "synthetic", "--budget", "1e20", "--bootstrap",
                      "10", "--save", saved})
                .exit_code,
            0);
  const std::string surface = read_file(saved);
  // Edits the first surface (the options before it repeat some of its keys).
  const auto surface_with = [&](const std::string& from, const std::string& to) {
    std::string text = surface;
    const std::size_t at = text.find(from, text.find("\"surfaces\": ["));
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  // a = 1e308 with alpha = -5: a loss of 1e308 N^5, infinite at any size.
  std::string huge_a = law_file_with("\"a\": 16612.5", "\"a\": 1e308");
  huge_a.replace(huge_a.find("\"alpha\": 0.5962"), 15, "\"alpha\": -5");
  const auto degrees_at = surface.find("\"degrees\": [\n        ", surface.find("\"surfaces\": ["));
  ASSERT_NE(degrees_at, std::string::npos) << surface;
  const std::string first_degree = surface.substr(degrees_at + 21, 1);
  const std::string degrees = "\"degrees\": [\n        " + first_degree;
  struct Case {
    std::string name;
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"version-text.json", law_file_with("\"version\": 1", "\"version\": \"1\""),
       "field version: fit file version \"1\" is not supported"},
      {"version-two.json", law_file_with("\"version\": 1", "\"version\": 2"),
       "field version: fit file version 2 is not supported"},
      {"form-number.json", law_file_with("\"form\": \"abnar\"", "\"form\": 5"),
       "field form: unknown law form 5; expected \"abnar\" or \"chinchilla\""},
      {"huge-a.json", huge_a, "field params.a: must be a finite number in [0, 1e+100], got 1e+308"},
      {"alpha.json", law_file_with("\"alpha\": 0.5962", "\"alpha\": -50000"),
       "field params.alpha: must be a finite number in [-10000, 10000], got -50000"},
      {"missing-e.json", law_file_with("\"e\": 0.94, ", ""), "field params.e: missing"},
      {"extra.json", law_file_with("\"e\": 0.94,", "\"e\": 0.94, \"zeta\": 1,"),
       "field params.zeta: not a parameter of the abnar form"},
      {"replicate.json",
       law_file_with("\"replicates\": []",
                     "\"replicates\": [{\"a\": 1, \"b\": 1, \"c\": 1, \"d\": 1, \"e\": \"1\", "
                     "\"alpha\": 1, \"beta\": 1, \"gamma\": 1, \"lambda\": 1, \"delta\": 1}]"),
       "field replicates[0].e: must be a finite number in [0, 1e+100], got \"1\""},
      {"degree-negative.json", surface_with(degrees, "\"degrees\": [\n        -1"),
       "field surfaces[0].degrees[0]: must be a whole number in [0, 4], got -1"},
      {"degree-fraction.json", surface_with(degrees, "\"degrees\": [\n        1.5"),
       "field surfaces[0].degrees[0]: must be a whole number in [0, 4], got 1.5"},
      {"degree-huge.json", surface_with(degrees, "\"degrees\": [\n        1e9"),
       "field surfaces[0].degrees[0]: must be a whole number in [0, 4], got 1000000000.0"},
      {"coefficient.json", surface_with("\"const\": ", "\"const\": \"x\", \"ignored\": "),
       "field surfaces[0].coefficients.const: must be a finite number, got \"x\""},
      {"axis.json", surface_with("\"axis\": \"N\",\n", "\"axis\": \"tokens\",\n"),
       "field surfaces[0].axis: must be \"N\" or \"N_active\", got \"tokens\""},
  };
  const fs::path rows = write("rows.csv", "N,D,S,C\n1e9,2e10,0.5,1e20\n");
  for (const Case& item : cases) {
    SCOPED_TRACE(item.name);
    const fs::path file = write(item.name, item.text);
    const Outcome outcome =
        moescope({"predict", "--fit", file.string(), "--data", rows.string(), "--json"});
    EXPECT_EQ(outcome.exit_code, 1) << outcome.out << outcome.err;
    EXPECT_TRUE(outcome.out.empty()) << outcome.out;
    EXPECT_NE(outcome.err.find(item.name + ": " + item.message), std::string::npos) << outcome.err;
  }
}

// A law within its file's bounds can still overflow far from its data: the row is refused rather
// than answered with null (or with a loss beside infinite bounds).
TEST_F(CliTest, PredictRefusesARowWhereTheLawGivesNoFiniteLoss) {
  const fs::path law = write("steep.json", law_file_with("\"alpha\": 0.5962", "\"alpha\": -10"));
  const fs::path rows = write("rows.csv", "name,N,D,S\nnear,1e8,2e9,0\nfar,1e200,2e9,0\n");
  const Outcome outcome =
      moescope({"predict", "--fit", law.string(), "--data", rows.string(), "--json"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_TRUE(outcome.out.empty()) << outcome.out;
  EXPECT_NE(outcome.err.find("row 2 (far): the fit gives no finite loss here (inf)"),
            std::string::npos)
      << outcome.err;
}

TEST_F(CliTest, OptimumAndPlanRefuseACorruptLawNamingTheField) {
  const fs::path law = write("law.json", law_file_with("\"form\": \"abnar\"", "\"form\": 5"));
  Outcome outcome = moescope({"optimum", "--law", law.string(), "--budget", "1e20"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("law.json: field form: unknown law form 5"), std::string::npos)
      << outcome.err;
  ASSERT_EQ(moescope({"import", write("one.csv", kGoodCsv).string(), "--map",
                      "N=Model Size,C=Training FLOP", "--store", store()})
                .exit_code,
            0);
  outcome = moescope(
      {"train", "plan", "--gaps", "--budgets", "1e15", "--law", law.string(), "--store", store()});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("law.json: field form: unknown law form 5"), std::string::npos)
      << outcome.err;
}

// A store whose user_version is negative crashed every command (exit 139 in schema preparation,
// std::bad_alloc for -1).
TEST_F(CliTest, AStoreWithANegativeSchemaVersionIsRefusedNamingIt) {
  ASSERT_EQ(moescope({"import", write("one.csv", kGoodCsv).string(), "--map",
                      "N=Model Size,C=Training FLOP", "--store", store()})
                .exit_code,
            0);
  // The header's user_version (bytes 60-63, big-endian), as `PRAGMA user_version = N` writes it.
  for (const std::uint32_t version : {0x80000000u, 0xffffffffu}) {
    std::fstream file(store(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(60);
    for (const int shift : {24, 16, 8, 0})
      file.put(static_cast<char>((version >> shift) & 0xff));
    file.close();
    const std::string shown = std::to_string(static_cast<std::int32_t>(version));
    SCOPED_TRACE(shown);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"runs", "--store", store()},
          std::vector<std::string>{"import", write("two.csv", kGoodCsv).string(), "--map",
                                   "N=Model Size,C=Training FLOP", "--store", store()},
          std::vector<std::string>{"export", (dir_ / "out.csv").string(), "--store", store()}}) {
      const Outcome outcome = moescope(args);
      EXPECT_EQ(outcome.exit_code, 1) << outcome.err;
      EXPECT_NE(outcome.err.find(store() + " has schema version " + shown +
                                 " (PRAGMA user_version), which no MoEScope writes"),
                std::string::npos)
          << outcome.err;
    }
  }
}

// A WAL store in a folder that cannot be written ("unable to open database file": SQLite could not
// create the store's -shm index there) is read as a read-only copy; writing to it is refused.
TEST_F(CliTest, AStoreInAReadOnlyFolderCanBeRead) {
  const fs::path folder = dir_ / "read-only";
  fs::create_directory(folder);
  const std::string copy = (folder / "runs.sqlite").string();
  ASSERT_EQ(moescope({"import", write("one.csv", kGoodCsv).string(), "--map",
                      "N=Model Size,C=Training FLOP", "--store", copy})
                .exit_code,
            0);
  const fs::path scratch = dir_ / "scratch";
  fs::create_directory(scratch);
  const auto read_only = [&](const std::vector<std::string>& args) {
    return moescope::testing_support::run_with_read_only_folder(folder, MOESCOPE_BINARY, args,
                                                                scratch);
  };
  const auto runs = read_only({"runs", "--json", "--store", copy});
  if (!runs)
    GTEST_SKIP() << "running as root without the right to mount: no folder can be made read-only";
  SCOPED_TRACE(describe(runs->second));
  ASSERT_EQ(runs->first.exit_code, 0) << runs->first.err;
  EXPECT_EQ(nlohmann::json::parse(runs->first.out)["runs"].size(), 3u);
  const std::string exported = (dir_ / "exported.csv").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"export", exported, "--store", copy},
        std::vector<std::string>{"report", "--store", copy},
        std::vector<std::string>{"runs", "delete", "--where", "N > 0", "--dry-run", "--store",
                                 copy}}) {
    SCOPED_TRACE(args.front());
    const auto outcome = read_only(args);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->first.exit_code, 0) << outcome->first.err;
  }
  EXPECT_EQ(read_file(exported).empty(), false);
  // Deleting needs to write: refused, and the store is as it was.
  const auto deleted = read_only({"runs", "delete", "--where", "N > 0", "--store", copy});
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->first.exit_code, 1);
  EXPECT_NE(
      deleted->first.err.find(folder.string() + " cannot be written: a read-only filesystem?"),
      std::string::npos)
      << deleted->first.err;
  EXPECT_EQ(nlohmann::json::parse(moescope({"runs", "--json", "--store", copy}).out)["runs"].size(),
            3u);
  // Nothing was left beside the store by the reads.
  EXPECT_FALSE(fs::exists(copy + "-shm"));
  EXPECT_FALSE(fs::exists(copy + "-wal"));
}

}  // namespace
