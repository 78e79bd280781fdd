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
#include "explorer_arguments.h"
#include "explorer_report.h"
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
#include "moescope/version.h"
#include "run_source.h"
#include "slice_sizes.h"
#include "surface_camera_bench.h"
#include "surface_view.h"
#include "training_panel.h"
#include "view_export.h"

namespace moescope::explorer {
namespace {

double percentile(std::vector<double> values, double fraction) {
  if (values.empty())
    return std::nan("");  // printed as null: nothing was timed
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[index];
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
  QApplication::setApplicationVersion(QString::fromLatin1(moescope::kVersion));
  QCommandLineParser args;
  args.setApplicationDescription("MoEScope explorer: IsoFLOP surfaces and optimal sparsity");
  args.addHelpOption();
  args.addVersionOption();
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
