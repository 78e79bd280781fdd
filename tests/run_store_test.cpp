#include "moescope/store/run_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "moescope/model/accounting.h"
#include "moescope/run/run_filter.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

namespace fs = std::filesystem;
using testing_support::TemporaryFolder;

// A plain SQLite connection, to look at or tamper with a store behind RunStore's back.
class RawDatabase {
 public:
  explicit RawDatabase(const fs::path& path) {
    if (sqlite3_open(path.string().c_str(), &db_) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~RawDatabase() { sqlite3_close(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  void execute(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (error ? error : "?");
    }
    sqlite3_free(error);
  }

  // The first column of the first row, as text.
  std::string query(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    } else if (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(statement, 0);
      if (text != nullptr)
        value = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(statement);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// The message of the StoreError `action` throws, or a test failure when it throws none.
template <typename Action>
std::string store_error_of(Action action) {
  try {
    action();
  } catch (const StoreError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no StoreError was thrown";
  return {};
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every field set, with values that a lossy text or float conversion would change, yet a valid
// run: the store checks what it reads back (see StoredValuesThatBreakTheRunModelAreReported).
Run rich_run(const std::string& id) {
  Run run;
  run.id = id;
  run.name = "O'Brien \"sparse\"; DROP TABLE runs; -- ünïcode";
  run.provenance = Provenance::kRemote;
  run.origin = "gpu-host-7:/runs/" + id;
  run.status = RunStatus::kRunning;
  run.architecture = Architecture{.d_model = 1536,
                                  .n_layers = 24,
                                  .n_heads = 12,
                                  .vocab = 32000,
                                  .context = 4096,
                                  .experts = 64,
                                  .active = 8,
                                  .granularity = 2,
                                  .tied_embeddings = false};
  const ParameterCount count = count_parameters(*run.architecture);
  run.total_params = std::nextafter(count.total, 1e300);
  run.active_params = std::nextafter(count.active, 0.0);
  run.sparsity = 56.0 / 64.0;
  run.tokens = (0.1 + 0.2) * 1e11;
  run.unique_tokens = std::nextafter(*run.tokens / 3.0, 0.0);
  run.compute = 6.0 * *run.active_params * *run.tokens * std::nextafter(1.0, 2.0);
  run.loss = 2.718281828459045;
  run.derived.insert(Quantity::kCompute);
  run.derived.insert(Quantity::kActiveParams);
  run.hyper =
      HyperParameters{.learning_rate = 3e-4, .warmup_fraction = 0.01, .load_balance = 1.0 / 3.0};
  run.loss_curve = {{.step = 10, .tokens = 1e-300, .loss = 9.5},
                    {.step = 0, .tokens = 0.0, .loss = 11.0},
                    {.step = std::numeric_limits<std::int64_t>::max(),
                     .tokens = std::numeric_limits<double>::max(),
                     .loss = -0.5}};
  run.downstream = {{.task = "piqa", .kind = MetricKind::kError, .value = 0.31},
                    {.task = "arc_easy", .kind = MetricKind::kAccuracy, .value = 0.6},
                    {.task = "lambada", .kind = MetricKind::kLoss, .value = 2.5},
                    {.task = "", .kind = MetricKind::kOther, .value = -1e-9}};
  run.best_of = 7;
  run.loss_unit = LossUnit::kBitsPerToken;
  run.tokenizer = "GPT-NeoX \"20B\", ünïcode";
  run.extras = {{"epochs_seen", 0.1 + 0.2}, {"seed", -0.0}, {"z", 1e300}};
  return run;
}

// Only an id: no architecture, no optional value, empty curve and downstream.
Run bare_run(const std::string& id) {
  Run run;
  run.id = id;
  return run;
}

std::vector<std::string> ids_of(const std::vector<Run>& runs) {
  std::vector<std::string> ids;
  for (const Run& run : runs)
    ids.push_back(run.id);
  return ids;
}

// What a store of schema version 3 (before unique tokens and extras) looks like.
#define MOESCOPE_VERSION_THREE_SQL "ALTER TABLE runs DROP COLUMN unique_tokens; DROP TABLE extras; "
constexpr const char* kVersionThreeSql = MOESCOPE_VERSION_THREE_SQL "PRAGMA user_version = 3";

// What a store of schema version 1 (before --best-of and loss units) looks like.
constexpr const char* kVersionOneSql = MOESCOPE_VERSION_THREE_SQL
    "ALTER TABLE runs DROP COLUMN best_of; ALTER TABLE runs DROP COLUMN loss_unit; "
    "ALTER TABLE runs DROP COLUMN tokenizer; PRAGMA user_version = 1";

class RunStoreTest : public ::testing::Test {
 protected:
  fs::path store_path() const { return folder_.path() / "runs.sqlite"; }

  TemporaryFolder folder_{"moescope-run-store"};
};

TEST_F(RunStoreTest, RoundTripsEveryFieldExactlyAfterReopening) {
  std::vector<moescope::Run> runs{rich_run("rich"), bare_run("bare")};
  // Every status with every provenance, half of them with a dense architecture.
  for (RunStatus status :
       {RunStatus::kPlanned, RunStatus::kRunning, RunStatus::kDone, RunStatus::kFailed}) {
    for (Provenance provenance :
         {Provenance::kImported, Provenance::kTrainedLocally, Provenance::kRemote}) {
      moescope::Run run = bare_run("run-" + std::string(to_string(status)) + "-" +
                                   std::string(to_string(provenance)));
      run.status = status;
      run.provenance = provenance;
      if (runs.size() % 2 == 0)
        run.architecture = Architecture{.d_model = 512, .n_layers = 4, .n_heads = 8};
      run.loss = 3.0 + static_cast<double>(runs.size()) / 7.0;
      runs.push_back(run);
    }
  }

  EXPECT_EQ(RunStore::open(store_path()).insert(runs).inserted, static_cast<int>(runs.size()));

  const RunStore reopened = RunStore::open(store_path());
  EXPECT_EQ(reopened.size(), runs.size());
  EXPECT_TRUE(reopened.runs() == runs);
  EXPECT_TRUE(reopened.find("rich") == runs[0]);
  EXPECT_TRUE(reopened.find("bare") == runs[1]);
  EXPECT_FALSE(reopened.find("absent").has_value());
}

TEST_F(RunStoreTest, KeepsInsertionOrderAcrossBatches) {
  RunStore store = RunStore::open(store_path());
  store.insert({bare_run("zeta"), bare_run("alpha"), bare_run("mu")});
  store.insert({bare_run("beta")});

  const std::vector<std::string> expected{"zeta", "alpha", "mu", "beta"};
  EXPECT_EQ(ids_of(store.runs()), expected);
  EXPECT_EQ(ids_of(RunStore::open(store_path()).runs()), expected);
}

TEST_F(RunStoreTest, SkipsRunsStoredAlreadyWithTheSameContent) {
  RunStore store = RunStore::open(store_path());
  const moescope::Run original = rich_run("a");
  store.insert({original});

  // Where a run came from, how far it got and what was derived are not its content.
  moescope::Run again = original;
  again.origin = "a copy of the file";
  again.provenance = Provenance::kImported;
  again.status = RunStatus::kDone;
  const InsertSummary summary = store.insert({again, bare_run("b"), bare_run("b")});

  EXPECT_EQ(summary.inserted, 1);
  EXPECT_EQ(summary.duplicate_ids, (std::vector<std::string>{"a", "b"}));
  const std::vector<moescope::Run> expected{original, bare_run("b")};
  EXPECT_TRUE(store.runs() == expected);
}

// Issue 12: a file-given id that a stored run holds with other content was skipped as if it were
// that run.
TEST_F(RunStoreTest, RefusesAnIdStoredWithOtherContentNamingBothRuns) {
  RunStore store = RunStore::open(store_path());
  moescope::Run stored = bare_run("shared-id");
  stored.name = "from the paper";
  stored.origin = "old.csv";
  stored.loss = 2.5;
  store.insert({stored});

  moescope::Run other = stored;
  other.name = "my rerun";
  other.origin = "new.csv";
  other.loss = 2.4;
  const std::string message = store_error_of([&] { store.insert({bare_run("fresh"), other}); });
  EXPECT_TRUE(Contains(message,
                       "ids already stored with other content (none of the 2 runs of "
                       "this batch were stored)"));
  EXPECT_TRUE(Contains(message,
                       "id shared-id: stored 'from the paper' from old.csv (N -, D -, "
                       "loss 2.5), new 'my rerun' from new.csv (N -, D -, loss 2.4)"));
  EXPECT_TRUE(store.runs() == std::vector<moescope::Run>{stored});
}

TEST_F(RunStoreTest, FailingRunLeavesTheStoreExactlyAsBefore) {
  RunStore store = RunStore::open(store_path());
  const moescope::Run existing = rich_run("existing");
  store.insert({existing});

  // The schema refuses an empty id; the runs before it in the batch must not stay either.
  const std::string message = store_error_of([&] {
    store.insert({rich_run("before"), bare_run(""), rich_run("after")});
  });

  EXPECT_TRUE(Contains(message, store_path().string()));
  EXPECT_TRUE(Contains(message, "CHECK constraint failed"));
  EXPECT_TRUE(store.runs() == std::vector<moescope::Run>{existing});
  EXPECT_TRUE(RunStore::open(store_path()).runs() == std::vector<moescope::Run>{existing});
  // The store still takes writes: the failed batch left no transaction open.
  EXPECT_EQ(store.insert({bare_run("later")}).inserted, 1);
}

TEST_F(RunStoreTest, RefusesNanInsteadOfStoringItAsAbsent) {
  RunStore store = RunStore::open(store_path());
  moescope::Run diverged = rich_run("diverged");
  diverged.loss_curve[1].loss = std::numeric_limits<double>::quiet_NaN();

  const std::string message = store_error_of([&] { store.insert({bare_run("ok"), diverged}); });

  EXPECT_TRUE(Contains(message, "'diverged'"));
  EXPECT_TRUE(Contains(message, "NaN"));
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(RunStoreTest, UpdateReplacesFieldsCurveAndDownstreamInPlace) {
  RunStore store = RunStore::open(store_path());
  const moescope::Run first = rich_run("first");
  const moescope::Run second = rich_run("second");
  store.insert({first, second});

  moescope::Run finished = first;
  finished.status = RunStatus::kDone;
  finished.architecture.reset();
  finished.loss = 2.25;
  finished.compute.reset();
  finished.derived = QuantitySet{};
  finished.loss_curve = {{.step = 500, .tokens = 5e8, .loss = 2.3}};
  finished.downstream = {{.task = "mmlu", .kind = MetricKind::kAccuracy, .value = 0.27}};
  store.update(finished);

  const std::vector<moescope::Run> expected{finished, second};
  EXPECT_TRUE(store.runs() == expected);
  EXPECT_TRUE(RunStore::open(store_path()).runs() == expected);
}

TEST_F(RunStoreTest, UpdateOfUnknownIdThrowsAndChangesNothing) {
  RunStore store = RunStore::open(store_path());
  const moescope::Run stored = rich_run("stored");
  store.insert({stored});

  const std::string message = store_error_of([&] { store.update(rich_run("unknown")); });

  EXPECT_TRUE(Contains(message, "'unknown'"));
  EXPECT_TRUE(Contains(message, store_path().string()));
  EXPECT_TRUE(store.runs() == std::vector<moescope::Run>{stored});
}

TEST_F(RunStoreTest, OpeningAnExistingStoreCreatesNothing) {
  const fs::path typo = folder_.path() / "typo" / "runs.sqlite";
  EXPECT_TRUE(Contains(store_error_of([&] { RunStore::open_existing(typo); }),
                       "run store " + typo.string() + " does not exist"));
  EXPECT_FALSE(fs::exists(typo.parent_path()));
  EXPECT_TRUE(Contains(store_error_of([&] { RunStore::open_existing(""); }), "the path is empty"));
  RunStore::open(store_path()).insert({bare_run("x")});
  EXPECT_EQ(RunStore::open_existing(store_path()).size(), 1u);
}

TEST_F(RunStoreTest, RemovesRunsByIdAllOrNothing) {
  RunStore store = RunStore::open(store_path());
  store.insert({rich_run("a"), bare_run("b"), rich_run("c")});

  EXPECT_TRUE(Contains(store_error_of([&] {
                         store.remove({"a", "nope", "never"});
                       }),
                       "no run with id nope, never; nothing was deleted"));
  EXPECT_EQ(store.size(), 3u);

  const std::vector<moescope::Run> removed = store.remove({"c", "a", "c"});
  EXPECT_TRUE(removed == (std::vector<moescope::Run>{rich_run("c"), rich_run("a")}));
  EXPECT_EQ(ids_of(RunStore::open(store_path()).runs()), std::vector<std::string>{"b"});
  // Their curves and metrics went with them.
  RawDatabase raw(store_path());
  EXPECT_EQ(raw.query("SELECT count(*) FROM loss_curve"), "0");
  EXPECT_EQ(raw.query("SELECT count(*) FROM downstream"), "0");
}

TEST_F(RunStoreTest, RemovesTheRunsARuleMatches) {
  RunStore store = RunStore::open(store_path());
  std::vector<moescope::Run> runs;
  for (int i = 0; i < 4; ++i) {
    runs.push_back(bare_run("r" + std::to_string(i)));
    runs.back().loss = 2.0 + i;
  }
  store.insert(runs);
  const std::vector<moescope::Run> removed = store.remove_matching(RunFilter::parse("loss >= 3"));
  EXPECT_EQ(ids_of(removed), (std::vector<std::string>{"r1", "r2", "r3"}));
  EXPECT_EQ(ids_of(store.runs()), std::vector<std::string>{"r0"});
  EXPECT_TRUE(store.remove_matching(RunFilter::parse("loss > 100")).empty());
}

// Issue 12: values edited in the store by another tool were shown and exported without a check.
TEST_F(RunStoreTest, StoredValuesThatBreakTheRunModelAreReported) {
  RunStore store = RunStore::open(store_path());
  std::vector<moescope::Run> runs;
  for (const char* id : {"ok", "sparse", "negative", "huge", "status"}) {
    runs.push_back(bare_run(id));
    runs.back().loss = 2.5;
  }
  store.insert(runs);
  RawDatabase raw(store_path());
  raw.execute("UPDATE runs SET sparsity = 1.5 WHERE id = 'sparse'");
  raw.execute("UPDATE runs SET loss = -5 WHERE id = 'negative'");
  raw.execute("UPDATE runs SET total_params = 9e999 WHERE id = 'huge'");
  raw.execute("UPDATE runs SET status = 'finished' WHERE id = 'status'");

  const StoredRuns stored = store.read();
  EXPECT_EQ(ids_of(stored.runs), std::vector<std::string>{"ok"});
  ASSERT_EQ(stored.invalid.size(), 4u);
  EXPECT_EQ(stored.invalid[0].describe(),
            "run sparse: field S: sparsity must lie in [0, 1), got 1.5 (a percentage? map it as "
            "S=COLUMN*0.01)");
  EXPECT_EQ(stored.invalid[1].problems.at(0).field, "loss");
  EXPECT_EQ(stored.invalid[2].describe(), "run huge: field N: must be a finite number, got inf");
  EXPECT_EQ(stored.invalid[3].describe(), "run status: field status: unknown status 'finished'");

  const std::string message = store_error_of([&] { store.runs(); });
  EXPECT_TRUE(Contains(message, "4 stored runs no longer satisfy the run model"));
  EXPECT_TRUE(Contains(message, "moescope runs delete sparse negative huge status"));
  EXPECT_TRUE(Contains(store_error_of([&] { store.find("huge"); }), "run huge: field N"));
  // A rule still sees them as stored, so they can be deleted.
  EXPECT_EQ(ids_of(store.remove_matching(RunFilter::parse("S > 1"))),
            std::vector<std::string>{"sparse"});
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

// Extras are checked on the way out as every stored value is: a name another tool wrote that
// no extra may have, or a value that is not finite, makes the run invalid, named.
TEST_F(RunStoreTest, StoredExtrasThatBreakTheRunModelAreReported) {
  moescope::Run run = bare_run("run");
  run.unique_tokens = 1e9;
  RunStore store = RunStore::open(store_path());
  store.insert({run});
  {
    RawDatabase raw(store_path());
    raw.execute("INSERT INTO extras (run, name, value) SELECT seq, 'bad name', 1 FROM runs");
    raw.execute("UPDATE runs SET unique_tokens = -5");
  }
  const StoredRuns stored = store.read();
  ASSERT_EQ(stored.invalid.size(), 1u);
  const std::string described = stored.invalid[0].describe();
  EXPECT_TRUE(Contains(described, "field unique_tokens: must be positive, got -5"));
  EXPECT_TRUE(Contains(described, "field extras: 'bad name' is no name for an extra"));
}

TEST_F(RunStoreTest, RefusesANanExtra) {
  moescope::Run run = bare_run("run");
  run.extras = {{"ep", std::nan("")}};
  EXPECT_TRUE(Contains(store_error_of([&] { RunStore::open(store_path()).insert({run}); }),
                       "run 'run': extra 'ep' is NaN, which the store cannot hold"));
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
// open_existing() gives them (for a folder that cannot be written, see cli_test's
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
