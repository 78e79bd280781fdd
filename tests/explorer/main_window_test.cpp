// The explorer's window on the built-in synthetic grid: every view draws, the budget slider's
// read-out is what `moescope optimum` prints, picking a run shows it, exports are valid files, fits
// run off the UI thread and cancel, status edits reach the store and the fit, sessions round-trip.
#include "main_window.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QProcess>
#include <QPushButton>
#include <QSet>
#include <QSlider>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <algorithm>
#include <memory>

#include "default_data.h"
#include "explorer_session.h"
#include "export_dialog.h"
#include "fit_settings_dialog.h"
#include "moescope/io/number_format.h"
#include "moescope/io/run_table.h"
#include "moescope/store/run_store.h"
#include "read_out_panel.h"
#include "run_table_model.h"
#include "surface_view.h"
#include "view_export.h"

using namespace moescope::explorer;

namespace {

// True when an image has more than a background: enough distinct colours and no colour covering
// nearly all of it.
bool looks_drawn(const QImage& image) {
  if (image.isNull())
    return false;
  const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
  QHash<QRgb, int> counts;
  for (int y = 0; y < rgb.height(); y += 2) {
    for (int x = 0; x < rgb.width(); x += 2)
      ++counts[rgb.pixel(x, y)];
  }
  int most = 0;
  int total = 0;
  for (const int count : counts) {
    most = std::max(most, count);
    total += count;
  }
  return counts.size() > 50 && most < total * 97 / 100;
}

QString brief(double value) {
  return QString::fromStdString(moescope::format_brief(value));
}

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void eachViewRendersNonBlank();
  void budgetSliderReadOutEqualsMoescopeOptimum();
  void heldSlidersShowPointValuesUntilLetGo();
  void pickingARunShowsIt();
  void exportWritesValidPngSvgAndPdf();
  void exportPanelsWritesTheChosenFiguresInOneFile();
  void theExportDialogOffersThePapersPanelsAndRemembersTheChoice();
  void fitRunsOffTheUiThreadAndCancels();
  void statusEditReachesTheStoreAndTheFit();
  void fitSettingsRefuseABadHoldoutRule();
  void sessionRoundTrips();
  void theFileMenuOpensEachBuiltInSetAndTheStudyDraws();

 private:
  // The paper's fit of the built-in synthetic grid, shared by the tests that only look at it.
  std::unique_ptr<MainWindow> window_;
  QProcess optimum_;
  int target_position_ = 0;
};

void MainWindowTest::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
  QCoreApplication::setOrganizationName("MoEScopeTest");
  QCoreApplication::setApplicationName("main_window_test");

  window_ = std::make_unique<MainWindow>();
  window_->resize(1400, 900);
  window_->openSource(RunSource::embedded("synthetic"));
  window_->show();
  QVERIFY(window_->isFitting());

  // Where three page-ups will put the budget slider; `moescope optimum` fits the same data at
  // that budget meanwhile, in its own process.
  auto* slider = window_->findChild<QSlider*>("budgetSlider");
  QVERIFY(slider);
  target_position_ = slider->value() + 3 * slider->pageStep();
  QVERIFY(target_position_ <= slider->maximum());
  const double budget = window_->budgetAtPosition(target_position_);
  optimum_.start(MOESCOPE_BINARY, {"optimum", "--data", "synthetic", "--budget",
                                   QString::number(budget, 'g', 17), "--json"});
  QVERIFY(optimum_.waitForStarted());

  QVERIFY2(window_->waitForFit(), qPrintable(window_->fitStatus()));
  QVERIFY(window_->fitStatus().contains("fitted to"));
}

void MainWindowTest::eachViewRendersNonBlank() {
  auto* tabs = window_->findChild<QTabWidget*>();
  QVERIFY(tabs);
  QCOMPARE(window_->viewNames().size(), tabs->count());
  for (const QString& name : window_->viewNames()) {
    QVERIFY(window_->showView(name));
    QApplication::processEvents();
    QCOMPARE(window_->currentViewName(), name);
    QVERIFY2(looks_drawn(tabs->currentWidget()->grab().toImage()), qPrintable(name));
  }
}

void MainWindowTest::budgetSliderReadOutEqualsMoescopeOptimum() {
  auto* slider = window_->findChild<QSlider*>("budgetSlider");
  slider->setFocus();
  for (int i = 0; i < 3; ++i)
    QTest::keyClick(slider, Qt::Key_PageUp);
  QCOMPARE(slider->value(), target_position_);

  // (waitForFinished is false for a process that has finished already.)
  if (optimum_.state() != QProcess::NotRunning)
    QVERIFY(optimum_.waitForFinished(300'000));
  QCOMPARE(optimum_.exitCode(), 0);
  const QJsonObject expected = QJsonDocument::fromJson(optimum_.readAllStandardOutput()).object();
  QVERIFY(!expected.isEmpty());
  QCOMPARE(window_->budget(), expected["budget"].toDouble());

  const moescope::ReadOut& read_out = window_->readOut();
  QVERIFY(read_out.intervals.has_value());
  const QJsonObject intervals = expected["intervals"].toObject();
  auto* panel = window_->findChild<ReadOutPanel*>();
  QVERIFY(panel);
  const QString shown = panel->text();
  struct Quantity {
    QString key, shown_as;
    double value;
    moescope::Interval interval;
  };
  const std::vector<Quantity> quantities = {
      {"S", "S*", read_out.point.sparsity, read_out.intervals->sparsity},
      {"N", "N*", read_out.point.total_params, read_out.intervals->total_params},
      {"N_active", "N_a*", read_out.point.active_params, read_out.intervals->active_params},
      {"D", "D*", read_out.point.tokens, read_out.intervals->tokens},
      {"loss", "L*", read_out.point.loss, read_out.intervals->loss}};
  const QStringList lines = shown.split('\n');
  for (const auto& [key, shown_as, value, value_interval] : quantities) {
    const double printed = expected[key].toDouble();
    const QJsonArray interval = intervals[key].toArray();
    QCOMPARE(value, printed);
    QCOMPARE(value_interval.lo, interval[0].toDouble());
    QCOMPARE(value_interval.hi, interval[1].toDouble());
    // The panel shows each number as `moescope optimum` formats it, on the quantity's line; a
    // value every refit gave (S* at the bound) with no zero-width interval.
    const bool spread = interval[1].toDouble() > interval[0].toDouble();
    const QString line =
        spread ? QStringLiteral("%1  %2  [%3, %4]")
                     .arg(shown_as, brief(printed), brief(interval[0].toDouble()),
                          brief(interval[1].toDouble()))
               : QStringLiteral("%1  %2  (every refit)").arg(shown_as, brief(printed));
    QVERIFY2(std::any_of(lines.begin(), lines.end(),
                         [&](const QString& shown_line) { return shown_line.startsWith(line); }),
             qPrintable(key + ": " + line + " not in " + shown));
  }
  QCOMPARE(read_out.point.sparsity_at_bound, expected["sparsity_at_bound"].toBool());
}

void MainWindowTest::heldSlidersShowPointValuesUntilLetGo() {
  auto* panel = window_->findChild<ReadOutPanel*>();
  auto* cap_enabled = window_->findChild<QCheckBox*>("capEnabled");
  QVERIFY(panel && cap_enabled);
  QVERIFY(window_->showView("optimal-params-vs-sparsity"));
  for (const char* name : {"budgetSlider", "capSlider"}) {
    auto* slider = window_->findChild<QSlider*>(name);
    QVERIFY(slider);
    cap_enabled->setChecked(QString(name) == "capSlider");
    slider->setSliderDown(true);
    slider->setValue(slider->value() + slider->pageStep());
    QVERIFY2(!window_->readOut().intervals, name);
    QVERIFY2(!panel->text().contains('['), qPrintable(panel->text()));
    slider->setSliderDown(false);
    QVERIFY2(window_->readOut().intervals, name);
    QVERIFY2(panel->text().contains('['), qPrintable(panel->text()));
  }
  cap_enabled->setChecked(false);
}

void MainWindowTest::pickingARunShowsIt() {
  // The surface shows the runs of the budget on display: one of the data's.
  window_->setBudget(window_->runs().front().compute.value());
  QVERIFY(window_->showView("surface"));
  auto* view = window_->findChild<SurfaceView*>();
  QApplication::processEvents();
  std::optional<QPoint> where;
  std::size_t picked = 0;
  for (std::size_t i = 0; i < window_->runs().size() && !where; ++i) {
    where = view->widgetPositionOfRun(i);
    picked = i;
  }
  QVERIFY2(where, "no run of the current budget is in front of the camera");
  auto* details = window_->findChild<QLabel*>("runDetails");
  QVERIFY(!details->text().contains(QString::fromStdString(window_->runs()[picked].id)));
  QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, *where);
  QVERIFY2(details->text().contains(QString::fromStdString(window_->runs()[picked].id)),
           qPrintable(details->text()));
}

void MainWindowTest::exportWritesValidPngSvgAndPdf() {
  QTemporaryDir directory;
  QVERIFY(directory.isValid());
  QString error;
  QVERIFY2(window_->exportAll(directory.path(), 100, &error), qPrintable(error));
  for (const QString& name : window_->viewNames()) {
    const QString base = directory.filePath(name);
    // A figure with nothing to draw is not written: the synthetic grid has no downstream metrics.
    if (name == "downstream-vs-upstream") {
      QVERIFY(!QFile::exists(base + ".png"));
      continue;
    }
    QVERIFY2(looks_drawn(QImage(base + ".png")), qPrintable(name));
    // Beside each figure, the bundle that says how to draw it again.
    if (name != "surface")
      QVERIFY2(QFile::exists(base + ".json") && QFile::exists(base + ".tex"), qPrintable(name));
    if (name == "surface") {
      QCOMPARE(QImage(base + ".png").size(), QSize(1600, 1200));
      continue;
    }
    QVERIFY2(QSvgRenderer(base + ".svg").isValid(), qPrintable(name));
    QFile pdf(base + ".pdf");
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    const QByteArray bytes = pdf.readAll();
    QVERIFY2(bytes.startsWith("%PDF-") && bytes.right(64).contains("%%EOF"), qPrintable(name));
    QFile csv(base + ".csv");
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QVERIFY(csv.readLine().startsWith("series,"));
  }
}

void MainWindowTest::exportPanelsWritesTheChosenFiguresInOneFile() {
  QTemporaryDir directory;
  const QString base = directory.filePath("figure-2");
  const QStringList names = {"loss-vs-sparsity", "loss-vs-params", "loss-vs-active-params"};
  QString error;
  QVERIFY2(window_->exportPanels(base, names, &error), qPrintable(error));
  QVERIFY(looks_drawn(QImage(base + ".png")));
  QVERIFY(QSvgRenderer(base + ".svg").isValid());
  QFile svg(base + ".svg");
  QVERIFY(svg.open(QIODevice::ReadOnly));
  const QByteArray text = svg.readAll();
  QVERIFY(text.contains("(a)") && text.contains("(c)") && !text.contains("(d)"));
  QFile pdf(base + ".pdf");
  QVERIFY(pdf.open(QIODevice::ReadOnly));
  QVERIFY(pdf.readAll().startsWith("%PDF-"));
  QFile bundle(base + ".json");
  QVERIFY(bundle.open(QIODevice::ReadOnly));
  QJsonArray figures = QJsonDocument::fromJson(bundle.readAll())["figures"].toArray();
  QCOMPARE(figures.toVariantList(), QVariant(names).toList());
  QVERIFY(QFile::exists(base + ".tex"));

  // The synthetic grid has no downstream metrics: Figure 5's panels are refused, nothing written.
  const QString five = directory.filePath("figure-5");
  QVERIFY(!window_->exportPanels(five, {"downstream-vs-upstream"}, &error));
  QVERIFY2(error.contains("anything to draw"), qPrintable(error));
  QVERIFY(!QFile::exists(five + ".png"));
}

void MainWindowTest::theExportDialogOffersThePapersPanelsAndRemembersTheChoice() {
  const QStringList figures = window_->viewNames();
  // The dialog is modal: it is answered once it shows, as a reader would answer it.
  auto answer = [](const QString& preset) {
    QTimer::singleShot(0, [preset] {
      auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
      QVERIFY(dialog);
      auto* panels = dialog->findChild<QComboBox*>("panels");
      QVERIFY(panels);
      QCOMPARE(panels->count(), 4);
      panels->setCurrentIndex(panels->findData(preset));
      dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
    });
  };
  answer("figure-5");
  QVERIFY(chooseFigureExportStyle(window_.get(), figures));
  QCOMPARE(figureExportStyle().panels, QStringList{"downstream-vs-upstream"});
  // Opened again, it starts from the last choice.
  QTimer::singleShot(0, [] {
    auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
    QVERIFY(dialog);
    QCOMPARE(dialog->findChild<QComboBox*>("panels")->currentData().toString(),
             QStringLiteral("figure-5"));
    dialog->reject();
  });
  QVERIFY(!chooseFigureExportStyle(window_.get(), figures));
  answer("figure-2");
  QVERIFY(chooseFigureExportStyle(window_.get(), figures));
  QCOMPARE(figureExportStyle().panels.size(), 3);
  // The single-figure dialog has no panels, and its style asks for none.
  QTimer::singleShot(0, [] {
    auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
    QVERIFY(dialog);
    QVERIFY(!dialog->findChild<QComboBox*>("panels"));
    dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
  });
  QVERIFY(chooseFigureExportStyle(window_.get()));
  QVERIFY(figureExportStyle().panels.isEmpty());
}

void MainWindowTest::fitRunsOffTheUiThreadAndCancels() {
  MainWindow window;  // the paper's grid: half a minute of fitting, unless cancelled
  window.openSource(RunSource::embedded("synthetic"));
  QVERIFY(window.isFitting());

  // The event loop runs while the fit does: a timer fires on time.
  QElapsedTimer clock;
  clock.start();
  bool fired = false;
  QTimer::singleShot(100, [&] { fired = true; });
  QTRY_VERIFY_WITH_TIMEOUT(fired, 2000);
  QVERIFY(window.isFitting());

  window.cancelFit();
  QVERIFY(!window.isFitting());
  QVERIFY(!window.hasFit());
  QVERIFY2(window.fitStatus().contains("cancelled"), qPrintable(window.fitStatus()));
  QVERIFY(clock.elapsed() < 5000);
}

void MainWindowTest::statusEditReachesTheStoreAndTheFit() {
  QTemporaryDir directory;
  const QString path = directory.filePath("runs.sqlite");
  {
    moescope::RunStore store = moescope::RunStore::open(path.toStdString());
    store.insert(moescope::app::read_embedded(*moescope::app::embedded_data("synthetic")).runs);
  }
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.openSource(RunSource::store(path));
  QVERIFY(window.waitForFit());
  const QString before = window.fitStatus();
  QVERIFY2(before.contains("fitted to 210 runs"), qPrintable(before));

  auto* model = window.findChild<RunTableModel*>();
  QVERIFY(model && model->isStatusEditable());
  const moescope::Run first = model->runAt(0);
  QVERIFY(first.status == moescope::RunStatus::kDone);
  QVERIFY(model->setData(model->index(0, RunTableModel::kStatusColumn), "failed"));
  QVERIFY(window.isFitting());
  QVERIFY(window.waitForFit());

  const auto stored = moescope::RunStore::open(path.toStdString()).find(first.id);
  QVERIFY(stored && stored->status == moescope::RunStatus::kFailed);
  // The failed run left the fit: one run fewer, held out or fitted.
  QVERIFY2(window.fitStatus().contains("fitted to 209 runs") ||
               window.fitStatus().contains("(34 held out)"),
           qPrintable(window.fitStatus()));
}

void MainWindowTest::fitSettingsRefuseABadHoldoutRule() {
  FitSettingsDialog dialog(moescope::ExplorerLoadOptions::quick());
  QVERIFY(dialog.problems().isEmpty());
  QCOMPARE(dialog.options().law.grid_override,
           moescope::ExplorerLoadOptions::quick().law.grid_override);
  dialog.setHoldoutRule("sparsity == 0.98");
  QCOMPARE(dialog.problems().size(), 1);
  QVERIFY2(dialog.problems().first().contains("sparsity"), qPrintable(dialog.problems().first()));
  dialog.setHoldoutRule("S >= 0.9 && C < 1e21");
  QVERIFY(dialog.problems().isEmpty());
  QCOMPARE(dialog.options().holdout_rule, std::string("S >= 0.9 && C < 1e21"));
}

void MainWindowTest::sessionRoundTrips() {
  window_->setBudget(4.2e20);
  window_->setParameterCap(3e10);
  QVERIFY(window_->showView("optimal-sparsity-vs-params"));
  window_->session().save();

  const ExplorerSession restored = ExplorerSession::load();
  QCOMPARE(restored.source.kind, RunSource::Kind::kEmbedded);
  QCOMPARE(restored.source.path, QString("synthetic"));  // which of the built-in sets
  QCOMPARE(restored.budget.value_or(0), 4.2e20);
  QCOMPARE(restored.max_total_params.value_or(0), 3e10);
  QCOMPARE(restored.view, QString("optimal-sparsity-vs-params"));
  QCOMPARE(restored.fit_options.holdout_rule, window_->fitOptions().holdout_rule);

  MainWindow reopened(moescope::ExplorerLoadOptions::quick());
  reopened.openSource(restored.source);
  reopened.restoreView(restored);
  QCOMPARE(reopened.budget(), 4.2e20);
  QCOMPARE(reopened.currentViewName(), QString("optimal-sparsity-vs-params"));
  QVERIFY(reopened.findChild<QCheckBox*>("capEnabled")->isChecked());
}

// File > Open built-in data lists every set built in, the study first (the default); each entry
// opens its set. The study (nats/byte, three small budgets) fits and every view draws.
void MainWindowTest::theFileMenuOpensEachBuiltInSetAndTheStudyDraws() {
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1400, 900);
  window.show();
  auto* menu = window.findChild<QMenu*>("builtInDataMenu");
  QVERIFY(menu);
  QStringList keys;
  for (const QAction* action : menu->actions())
    keys << action->data().toString();
  QCOMPARE(keys, QStringList({"study", "synthetic"}));

  for (QAction* action : menu->actions()) {
    action->trigger();
    QCOMPARE(window.source().kind, RunSource::Kind::kEmbedded);
    QCOMPARE(window.source().path, action->data().toString());
    if (action->data().toString() != "study")
      continue;
    QCOMPARE(window.source().description(), QString("datasets/moe-study/runs.json (embedded)"));
    QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
    QVERIFY(!window.runs().empty());
    QVERIFY(window.runs().front().loss_unit == moescope::LossUnit::kNatsPerByte);
    auto* tabs = window.findChild<QTabWidget*>();
    for (const QString& name : window.viewNames()) {
      QVERIFY(window.showView(name));
      QApplication::processEvents();
      QVERIFY2(looks_drawn(tabs->currentWidget()->grab().toImage()), qPrintable(name));
    }
  }
  QCOMPARE(window.source().description(), QString("datasets/synthetic-table3.csv (embedded)"));
  window.cancelFit();  // the synthetic grid's fit is another test's
}

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
