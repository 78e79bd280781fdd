// Shows every figure of the paper in a FigureView on the default synthetic data, exports each to
// PNG, SVG, PDF and CSV (in a style, `figure_gallery OUT_DIR paper`, with Figure 2's three panels
// in one file besides), checks what was written, and times in-place updates as the budget slider
// would drive them; exits non-zero on any failure, so that it can run unattended under xvfb-run
// as a test.
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QGridLayout>
#include <QImage>
#include <QSet>
#include <QString>
#include <QWidget>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "figure_panels.h"
#include "figure_view.h"
#include "moescope/explore/explorer_loader.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/synthetic/synthetic_grid.h"

namespace moescope::explorer {
namespace {

constexpr int kExportDpi = 150;
constexpr int kTimedBudgets = 100;
// A rendered chart has antialiased text and lines in many shades; a blank one has a handful.
constexpr int kFewestColours = 50;

moescope::ExplorerData makeDefaultData() {
  return moescope::load_explorer_data(moescope::generate_synthetic_grid({}),
                                      moescope::ExplorerLoadOptions::quick())
      .data;
}

int distinctColours(const QImage& image) {
  QSet<QRgb> colours;
  for (int y = 0; y < image.height(); ++y) {
    for (int x = 0; x < image.width(); ++x)
      colours.insert(image.pixel(x, y));
  }
  return static_cast<int>(colours.size());
}

bool fileStartsWith(const QString& path, const QList<QByteArray>& prefixes) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return false;
  const QByteArray head = file.read(64);
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&head](const QByteArray& prefix) { return head.startsWith(prefix); });
}

// Writes and checks the four exports of one view; prints what is wrong.
bool exportAndCheck(FigureView& view, const QString& stem) {
  bool ok = true;
  auto check = [&ok](bool passed, const QString& what) {
    if (!passed) {
      std::fprintf(stderr, "FAILED: %s\n", qPrintable(what));
      ok = false;
    }
  };
  const QString png = stem + QStringLiteral(".png");
  const QString svg = stem + QStringLiteral(".svg");
  const QString pdf = stem + QStringLiteral(".pdf");
  const QString csv = stem + QStringLiteral(".csv");
  check(view.exportPng(png, kExportDpi), png + QStringLiteral(": ") + view.lastError());
  check(view.exportSvg(svg), svg + QStringLiteral(": ") + view.lastError());
  check(view.exportPdf(pdf), pdf + QStringLiteral(": ") + view.lastError());
  check(view.exportCsv(csv), csv + QStringLiteral(": ") + view.lastError());
  const QImage image(png);
  const int colours = image.isNull() ? 0 : distinctColours(image);
  std::printf("%s: %dx%d, %d distinct colours\n", qPrintable(png), image.width(), image.height(),
              colours);
  check(colours >= kFewestColours, png + QStringLiteral(" is blank"));
  check(fileStartsWith(svg, {"<?xml", "<svg"}), svg + QStringLiteral(" is not SVG"));
  check(fileStartsWith(pdf, {"%PDF"}), pdf + QStringLiteral(" is not PDF"));
  check(fileStartsWith(csv, {"series,label,x,y,lo,hi"}), csv + QStringLiteral(" has no header"));
  return ok;
}

double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  const auto index =
      static_cast<std::size_t>(std::lround(fraction * static_cast<double>(values.size() - 1)));
  return values[index];
}

// Moves the budget over the data's range as a slider drag would (no replicate intervals) and
// times, per position, recomputing all figures, handing them to the views, and painting them.
void timeBudgetDrag(const moescope::ExplorerModel& model, std::vector<moescope::Figure>& figures,
                    std::vector<FigureView*>& views) {
  std::vector<double> compute_ms, set_figure_ms, paint_ms;
  int in_place = 0;
  moescope::ExplorerState state;
  state.replicate_intervals = false;
  const double lowest = model.data_budgets().front();
  const double highest = model.data_budgets().back();
  for (int step = 0; step < kTimedBudgets; ++step) {
    state.budget = lowest * std::pow(highest / lowest, double(step) / (kTimedBudgets - 1));
    QElapsedTimer timer;
    timer.start();
    for (std::size_t i = 0; i < views.size(); ++i)
      figures[i] = model.figure(moescope::kAllFigures[i], state);
    compute_ms.push_back(double(timer.nsecsElapsed()) / 1e6);
    timer.restart();
    for (std::size_t i = 0; i < views.size(); ++i) {
      views[i]->setFigure(&figures[i]);
      in_place += views[i]->lastUpdateWasInPlace() ? 1 : 0;
    }
    set_figure_ms.push_back(double(timer.nsecsElapsed()) / 1e6);
    timer.restart();
    // Qt Charts applies series changes and repaints from posted events.
    QApplication::processEvents();
    paint_ms.push_back(double(timer.nsecsElapsed()) / 1e6);
  }
  auto report = [](const char* what, const std::vector<double>& ms) {
    std::printf("%-34s median %6.2f ms  p99 %6.2f ms\n", what, percentile(ms, 0.5),
                percentile(ms, 0.99));
  };
  std::printf("budget drag over %d positions, %zu figures, %d of %zu updates in place:\n",
              kTimedBudgets, views.size(), in_place, views.size() * kTimedBudgets);
  report("  model.figure (all figures)", compute_ms);
  report("  setFigure (all views)", set_figure_ms);
  report("  event processing and repaint", paint_ms);
}

}  // namespace
}  // namespace moescope::explorer

int main(int argc, char** argv) {
  using namespace moescope::explorer;
  QApplication application(argc, argv);
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: figure_gallery OUT_DIR [paper|slides|screen]\n");
    return 2;
  }
  const QString out_dir = QString::fromLocal8Bit(argv[1]);
  FigureExportStyle style;
  if (argc == 3) {
    QString error;
    const std::optional<FigureLook> look = parseLook(QString::fromLocal8Bit(argv[2]), &error);
    if (!look) {
      std::fprintf(stderr, "figure_gallery: %s\n", qPrintable(error));
      return 2;
    }
    style = FigureExportStyle::of(*look);
  }
  try {
    const moescope::ExplorerData data = makeDefaultData();
    const moescope::ExplorerModel model(data);
    const moescope::ExplorerState state;

    QWidget window;
    window.setWindowTitle(QStringLiteral("MoEScope figures"));
    auto* grid = new QGridLayout(&window);
    constexpr int kColumns = 4;
    constexpr std::size_t kFigureCount = std::size(moescope::kAllFigures);
    std::vector<moescope::Figure> figures(kFigureCount);
    std::vector<FigureView*> views;
    for (std::size_t i = 0; i < kFigureCount; ++i) {
      figures[i] = model.figure(moescope::kAllFigures[i], state);
      auto* view = new FigureView(&window);
      view->setExportStyle(style);
      view->setFigure(&figures[i]);
      grid->addWidget(view, static_cast<int>(i) / kColumns, static_cast<int>(i) % kColumns);
      views.push_back(view);
    }
    window.resize(1600, 1000);
    window.show();
    QApplication::processEvents();

    bool ok = true;
    for (std::size_t i = 0; i < kFigureCount; ++i) {
      const std::string name(moescope::to_string(moescope::kAllFigures[i]));
      if (!views[i]->hasContent()) {
        std::printf("%s: nothing to draw, not exported\n", name.c_str());
        continue;
      }
      ok = exportAndCheck(*views[i], out_dir + QLatin1Char('/') + QString::fromStdString(name)) &&
           ok;
    }
    if (views.front()->exportPng(QStringLiteral("/nonexistent-directory/figure.png"), 72)) {
      std::fprintf(stderr, "FAILED: exporting into a missing directory reported success\n");
      ok = false;
    }
    window.grab().save(out_dir + QStringLiteral("/window.png"));
    if (argc == 3) {
      QString error;
      const std::vector<const moescope::Figure*> panels = {&figures[0], &figures[1], &figures[2]};
      style.width_inches = kNamedSizes[1].width_inches;  // a page's width, as the paper has it
      style.height_inches = 3.0;
      style.title = false;  // a paper's caption names the panels
      if (exportPanels(panels, style, out_dir + QStringLiteral("/panels-figure-2"), &error)
              .isEmpty()) {
        std::fprintf(stderr, "FAILED: panels: %s\n", qPrintable(error));
        ok = false;
      }
    }

    timeBudgetDrag(model, figures, views);
    return ok ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "FAILED: %s\n", error.what());
    return 1;
  }
}
