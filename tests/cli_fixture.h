#pragma once

// What the tests of the `moescope` binary share (cli_test, cli_fit_test, cli_hostile_input_test):
// the binary run in a folder of the test's own, and the inputs several of them feed it. The test
// target defines MOESCOPE_BINARY, the binary's path.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/run_program.h"
#include "support/temporary_folder.h"

namespace moescope::testing_support {

class CliTest : public ::testing::Test {
 protected:
  // With a fit cache of the test's own (`moescope explore` keeps its fits there), never the
  // user's: a fit the test checks is fitted, not read back from an earlier run.
  Outcome moescope(const std::vector<std::string>& args) const {
    return run_program(MOESCOPE_BINARY, args, dir_,
                       {{"MOESCOPE_CACHE_DIR", (dir_ / "fit-cache").string()}});
  }

  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }

  std::string store() const { return (dir_ / "runs.sqlite").string(); }

  TemporaryFolder folder_{"moescope-cli"};
  const std::filesystem::path& dir_ = folder_.path();
};

inline constexpr char kGoodCsv[] =
    "Model Size,Training FLOP,loss\n"
    "1e8,6e18,3.1\n"
    "2e8,6e18,3.0\n"
    "4e8,6e18,3.05\n";

// A law file as `moescope fit law --save` writes it, with the paper's Table 3 coefficients.
inline std::string table3_law_file() {
  return R"({"format": "moescope-fit", "version": 1, "kind": "law", "form": "abnar",
    "params": {"a": 16612.5, "b": 5455.67, "c": 0.4598, "d": 17.26, "e": 0.94, "alpha": 0.5962,
               "beta": 0.3954, "gamma": 0.1595, "lambda": -0.1666, "delta": 0.1603},
    "replicates": []})";
}

}  // namespace moescope::testing_support
