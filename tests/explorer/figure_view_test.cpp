// The figure view follows a slider drag in place: the chart keeps its series, hides the bands and
// runs a figure lacks and shows them again when it has them, and rebuilds only when the axes
// change kind.
#include "figure_view.h"

#include <QAbstractSeries>
#include <QApplication>
#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QLegendMarker>
#include <QTest>

using namespace moescope::explorer;

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

}  // namespace

class FigureViewTest : public QObject {
  Q_OBJECT

 private slots:
  void bandsHideDuringADragAndReturnInPlace();
  void runsComeAndGoInPlace();
  void aNewAxisKindRebuilds();
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

QTEST_MAIN(FigureViewTest)
#include "figure_view_test.moc"
