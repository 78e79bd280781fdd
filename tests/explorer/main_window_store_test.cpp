// The window on a store and on data that needs curating (issue 12): a store is opened, never
// created, except by File > New store; rows another tool edited into invalid ones are listed with
// their problems while the others are fitted; the run table deletes runs after a confirmation
// naming the count and the store; a fit that gets no usable run says which field is missing on how
// many runs; budgets binned per decade show in the budget list and the read-out with their runs.
#include <sqlite3.h>

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "budget_slider.h"
#include "default_data.h"
#include "explorer_session.h"
#include "fit_settings_dialog.h"
#include "main_window.h"
#include "moescope/io/run_table.h"
#include "moescope/store/run_store.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "read_out_panel.h"
#include "run_table_model.h"
#include "run_table_view.h"

using namespace moescope::explorer;

namespace {

using moescope::Run;

std::vector<Run> syntheticRuns() {
  return moescope::app::read_embedded(*moescope::app::embedded_data("synthetic")).runs;
}

QString makeStore(const QTemporaryDir& directory, const QString& name,
                  const std::vector<Run>& runs) {
  const QString path = directory.filePath(name);
  moescope::RunStore::open(path.toStdString()).insert(runs);
  return path;
}

bool execute(const QString& store, const char* statement) {
  sqlite3* db = nullptr;
  const bool done = sqlite3_open(QFile::encodeName(store).constData(), &db) == SQLITE_OK &&
                    sqlite3_exec(db, statement, nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return done;
}

QString screenshotPath(const QString& name) {
  const QString directory = QStringLiteral(MOESCOPE_BINARY_DIR "/tests/explorer/screenshots");
  QDir().mkpath(directory);
  return QDir(directory).filePath(name);
}

// What the confirmation asked, and how the screen looked while it did.
struct Question {
  QString text;
  QString details;
  QImage screen;
};

// Answers the next question box with the button labelled `answer` once it is up, as a user
// would, keeping what it asked. The box is modal: the call that raised it returns after this.
void answerNextQuestion(const QString& answer, Question* question, int tries = 500) {
  QTimer::singleShot(10, [=] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (box == nullptr) {
      if (tries > 0)
        answerNextQuestion(answer, question, tries - 1);
      return;
    }
    question->text = box->text();
    question->details = box->informativeText();
    // The window with the question over it, as the screen shows them.
    const QRect window = box->parentWidget()->window()->frameGeometry();
    if (QTest::qWaitForWindowExposed(box)) {
      question->screen =
          QGuiApplication::primaryScreen()
              ->grabWindow(0, window.x(), window.y(), window.width(), window.height())
              .toImage();
    }
    for (QAbstractButton* button : box->buttons()) {
      if (button->text() == answer)
        button->click();
    }
  });
}

QString native(const QString& path) {
  return QDir::toNativeSeparators(path);
}

// The synthetic grid at two budgets, each run's C moved by up to 22 % as if read off a figure:
// no two runs share a C, as in Epoch AI's Chinchilla data.
std::vector<Run> continuousBudgetRuns() {
  moescope::SyntheticGridOptions grid;
  grid.budgets = {3e19, 1e20};
  std::vector<Run> runs = moescope::generate_synthetic_grid(grid);
  for (std::size_t i = 0; i < runs.size(); ++i)
    *runs[i].compute *= std::exp(0.2 * std::sin(1.7 * static_cast<double>(i)));
  return runs;
}

}  // namespace

class MainWindowStoreTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void aStoreIsOpenedNeverCreated();
  void invalidRowsAreListedAndTheOthersFitted();
  void deleteAsksThenRemovesTheRunsAndRefits();
  void cancelledDeleteLeavesTheStoreAlone();
  void aFitWithNoUsableRunSaysWhy();
  void binnedBudgetsShowTheirRuns();
  void budgetGroupingIsASettingAndSaved();

 private:
  QTemporaryDir directory_;
};

void MainWindowStoreTest::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
  QCoreApplication::setOrganizationName("MoEScopeTest");
  QCoreApplication::setApplicationName("main_window_store_test");
  QVERIFY(directory_.isValid());
}

void MainWindowStoreTest::aStoreIsOpenedNeverCreated() {
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  const QString missing = directory_.filePath("typo/runs.sqlite");
  try {
    window.openSource(RunSource::store(missing));
    QFAIL("a missing store was opened");
  } catch (const moescope::StoreError& error) {
    QVERIFY2(QString::fromUtf8(error.what()).contains(missing), error.what());
  }
  QVERIFY(!QFileInfo::exists(missing));
  QVERIFY(!QFileInfo::exists(directory_.filePath("typo")));
  QCOMPARE(window.source().kind, RunSource::Kind::kEmbedded);  // what it showed before

  // File > New store creates one, and opens it; it never replaces one.
  const QString created = directory_.filePath("new/runs.sqlite");
  window.newStore(created);
  QVERIFY(QFileInfo::exists(created));
  QCOMPARE(window.source().kind, RunSource::Kind::kStore);
  QCOMPARE(window.source().path, created);
  QVERIFY(window.runs().empty());
  const QString existing = makeStore(directory_, "existing.sqlite", syntheticRuns());
  QVERIFY_THROWS_EXCEPTION(moescope::StoreError, window.newStore(existing));
  QCOMPARE(moescope::RunStore::open_existing(existing.toStdString()).size(),
           syntheticRuns().size());
}

void MainWindowStoreTest::invalidRowsAreListedAndTheOthersFitted() {
  const QString path = makeStore(directory_, "edited.sqlite", syntheticRuns());
  QVERIFY(execute(path, "UPDATE runs SET sparsity = 1.5 WHERE seq = 1"));
  QVERIFY(execute(path, "UPDATE runs SET loss = -5 WHERE seq = 2"));
  const std::size_t all = syntheticRuns().size();

  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1400, 900);
  window.openSource(RunSource::store(path));  // no longer fails the whole load
  window.show();
  QCOMPARE(window.invalidRuns().size(), std::size_t{2});
  QCOMPARE(window.runs().size(), all - 2);
  auto* view = window.findChild<RunTableView*>();
  const QString listed = view->invalidRunsText();
  QVERIFY2(listed.startsWith("2 stored runs no longer satisfy the run model"), qPrintable(listed));
  for (const moescope::InvalidRun& invalid : window.invalidRuns()) {
    QVERIFY2(listed.contains(QString::fromStdString(invalid.describe())), qPrintable(listed));
  }
  QVERIFY(listed.contains("field S: ") && listed.contains("field loss: "));
  // The count beside the table says them too (it read "N of N runs" beside "2 ... left out").
  QCOMPARE(
      window.findChild<QLabel*>("runCount")->text(),
      QStringLiteral("%1 of %1 runs; 2 more in the store, left out (listed above)").arg(all - 2));
  QVERIFY2(window.statusBar()->currentMessage().contains("no longer satisfy the run model"),
           qPrintable(window.statusBar()->currentMessage()));
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
  QCOMPARE(window.data()->runs.size(), all - 2);

  // The notice's button deletes them, after asking.
  Question question;
  answerNextQuestion("&Delete", &question);
  QTest::mouseClick(view->findChild<QPushButton*>("deleteInvalidRuns"), Qt::LeftButton);
  QCOMPARE(question.text,
           QString("Delete 2 runs from %1? This cannot be undone.").arg(native(path)));
  const moescope::StoredRuns stored = moescope::RunStore::open_existing(path.toStdString()).read();
  QVERIFY(stored.invalid.empty());
  QCOMPARE(stored.runs.size(), all - 2);
  QVERIFY(window.invalidRuns().empty());
  QVERIFY(view->invalidRunsText().isEmpty());
  QVERIFY(window.waitForFit());
}

void MainWindowStoreTest::deleteAsksThenRemovesTheRunsAndRefits() {
  const QString path = makeStore(directory_, "delete.sqlite", syntheticRuns());
  const std::size_t all = syntheticRuns().size();
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1500, 950);
  window.openSource(RunSource::store(path));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));

  auto* view = window.findChild<RunTableView*>();
  QTableView* table = view->table();
  QVERIFY(!view->deleteAction()->isEnabled());  // nothing selected yet
  table->selectionModel()->select(
      QItemSelection(table->model()->index(0, 0), table->model()->index(2, 0)),
      QItemSelectionModel::Select | QItemSelectionModel::Rows);
  std::set<std::string> chosen;
  for (const std::size_t index : view->selectedRunIndices())
    chosen.insert(window.runs().at(index).id);
  QCOMPARE(chosen.size(), std::size_t{3});
  QVERIFY(view->deleteAction()->isEnabled());

  // The Del key in the table asks first.
  Question question;
  answerNextQuestion("&Delete", &question);
  window.activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(&window));
  table->setFocus();
  QTest::keyClick(table, Qt::Key_Delete);
  QCOMPARE(question.text,
           QString("Delete 3 runs from %1? This cannot be undone.").arg(native(path)));
  for (const std::string& id : chosen)
    QVERIFY2(question.details.contains(QString::fromStdString(id)), qPrintable(question.details));
  QVERIFY(!question.screen.isNull());
  QVERIFY(question.screen.save(screenshotPath("explorer-delete.png")));

  // Deleted from the store in one go, gone from the table, said in the status bar, refitted.
  const moescope::RunStore store = moescope::RunStore::open_existing(path.toStdString());
  QCOMPARE(store.size(), all - 3);
  for (const std::string& id : chosen)
    QVERIFY(!store.find(id));
  QCOMPARE(window.runs().size(), all - 3);
  QCOMPARE(window.findChild<RunTableModel*>()->rowCount(), static_cast<int>(all - 3));
  QVERIFY2(window.statusBar()->currentMessage().startsWith(
               QString("Deleted 3 runs from %1").arg(native(path))),
           qPrintable(window.statusBar()->currentMessage()));
  QVERIFY(window.isFitting());
  QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
  QCOMPARE(window.data()->runs.size(), all - 3);
  for (const Run& run : window.data()->runs)
    QVERIFY(!chosen.count(run.id));
}

void MainWindowStoreTest::cancelledDeleteLeavesTheStoreAlone() {
  const QString path = makeStore(directory_, "kept.sqlite", syntheticRuns());
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.openSource(RunSource::store(path));
  QVERIFY(window.waitForFit());
  auto* view = window.findChild<RunTableView*>();
  view->table()->selectRow(4);
  Question question;
  answerNextQuestion("Cancel", &question);
  view->deleteAction()->trigger();
  QCOMPARE(question.text,
           QString("Delete 1 run from %1? This cannot be undone.").arg(native(path)));
  QCOMPARE(moescope::RunStore::open_existing(path.toStdString()).size(), syntheticRuns().size());
  QCOMPARE(window.runs().size(), syntheticRuns().size());
  QVERIFY(!window.isFitting());
  QVERIFY(!window.statusBar()->currentMessage().contains("Deleted"));

  // A file's runs are not the explorer's to delete.
  const QString csv = directory_.filePath("runs.csv");
  moescope::write_runs(csv.toStdString(), syntheticRuns());
  window.openSource(RunSource::file(csv));
  view->table()->selectRow(0);
  QVERIFY(!view->deleteAction()->isEnabled());
  window.cancelFit();
}

void MainWindowStoreTest::aFitWithNoUsableRunSaysWhy() {
  // Runs that carry a loss and nothing else: nothing any fit can use.
  std::vector<Run> runs;
  for (int i = 0; i < 4; ++i) {
    Run run;
    run.id = "loss-only-" + std::to_string(i);
    run.name = run.id;
    run.loss = 2.5 + 0.1 * i;
    runs.push_back(run);
  }
  const QString path = makeStore(directory_, "loss-only.sqlite", runs);
  MainWindow window(moescope::ExplorerLoadOptions::quick());
  window.resize(1400, 900);
  window.openSource(RunSource::store(path));
  window.show();
  QVERIFY(window.waitForFit());
  const QString why = "none of the 4 runs can be fitted: 4 have no N";
  QCOMPARE(window.fitStatus(), "No fit: " + why);
  const QString read_out = window.findChild<ReadOutPanel*>()->text();
  QVERIFY2(read_out.startsWith("No fit: " + why + "."), qPrintable(read_out));
  QCOMPARE(window.data()->no_usable_runs, why.toStdString());
  // Each fit's refusal says it too, not "too few points: got 0".
  QVERIFY2(QString::fromStdString(window.data()->law_refused).contains(why),
           window.data()->law_refused.c_str());
  QVERIFY2(QString::fromStdString(window.data()->isoflop_refused).contains(why),
           window.data()->isoflop_refused.c_str());
}

void MainWindowStoreTest::binnedBudgetsShowTheirRuns() {
  const QString path = makeStore(directory_, "continuous.sqlite", continuousBudgetRuns());
  {
    // Within 2 % of one C, C varying continuously makes many budgets of a few runs each.
    MainWindow window(moescope::ExplorerLoadOptions::quick());
    window.openSource(RunSource::store(path));
    QVERIFY(window.waitForFit());
    QVERIFY(window.findChild<BudgetSlider*>("budgetSlider")->dataBudgetPositions().size() > 10);
  }
  moescope::ExplorerLoadOptions options = moescope::ExplorerLoadOptions::quick();
  options.binning = moescope::BudgetBinning::per_decade(4);
  MainWindow window(options);
  window.resize(1400, 900);
  window.openSource(RunSource::store(path));
  window.show();
  QVERIFY(window.waitForFit());

  // The list: a bin centred on 10^(i/4) per budget, with its runs and edges.
  auto* list = window.findChild<QComboBox*>("budgetList");
  QCOMPARE(list->count(), 2);
  QCOMPARE(list->itemText(0), QString("C \u2248 3.16e19 (bin of 49 runs, 2.37\u20134.22e19)"));
  QCOMPARE(list->itemText(1), QString("C \u2248 1e20 (bin of 49 runs, 0.75\u20131.33e20)"));
  auto* slider = window.findChild<BudgetSlider*>("budgetSlider");
  QCOMPARE(slider->dataBudgetPositions().size(), std::size_t{2});
  auto* note = window.findChild<QLabel*>("budgetNote");
  QVERIFY2(note->text().startsWith("Ticks: 2 bins of C, 4 per decade"), qPrintable(note->text()));

  // Anywhere in a bin, the read-out and the list name it, and the 3-D view draws its surface.
  auto* panel = window.findChild<ReadOutPanel*>();
  for (const double budget : {1e20, 1.2e20, 0.8e20}) {
    window.setBudget(budget);
    QCOMPARE(list->currentIndex(), 1);
    QCOMPARE(panel->budgetText(), list->itemText(1));
    QVERIFY(window.showView("surface"));
    const SurfaceScene& scene = window.surfaceScene();
    QVERIFY2(QString::fromStdString(scene.title).startsWith("Eq. 8 IsoFLOP surface at C = 1e20"),
             scene.title.c_str());
    QCOMPARE(scene.points.size(), std::size_t{49});
  }
  window.setBudget(2e20);
  QCOMPARE(list->currentIndex(), -1);
  QCOMPARE(panel->budgetText(), QString("C = 2e20 (no runs at this budget)"));

  // Choosing a bin in the list moves the slider to its centre.
  emit list->activated(0);
  QCOMPARE(window.budget(), std::pow(10.0, 19.5));
  QCOMPARE(list->currentIndex(), 0);
  QCOMPARE(panel->budgetText(), list->itemText(0));
}

void MainWindowStoreTest::budgetGroupingIsASettingAndSaved() {
  moescope::ExplorerLoadOptions binned = moescope::ExplorerLoadOptions::quick();
  binned.binning = moescope::BudgetBinning::per_decade(4);
  FitSettingsDialog dialog(binned);
  auto* grouping = dialog.findChild<QComboBox*>("budgetGrouping");
  auto* bins = dialog.findChild<QSpinBox*>("budgetBins");
  auto* tolerance = dialog.findChild<QDoubleSpinBox*>("budgetTolerance");
  QVERIFY(grouping && bins && tolerance);
  QCOMPARE(bins->value(), 4);
  QVERIFY(!bins->isHidden() && tolerance->isHidden());
  QCOMPARE(dialog.options().binning.kind, moescope::BudgetBinning::Kind::kBinsPerDecade);
  QCOMPARE(dialog.options().binning.bins_per_decade, 4);

  grouping->setCurrentIndex(
      grouping->findData(static_cast<int>(moescope::BudgetBinning::Kind::kTolerance)));
  QVERIFY(bins->isHidden() && !tolerance->isHidden());
  QCOMPARE(tolerance->value(), 2.0);  // the default, in per cent
  tolerance->setValue(5);
  QCOMPARE(dialog.options().binning.kind, moescope::BudgetBinning::Kind::kTolerance);
  QCOMPARE(dialog.options().binning.tolerance, 0.05);
  QVERIFY(dialog.problems().isEmpty());

  ExplorerSession session;
  session.fit_options.binning = moescope::BudgetBinning::per_decade(6);
  session.save();
  QCOMPARE(ExplorerSession::load().fit_options.binning.bins_per_decade, 6);
  session.fit_options.binning = moescope::BudgetBinning::within(0.05);
  session.save();
  const moescope::BudgetBinning loaded = ExplorerSession::load().fit_options.binning;
  QCOMPARE(loaded.kind, moescope::BudgetBinning::Kind::kTolerance);
  QCOMPARE(loaded.tolerance, 0.05);
}

QTEST_MAIN(MainWindowStoreTest)
#include "main_window_store_test.moc"
