// Several real processes writing one store at once: SQLite's file locks, not a mutex inside one
// process, are what keep them apart, so only separate processes can show that they do.

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "moescope/store/run_store.h"
#include "support/temporary_folder.h"

extern char** environ;

namespace moescope {
namespace {

namespace fs = std::filesystem;
using testing_support::TemporaryFolder;

// Starts `writers` store_writer processes on one store, all before waiting on any, and returns
// each one's exit status (-1 when it could not be started or did not exit normally).
std::vector<int> run_writers_at_once(const fs::path& store, int writers, int runs_each) {
  std::vector<pid_t> children;
  std::vector<int> exit_codes(static_cast<std::size_t>(writers), -1);
  for (int writer = 0; writer < writers; ++writer) {
    std::vector<std::string> arguments{STORE_WRITER_PATH, store.string(), std::to_string(writer),
                                       std::to_string(runs_each)};
    std::vector<char*> argv;
    for (std::string& argument : arguments)
      argv.push_back(argument.data());
    argv.push_back(nullptr);
    pid_t child = 0;
    const int error =
        posix_spawn(&child, STORE_WRITER_PATH, nullptr, nullptr, argv.data(), environ);
    EXPECT_EQ(error, 0) << "cannot start " << STORE_WRITER_PATH;
    children.push_back(error == 0 ? child : -1);
  }
  for (std::size_t i = 0; i < children.size(); ++i) {
    if (children[i] == -1)
      continue;
    int status = 0;
    if (waitpid(children[i], &status, 0) == children[i] && WIFEXITED(status)) {
      exit_codes[i] = WEXITSTATUS(status);
    }
  }
  return exit_codes;
}

TEST(ConcurrentWritersTest, SimultaneousWritersToOneStoreLoseNothing) {
  constexpr int kWriters = 4;
  constexpr int kRunsEach = 200;
  TemporaryFolder folder("moescope-concurrent");
  const fs::path store_path = folder.path() / "runs.sqlite";

  const std::vector<int> exit_codes = run_writers_at_once(store_path, kWriters, kRunsEach);

  EXPECT_EQ(exit_codes, std::vector<int>(kWriters, 0));
  const std::vector<moescope::Run> runs = RunStore::open(store_path).runs();
  ASSERT_EQ(runs.size(), static_cast<std::size_t>(kWriters * kRunsEach));
  std::set<std::string> ids;
  for (const moescope::Run& run : runs)
    ids.insert(run.id);
  EXPECT_EQ(ids.size(), runs.size()) << "some id was stored twice";
  for (int writer = 0; writer < kWriters; ++writer) {
    // Each writer inserts in order, so its runs must appear in that order among the others'.
    std::vector<std::string> in_store_order;
    const std::string prefix = std::string("w") + std::to_string(writer) + "-";
    for (const moescope::Run& run : runs) {
      if (run.id.starts_with(prefix))
        in_store_order.push_back(run.id);
    }
    std::vector<std::string> expected;
    for (int k = 0; k < kRunsEach; ++k)
      expected.push_back(prefix + std::to_string(k));
    EXPECT_EQ(in_store_order, expected) << "writer " << writer;
  }
}

TEST(ConcurrentWritersTest, ProcessesCreatingOneNewStoreAtOnceAllSucceed) {
  constexpr int kOpeners = 8;
  constexpr int kRounds = 5;
  TemporaryFolder folder("moescope-concurrent");
  for (int round = 0; round < kRounds; ++round) {
    // The folder does not exist yet either: creating it races too.
    const fs::path store_path = folder.path() / std::to_string(round) / "runs.sqlite";

    const std::vector<int> exit_codes = run_writers_at_once(store_path, kOpeners, 1);

    EXPECT_EQ(exit_codes, std::vector<int>(kOpeners, 0)) << "round " << round;
    const RunStore store = RunStore::open(store_path);
    EXPECT_EQ(store.schema_version(), RunStore::current_schema_version()) << "round " << round;
    EXPECT_EQ(store.size(), static_cast<std::size_t>(kOpeners)) << "round " << round;
  }
}

}  // namespace
}  // namespace moescope
