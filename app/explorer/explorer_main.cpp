// moescope-explorer: the desktop explorer, also run headless by scripts (`moescope explore`).
#include <sys/stat.h>
#include <unistd.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "default_data.h"
#include "explorer_session.h"
#include "figure_view.h"
#include "law_editor_dialog.h"
#include "main_window.h"
#include "moescope/explore/explorer_loader.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/fit_cache.h"
#include "moescope/io/json_file.h"
#include "moescope/io/number_format.h"
#include "moescope/law/builtin_laws.h"
#include "moescope/numerics/vector_registers.h"
#include "moescope/run/run_variables.h"
#include "run_source.h"
#include "slice_sizes.h"
#include "surface_camera_bench.h"
#include "surface_view.h"
#include "training_panel.h"
#include "view_export.h"

namespace moescope::explorer {
namespace {

RunSource source_of(const QCommandLineParser& args) {
  if (args.isSet("data"))
    return RunSource::data(args.value("data"), args.value("map"));
  if (args.isSet("store"))
    return RunSource::store(args.value("store"));
  return RunSource::defaultData();
}

// Whether a --law value names a saved fit (FIT.json: "format": "moescope-fit") rather than a
// law's definition (a law file or a built-in law's name). A file that is not JSON is refused
// naming it (read_json_file).
bool holds_saved_fit(const QString& law) {
  return QFileInfo(law).isFile() &&
         moescope::is_saved_fit(moescope::read_json_file(law.toStdString()));
}

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

// How to fit: `base` (the defaults, or the last session's settings), the 512-start grid with
// --quick-fit, a saved fit shown instead of fitting with --fit or --law FIT.json, and the budgets
// as --budget-bins or --budget-tolerance group them.
moescope::ExplorerLoadOptions load_options(const QCommandLineParser& args,
                                           moescope::ExplorerLoadOptions base = {}) {
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

// What is wrong with the command line, before anything is read or fitted (exit 2); empty when
// nothing is. Numbers must be finite and in range: "nan" or "-1" would otherwise reach the fit.
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

double percentile(std::vector<double> values, double fraction) {
  if (values.empty())
    return std::nan("");  // printed as null: nothing was timed
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[index];
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
  const moescope::ExplorerLoadOptions options = load_options(args);
  numerics::clear_upper_vector_registers();
  moescope::ExplorerLoad loaded = moescope::load_explorer_data(std::move(runs), options, control);
  if (to_terminal)
    std::fputs("\r\033[K", stderr);
  for (const std::string& note : loaded.notes)
    std::cerr << "note: " << note << '\n';
  return loaded;
}

// A benchmark's timings as one line of JSON: {"<what>": count, "p50_ms", "p99_ms"}.
void print_timings(const std::vector<double>& milliseconds, const char* what) {
  std::cout << QJsonDocument(QJsonObject{{what, static_cast<int>(milliseconds.size())},
                                         {"p50_ms", percentile(milliseconds, 0.50)},
                                         {"p99_ms", percentile(milliseconds, 0.99)}})
                   .toJson(QJsonDocument::Compact)
                   .toStdString()
            << '\n';
}

// A --law value that is not a saved fit: a law file, or else a built-in law's name (nullopt
// where there is none of that name). A file that is neither a saved fit nor a law file is refused
// saying both.
std::optional<moescope::law::LawDefinition> law_definition(const QString& name) {
  if (!QFileInfo::exists(name))
    return moescope::law::builtin_law(name.toStdString(), moescope::law_run_variables());
  try {
    return moescope::law::read_law_file(name.toStdString(), moescope::law_run_variables());
  } catch (const std::exception& error) {
    throw std::invalid_argument("--law " + name.toStdString() +
                                " is neither a saved fit (\"format\": \"moescope-fit\", from "
                                "moescope fit law --save) nor a law file: " +
                                error.what());
  }
}

int save_screenshot(QWidget& window, const QString& path) {
  if (window.grab().save(path))
    return 0;
  std::cerr << "moescope-explorer: cannot write " << path.toStdString() << '\n';
  return 1;
}

bool extrapolated(const moescope::ReadOut& read_out) {
  return read_out.extrapolation && read_out.extrapolation->any();
}

// The optimum at each budget in text: what the explorer's read-out would show. For Eq. 6, S*
// under a few parameter caps beside the unconstrained optimum (the paper's Figure 4 reading: the
// unconstrained law puts S* at the sparsest model considered, and a memory bound is what brings
// it down); for a law of one sparsity level, the compute-optimal model at that level.
void print_optima(const moescope::ExplorerModel& model, moescope::ExplorerState state,
                  const std::vector<double>& budgets) {
  using moescope::value_with_interval;
  const moescope::ExplorerData& data = model.data();
  if (!data.law) {
    std::cout << "No law: " << data.law_refused << ".\nNo optimum can be read; the figures show "
              << "the runs and the Eq. 8 surfaces (" << data.surfaces.size() << ").\n";
    return;
  }
  const bool one_level = data.law_scope.sparsity.has_value();
  if (!data.law_note.empty())
    std::cout << "Note: " << data.law_note << ".\n";
  const std::optional<moescope::Interval> none;
  bool any_extrapolated = false;
  // A budget without an optimum gets a line saying why rather than ending the report.
  auto read = [&](double budget) -> std::optional<moescope::ReadOut> {
    state.budget = budget;
    try {
      return model.read_out(state);
    } catch (const moescope::FitRefused& refused) {
      std::printf("%-10s no optimum: %s\n", moescope::format_brief(budget).c_str(), refused.what());
      return std::nullopt;
    }
  };
  if (one_level) {
    std::cout << "No sparsity recommendation: the data has one sparsity level. "
              << "Compute-optimal model by budget at S = "
              << moescope::format_brief(*data.law_scope.sparsity)
              << " (Chinchilla's form; 95% intervals):\n";
    std::printf("%-10s %-28s %-28s %-24s\n", "budget C", "N*", "D*",
                moescope::loss_label(data, "L*").c_str());
    for (const double budget : budgets) {
      const std::optional<moescope::ReadOut> read_out = read(budget);
      if (!read_out)
        continue;
      const auto& intervals = read_out->intervals;
      any_extrapolated = any_extrapolated || extrapolated(*read_out);
      std::printf("%-10s %-28s %-28s %-24s\n",
                  (moescope::format_brief(budget) + (extrapolated(*read_out) ? "!" : "")).c_str(),
                  value_with_interval(read_out->point.total_params,
                                      intervals ? std::optional(intervals->total_params) : none)
                      .c_str(),
                  value_with_interval(read_out->point.tokens,
                                      intervals ? std::optional(intervals->tokens) : none)
                      .c_str(),
                  value_with_interval(read_out->point.loss,
                                      intervals ? std::optional(intervals->loss) : none)
                      .c_str());
    }
  } else {
    const std::vector<double> caps = moescope::read_out_caps(data);
    std::cout << "Compute-optimal sparsity S* by budget and cap on total parameters N, through "
                 "the fitted Eq. 6 law (the paper's Figure 4 reading; 95% intervals):\n";
    // Cells first, then columns as wide as their widest cell: a cell with its interval and
    // markers ("0.9363 [0.9276, 0.9437] c") is wider than a fixed column.
    std::vector<std::vector<std::string>> rows{{"budget C"}};
    for (const double cap : caps)
      rows.front().push_back("N <= " + moescope::format_brief(cap));
    rows.front().push_back("no cap");
    bool any_capped = false;
    for (const double budget : budgets) {
      state.budget = budget;
      std::vector<std::string>& row = rows.emplace_back();
      row.push_back(moescope::format_brief(budget));
      for (const moescope::CappedReadOut& cell : model.capped_read_outs(state)) {
        if (cell.read_out && cell.read_out->point.params_at_cap && cell.cap)
          any_capped = true;
        if (cell.read_out && extrapolated(*cell.read_out))
          any_extrapolated = true;
        row.push_back(moescope::sparsity_cell(cell));
      }
    }
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
      for (std::size_t column = 0; column < row.size(); ++column) {
        widths.resize(std::max(widths.size(), row.size()));
        widths[column] = std::max(widths[column], row[column].size());
      }
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t column = 0; column < row.size(); ++column)
        line += row[column] + std::string(widths[column] + 2 - row[column].size(), ' ');
      std::cout << line.substr(0, line.find_last_not_of(' ') + 1) << '\n';
    }
    std::cout << "* at the sparsest model considered (S = "
              << moescope::format_brief(state.max_sparsity)
              << "): the law's loss still falls there, as the paper finds (Figure 3c).\n";
    if (any_capped)
      std::cout << "c: the cap binds (N* = the cap); S* is then the best sparsity at that N.\n";
    std::cout << "\nThe unconstrained optimum by budget:\n";
    std::printf("%-10s %-22s %-10s %-10s %-10s %-8s\n", "budget C", "S* (95% interval)", "N*",
                "N_a*", "D*", moescope::loss_label(data, "L*").c_str());
    for (const double budget : budgets) {
      const std::optional<moescope::ReadOut> read_out = read(budget);
      if (!read_out)
        continue;
      const moescope::BudgetOptimum& best = read_out->point;
      std::string sparsity = value_with_interval(
          best.sparsity, read_out->intervals ? std::optional(read_out->intervals->sparsity) : none);
      if (best.sparsity_at_bound)
        sparsity += "*";
      std::printf("%-10s %-22s %-10s %-10s %-10s %-8s\n",
                  (moescope::format_brief(budget) + (extrapolated(*read_out) ? "!" : "")).c_str(),
                  sparsity.c_str(), moescope::format_brief(best.total_params).c_str(),
                  moescope::format_brief(best.active_params).c_str(),
                  moescope::format_brief(best.tokens).c_str(),
                  moescope::format_brief(best.loss).c_str());
    }
  }
  if (any_extrapolated) {
    std::cout << "!: extrapolated: the optimum lies more than a factor "
              << moescope::format_brief(moescope::kExtrapolationFactor)
              << " beyond the data's range in C, N or 1 - S.\n";
  }
}

// Without a display there is no OpenGL for the 3-D view, but the figures draw without it: write
// them, and say in text what the explorer would show, the optimum at each budget of the data.
int write_report(const QCommandLineParser& args) {
  const moescope::ExplorerLoad loaded = load(args);
  const moescope::ExplorerModel model(loaded.data);
  moescope::ExplorerState state;
  if (args.isSet("sizes")) {
    QString ignored;  // usage_problem() refused what parseSliceSizes would
    state.slice_total_params = *parseSliceSizes(args.value("sizes"), &ignored);
  }
  if (args.isSet("max-params"))
    state.max_total_params = args.value("max-params").toDouble();
  if (args.isSet("print-readout")) {
    if (!loaded.data.law) {
      std::cerr << "moescope-explorer: no law: " << loaded.data.law_refused << '\n';
      return 1;
    }
    state.budget = args.isSet("budget") ? args.value("budget").toDouble()
                   : model.data_budgets().empty()
                       ? state.budget
                       : model.data_budgets().at(model.data_budgets().size() / 2);
    numerics::clear_upper_vector_registers();
    std::cout << moescope::optimum_json(model.read_out(state)) << '\n';
    return 0;
  }
  const QString directory =
      args.isSet("export-all") ? args.value("export-all") : QStringLiteral("moescope-figures");
  // A table of a hundred budgets (data whose C varies continuously) reads as none: the budgets
  // the figures draw, a few of the most runs across the range.
  std::vector<double> budgets = model.shown_budgets();
  const bool thinned = budgets.size() < model.data_budgets().size();
  if (args.isSet("budget"))
    budgets = {args.value("budget").toDouble()};
  state.budget = budgets.empty() ? state.budget : budgets[budgets.size() / 2];
  if (!QDir().mkpath(directory)) {
    std::cerr << "moescope-explorer: cannot create " << directory.toStdString() << '\n';
    return 1;
  }
  std::vector<moescope::Figure> figures;
  QString error;
  for (const moescope::FigureId id : moescope::kAllFigures) {
    numerics::clear_upper_vector_registers();
    const moescope::Figure& figure = figures.emplace_back(model.figure(id, state));
    FigureView view;
    view.setFigure(&figure);
    const QString base =
        QDir(directory).filePath(QString::fromStdString(std::string(to_string(id))));
    if (!exportFigureFiles(view, base, figureExportStyle().dpi, &error, {&loaded.data, &state})) {
      std::cerr << "moescope-explorer: export failed: " << error.toStdString() << '\n';
      return 1;
    }
  }
  if (!exportPanelFiles(figures, directory, {&loaded.data, &state}, &error)) {
    std::cerr << "moescope-explorer: export failed: " << error.toStdString() << '\n';
    return 1;
  }
  std::cout << "No display: wrote the figures at C=" << moescope::format_brief(state.budget)
            << " to " << directory.toStdString() << "/ (the 3-D view needs a display).\n"
            << "Data: " << loaded.data.runs.size() << " runs from "
            << source_of(args).description().toStdString() << ".\n\n";
  numerics::clear_upper_vector_registers();
  print_optima(model, state, budgets);
  if (loaded.data.binning.kind == moescope::BudgetBinning::Kind::kBinsPerDecade)
    std::cout << "Budgets: " << loaded.data.binning.describe() << ".\n";
  if (thinned && !args.isSet("budget")) {
    std::cout << "(" << budgets.size() << " of the data's " << model.data_budgets().size()
              << " budgets: in each " << budgets.size()
              << "th of the range of log C, the one with the most runs; --budget C reads "
                 "another.)\n";
  }
  return 0;
}

int run_window(QApplication& app, const QCommandLineParser& args) {
  // A scripted run depends on its arguments alone; an interactive one resumes the last session.
  const bool headless = args.isSet("screenshot") || args.isSet("export-all") ||
                        args.isSet("bench-slider") || args.isSet("bench-camera") ||
                        args.isSet("print-readout");
  const bool source_given = args.isSet("data") || args.isSet("store");
  const ExplorerSession session = headless ? ExplorerSession{} : ExplorerSession::load();
  MainWindow window(load_options(args, session.fit_options));
  window.useFitCache(moescope::default_fit_cache_directory());
  window.resize(1500, 950);
  if (source_given || headless) {
    window.openSource(source_of(args));
  } else {
    try {
      window.openSource(session.source);
    } catch (const std::exception& error) {
      std::cerr << "moescope-explorer: note: the last session's data cannot be opened ("
                << error.what() << "); showing "
                << RunSource::defaultData().description().toStdString() << ".\n";
      window.openSource(RunSource::defaultData());
    }
    window.restoreView(session);
    window.setRemembersSession(true);
  }
  if (args.isSet("max-params"))
    window.setParameterCap(args.value("max-params").toDouble());
  if (args.isSet("sizes")) {
    QString ignored;  // usage_problem() refused what parseSliceSizes would
    window.setSliceSizes(*parseSliceSizes(args.value("sizes"), &ignored));
  }
  if (args.isSet("budget"))
    window.setBudget(args.value("budget").toDouble());
  if (args.isSet("view"))
    window.showView(args.value("view"));  // a name usage_problem() accepted
  window.show();
  if (!headless)
    return app.exec();

  if (args.isSet("first-view")) {
    // The picture of what a reader sees first: the first look or the cached fit.
    if (!window.waitForFirstView()) {
      std::cerr << "moescope-explorer: " << window.fitStatus().toStdString() << '\n';
      return 1;
    }
    window.waitForHeadline();
    QApplication::processEvents();
    return save_screenshot(window, args.value("screenshot"));
  }
  if (!window.waitForFit()) {
    std::cerr << "moescope-explorer: " << window.fitStatus().toStdString() << '\n';
    return 1;
  }
  QApplication::processEvents();
  if (args.isSet("validation")) {
    const QString scheme = args.value("validation");
    if (!window.setValidationScheme(scheme == "forward"
                                        ? moescope::ValidationScheme::kForward
                                        : moescope::ValidationScheme::kLeaveOneBudgetOut)) {
      std::cerr << "moescope-explorer: no law to validate: " << window.fitStatus().toStdString()
                << '\n';
      return 1;
    }
    if (!window.waitForValidation())
      std::cerr << "moescope-explorer: note: the validation gave nothing to show\n";
    QApplication::processEvents();
  }
  // Each --law fitted as Fit > New Law's Fit does: beside the main fit, drawn over Figures 2b
  // and 2c, with its residuals (the residual view shows the last).
  for (const QString& name : args.values("law")) {
    if (holds_saved_fit(name))
      continue;  // shown instead of the fit (load_options)
    const std::optional<moescope::law::LawDefinition> law = law_definition(name);
    if (!law) {
      std::cerr << "moescope-explorer: --law " << name.toStdString()
                << ": no such file and no built-in law of that name ("
                << moescope::law::builtin_law_names() << ")\n";
      return 1;
    }
    LawEditorDialog* editor = window.openLawEditor(&*law);
    if (!editor->startFit() || !editor->waitForFit()) {
      std::cerr << "moescope-explorer: --law " << name.toStdString() << ": "
                << (editor->errorText().isEmpty() ? editor->summaryText() : editor->errorText())
                       .toStdString()
                << '\n';
      return 1;
    }
    editor->hide();
    QApplication::processEvents();
  }
  if (args.isSet("propose")) {
    // As the training panel's "Propose next runs" at the budget on display, with the panel
    // raised and tall enough that the plan shows in a screenshot.
    auto* dock = window.findChild<QDockWidget*>(QStringLiteral("trainingDock"));
    auto* panel = window.findChild<TrainingPanel*>();
    dock->raise();
    window.resizeDocks({dock}, {390}, Qt::Vertical);
    if (!panel->proposeNextRuns(args.value("propose").toInt(),
                                moescope::DesignTarget::kOptimalSparsity,
                                TrainingPanel::DesignBudgets::kOnDisplay) ||
        !panel->waitForProposals()) {
      std::cerr << "moescope-explorer: nothing proposed: " << panel->message().toStdString()
                << '\n';
      return 1;
    }
    QApplication::processEvents();
  }
  if (args.isSet("print-readout")) {
    if (window.data() == nullptr || !window.data()->law) {
      std::cerr << "moescope-explorer: no law: " << window.fitStatus().toStdString() << '\n';
      return 1;
    }
    std::cout << moescope::optimum_json(window.readOut()) << '\n';
  }
  if (args.isSet("export-all")) {
    QString error;
    if (!window.exportAll(args.value("export-all"), figureExportStyle().dpi, &error)) {
      std::cerr << "moescope-explorer: export failed: " << error.toStdString() << '\n';
      return 1;
    }
  }
  if (args.isSet("screenshot")) {
    // The headline's intervals come from a worker thread: the picture shows them.
    window.waitForHeadline();
    QApplication::processEvents();
    if (const int failed = save_screenshot(window, args.value("screenshot")))
      return failed;
  }
  if (args.isSet("bench-slider"))
    print_timings(window.replaySliderDrag(args.value("bench-slider").toInt()), "updates");
  if (args.isSet("bench-camera")) {
    // As a reader turns the view: once it shows the fit, the headline's intervals in.
    window.showView(QStringLiteral("surface"));
    window.waitForHeadline();
    QApplication::processEvents();
    print_timings(
        replayCameraMoves(*window.findChild<SurfaceView*>(), args.value("bench-camera").toInt()),
        "moves");
  }
  return 0;
}

}  // namespace
}  // namespace moescope::explorer

namespace {

// Qt wants a private runtime folder ($XDG_RUNTIME_DIR, which a login session provides) and warns
// on every start without one ("QStandardPaths: XDG_RUNTIME_DIR not set"), as under xvfb-run, cron
// or a container. Where it is unset, a folder of this user's alone stands in: created 0700, and
// used only if it is a real folder (not a link) owned by this user that no one else may enter.
void provide_runtime_directory() {
  const char* set = std::getenv("XDG_RUNTIME_DIR");
  if (set != nullptr && *set != '\0')
    return;
  const char* temporary = std::getenv("TMPDIR");
  const std::string folder =
      std::string(temporary != nullptr && *temporary != '\0' ? temporary : "/tmp") +
      "/moescope-runtime-" + std::to_string(::getuid());
  ::mkdir(folder.c_str(), 0700);
  struct stat status {};
  if (::lstat(folder.c_str(), &status) == 0 && S_ISDIR(status.st_mode) &&
      status.st_uid == ::getuid() && (status.st_mode & 077) == 0)
    ::setenv("XDG_RUNTIME_DIR", folder.c_str(), 1);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace moescope::explorer;
  // Without a display (a terminal over SSH, CI) Qt would abort before --help could be read.
  const bool no_display = std::getenv("DISPLAY") == nullptr &&
                          std::getenv("WAYLAND_DISPLAY") == nullptr &&
                          std::getenv("QT_QPA_PLATFORM") == nullptr;
  if (no_display)
    ::setenv("QT_QPA_PLATFORM", "offscreen", 0);
  provide_runtime_directory();
  renameQtStyleArgument(argc, argv);
  QApplication app(argc, argv);
  QApplication::setOrganizationName("MoEScope");
  QApplication::setApplicationName("moescope-explorer");
  QCommandLineParser args;
  args.setApplicationDescription("MoEScope explorer: IsoFLOP surfaces and optimal sparsity");
  args.addHelpOption();
  args.addOptions({
      {"data",
       QString::fromStdString("Runs from a CSV or JSON file, or a data set built in: " +
                              moescope::app::describe_embedded_data() +
                              "; ./NAME reads a file of that name. Without --data or --store: " +
                              std::string(moescope::app::default_data().key) + "."),
       "FILE"},
      {"map", "Column mapping for --data, as for moescope import.", "SPEC"},
      {"store", "Runs from a store.", "PATH"},
      {"fit",
       "A saved fit (FIT.json of moescope fit law|surface --save) to show instead of fitting "
       "(--law FIT.json does the same).",
       "FILE"},
      {"budget", "Compute budget C to open at.", "C"},
      {"max-params", "Cap on total parameters N.", "N"},
      {"view", "View to show: surface or a figure name.", "NAME"},
      {"screenshot", "Save the window as PNG and exit.", "FILE"},
      {"law",
       "A saved fit (FIT.json) to show instead of fitting, as --fit; or a user-defined law (a law "
       "file, or a built-in law's name) to fit beside the main fit, as Fit > New Law does, before "
       "a screenshot or an export; repeatable.",
       "FILE"},
      {"propose",
       "Propose the K runs that most narrow S* at the budget on display (the training panel's "
       "Propose next runs), before a screenshot or an export.",
       "K"},
      {"export-all", "Export every view to DIR and exit.", "DIR"},
      {"dpi",
       "Resolution of exported PNG figures (the default is the screen style's; paper style's is "
       "300).",
       "DPI", "150"},
      {"first-view",
       "With --screenshot: take it as soon as the views show a fit (the quick first look, or the "
       "cached fit) rather than after the full fit."},
      {"bench-slider", "Replay a budget-slider drag over N positions, print timings, exit.", "N"},
      {"bench-camera",
       "Replay N camera moves in the 3-D view (turns, tilts, zooms), print timings, exit.", "N"},
      {"json", "Print machine-readable output (the default for --bench-slider)."},
      {"print-readout", "Print the read-out as moescope optimum --json does, and exit."},
      {"quick-fit", "Fit the law from 512 starts instead of Table 2's 437,400 (a first look)."},
      {"sizes",
       "Figure 2a's sizes N, one curve each (\"1e7,1e8,1e9\"); default: a few sizes of the runs "
       "at the budget.",
       "LIST"},
      {"holdout",
       "Hold these runs out of the law's fit, as moescope fit law --holdout does (the paper: "
       "S==0.98); Figure 6b compares them with the law.",
       "RULE"},
      {"budget-bins",
       "Group C into K bins per decade centred on 10^(i/K), for data whose C varies "
       "continuously.",
       "K"},
      {"budget-tolerance",
       "Runs whose C lies within this fraction of one another are one budget (default 0.02).", "T"},
      {"validation",
       "Figure 6 shows the law validated across budgets: budgets (leave one out) or forward.",
       "SCHEME"},
  });
  addFigureExportOptions(args);
  args.process(app);
  if (const QString problem = usage_problem(args); !problem.isEmpty()) {
    std::cerr << "moescope-explorer: " << problem.toStdString() << '\n';
    return 2;
  }
  if (const QString problem = useFigureExportOptions(args); !problem.isEmpty()) {
    std::cerr << "moescope-explorer: " << problem.toStdString() << '\n';
    return 2;
  }
  if (no_display &&
      (args.isSet("screenshot") || args.isSet("bench-slider") || args.isSet("bench-camera"))) {
    // The window's 3-D view renders through an X display; Qt's offscreen platform gives none.
    std::cerr << "moescope-explorer: --screenshot and --bench-slider need a display; run under a "
                 "virtual one: xvfb-run -a moescope explore ... (Debian: apt install xvfb xauth)\n";
    return 2;
  }
  try {
    return no_display ? write_report(args) : run_window(app, args);
  } catch (const moescope::InputError& error) {
    std::cerr << "moescope-explorer: " << error.what() << '\n';
  } catch (const moescope::FitRefused& error) {
    std::cerr << "moescope-explorer: fit refused: " << error.what() << '\n';
  } catch (const std::exception& error) {
    std::cerr << "moescope-explorer: " << error.what() << '\n';
  }
  return 1;
}
