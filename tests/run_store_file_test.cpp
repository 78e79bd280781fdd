// The run store's file: opening an existing one creates nothing, older schemas are migrated and
// newer or negative ones refused, the WAL journal, a read-only opening, foreign files left
// untouched, and where the store lives by default.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "moescope/store/run_store.h"
#include "run_store_fixture.h"
#include "support/run_program.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using testing_support::bare_run;
using testing_support::Contains;
using testing_support::ids_of;
using testing_support::RawDatabase;
using testing_support::read_file;
using testing_support::rich_run;
using testing_support::RunStoreTest;
using testing_support::store_error_of;

// What a store of schema version 3 (before unique tokens and extras) looks like.
#define MOESCOPE_VERSION_THREE_SQL "ALTER TABLE runs DROP COLUMN unique_tokens; DROP TABLE extras; "
constexpr const char* kVersionThreeSql = MOESCOPE_VERSION_THREE_SQL "PRAGMA user_version = 3";

// What a store of schema version 1 (before --best-of and loss units) looks like.
constexpr const char* kVersionOneSql = MOESCOPE_VERSION_THREE_SQL
    "ALTER TABLE runs DROP COLUMN best_of; ALTER TABLE runs DROP COLUMN loss_unit; "
    "ALTER TABLE runs DROP COLUMN tokenizer; PRAGMA user_version = 1";

TEST_F(RunStoreTest, OpeningAnExistingStoreCreatesNothing) {
  const fs::path typo = folder_.path() / "typo" / "runs.sqlite";
  EXPECT_TRUE(Contains(store_error_of([&] { RunStore::open_existing(typo); }),
                       "run store " + typo.string() + " does not exist"));
  EXPECT_FALSE(fs::exists(typo.parent_path()));
  EXPECT_TRUE(Contains(store_error_of([&] { RunStore::open_existing(""); }), "the path is empty"));
  RunStore::open(store_path()).insert({bare_run("x")});
  EXPECT_EQ(RunStore::open_existing(store_path()).size(), 1u);
}

TEST_F(RunStoreTest, MigratesAVersionOneStoreToOneRowPerRun) {
  RunStore::open(store_path()).insert({rich_run("old")});
  {
    RawDatabase raw(store_path());
    raw.execute(kVersionOneSql);
  }
  const RunStore migrated = RunStore::open(store_path());
  EXPECT_EQ(migrated.schema_version(), RunStore::current_schema_version());
  moescope::Run expected = rich_run("old");
  expected.best_of = 1;
  // A remote run is the trainer's: byte-level.
  expected.loss_unit = LossUnit::kNatsPerByte;
  expected.tokenizer = "bytes (UTF-8)";
  expected.unique_tokens.reset();
  expected.extras.clear();
  EXPECT_TRUE(migrated.find("old") == expected);
}

// Stores from before units were recorded keep every row: imported runs read as nats/token (the
// import default), the trainer's (local or remote) as nats/byte of its byte-level tokenizer.
TEST_F(RunStoreTest, MigratesAVersionTwoStoreRecordingEachRunsLossUnit) {
  moescope::Run imported = rich_run("imported");
  imported.provenance = Provenance::kImported;
  moescope::Run local = rich_run("local");
  local.provenance = Provenance::kTrainedLocally;
  moescope::Run remote = rich_run("remote");
  RunStore::open(store_path()).insert({imported, local, remote, bare_run("bare")});
  {
    RawDatabase raw(store_path());
    raw.execute(MOESCOPE_VERSION_THREE_SQL
                "ALTER TABLE runs DROP COLUMN loss_unit; ALTER TABLE runs DROP COLUMN tokenizer; "
                "PRAGMA user_version = 2");
  }
  const RunStore migrated = RunStore::open(store_path());
  EXPECT_EQ(migrated.schema_version(), RunStore::current_schema_version());
  ASSERT_EQ(migrated.runs().size(), 4u);
  imported.loss_unit = LossUnit::kNatsPerToken;
  imported.tokenizer = "";
  for (moescope::Run* trained : {&local, &remote}) {
    trained->loss_unit = LossUnit::kNatsPerByte;
    trained->tokenizer = "bytes (UTF-8)";
  }
  for (moescope::Run* run : {&imported, &local, &remote}) {
    run->unique_tokens.reset();
    run->extras.clear();
  }
  EXPECT_TRUE(migrated.find("imported") == imported);
  EXPECT_TRUE(migrated.find("local") == local);
  EXPECT_TRUE(migrated.find("remote") == remote);
  EXPECT_TRUE(migrated.find("bare") == bare_run("bare"));
}

// A version-3 store (before U and extras) keeps every run, without U and extras, and takes both
// once migrated: a stored run updated with them reads them back.
TEST_F(RunStoreTest, MigratesAVersionThreeStoreToUniqueTokensAndExtras) {
  moescope::Run old = rich_run("old");
  old.unique_tokens.reset();
  old.extras.clear();
  RunStore::open(store_path()).insert({old, bare_run("bare")});
  {
    RawDatabase raw(store_path());
    raw.execute(kVersionThreeSql);
    EXPECT_EQ(raw.query("SELECT count(*) FROM sqlite_master WHERE name = 'extras'"), "0");
  }
  RunStore migrated = RunStore::open(store_path());
  EXPECT_EQ(migrated.schema_version(), RunStore::current_schema_version());
  EXPECT_EQ(migrated.schema_version(), 4);
  EXPECT_TRUE(migrated.find("old") == old);
  EXPECT_TRUE(migrated.find("bare") == bare_run("bare"));
  const moescope::Run rich = rich_run("old");
  migrated.update(rich);
  EXPECT_TRUE(RunStore::open(store_path()).find("old") == rich);
  // Deleting the run deletes its extras.
  migrated.remove({"old"});
  EXPECT_EQ(RawDatabase(store_path()).query("SELECT count(*) FROM extras"), "0");
}

TEST_F(RunStoreTest, UsesTheWalJournal) {
  { const RunStore store = RunStore::open(store_path()); }
  RawDatabase raw(store_path());
  EXPECT_EQ(raw.query("PRAGMA journal_mode"), "wal");
}

TEST_F(RunStoreTest, SwitchingToWalWaitsForAnotherProcessesWriteLock) {
  // A store back in rollback journal mode (as the sqlite3 shell can leave it) while another
  // connection holds the write lock: SQLite refuses the journal switch at once, without calling
  // the busy handler, so open() must wait on its own rather than fail.
  { const RunStore store = RunStore::open(store_path()); }
  RawDatabase other_writer(store_path());
  EXPECT_EQ(other_writer.query("PRAGMA journal_mode = DELETE"), "delete");
  other_writer.execute("BEGIN IMMEDIATE");

  std::string open_error;
  std::thread opener([&] {
    try {
      RunStore::open(store_path());
    } catch (const StoreError& error) {
      open_error = error.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  other_writer.execute("ROLLBACK");
  opener.join();

  EXPECT_EQ(open_error, "");
  EXPECT_EQ(RawDatabase(store_path()).query("PRAGMA journal_mode"), "wal");
}

TEST_F(RunStoreTest, RecordsTheCurrentSchemaVersion) {
  const RunStore store = RunStore::open(store_path());
  EXPECT_GE(RunStore::current_schema_version(), 1);
  EXPECT_EQ(store.schema_version(), RunStore::current_schema_version());
  RawDatabase raw(store_path());
  EXPECT_EQ(raw.query("PRAGMA user_version"), std::to_string(RunStore::current_schema_version()));
}

TEST_F(RunStoreTest, CreatesMissingFolders) {
  const fs::path nested = folder_.path() / "a" / "b" / "runs.sqlite";
  RunStore::open(nested).insert({bare_run("x")});
  EXPECT_TRUE(fs::is_regular_file(nested));
  EXPECT_EQ(RunStore::open(nested).size(), 1u);
}

TEST_F(RunStoreTest, RefusesAStoreWrittenByANewerVersion) {
  RunStore::open(store_path()).insert({bare_run("x")});
  const int newer = RunStore::current_schema_version() + 1;
  RawDatabase(store_path()).execute("PRAGMA user_version = " + std::to_string(newer));

  const std::string message = store_error_of([&] { RunStore::open(store_path()); });

  EXPECT_TRUE(Contains(message, store_path().string() +
                                    " was written by a newer MoEScope (schema " +
                                    std::to_string(newer) + " > " +
                                    std::to_string(RunStore::current_schema_version()) + ")"));
}

// user_version is any 32-bit number. A negative one indexed the migrations before the first: every
// store command crashed (exit 139), or threw std::bad_alloc for -1.
TEST_F(RunStoreTest, RefusesANegativeSchemaVersionNamingIt) {
  RunStore::open(store_path()).insert({bare_run("x")});
  for (const std::string version : {"-1", "-2147483648"}) {
    SCOPED_TRACE(version);
    RawDatabase(store_path()).execute("PRAGMA user_version = " + version);
    const std::string expected = store_path().string() + " has schema version " + version +
                                 " (PRAGMA user_version), which no MoEScope writes (0 to " +
                                 std::to_string(RunStore::current_schema_version()) + ")";
    EXPECT_TRUE(Contains(store_error_of([&] { RunStore::open(store_path()); }), expected));
    EXPECT_TRUE(Contains(store_error_of([&] { RunStore::open_existing(store_path()); }), expected));
    EXPECT_TRUE(
        Contains(store_error_of([&] { RunStore::open_read_only(store_path()); }), expected));
    EXPECT_EQ(RawDatabase(store_path()).query("PRAGMA user_version"), version);  // untouched
  }
}

// What the read-only commands use, on a store that can be written: the store's runs, as
// open_existing() gives them (for a folder that cannot be written, see cli_hostile_input_test's
// AStoreInAReadOnlyFolderCanBeRead, which needs another process).
TEST_F(RunStoreTest, OpenedForReadingItReadsAsOpenExistingDoes) {
  RunStore::open(store_path()).insert({rich_run("rich"), bare_run("bare")});
  {
    const RunStore store = RunStore::open_read_only(store_path());
    EXPECT_EQ(ids_of(store.runs()), (std::vector<std::string>{"rich", "bare"}));
    EXPECT_TRUE(store.find("rich") == rich_run("rich"));
  }
  // Closed, it leaves nothing beside the store.
  EXPECT_FALSE(fs::exists(store_path().string() + "-wal"));
  EXPECT_FALSE(fs::exists(store_path().string() + "-shm"));
  EXPECT_TRUE(
      Contains(store_error_of([&] { RunStore::open_read_only(folder_.path() / "typo.sqlite"); }),
               "does not exist"));
  EXPECT_FALSE(fs::exists(folder_.path() / "typo.sqlite"));
  // A store of an older schema is brought up to date first, as by open_existing().
  {
    RawDatabase raw(store_path());
    raw.execute(kVersionOneSql);
  }
  EXPECT_EQ(RunStore::open_read_only(store_path()).schema_version(),
            RunStore::current_schema_version());
}

TEST_F(RunStoreTest, RefusesATextFileAndLeavesItUntouched) {
  const fs::path text_file = folder_.path() / "runs.csv";
  const std::string content = "name,loss\nsmall,3.1\nlarge,2.7\n";
  std::ofstream(text_file) << content;

  const std::string message = store_error_of([&] { RunStore::open(text_file); });

  EXPECT_TRUE(Contains(message, text_file.string()));
  EXPECT_TRUE(Contains(message, "not a MoEScope run store"));
  EXPECT_EQ(read_file(text_file), content);
}

TEST_F(RunStoreTest, RefusesAnotherApplicationsDatabaseAndLeavesItUntouched) {
  const fs::path foreign = folder_.path() / "notes.sqlite";
  RawDatabase(foreign).execute("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi')");

  const std::string message = store_error_of([&] { RunStore::open(foreign); });

  EXPECT_TRUE(Contains(message, foreign.string()));
  EXPECT_TRUE(Contains(message, "not a MoEScope run store"));
  RawDatabase raw(foreign);
  EXPECT_EQ(raw.query("PRAGMA journal_mode"), "delete");
  EXPECT_EQ(raw.query("PRAGMA user_version"), "0");
  EXPECT_EQ(raw.query("SELECT group_concat(name) FROM sqlite_master"), "notes");
}

// Sets environment variables for one test and puts back what was there before.
class ScopedEnvironment {
 public:
  ScopedEnvironment() {
    for (const char* name : kNames) {
      const char* value = std::getenv(name);
      saved_.push_back(value ? std::optional<std::string>(value) : std::nullopt);
    }
  }
  ~ScopedEnvironment() {
    for (std::size_t i = 0; i < kNames.size(); ++i)
      set(kNames[i], saved_[i]);
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

  static void set(const char* name, const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }

 private:
  static constexpr std::array<const char*, 3> kNames{"MOESCOPE_STORE", "XDG_DATA_HOME", "HOME"};
  std::vector<std::optional<std::string>> saved_;
};

TEST(RunStoreDefaultPathTest, PrefersMoescopeStore) {
  ScopedEnvironment environment;
  ScopedEnvironment::set("MOESCOPE_STORE", "/data/team/runs.sqlite");
  ScopedEnvironment::set("XDG_DATA_HOME", "/xdg");
  EXPECT_EQ(RunStore::default_path(), fs::path("/data/team/runs.sqlite"));
}

TEST(RunStoreDefaultPathTest, UsesXdgDataHomeWithoutMoescopeStore) {
  ScopedEnvironment environment;
  ScopedEnvironment::set("MOESCOPE_STORE", std::nullopt);
  ScopedEnvironment::set("XDG_DATA_HOME", "/xdg");
  ScopedEnvironment::set("HOME", "/home/someone");
  EXPECT_EQ(RunStore::default_path(), fs::path("/xdg/moescope/runs.sqlite"));
}

TEST(RunStoreDefaultPathTest, FallsBackToHomeWithoutXdgDataHome) {
  ScopedEnvironment environment;
  ScopedEnvironment::set("MOESCOPE_STORE", std::nullopt);
  ScopedEnvironment::set("XDG_DATA_HOME", std::nullopt);
  ScopedEnvironment::set("HOME", "/home/someone");
  EXPECT_EQ(RunStore::default_path(), fs::path("/home/someone/.local/share/moescope/runs.sqlite"));
}

TEST(RunStoreDefaultPathTest, IgnoresEmptyOrRelativeSettings) {
  ScopedEnvironment environment;
  ScopedEnvironment::set("MOESCOPE_STORE", "");
  ScopedEnvironment::set("XDG_DATA_HOME", "relative/data");
  ScopedEnvironment::set("HOME", "/home/someone");
  EXPECT_EQ(RunStore::default_path(), fs::path("/home/someone/.local/share/moescope/runs.sqlite"));
}

TEST(RunStoreDefaultPathTest, ThrowsWithNowhereToPutTheStore) {
  ScopedEnvironment environment;
  ScopedEnvironment::set("MOESCOPE_STORE", std::nullopt);
  ScopedEnvironment::set("XDG_DATA_HOME", std::nullopt);
  ScopedEnvironment::set("HOME", std::nullopt);
  EXPECT_TRUE(Contains(store_error_of([] { RunStore::default_path(); }), "MOESCOPE_STORE"));
}

}  // namespace
}  // namespace moescope
