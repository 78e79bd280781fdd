// Active design in the explorer, on the MoE study's coarse grid: its 75 runs of the planner's
// head-64 family (three budgets, five sparsity levels), whatever runs the study gains later:
// "Propose next runs" fills the training panel's plan with K runs whose design says why
// ("next: ..."), states each read-out's interval now and expected, and says why a budget is
// refused (no runs; S* at the data's sparsest level, as the study's is below 3e14); Launch writes
// their specs with the design key; the window rings the proposals on the 3-D view and marks them,
// hollow and named in the legend, on Figure 2b, at their budget only, and clearing the plan takes
// them off both.
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QPushButton>
#include <QScatterSeries>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>

#include "figure_view.h"
#include "main_window.h"
#include "moescope/io/run_table.h"
#include "plot_style.h"
#include "proposed_runs.h"
#include "surface_view.h"
#include "training_panel.h"

using namespace moescope::explorer;
using Budgets = TrainingPanel::DesignBudgets;

namespace {

constexpr char kStudy[] = MOESCOPE_SOURCE_DIR "/datasets/moe-study/runs.json";
constexpr char kResults[] = MOESCOPE_SOURCE_DIR "/datasets/moe-study/results";
constexpr int kProposals = 4;
// The planned table's design column (training_panel.cpp).
constexpr int kDesignColumn = 13;

// The study's coarse grid: the runs whose result says they were planned as "grid" with heads of
// 64 channels (results/<name>.json, the trainer's record of each run); later rounds of active
// design, and the grid's extension in heads of 32, change what the design proposes.
std::vector<moescope::Run> studyRuns() {
  std::set<std::string> grid;
  for (const auto& entry : std::filesystem::directory_iterator(kResults)) {
    QFile file(QString::fromStdString(entry.path().string()));
    if (!file.open(QIODevice::ReadOnly))
      continue;
    const QJsonObject spec = QJsonDocument::fromJson(file.readAll()).object()["spec"].toObject();
    if (spec["design"].toString() == "grid" &&
        spec["d_model"].toInt() == 64 * spec["heads"].toInt())
      grid.insert(entry.path().stem().string());
  }
  std::vector<moescope::Run> runs = moescope::read_runs(std::filesystem::path(kStudy)).runs;
  std::erase_if(runs, [&](const moescope::Run& run) { return !grid.contains(run.name); });
  return runs;
}

// Pixels near `centre` in the proposals' colour: the ring painted around a proposal.
int ringPixels(const QImage& image, QPoint centre, int reach) {
  const QColor accent = plot_style::toQColor(plot_style::kProposed);
  int count = 0;
  for (int y = centre.y() - reach; y <= centre.y() + reach; ++y) {
    for (int x = centre.x() - reach; x <= centre.x() + reach; ++x) {
      if (!image.rect().contains(x, y))
        continue;
      const QColor colour(image.pixel(x, y));
      if (std::abs(colour.red() - accent.red()) + std::abs(colour.green() - accent.green()) +
              std::abs(colour.blue() - accent.blue()) <
          60)
        ++count;
    }
  }
  return count;
}

const moescope::Series* proposedSeries(const moescope::Figure* figure) {
  if (figure == nullptr)
    return nullptr;
  const auto found = std::find_if(figure->points.begin(), figure->points.end(),
                                  [](const moescope::Series& series) {
                                    return series.kind == moescope::SeriesKind::kProposed;
                                  });
  return found == figure->points.end() ? nullptr : &*found;
}

// What the panel said, and its design's read-outs, refusals and notes.
QString said(const TrainingPanel& panel) {
  return panel.message() + '\n' + panel.findChild<QLabel*>("designMessage")->toolTip();
}

// Saves `image` as NAME.png under $MOESCOPE_TEST_SHOTS, where set, for a person to look at.
void keep(const QImage& image, const QString& name) {
  const QString directory = qEnvironmentVariable("MOESCOPE_TEST_SHOTS");
  if (!directory.isEmpty() && QDir().mkpath(directory))
    image.save(QDir(directory).filePath(name + ".png"));
}

}  // namespace

class NextRunsTest : public QObject {
  Q_OBJECT

 private slots:
  void init() {
    // No registry, hence no throughput table: the plan's cost stays this machine's, unmeasured.
    qputenv("MOESCOPE_HOSTS_FILE", QByteArray(config_.filePath("hosts.json").toUtf8()));
  }
  void proposalsFillThePlanWithWhyEachWasChosen();
  void launchWritesTheProposalsSpecsWithTheirDesign();
  void theWindowMarksTheProposalsAtTheirBudget();

 private:
  QTemporaryDir config_;
};

void NextRunsTest::proposalsFillThePlanWithWhyEachWasChosen() {
  QTemporaryDir queue;
  TrainingPanel panel({"/bin/true"}, queue.path().toStdString());
  ProposedRuns proposed;
  panel.setProposedRuns(&proposed);
  QCOMPARE(studyRuns().size(), std::size_t{75});  // the coarse grid, whatever came after
  panel.setRuns(studyRuns());
  // Between the data's budgets there is nothing to design from, and the panel says so.
  panel.setBudget(5e14);
  QVERIFY(!panel.proposeNextRuns(kProposals, moescope::DesignTarget::kOptimalSparsity,
                                 Budgets::kOnDisplay));
  QVERIFY2(panel.message().contains("has no runs"), qPrintable(panel.message()));

  QVERIFY2(panel.planCell(1e14, 5.8e6, 0.75), qPrintable(panel.message()));
  panel.setBudget(1e14);
  QVERIFY2(
      panel.proposeNextRuns(kProposals, moescope::DesignTarget::kOptimalSize, Budgets::kOnDisplay),
      qPrintable(panel.message()));
  QVERIFY(panel.isProposing());
  QVERIFY2(panel.waitForProposals(), qPrintable(said(panel)));
  QCOMPARE(panel.plannedCount(), 1 + kProposals);
  QCOMPARE(proposed.runs().size(), std::size_t{kProposals});
  const auto* table = panel.findChild<QTableWidget*>("planned");
  QCOMPARE(table->rowCount(), 1 + kProposals + 1);  // the cell, the proposals, the total
  QCOMPARE(table->item(0, kDesignColumn)->text(), QStringLiteral("grid"));
  for (int row = 1; row <= kProposals; ++row) {
    const QString design = table->item(row, kDesignColumn)->text();
    QVERIFY2(design.startsWith("next: N* at C=9.99e13 S="), qPrintable(design));
    QVERIFY2(design.contains(QStringLiteral("rank %1 of %2, score").arg(row).arg(kProposals)),
             qPrintable(design));
  }
  QVERIFY2(
      panel.message().startsWith(QStringLiteral("%1 runs proposed to narrow N*").arg(kProposals)),
      qPrintable(panel.message()));
  const QString widths = panel.findChild<QLabel*>("designMessage")->text();
  QVERIFY2(widths.contains("N* at C=9.99e13 S=") && widths.contains("now") &&
               widths.contains("expected (in ln N)"),
           qPrintable(widths));

  // S* at every data budget: the study's S* sits at its sparsest level at the two smaller
  // budgets, which are refused, in the panel; the runs go to the largest. They replace the last
  // proposals, not the cell planned by hand.
  QVERIFY(panel.proposeNextRuns(kProposals, moescope::DesignTarget::kOptimalSparsity,
                                Budgets::kEveryDataBudget));
  QVERIFY2(panel.waitForProposals(), qPrintable(said(panel)));
  QCOMPARE(panel.plannedCount(), 1 + kProposals);
  for (int row = 1; row <= kProposals; ++row) {
    const QString design = table->item(row, kDesignColumn)->text();
    QVERIFY2(design.startsWith("next: S* at C=3e14 N="), qPrintable(design));
  }
  const QString refused = panel.findChild<QLabel*>("designMessage")->text();
  for (const char* budget : {"Refused: C=2.99e13", "Refused: C=9.99e13"})
    QVERIFY2(refused.contains(budget), qPrintable(refused));
  QVERIFY2(refused.contains("sparsest level"), qPrintable(refused));

  // A design that proposes nothing says why and leaves the last proposals planned.
  QVERIFY(panel.proposeNextRuns(kProposals, moescope::DesignTarget::kOptimalSparsity,
                                Budgets::kOnDisplay));
  QVERIFY(!panel.waitForProposals());
  QVERIFY2(panel.message().startsWith("No run proposed to narrow S*"), qPrintable(panel.message()));
  QCOMPARE(panel.plannedCount(), 1 + kProposals);
  QCOMPARE(proposed.runs().size(), std::size_t{kProposals});
}

void NextRunsTest::launchWritesTheProposalsSpecsWithTheirDesign() {
  QTemporaryDir directory;
  const std::filesystem::path store = directory.filePath("runs.sqlite").toStdString();
  TrainingPanel panel({"/bin/true"}, directory.filePath("queue").toStdString());
  ProposedRuns proposed;
  panel.setProposedRuns(&proposed);
  panel.setStoreChooser([&] { return std::optional(store); });
  panel.setRuns(studyRuns());
  panel.setBudget(3e14);
  QVERIFY(panel.proposeNextRuns(kProposals, moescope::DesignTarget::kOptimalSparsity,
                                Budgets::kOnDisplay));
  QVERIFY2(panel.waitForProposals(), qPrintable(said(panel)));
  QVERIFY2(panel.launchPlanned(), qPrintable(panel.message()));
  QCOMPARE(panel.plannedCount(), 0);
  QVERIFY(proposed.empty());  // queued now: no longer proposals to mark

  const QDir runs(directory.filePath("queue/runs"));
  const QStringList specs = runs.entryList({"*.json"}, QDir::Files);
  QCOMPARE(specs.size(), kProposals);
  for (const QString& name : specs) {
    QFile file(runs.filePath(name));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString design = QJsonDocument::fromJson(file.readAll()).object()["design"].toString();
    QVERIFY2(design.startsWith("next: S* at C=3e14"), qPrintable(name + ": " + design));
  }
}

void NextRunsTest::theWindowMarksTheProposalsAtTheirBudget() {
  QTemporaryDir folder;
  QVERIFY(folder.isValid());
  const std::filesystem::path grid = folder.filePath("grid.json").toStdString();
  moescope::write_runs(grid, studyRuns());
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1500, 950);
  window.openSource(RunSource::file(QString::fromStdString(grid.string())));
  window.show();
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
  window.setBudget(3e14);
  auto* panel = window.findChild<TrainingPanel*>();
  QVERIFY(panel->proposeNextRuns(kProposals, moescope::DesignTarget::kOptimalSparsity,
                                 Budgets::kOnDisplay));
  QVERIFY2(panel->waitForProposals(), qPrintable(said(*panel)));

  // The 3-D view: the proposals ringed, numbered in the design's order, on the budget's surface.
  QVERIFY(window.showView("surface"));
  const SurfaceScene& scene = window.surfaceScene();
  QCOMPARE(scene.proposed.size(), std::size_t{kProposals});
  for (int i = 0; i < kProposals; ++i)
    QCOMPARE(scene.proposed[static_cast<std::size_t>(i)].rank, i + 1);
  auto* surface = window.findChild<SurfaceView*>();
  const QImage frame = surface->grab().toImage();
  keep(frame, "next-runs-surface");
  for (std::size_t i = 0; i < scene.proposed.size(); ++i) {
    const std::optional<QPoint> at = surface->widgetPositionOfProposal(i);
    QVERIFY2(at, qPrintable(QStringLiteral("proposal %1 is not drawn").arg(i + 1)));
    QVERIFY2(ringPixels(frame, *at, 16) > 20,
             qPrintable(QStringLiteral("no ring at %1, %2").arg(at->x()).arg(at->y())));
  }

  // Figure 2b: one set of hollow markers, named in the legend.
  QVERIFY(window.showView("loss-vs-params"));
  const moescope::Series* marked = proposedSeries(window.currentFigure());
  QVERIFY(marked != nullptr);
  QCOMPARE(marked->label, std::string(plot_style::kProposedLabel));
  QCOMPARE(marked->x.size(), std::size_t{kProposals});
  FigureView* figure_view = nullptr;
  for (FigureView* view : window.findChildren<FigureView*>()) {
    if (view->figure() == window.currentFigure())
      figure_view = view;
  }
  QVERIFY(figure_view != nullptr);
  QChart* chart = figure_view->findChild<QChartView*>()->chart();
  QScatterSeries* drawn = nullptr;
  for (QAbstractSeries* series : chart->series()) {
    if (series->name() == plot_style::kProposedLabel && series->isVisible())
      drawn = static_cast<QScatterSeries*>(series);
  }
  QVERIFY(drawn != nullptr);
  QCOMPARE(drawn->count(), kProposals);
  QCOMPARE(drawn->color(), QColor(Qt::white));
  QCOMPARE(drawn->borderColor(), plot_style::toQColor(plot_style::kProposed));
  const QList<QLegendMarker*> legend = chart->legend()->markers(drawn);
  QVERIFY(!legend.isEmpty() && legend.first()->isVisible());
  QApplication::processEvents();  // the chart's layout, for the picture
  keep(figure_view->grab().toImage(), "next-runs-figure-2b");

  // At another budget neither view marks them.
  window.setBudget(1e14);
  QVERIFY(proposedSeries(window.currentFigure()) == nullptr);
  QVERIFY(window.showView("surface"));
  QVERIFY(window.surfaceScene().proposed.empty());

  // Back at theirs, then the plan cleared: gone from both.
  window.setBudget(3e14);
  QCOMPARE(window.surfaceScene().proposed.size(), std::size_t{kProposals});
  const QList<QPushButton*> buttons = panel->findChildren<QPushButton*>();
  const auto clear = std::find_if(buttons.begin(), buttons.end(),
                                  [](QPushButton* button) { return button->text() == "Clear"; });
  QVERIFY(clear != buttons.end());
  (*clear)->click();
  QVERIFY(window.surfaceScene().proposed.empty());
  QVERIFY(window.showView("loss-vs-params"));
  QVERIFY(proposedSeries(window.currentFigure()) == nullptr);
}

QTEST_MAIN(NextRunsTest)
#include "next_runs_test.moc"
