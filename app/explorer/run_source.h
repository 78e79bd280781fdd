#pragma once

#include <QString>
#include <optional>
#include <vector>

#include "moescope/run/run.h"
#include "moescope/store/run_store.h"

namespace moescope::explorer {

// Where the explorer's runs come from: a data set built into the binary (app/default_data.h:
// MoEScope's study, the default, or the synthetic Table-3 grid), a CSV or JSON file (read with a
// column mapping, read-only), or a store (read-write: statuses can be edited, runs deleted and
// files imported into it).
struct RunSource {
  enum class Kind { kEmbedded, kFile, kStore };
  Kind kind = Kind::kEmbedded;
  // The file, the store, or the embedded set's key ("study", "synthetic"; empty: the default).
  QString path;
  QString mapping;  // column mapping of a file, as `moescope import --map` takes it

  static RunSource defaultData() { return {}; }
  static RunSource embedded(QString key) { return {Kind::kEmbedded, std::move(key), {}}; }
  static RunSource file(QString path, QString mapping = {}) {
    return {Kind::kFile, std::move(path), std::move(mapping)};
  }
  static RunSource store(QString path) { return {Kind::kStore, std::move(path), {}}; }
  // --data's argument, as the command line reads it: an embedded set's bare key, else a file.
  static RunSource data(QString argument, QString mapping = {});

  // "datasets/moe-study/runs.json (embedded)", "runs.csv", "store ~/.../runs.sqlite".
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
// or mapping, or an embedded set this build does not hold (a session saved by another version),
// and moescope::StoreError for a store that is missing or cannot be opened, each naming the path.
LoadedRuns load_runs(const RunSource& source);

}  // namespace moescope::explorer
