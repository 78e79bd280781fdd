#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "moescope/run.h"

struct sqlite3;

namespace moescope {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct InsertSummary {
  int inserted = 0;
  std::vector<std::string> duplicate_ids;  // already in the store; left untouched
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
  static RunStore open(const std::filesystem::path& path);

  RunStore(RunStore&&) noexcept;
  RunStore& operator=(RunStore&&) noexcept;
  ~RunStore();

  // All or nothing: inside one transaction; a run whose id is already stored (or appears earlier
  // in the same batch) is skipped and reported, not duplicated and not overwritten. Throws
  // StoreError, storing none of the batch, when a run breaks the schema (an empty id) or holds a
  // NaN, which SQLite would silently turn into an absent value.
  InsertSummary insert(const std::vector<Run>& runs);

  // Replaces a stored run (same id) in one transaction, e.g. when a planned run finishes; it keeps
  // its place in insertion order. Throws StoreError if the id is unknown.
  void update(const Run& run);

  // In insertion order.
  std::vector<Run> runs() const;
  std::optional<Run> find(const std::string& id) const;
  std::size_t size() const;

  int schema_version() const;
  static int current_schema_version();
  const std::filesystem::path& path() const { return path_; }

 private:
  RunStore(std::filesystem::path path, sqlite3* db);
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace moescope
