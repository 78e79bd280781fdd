// The run store's contents: runs in exactly as they go out, batches all or nothing, duplicates
// skipped and clashing ids refused, updates and deletions, and stored values checked on the way
// out. The store's file (opening, schema versions, migrations, its journal, its default path) is
// run_store_file_test.cpp's.
#include "moescope/store/run_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "moescope/run/run_filter.h"
#include "run_store_fixture.h"

namespace moescope {
namespace {

using testing_support::bare_run;
using testing_support::Contains;
using testing_support::ids_of;
using testing_support::RawDatabase;
using testing_support::rich_run;
using testing_support::RunStoreTest;
using testing_support::store_error_of;

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

}  // namespace
}  // namespace moescope
