#pragma once

#include <QCommandLineParser>
#include <QString>

#include "moescope/explore/explorer_loader.h"
#include "run_source.h"

// The explorer's command line (moescope-explorer, `moescope explore`), read once for the window
// and for the report without a display.
namespace moescope::explorer {

// Where the runs come from: --data FILE [--map SPEC], --store PATH, else the embedded study.
RunSource source_of(const QCommandLineParser& args);

// Whether a --law value names a saved fit (FIT.json: "format": "moescope-fit") rather than a
// law's definition (a law file or a built-in law's name). A file that is not JSON is refused
// naming it (read_json_file).
bool holds_saved_fit(const QString& law);

// How to fit: `base` (the defaults, or the last session's settings), the 512-start grid with
// --quick-fit, a saved fit shown instead of fitting with --fit or --law FIT.json (at most one),
// and the budgets as --budget-bins or --budget-tolerance group them.
moescope::ExplorerLoadOptions load_options(const QCommandLineParser& args,
                                           moescope::ExplorerLoadOptions base = {});

// What is wrong with the command line, before anything is read or fitted (exit 2); empty when
// nothing is. Numbers must be finite and in range: "nan" or "-1" would otherwise reach the fit.
QString usage_problem(const QCommandLineParser& args);

// The runs of source_of(args) fitted as load_options(args) says, notes on stderr (runs left out,
// the fit's notes) and the fit's progress on a terminal. The law's fit is the window's cached one
// where the cache (default_fit_cache_directory) holds it, and a fit made here is kept there.
moescope::ExplorerLoad load(const QCommandLineParser& args);

}  // namespace moescope::explorer
