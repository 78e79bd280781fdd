// The Eq. 8 surfaces as the views draw them: the 3-D view lays the law's surface over a fitted
// budget's as a wireframe that can be switched off (and is saved with the session), draws the law
// alone, without a wireframe, between budgets; the figures draw the surfaces' curves solid and
// the law's dashed, with a key saying which is which.
#include <QAbstractSeries>
#include <QAction>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QDir>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <cmath>
#include <memory>

#include "explorer_session.h"
#include "figure_view.h"
#include "legend_labels.h"
#include "main_window.h"
#include "surface_view.h"

using namespace moescope::explorer;

using moescope::explorer::testing_support::visibleLegendLabels;

namespace {

// The overlay's wireframe colour (surface_style.h's kOverlay), drawn unlit.
const QColor kOverlayColour = QColor::fromRgbF(0.85F, 0.1F, 0.65F);

// Pixels of the overlay's colour below the key in the top fifth of the image, where its sample
// line is painted.
int overlayPixels(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
  int count = 0;
  for (int y = rgb.height() / 5; y < rgb.height(); ++y) {
    for (int x = 0; x < rgb.width(); ++x) {
      const QColor colour(rgb.pixel(x, y));
      if (std::abs(colour.red() - kOverlayColour.red()) +
              std::abs(colour.green() - kOverlayColour.green()) +
              std::abs(colour.blue() - kOverlayColour.blue()) <
          40)
        ++count;
    }
  }
  return count;
}

// Saves `image` as NAME.png under $MOESCOPE_TEST_SHOTS, where set, for a person to look at.
void keep(const QImage& image, const QString& name) {
  const QString directory = qEnvironmentVariable("MOESCOPE_TEST_SHOTS");
  if (!directory.isEmpty() && QDir().mkpath(directory))
    image.save(QDir(directory).filePath(name + ".png"));
}

// A bowl over 16 x 12 nodes, and the same bowl raised a little as the overlay.
SurfaceScene bowl(bool with_overlay) {
  SurfaceScene scene;
  for (int i = 0; i < 16; ++i)
    scene.x_values.push_back(8.0 + 0.2 * i);
  for (int j = 0; j < 12; ++j)
    scene.y_values.push_back(0.08 * j);
  for (const double y : scene.y_values) {
    for (const double x : scene.x_values) {
      scene.z.push_back(2.5 + 0.3 * (x - 9.5) * (x - 9.5) - 0.2 * y);
      scene.overlay_z.push_back(scene.z.back() + 0.04);
    }
  }
  if (!with_overlay)
    scene.overlay_z.clear();
  else
    scene.overlay_label = "Eq. 6 law at C = 1e20";
  scene.title = with_overlay ? "Eq. 8 IsoFLOP surface at C = 1e20" : "Eq. 6 law at C = 1.5e20";
  scene.x_label = "Total parameters N";
  scene.y_label = "Sparsity S";
  scene.z_label = "Loss";
  return scene;
}

QLineSeries* lineNamed(QChart* chart, const QString& name) {
  for (QAbstractSeries* series : chart->series()) {
    if (series->name() == name && series->type() == QAbstractSeries::SeriesTypeLine)
      return static_cast<QLineSeries*>(series);
  }
  return nullptr;
}

// (A const char* label: GCC 12 warns falsely (-Wrestrict) on a std::string built from a literal
// here.)
moescope::Series line(const char* label, moescope::SeriesKind kind, double shift) {
  moescope::Series series;
  series.label.assign(label);
  series.kind = kind;
  series.sparsity = 0.5;
  series.x = {1e8, 1e9, 1e10};
  series.y = {2.9 + shift, 2.6 + shift, 2.8 + shift};
  return series;
}

}  // namespace

class SurfaceOverlayTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void theOverlayIsDrawnOnlyWhenShownAndPresent();
  void figuresDrawTheSurfacesSolidAndTheLawDashedWithAKey();
  void theWindowDrawsTheSurfaceAtAFittedBudgetAndTogglesTheLaw();
};

void SurfaceOverlayTest::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
  QCoreApplication::setOrganizationName("MoEScopeTest");
  QCoreApplication::setApplicationName("surface_overlay_test");
}

void SurfaceOverlayTest::theOverlayIsDrawnOnlyWhenShownAndPresent() {
  SurfaceView view;
  view.resize(800, 600);
  view.show();
  const SurfaceScene with_overlay = bowl(true);
  view.setScene(&with_overlay);
  QVERIFY(view.overlayShown());
  const QImage shown = view.renderImage(800, 600);
  keep(shown, "bowl-overlay-shown");
  QVERIFY2(overlayPixels(shown) > 500, qPrintable(QString::number(overlayPixels(shown))));
  // The widget's own frame draws it too.
  QVERIFY(overlayPixels(view.grab().toImage()) > 500);

  view.setOverlayShown(false);
  const QImage hidden = view.renderImage(800, 600);
  keep(hidden, "bowl-overlay-hidden");
  QCOMPARE(overlayPixels(hidden), 0);
  QCOMPARE(overlayPixels(view.grab().toImage()), 0);

  // A scene without an overlay (the law between budgets) has none to show.
  view.setOverlayShown(true);
  const SurfaceScene without = bowl(false);
  view.setScene(&without);
  QCOMPARE(overlayPixels(view.renderImage(800, 600)), 0);
  view.setScene(&with_overlay);
  QVERIFY(overlayPixels(view.renderImage(800, 600)) > 500);
}

void SurfaceOverlayTest::figuresDrawTheSurfacesSolidAndTheLawDashedWithAKey() {
  FigureView view;
  view.resize(900, 500);
  view.show();
  QChart* chart = view.findChild<QChartView*>()->chart();

  moescope::Figure both;
  both.title = "Loss vs total parameters";
  both.x_label = "Total parameters N";
  both.y_label = "Loss L";
  both.log_x = true;
  both.curves = {line("S = 0.5, Eq. 6", moescope::SeriesKind::kLaw, 0.0),
                 line("S = 0.5, Eq. 8", moescope::SeriesKind::kSurface, 0.01)};
  view.setFigure(&both);
  QLineSeries* law = lineNamed(chart, "S = 0.5, Eq. 6");
  QLineSeries* surface = lineNamed(chart, "S = 0.5, Eq. 8");
  QVERIFY(law && surface);
  QCOMPARE(surface->pen().style(), Qt::SolidLine);
  QVERIFY(law->pen().style() != Qt::SolidLine);
  QCOMPARE(law->pen().color(), surface->pen().color());  // the same sparsity
  // The sparsity is named once, by the surface's curve; the key says what the styles mean.
  QStringList labels = visibleLegendLabels(chart);
  QVERIFY2(labels.contains("S = 0.5, Eq. 8"), qPrintable(labels.join(" | ")));
  QVERIFY2(!labels.contains("S = 0.5, Eq. 6"), qPrintable(labels.join(" | ")));
  QVERIFY(labels.contains(FigureView::kSurfaceKey));
  QVERIFY(labels.contains(FigureView::kLawKey));

  // The law alone (between budgets): drawn solid, named, no key.
  moescope::Figure law_only = both;
  law_only.curves.pop_back();
  view.setFigure(&law_only);
  QVERIFY(view.lastUpdateWasInPlace());
  QCOMPARE(lineNamed(chart, "S = 0.5, Eq. 6")->pen().style(), Qt::SolidLine);
  labels = visibleLegendLabels(chart);
  QCOMPARE(labels, QStringList{"S = 0.5, Eq. 6"});

  // Back at a fitted budget, in place.
  view.setFigure(&both);
  QVERIFY(view.lastUpdateWasInPlace());
  QVERIFY(lineNamed(chart, "S = 0.5, Eq. 6")->pen().style() != Qt::SolidLine);
  QVERIFY(visibleLegendLabels(chart).contains(FigureView::kLawKey));
}

void SurfaceOverlayTest::theWindowDrawsTheSurfaceAtAFittedBudgetAndTogglesTheLaw() {
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1400, 900);
  window.openSource(RunSource::embedded("synthetic"));
  window.show();
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
  QVERIFY2(window.fitStatus().contains("5 IsoFLOP surfaces"), qPrintable(window.fitStatus()));
  auto* view = window.findChild<SurfaceView*>();
  auto* action = window.findChild<QAction*>("lawOverlayAction");
  auto* box = window.findChild<QCheckBox*>("lawOverlay");
  QVERIFY(view && action && box);
  QCOMPARE(action->shortcut(), QKeySequence(QStringLiteral("Ctrl+L")));
  QVERIFY(action->isCheckable() && action->isChecked() && box->isChecked());

  window.setBudget(1e20);
  QVERIFY(window.showView("surface"));
  QApplication::processEvents();
  const QImage at_budget = view->grab().toImage();
  keep(at_budget, "window-surface-1e20");
  QVERIFY2(overlayPixels(at_budget) > 500, qPrintable(QString::number(overlayPixels(at_budget))));

  // Ctrl+L's action switches it off, and the check box follows (and the other way round).
  action->trigger();
  QVERIFY(!window.lawOverlayShown());
  QVERIFY(!box->isChecked());
  QApplication::processEvents();
  const QImage without = view->grab().toImage();
  keep(without, "window-surface-1e20-no-overlay");
  QCOMPARE(overlayPixels(without), 0);
  QCOMPARE(overlayPixels(view->renderImage(1200, 900)), 0);  // exports follow it

  // Saved with the session and restored.
  const ExplorerSession session = window.session();
  QVERIFY(!session.law_overlay);
  session.save();
  const ExplorerSession loaded = ExplorerSession::load();
  QVERIFY(!loaded.law_overlay);
  MainWindow reopened(moescope::ExplorerLoadOptions::quick());
  QVERIFY(reopened.lawOverlayShown());
  reopened.restoreView(loaded);
  QVERIFY(!reopened.lawOverlayShown());
  QVERIFY(!reopened.findChild<QAction*>("lawOverlayAction")->isChecked());

  box->setChecked(true);
  QVERIFY(window.lawOverlayShown());
  QVERIFY(action->isChecked());

  // Between budgets the law alone, with nothing to lay over it.
  window.setBudget(1.5e20);
  QApplication::processEvents();
  const QImage between = view->grab().toImage();
  keep(between, "window-surface-1.5e20");
  QCOMPARE(overlayPixels(between), 0);

  // Figure 2b at a fitted budget keys the surface's curves and the law's.
  window.setBudget(1e20);
  QVERIFY(window.showView("loss-vs-params"));
  QApplication::processEvents();
  auto* tabs = window.findChild<QTabWidget*>();
  QChart* chart = tabs->currentWidget()->findChild<QChartView*>()->chart();
  const QStringList labels = visibleLegendLabels(chart);
  QVERIFY2(labels.contains(FigureView::kSurfaceKey) && labels.contains(FigureView::kLawKey),
           qPrintable(labels.join(" | ")));
  QVERIFY2(labels.contains("S = 0.5, Eq. 8"), qPrintable(labels.join(" | ")));
  window.setBudget(1.5e20);
  QApplication::processEvents();
  QVERIFY(!visibleLegendLabels(chart).contains(FigureView::kLawKey));
}

QTEST_MAIN(SurfaceOverlayTest)
#include "surface_overlay_test.moc"
