// The figure view follows a slider drag in place: the chart keeps its series, hides the bands and
// runs a figure lacks and shows them again when it has them, and rebuilds only when the axes
// change kind. It draws what the camera-ready figures ask for: held-out runs, optima and bounds
// named in the legend, a "runs" key, annotations, asked-for ranges, square axes, typeset labels
// and sparsity colours that tell 0.9, 0.95 and 0.98 apart.
#include "figure_view.h"

#include <QAbstractSeries>
#include <QApplication>
#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "display_text.h"
#include "figure_style.h"
#include "legend_labels.h"

using namespace moescope::explorer;

using moescope::explorer::testing_support::visibleLegendLabels;

namespace {

moescope::Series curve(const std::string& label, double budget, bool band) {
  moescope::Series series;
  series.label = label;
  series.budget = budget;
  series.x = {0.0, 0.5, 0.9};
  series.y = {budget * 1e-10, budget * 2e-10, budget * 5e-10};
  if (band) {
    series.lo = {budget * 0.9e-10, budget * 1.8e-10, budget * 4.5e-10};
    series.hi = {budget * 1.1e-10, budget * 2.2e-10, budget * 5.5e-10};
  }
  return series;
}

// A Figure 3 look-alike: one curve per budget, with bands when settled.
moescope::Figure figureWith(bool bands, bool log_y = true) {
  moescope::Figure figure;
  figure.title = "N* vs S";
  figure.x_label = "Sparsity S";
  figure.y_label = "N*";
  figure.log_y = log_y;
  figure.curves = {curve("C = 1e20", 1e20, bands), curve("C = 1e21", 1e21, bands)};
  return figure;
}

int visible(const QList<QAbstractSeries*>& all, QAbstractSeries::SeriesType type) {
  int count = 0;
  for (const QAbstractSeries* series : all)
    count += series->type() == type && series->isVisible() ? 1 : 0;
  return count;
}

int visibleLegendEntries(QChart* chart) {
  int count = 0;
  for (const QLegendMarker* marker : chart->legend()->markers())
    count += marker->isVisible() ? 1 : 0;
  return count;
}

moescope::Series markers(const std::string& label, moescope::SeriesKind kind,
                         std::optional<double> sparsity) {
  moescope::Series series;
  series.label = label;
  series.kind = kind;
  series.sparsity = sparsity;
  series.x = {1e8, 1e9};
  series.y = {3.0, 2.6};
  return series;
}

// Figure 2b's look: a law curve and runs at S = 0.5, a held-out run, an optimum, a bound.
moescope::Figure figureOfEveryKind() {
  moescope::Figure figure;
  figure.title = "L vs N_a at C = 1e20";
  figure.x_label = "Active parameters N_a";
  figure.y_label = "Loss L";
  figure.log_x = true;
  moescope::Series law = markers("S = 0.5", moescope::SeriesKind::kLaw, 0.5);
  law.x = {1e8, 3e8, 1e9};
  law.y = {3.0, 2.7, 2.6};
  moescope::Series bound = markers("cap on N", moescope::SeriesKind::kBound, std::nullopt);
  bound.x = {5e8, 5e8};
  bound.y = {2.5, 3.1};
  figure.curves = {law, bound};
  moescope::Series optimum = markers("optimum", moescope::SeriesKind::kOptimum, 0.5);
  optimum.x = {3e8};
  optimum.y = {2.7};
  optimum.lo = {2.65};
  optimum.hi = {2.75};
  figure.points = {markers("runs S = 0.5", moescope::SeriesKind::kRuns, 0.5),
                   markers("held out", moescope::SeriesKind::kHeldOut, 0.5), optimum};
  return figure;
}

}  // namespace

class FigureViewTest : public QObject {
  Q_OBJECT

 private slots:
  void bandsHideDuringADragAndReturnInPlace();
  void runsComeAndGoInPlace();
  void aNewAxisKindRebuilds();
  void everyKindIsNamedInTheLegend();
  void heldOutRunsAreHollowAndOptimaStars();
  void askedForRangesBoundTheAxes();
  void aSquareFigureHasEqualAxesOnASquarePlot();
  void annotationsAreShown();
  void labelsAreTypeset();
  void paperSparsitiesTakeDistinctColours();
  void optimaThatShareAKeyAreNamedOnce();
  void tasksAreKeyedByShapeAndSparsitiesByColour();
};

void FigureViewTest::bandsHideDuringADragAndReturnInPlace() {
  FigureView view;
  view.resize(800, 500);
  view.show();
  QChart* chart = view.findChild<QChartView*>()->chart();

  const moescope::Figure settled = figureWith(true);
  view.setFigure(&settled);
  QVERIFY(!view.lastUpdateWasInPlace());
  const qsizetype drawn = chart->series().size();
  QCOMPARE(visible(chart->series(), QAbstractSeries::SeriesTypeArea), 2);
  QCOMPARE(visibleLegendEntries(chart), 2);  // the curves; bands have no entry of their own

  const moescope::Figure dragged = figureWith(false);
  view.setFigure(&dragged);
  QVERIFY(view.lastUpdateWasInPlace());
  QCOMPARE(chart->series().size(), drawn);
  QCOMPARE(visible(chart->series(), QAbstractSeries::SeriesTypeArea), 0);
  QCOMPARE(visible(chart->series(), QAbstractSeries::SeriesTypeLine), 2);

  view.setFigure(&settled);
  QVERIFY(view.lastUpdateWasInPlace());
  QCOMPARE(chart->series().size(), drawn);
  QCOMPARE(visible(chart->series(), QAbstractSeries::SeriesTypeArea), 2);
  QCOMPARE(visibleLegendEntries(chart), 2);
}

void FigureViewTest::runsComeAndGoInPlace() {
  FigureView view;
  view.resize(800, 500);
  view.show();
  QChart* chart = view.findChild<QChartView*>()->chart();

  const moescope::Figure without_runs = figureWith(false);
  moescope::Figure with_runs = without_runs;
  moescope::Series runs;
  runs.label = "runs at C = 1e20";
  runs.x = {0.25, 0.75};
  runs.y = {2e10, 4e10};
  with_runs.points = {runs};

  view.setFigure(&without_runs);
  view.setFigure(&with_runs);
  QVERIFY(view.lastUpdateWasInPlace());
  QCOMPARE(visible(chart->series(), QAbstractSeries::SeriesTypeScatter), 1);
  QCOMPARE(visibleLegendEntries(chart), 3);

  view.setFigure(&without_runs);
  QVERIFY(view.lastUpdateWasInPlace());
  QCOMPARE(visible(chart->series(), QAbstractSeries::SeriesTypeScatter), 0);
  QCOMPARE(visibleLegendEntries(chart), 2);
}

void FigureViewTest::aNewAxisKindRebuilds() {
  FigureView view;
  const moescope::Figure log_axis = figureWith(false, true);
  const moescope::Figure linear_axis = figureWith(false, false);
  view.setFigure(&log_axis);
  view.setFigure(&linear_axis);
  QVERIFY(!view.lastUpdateWasInPlace());
  // A band where none was drawn cannot be added in place: bands go under every line.
  const moescope::Figure with_bands = figureWith(true, false);
  view.setFigure(&with_bands);
  QVERIFY(!view.lastUpdateWasInPlace());
}

void FigureViewTest::everyKindIsNamedInTheLegend() {
  FigureView view;
  view.resize(800, 500);
  view.show();
  QChart* chart = view.findChild<QChartView*>()->chart();
  const moescope::Figure figure = figureOfEveryKind();
  view.setFigure(&figure);
  const QStringList labels = visibleLegendLabels(chart);
  // The runs share the law's colour: the law names it, a grey "runs" marker keys the dots.
  QVERIFY2(labels.contains(QStringLiteral("S = 0.5")), qPrintable(labels.join(" | ")));
  QVERIFY(labels.contains(QStringLiteral("runs")));
  QVERIFY(!labels.contains(QStringLiteral("runs S = 0.5")));
  // Held-out runs, optima and bounds are named for what they are, whatever their colour.
  QVERIFY(labels.contains(QStringLiteral("held out")));
  QVERIFY(labels.contains(QStringLiteral("optimum")));
  QVERIFY(labels.contains(QStringLiteral("cap on N")));
  QCOMPARE(labels.size(), 5);
}

void FigureViewTest::heldOutRunsAreHollowAndOptimaStars() {
  FigureView view;
  const moescope::Figure figure = figureOfEveryKind();
  view.setFigure(&figure);
  QChart* chart = view.findChild<QChartView*>()->chart();
  QScatterSeries* held_out = nullptr;
  QScatterSeries* optimum = nullptr;
  QLineSeries* bound = nullptr;
  for (QAbstractSeries* series : chart->series()) {
    if (series->name() == QStringLiteral("held out"))
      held_out = qobject_cast<QScatterSeries*>(series);
    if (series->name() == QStringLiteral("optimum"))
      optimum = qobject_cast<QScatterSeries*>(series);
    if (series->name() == QStringLiteral("cap on N"))
      bound = qobject_cast<QLineSeries*>(series);
  }
  QVERIFY(held_out != nullptr && optimum != nullptr && bound != nullptr);
  QCOMPARE(held_out->color(), QColor(Qt::white));
  QCOMPARE(held_out->borderColor(), figure_style::sparsityColour(0.5));
  QCOMPARE(optimum->markerShape(), QScatterSeries::MarkerShapeStar);
  QCOMPARE(bound->pen().style(), Qt::DotLine);
  QCOMPARE(bound->pen().color(), figure_style::kBoundColour);
}

void FigureViewTest::askedForRangesBoundTheAxes() {
  FigureView view;
  moescope::Figure figure = figureOfEveryKind();
  figure.x_range = std::pair{5e7, 2e9};
  figure.y_range = std::pair{2.4, 3.2};
  view.setFigure(&figure);
  QChart* chart = view.findChild<QChartView*>()->chart();
  auto* x_axis = qobject_cast<QCategoryAxis*>(chart->axes(Qt::Horizontal).front());
  auto* y_axis = qobject_cast<QCategoryAxis*>(chart->axes(Qt::Vertical).front());
  // Log x: the axis runs over log10 of the range.
  QCOMPARE(x_axis->min(), std::log10(5e7));
  QCOMPARE(x_axis->max(), std::log10(2e9));
  QCOMPARE(y_axis->min(), 2.4);
  QCOMPARE(y_axis->max(), 3.2);
}

void FigureViewTest::aSquareFigureHasEqualAxesOnASquarePlot() {
  FigureView view;
  view.resize(900, 500);
  view.show();
  moescope::Figure figure;
  figure.title = "Observed vs predicted";
  figure.square = true;
  moescope::Series points = markers("fitted", moescope::SeriesKind::kRuns, std::nullopt);
  points.x = {2.0, 3.0};
  points.y = {2.2, 3.5};
  figure.points = {points};
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  view.setFigure(&figure);
  QChart* chart = view.findChild<QChartView*>()->chart();
  auto* x_axis = qobject_cast<QCategoryAxis*>(chart->axes(Qt::Horizontal).front());
  auto* y_axis = qobject_cast<QCategoryAxis*>(chart->axes(Qt::Vertical).front());
  QCOMPARE(x_axis->min(), y_axis->min());
  QCOMPARE(x_axis->max(), y_axis->max());
  QVERIFY(x_axis->max() >= 3.5);
  // In a wide window the plot is square, not as wide as the window.
  const QRectF plot = chart->plotArea();
  QVERIFY2(std::fabs(plot.width() - plot.height()) <= 1.0,
           qPrintable(QStringLiteral("%1 x %2").arg(plot.width()).arg(plot.height())));
}

void FigureViewTest::annotationsAreShown() {
  FigureView view;
  view.resize(800, 500);
  view.show();
  moescope::Figure figure = figureOfEveryKind();
  figure.annotations = {"MSE = 1.2e-4", "Huber = 3e-5"};
  view.setFigure(&figure);
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  const QString shown = view.shownAnnotations();
  QVERIFY2(shown.contains(QStringLiteral("MSE = 1.2")), qPrintable(shown));
  QVERIFY(shown.contains(QStringLiteral("Huber")));
  figure.annotations.clear();
  view.setFigure(&figure);
  QVERIFY(view.shownAnnotations().isEmpty());
}

void FigureViewTest::labelsAreTypeset() {
  QCOMPARE(richLabel(std::string("Active parameters N_a")),
           QStringLiteral("Active parameters N<sub>a</sub>"));
  QCOMPARE(richLabel(std::string("C = 1e20")), QStringLiteral("C = 10<sup>20</sup>"));
  QCOMPARE(richLabel(std::string("C = 3e19, N <= 2.5e8")),
           QStringLiteral("C = 3\u00d710<sup>19</sup>, N \u2264 2.5\u00d710<sup>8</sup>"));
  QCOMPARE(richLabel(std::string("N* \u221d C^0.52")),
           QStringLiteral("N* \u221d C<sup>0.52</sup>"));
  QCOMPARE(richLabel(std::string("Eq. 9 / 6 N_a")), QStringLiteral("Eq. 9 / 6 N<sub>a</sub>"));
  // Markup in a label is text, not markup.
  QCOMPARE(richLabel(std::string("a <b> c")), QStringLiteral("a &lt;b&gt; c"));
}

void FigureViewTest::paperSparsitiesTakeDistinctColours() {
  const std::vector<double> levels = {0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98};
  for (std::size_t i = 0; i < levels.size(); ++i) {
    for (std::size_t k = i + 1; k < levels.size(); ++k) {
      const QColor a = figure_style::sparsityColour(levels[i]);
      const QColor b = figure_style::sparsityColour(levels[k]);
      // Apart by a fifth of the RGB cube's diagonal at least, not three shades of one green.
      const double distance =
          std::hypot(a.redF() - b.redF(), a.greenF() - b.greenF(), a.blueF() - b.blueF());
      QVERIFY2(
          distance > 0.35,
          qPrintable(
              QStringLiteral("S = %1 and %2: %3").arg(levels[i]).arg(levels[k]).arg(distance)));
    }
  }
}

QTEST_MAIN(FigureViewTest)
// Figure 2b on dense data: a curve and its minimum per budget. The minima share a key: one grey
// star names them all, and the curves' colours stay named by the curves.
void FigureViewTest::optimaThatShareAKeyAreNamedOnce() {
  FigureView view;
  view.resize(800, 500);
  view.show();
  QChart* chart = view.findChild<QChartView*>()->chart();
  moescope::Figure figure;
  figure.log_x = true;
  for (const double budget : {1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25}) {
    const std::string name = "C = " + std::to_string(static_cast<int>(std::log10(budget)));
    moescope::Series line = markers(name, moescope::SeriesKind::kLaw, std::nullopt);
    line.budget = budget;
    line.x = {1e8, 3e8, 1e9};
    line.y = {3.0, 2.7, 2.9};
    moescope::Series minimum = markers(name + ", minimum", moescope::SeriesKind::kOptimum, {});
    minimum.budget = budget;
    minimum.key = "minimum of each curve";
    minimum.x = {3e8};
    minimum.y = {2.7};
    figure.curves.push_back(line);
    figure.points.push_back(minimum);
  }
  view.setFigure(&figure);
  const QStringList labels = visibleLegendLabels(chart);
  QCOMPARE(labels.count(QStringLiteral("minimum of each curve")), 1);
  QVERIFY2(!labels.join(" | ").contains(QStringLiteral(", minimum")),
           qPrintable(labels.join(" | ")));
  QCOMPARE(labels.size(), 9);  // eight curves and the key
  // The key is a grey star, as the minima are stars in their curves' colours.
  const std::vector<FigureView::LegendEntry> entries = view.legendEntries();
  const auto key = std::find_if(entries.begin(), entries.end(), [](const auto& entry) {
    return entry.label == QStringLiteral("minimum of each curve");
  });
  QVERIFY(key != entries.end());
  QVERIFY(key->marker);
  QCOMPARE(key->shape, static_cast<int>(QScatterSeries::MarkerShapeStar));
  QCOMPARE(key->fill, figure_style::kAxisColour);
  // Another figure without keys hides the key's sample again.
  const moescope::Figure plain = figureWith(false);
  view.setFigure(&plain);
  QVERIFY(!visibleLegendLabels(chart).contains(QStringLiteral("minimum of each curve")));
}

// Figure 5's look: runs of three tasks at four sparsities, a fit per task. The legend names each
// task once by its marker shape, each sparsity once by its colour and the fits once: 8 entries
// rather than 12 sets and 3 fits.
void FigureViewTest::tasksAreKeyedByShapeAndSparsitiesByColour() {
  FigureView view;
  view.resize(800, 500);
  view.show();
  QChart* chart = view.findChild<QChartView*>()->chart();
  moescope::Figure figure;
  const std::vector<std::string> tasks = {"arc_easy", "hellaswag", "piqa"};
  const std::vector<double> sparsities = {0.0, 0.5, 0.9, 0.98};
  for (const std::string& task : tasks) {
    for (const double sparsity : sparsities) {
      moescope::Series runs = markers(task + ", S = " + std::to_string(sparsity),
                                      moescope::SeriesKind::kRuns, sparsity);
      runs.key = task;
      runs.colour_key = "S = " + std::to_string(sparsity);
      figure.points.push_back(runs);
    }
    moescope::Series fit = markers(task + " (fit)", moescope::SeriesKind::kOther, std::nullopt);
    fit.key = "fit per task";
    figure.curves.push_back(fit);
  }
  view.setFigure(&figure);
  const QStringList labels = visibleLegendLabels(chart);
  QCOMPARE(labels.size(), 8);
  for (const std::string& task : tasks)
    QVERIFY2(labels.contains(QString::fromStdString(task)), qPrintable(labels.join(" | ")));
  QCOMPARE(labels.count(QStringLiteral("fit per task")), 1);
  // Each task's runs take a shape of their own, whatever their sparsity, and its key that shape.
  const std::vector<FigureView::LegendEntry> entries = view.legendEntries();
  std::set<int> task_shapes;
  for (const FigureView::LegendEntry& entry : entries) {
    if (std::find(tasks.begin(), tasks.end(), entry.label.toStdString()) != tasks.end()) {
      QCOMPARE(entry.fill, figure_style::kAxisColour);
      task_shapes.insert(entry.shape);
    }
  }
  QCOMPARE(task_shapes.size(), tasks.size());
  // The runs are drawn in their task's shape: one shape per task across its sparsities.
  std::map<QString, std::set<int>> shapes_by_task;
  for (QAbstractSeries* series : chart->series()) {
    const qsizetype comma = series->name().indexOf(QStringLiteral(", S = "));
    if (comma > 0)
      shapes_by_task[series->name().left(comma)].insert(
          qobject_cast<QScatterSeries*>(series)->markerShape());
  }
  QCOMPARE(shapes_by_task.size(), tasks.size());
  std::set<int> drawn_shapes;
  for (const auto& [task, shapes] : shapes_by_task) {
    QCOMPARE(shapes.size(), std::size_t{1});
    drawn_shapes.insert(*shapes.begin());
  }
  QCOMPARE(drawn_shapes, task_shapes);
  // The sparsity keys are circles in their sparsity's colour.
  for (const FigureView::LegendEntry& entry : entries) {
    if (entry.label == QStringLiteral("S = 0.900000")) {
      QCOMPARE(entry.shape, static_cast<int>(QScatterSeries::MarkerShapeCircle));
      QCOMPARE(entry.fill, figure_style::sparsityColour(0.9));
    }
  }
  QVERIFY(labels.contains(QStringLiteral("S = 0.900000")));
}

#include "figure_view_test.moc"
