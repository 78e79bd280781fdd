#pragma once

// What the explorer's command-line tests share: the explorer run as a child process, and a store
// of the synthetic grid beside a FIT.json of the law fitted to it.

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/io/json_file.h"
#include "moescope/io/saved_fit.h"
#include "moescope/store/run_store.h"
#include "moescope/synthetic/synthetic_grid.h"

namespace moescope::explorer::testing_support {

struct Outcome {
  int exit_code = -1;  // -1 when it did not finish within two minutes
  QString out;
  QString err;
};

// Runs `program` with the environment less the variables named in `unset`.
inline Outcome run_process(const QString& program, const QStringList& arguments,
                           const QStringList& unset = {}) {
  QProcess process;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  for (const QString& name : unset)
    environment.remove(name);
  process.setProcessEnvironment(environment);
  process.start(program, arguments);
  if (!process.waitForFinished(120000))
    return {};
  return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
          QString::fromUtf8(process.readAllStandardError())};
}

// The variables whose absence makes a machine one without a display, where the explorer writes
// the figures and a text report instead of opening its window.
inline const QStringList kDisplayVariables = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"};

struct SavedFitFiles {
  QString store;
  QString fit;
};

// The synthetic grid in a store in `directory`, and the law fitted to it with `options` (a
// coarse grid of starts: the file, not the fit, is under test) saved as `moescope fit law --save`
// saves it.
inline SavedFitFiles write_store_and_saved_law(
    const QTemporaryDir& directory,
    const ExplorerLoadOptions& options = ExplorerLoadOptions::quick()) {
  const std::vector<Run> runs = generate_synthetic_grid({});
  SavedFitFiles files{directory.filePath("runs.sqlite"), directory.filePath("FIT.json")};
  RunStore::open(files.store.toStdString()).insert(runs);
  const RunLawFit fitted =
      fit_law_to_runs(runs, RunFilter::parse(options.holdout_rule), std::nullopt, options.law);
  write_json_file(files.fit.toStdString(),
                  law_json(fitted, {"synthetic grid", fitted.data.points.size(), 0, "",
                                    kDefaultLossUnit, std::nullopt}));
  return files;
}

}  // namespace moescope::explorer::testing_support
