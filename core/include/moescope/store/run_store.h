#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "moescope/run/field_problem.h"
#include "moescope/run/run.h"
#include "moescope/run/run_filter.h"

struct sqlite3;

namespace moescope {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct InsertSummary {
  int inserted = 0;
  std::vector<std::string> duplicate_ids;  // already in the store with the same content; untouched
};

// A stored row that no longer satisfies the run model: edited by another tool (S = 1.5, a loss of
// -5, N = 9e999) or holding a name this build does not know (a status, a metric kind).
struct InvalidRun {
  Run run;  // as far as it could be read, for its id and name
  std::vector<FieldProblem> problems;
  // "run r12ab34cd56ef7890 (name): field S: sparsity must lie in [0, 1), got 1.5"
  std::string describe() const;
};

// What a store holds, checked on the way out as a file is on the way in, so that an invalid row
// is reported, never shown or fitted as if it were valid.
struct StoredRuns {
  std::vector<Run> runs;            // the rows that satisfy the run model, in insertion order
  std::vector<InvalidRun> invalid;  // the others, in insertion order
};

// The run database: one SQLite file, schema versioned (PRAGMA user_version) and migrated on open,
// WAL journal, every write one transaction. Safe for several processes at once: writers queue on
// SQLite's lock (with a generous busy timeout) instead of failing.
class RunStore {
 public:
  // $MOESCOPE_STORE if set, else $XDG_DATA_HOME/moescope/runs.sqlite, else
  // ~/.local/share/moescope/runs.sqlite. Empty variables, and a relative XDG_DATA_HOME (invalid
  // by the XDG spec), count as unset; throws StoreError when neither MOESCOPE_STORE nor HOME is.
  static std::filesystem::path default_path();

  // Opens or creates the store (and its folder), applying pending migrations. Throws StoreError
  // naming the path for a file that is not a MoEScope store or was written by a newer version.
  // For the commands that write runs (import, train launch) and a GUI's "New store".
  static RunStore open(const std::filesystem::path& path);
  // Opens a store that exists, creating nothing: for the commands that only read (runs, export,
  // report, the fits, runs delete), where a mistyped path must not leave an empty store and
  // folders behind. Throws StoreError naming the path when there is no file there (and for an
  // empty path), and as open() does.
  static RunStore open_existing(const std::filesystem::path& path);
  // Opens a store that exists for reading, so that a store on a read-only filesystem, or in a
  // folder the user may not write, can be read: for the commands that only read (runs, export,
  // report, the fits, train plan --gaps, runs delete --dry-run). Where the store and its folder can
  // be written, this is open_existing(). Elsewhere the file is opened read-only, creating and
  // changing nothing (writing through it fails): a WAL store needs its shared-memory index
  // (PATH-shm) beside it, which SQLite creates on first use; where the folder refuses that and no
  // write-ahead log (PATH-wal) is pending, the file is read as immutable: a snapshot read without
  // locks, since without the index no lock can be shared (so a writer that the folder's owner runs
  // at that very moment is not seen, and could tear the read). A store with a pending log that
  // cannot be indexed there is refused, saying so, as is one whose schema is older than this
  // build's (migrating it needs write access). Throws StoreError naming the path, as
  // open_existing() does.
  static RunStore open_read_only(const std::filesystem::path& path);

  RunStore(RunStore&&) noexcept;
  RunStore& operator=(RunStore&&) noexcept;
  ~RunStore();

  // All or nothing: inside one transaction; a run whose id is already stored (or appears earlier
  // in the same batch) with the same content (content_identity(): provenance, origin, status and
  // which values were derived aside) is skipped and reported, not duplicated and not overwritten.
  // Throws StoreError, storing none of the batch, when a run's id is stored with other content
  // (naming both runs), a run breaks the schema (an empty id) or holds a NaN, which SQLite would
  // silently turn into an absent value.
  InsertSummary insert(const std::vector<Run>& runs);

  // Replaces a stored run (same id) in one transaction, e.g. when a planned run finishes; it keeps
  // its place in insertion order. Throws StoreError if the id is unknown.
  void update(const Run& run);

  // Deletes these runs (with their loss curves and metrics) in one transaction and returns them,
  // as they were stored, in insertion order. All or nothing: throws StoreError naming every id
  // that is not stored, deleting none. For `moescope runs delete` and a GUI's Delete action,
  // which counts and confirms what it read before calling this.
  std::vector<Run> remove(const std::vector<std::string>& ids);
  // Deletes the runs `filter` matches (fields only: RunFilter::Scope::kRunFields) in one
  // transaction, reading and deleting under one lock, so a run another process adds meanwhile is
  // either judged or untouched. Stored rows are judged as they are, so a row edited into an
  // invalid one can still be chosen. Returns the deleted runs; none is not an error.
  std::vector<Run> remove_matching(const RunFilter& filter);

  // The stored runs, each checked by the run model (check_run and the names this build knows).
  StoredRuns read() const;
  // read()'s runs in insertion order; throws StoreError listing read()'s invalid runs, if any,
  // and how to delete them. For callers that fit or export: they must not see half a store.
  std::vector<Run> runs() const;
  // The run with this id, checked as runs() checks (throws StoreError for an invalid one).
  std::optional<Run> find(const std::string& id) const;
  std::size_t size() const;

  int schema_version() const;
  static int current_schema_version();
  const std::filesystem::path& path() const { return path_; }

 private:
  RunStore(std::filesystem::path path, sqlite3* db);
  // A connection to `target` (the path, or a file: URI of it) opened with these SQLite flags; the
  // store owns the handle also when opening failed. Throws StoreError.
  static RunStore connect(const std::filesystem::path& path, const std::string& target, int flags);
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace moescope
