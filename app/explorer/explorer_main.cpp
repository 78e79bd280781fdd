// moescope-explorer: the desktop explorer, also run headless by scripts (`moescope explore`).
#include <QApplication>
#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "default_data.h"
#include "main_window.h"
#include "moescope/diagnostic.h"
#include "moescope/explore/explorer_loader.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/run_store.h"
#include "moescope/run_table.h"
#include "surface_view.h"

namespace {

std::vector<moescope::Run> load_runs(const QCommandLineParser& args) {
  if (args.isSet("data")) {
    moescope::ReadOptions options;
    options.mapping = moescope::ColumnMapping::parse(args.value("map").toStdString());
    return moescope::read_runs(args.value("data").toStdString(), options).runs;
  }
  if (args.isSet("store"))
    return moescope::RunStore::open(args.value("store").toStdString()).runs();
  return moescope::read_runs(moescope::app::default_data_csv(), moescope::TableFormat::kCsv,
                             std::string(moescope::app::kDefaultDataName))
      .runs;
}

moescope::ExplorerLoadOptions load_options(const QCommandLineParser& args) {
  return args.isSet("quick-fit") ? moescope::ExplorerLoadOptions::quick()
                                 : moescope::ExplorerLoadOptions{};
}

// The same keys as `moescope optimum --json`.
QJsonObject read_out_json(const MainWindow& window) {
  const moescope::ReadOut& read_out = window.readOut();
  const moescope::BudgetOptimum& best = read_out.point;
  auto interval = [&](moescope::Interval moescope::BudgetOptimumIntervals::*member) -> QJsonValue {
    if (!read_out.intervals)
      return QJsonValue::Null;
    const moescope::Interval& value = (*read_out.intervals).*member;
    return QJsonArray{value.lo, value.hi};
  };
  using I = moescope::BudgetOptimumIntervals;
  return {{"budget", window.budget()},
          {"S", best.sparsity},
          {"N", best.total_params},
          {"N_active", best.active_params},
          {"D", best.tokens},
          {"loss", best.loss},
          {"intervals", QJsonObject{{"S", interval(&I::sparsity)},
                                    {"N", interval(&I::total_params)},
                                    {"N_active", interval(&I::active_params)},
                                    {"D", interval(&I::tokens)},
                                    {"loss", interval(&I::loss)}}},
          {"sparsity_at_bound", best.sparsity_at_bound},
          {"params_at_cap", best.params_at_cap}};
}

double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[index];
}

int run(QApplication& app, const QCommandLineParser& args) {
  const moescope::ExplorerLoad load = moescope::load_explorer_data(
      load_runs(args), load_options(args),
      {[](std::size_t done, std::size_t total) {
         std::fprintf(stderr, "\rfitting the law: %zu/%zu starts", done, total);
       },
       nullptr});
  std::fputs("\r\033[K", stderr);
  for (const std::string& note : load.notes)
    std::cerr << "note: " << note << '\n';

  MainWindow window(load.data);
  window.resize(1500, 950);
  if (args.isSet("max-params"))
    window.setParameterCap(args.value("max-params").toDouble());
  if (args.isSet("budget"))
    window.setBudget(args.value("budget").toDouble());
  if (args.isSet("view") && !window.showView(args.value("view"))) {
    std::cerr << "moescope-explorer: no view '" << args.value("view").toStdString()
              << "'; views: " << window.viewNames().join(", ").toStdString() << '\n';
    return 2;
  }
  window.show();
  const bool headless = args.isSet("screenshot") || args.isSet("export-all") ||
                        args.isSet("bench-slider") || args.isSet("print-readout");
  if (!headless)
    return app.exec();

  QApplication::processEvents();
  if (args.isSet("print-readout")) {
    std::cout << QJsonDocument(read_out_json(window)).toJson().toStdString();
  }
  if (args.isSet("export-all")) {
    QString error;
    if (!window.exportAll(args.value("export-all"), args.value("dpi").toInt(), &error)) {
      std::cerr << "moescope-explorer: export failed: " << error.toStdString() << '\n';
      return 1;
    }
  }
  if (args.isSet("screenshot")) {
    QApplication::processEvents();
    if (!window.grab().save(args.value("screenshot"))) {
      std::cerr << "moescope-explorer: cannot write " << args.value("screenshot").toStdString()
                << '\n';
      return 1;
    }
  }
  if (args.isSet("bench-slider")) {
    const std::vector<double> times = window.replaySliderDrag(args.value("bench-slider").toInt());
    std::cout << QJsonDocument(QJsonObject{{"updates", static_cast<int>(times.size())},
                                           {"p50_ms", percentile(times, 0.50)},
                                           {"p99_ms", percentile(times, 0.99)}})
                     .toJson(QJsonDocument::Compact)
                     .toStdString()
              << '\n';
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Without a display (a terminal over SSH, CI) Qt would abort before --help could be read.
  const bool no_display = std::getenv("DISPLAY") == nullptr &&
                          std::getenv("WAYLAND_DISPLAY") == nullptr &&
                          std::getenv("QT_QPA_PLATFORM") == nullptr;
  if (no_display)
    ::setenv("QT_QPA_PLATFORM", "offscreen", 0);
  SurfaceView::installDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QApplication::setApplicationName("moescope-explorer");
  QCommandLineParser args;
  args.setApplicationDescription("MoEScope explorer: IsoFLOP surfaces and optimal sparsity");
  args.addHelpOption();
  args.addOptions({
      {"data", "Runs from a CSV or JSON file.", "FILE"},
      {"map", "Column mapping for --data, as for moescope import.", "SPEC"},
      {"store", "Runs from a store.", "PATH"},
      {"budget", "Compute budget C to open at.", "C"},
      {"max-params", "Cap on total parameters N.", "N"},
      {"view", "View to show: surface or a figure name.", "NAME"},
      {"screenshot", "Save the window as PNG and exit.", "FILE"},
      {"export-all", "Export every view to DIR and exit.", "DIR"},
      {"dpi", "Resolution of exported PNG figures.", "DPI", "150"},
      {"bench-slider", "Replay a budget-slider drag over N positions, print timings, exit.", "N"},
      {"json", "Print machine-readable output (the default for --bench-slider)."},
      {"print-readout", "Print the read-out as moescope optimum --json does, and exit."},
      {"quick-fit", "Fit the law from 512 starts instead of Table 2's 437,400 (a first look)."},
  });
  args.process(app);
  if (no_display) {
    // The 3-D view needs OpenGL, which Qt's offscreen platform does not give.
    std::cerr << "moescope-explorer: no display; run it under a virtual one: "
                 "xvfb-run -a moescope-explorer ... (Debian: apt install xvfb xauth)\n";
    return 1;
  }
  try {
    return run(app, args);
  } catch (const moescope::InputError& error) {
    std::cerr << "moescope-explorer: " << error.what() << '\n';
  } catch (const moescope::FitRefused& error) {
    std::cerr << "moescope-explorer: fit refused: " << error.what() << '\n';
  } catch (const std::exception& error) {
    std::cerr << "moescope-explorer: " << error.what() << '\n';
  }
  return 1;
}
