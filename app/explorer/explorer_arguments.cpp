// The explorer's command line: where the runs come from, how to fit them, and what is wrong with
// the arguments before anything is read.
#include "explorer_arguments.h"

#include <unistd.h>

#include <QFileInfo>
#include <QStringList>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "main_window.h"
#include "moescope/explore/explorer_fit_cache.h"
#include "moescope/explore/explorer_loader.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/io/json_file.h"
#include "moescope/numerics/vector_registers.h"
#include "slice_sizes.h"

namespace moescope::explorer {
namespace {

// The saved fit to show instead of fitting: --fit FILE, or a --law FILE that holds one; at most
// one of them.
std::optional<QString> saved_fit_file(const QCommandLineParser& args) {
  QStringList files = args.isSet("fit") ? QStringList{args.value("fit")} : QStringList{};
  for (const QString& law : args.values("law")) {
    if (holds_saved_fit(law))
      files << law;
  }
  if (files.size() > 1) {
    throw std::invalid_argument(("one saved fit at a time: " + files.join(QStringLiteral(" and ")) +
                                 " are saved fits (--fit FILE or --law FILE)")
                                    .toStdString());
  }
  return files.isEmpty() ? std::nullopt : std::optional(files.front());
}

}  // namespace

RunSource source_of(const QCommandLineParser& args) {
  if (args.isSet("data"))
    return RunSource::data(args.value("data"), args.value("map"));
  if (args.isSet("store"))
    return RunSource::store(args.value("store"));
  return RunSource::defaultData();
}

bool holds_saved_fit(const QString& law) {
  return QFileInfo(law).isFile() &&
         moescope::is_saved_fit(moescope::read_json_file(law.toStdString()));
}

moescope::ExplorerLoadOptions load_options(const QCommandLineParser& args,
                                           moescope::ExplorerLoadOptions base) {
  moescope::ExplorerLoadOptions options =
      args.isSet("quick-fit") ? moescope::ExplorerLoadOptions::quick() : std::move(base);
  if (const std::optional<QString> file = saved_fit_file(args)) {
    // Throws InputError naming the file and field, as `moescope optimum --law` does.
    options.saved_fit = moescope::read_saved_fit(file->toStdString());
    options.saved_fit_file = file->toStdString();
  }
  if (args.isSet("holdout"))
    options.holdout_rule = args.value("holdout").toStdString();
  if (args.isSet("budget-bins"))
    options.binning = moescope::BudgetBinning::per_decade(args.value("budget-bins").toInt());
  else if (args.isSet("budget-tolerance"))
    options.binning = moescope::BudgetBinning::within(args.value("budget-tolerance").toDouble());
  return options;
}

QString usage_problem(const QCommandLineParser& args) {
  const auto number = [&](const char* option) {
    bool ok = false;
    const double value = args.value(option).toDouble(&ok);
    return ok && std::isfinite(value) ? std::optional(value) : std::nullopt;
  };
  const auto whole = [&](const char* option, int least) {
    bool ok = false;
    const int value = args.value(option).toInt(&ok);
    return ok && value >= least;
  };
  if (args.isSet("view") && !MainWindow::viewNames().contains(args.value("view"))) {
    return QStringLiteral("no view '%1'; views: %2")
        .arg(args.value("view"), MainWindow::viewNames().join(QStringLiteral(", ")));
  }
  if (args.isSet("validation") && args.value("validation") != "budgets" &&
      args.value("validation") != "forward")
    return QStringLiteral("--validation takes budgets or forward, not '%1'")
        .arg(args.value("validation"));
  for (const char* option : {"budget", "max-params"}) {
    if (args.isSet(option) && !(number(option) > 0.0))
      return QStringLiteral("--%1 takes a finite number > 0, not '%2'")
          .arg(option, args.value(option));
  }
  if (args.isSet("budget-bins") && args.isSet("budget-tolerance"))
    return QStringLiteral("--budget-bins and --budget-tolerance exclude each other");
  if (args.isSet("budget-bins") && !whole("budget-bins", 1))
    return QStringLiteral(
               "--budget-bins takes a whole number >= 1 (bins per decade of C), not '%1'")
        .arg(args.value("budget-bins"));
  if (args.isSet("budget-tolerance") && !(number("budget-tolerance") >= 0.0))
    return QStringLiteral(
               "--budget-tolerance takes a finite number >= 0 (0.02: runs within 2% of "
               "one C), not '%1'")
        .arg(args.value("budget-tolerance"));
  if (args.isSet("sizes")) {
    QString error;
    if (!parseSliceSizes(args.value("sizes"), &error))
      return QStringLiteral("--sizes: %1").arg(error);
  }
  if (!whole("dpi", 1))
    return QStringLiteral("--dpi takes a whole number >= 1, not '%1'").arg(args.value("dpi"));
  if (args.isSet("propose") && !whole("propose", 1))
    return QStringLiteral("--propose takes a whole number >= 1 (runs to propose), not '%1'")
        .arg(args.value("propose"));
  for (const char* bench : {"bench-slider", "bench-camera"}) {
    if (args.isSet(bench) && !whole(bench, 1))
      return QStringLiteral("--%1 takes a whole number >= 1, not '%2'")
          .arg(bench, args.value(bench));
  }
  if (args.isSet("first-view") && !args.isSet("screenshot"))
    return QStringLiteral("--first-view says when --screenshot takes its picture; give both");
  return {};
}

moescope::ExplorerLoad load(const QCommandLineParser& args) {
  // A progress line rewritten in place helps on a terminal and floods a log file.
  const bool to_terminal = ::isatty(STDERR_FILENO) == 1;
  moescope::FitControl control;
  if (to_terminal) {
    control.progress = [](std::size_t done, std::size_t total) {
      std::fprintf(stderr, "\rfitting the law: %zu/%zu starts", done, total);
    };
  }
  LoadedRuns loaded_runs = load_runs(source_of(args));
  for (const moescope::InvalidRun& invalid : loaded_runs.invalid) {
    std::cerr << "note: left out, no longer satisfying the run model: " << invalid.describe()
              << '\n';
  }
  std::vector<moescope::Run> runs = std::move(loaded_runs.runs);
  moescope::ExplorerLoadOptions options = load_options(args);
  // The window's cache: a report on runs the explorer has fitted with these settings refits
  // nothing, and a report's fit opens the window at once.
  std::optional<moescope::FitCache> cache;
  moescope::CachedFitLookup lookup;
  if (const std::optional<std::filesystem::path> directory =
          moescope::default_fit_cache_directory()) {
    cache.emplace(*directory);
    lookup = moescope::look_up_cached_fit(*cache, runs, options);
    if (!lookup.note.empty())
      std::cerr << "note: " << lookup.note << '\n';
    if (!lookup.made.empty())
      std::cerr << "note: the law's fit is the cached one of " << lookup.made << " ("
                << cache->path(lookup.key).string() << ")\n";
  }
  numerics::clear_upper_vector_registers();
  moescope::ExplorerLoad loaded = moescope::load_explorer_data(std::move(runs), options, control);
  if (to_terminal)
    std::fputs("\r\033[K", stderr);
  for (const std::string& note : loaded.notes)
    std::cerr << "note: " << note << '\n';
  if (cache) {
    try {
      moescope::keep_fitted_law(*cache, lookup.key, loaded,
                                source_of(args).description().toStdString(), options.holdout_rule);
    } catch (const std::exception& error) {
      std::cerr << "note: the fit could not be cached: " << error.what() << '\n';
    }
  }
  return loaded;
}

}  // namespace moescope::explorer
