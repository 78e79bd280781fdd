#pragma once

#include <QString>
#include <optional>
#include <vector>

#include "moescope/run/run.h"
#include "moescope/store/run_store.h"

namespace moescope::explorer {

// Where the explorer's runs come from: the data set built into the binary, a CSV or JSON file
// (read with a column mapping, read-only), or a store (read-write: statuses can be edited, runs
// deleted and files imported into it).
struct RunSource {
  enum class Kind { kDefaultData, kFile, kStore };
  Kind kind = Kind::kDefaultData;
  QString path;     // the file or the store; empty for the default data
  QString mapping;  // column mapping of a file, as `moescope import --map` takes it

  static RunSource defaultData() { return {}; }
  static RunSource file(QString path, QString mapping = {}) {
    return {Kind::kFile, std::move(path), std::move(mapping)};
  }
  static RunSource store(QString path) { return {Kind::kStore, std::move(path), {}}; }

  // "datasets/synthetic-table3.csv (embedded)", "runs.csv", "store ~/.../runs.sqlite".
  QString description() const;
};

// The runs of a source, and the store when the source is one.
struct LoadedRuns {
  std::vector<moescope::Run> runs;
  // A store's rows that no longer satisfy the run model (edited by another tool), left out of
  // `runs` and reported with their id and field rather than failing the whole load.
  std::vector<moescope::InvalidRun> invalid;
  std::optional<moescope::RunStore> store;
};

// Opens a store that exists and never creates one, so that a mistyped or deleted path leaves no
// empty store behind (File > New store creates one). Throws moescope::InputError for a bad file
// or mapping and moescope::StoreError for a store that is missing or cannot be opened, each
// naming the path.
LoadedRuns load_runs(const RunSource& source);

}  // namespace moescope::explorer
