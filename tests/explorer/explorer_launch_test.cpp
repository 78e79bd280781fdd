// Opening the explorer at once (issue 19): `--law FIT.json` shows a saved fit as --fit does, and a
// file that is neither a saved fit nor a law file is refused saying so; the fit cache opens the
// same runs and settings without refitting, ignores a corrupt entry, and says in the status bar
// that the fit came from it; a fit of the published grid shows the quick first look in the views
// while it runs, and Cancel keeps it; no XDG_RUNTIME_DIR warning on a start without one; the 3-D
// view's camera benchmark prints its timings; the read-out stays in sight when the training dock
// is enlarged; the empty loss chart's step axis ticks at whole steps.
#include <QChartView>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSet>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>
#include <cmath>

#include "explorer_process.h"
#include "main_window.h"
#include "moescope/explore/explorer_loader.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/io/fit_cache.h"
#include "moescope/io/json_file.h"
#include "moescope/io/saved_fit.h"
#include "moescope/store/run_store.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "read_out_panel.h"
#include "run_table_model.h"
#include "training_panel.h"

using namespace moescope::explorer;
using namespace moescope::explorer::testing_support;

namespace {

Outcome explorer(const QStringList& arguments, const QStringList& unset = {}) {
  return run_process(QStringLiteral(MOESCOPE_EXPLORER), arguments, unset);
}

// The quick grid with 3 bootstrap refits: what is under test is where the fit comes from.
moescope::ExplorerLoadOptions cheap() {
  moescope::ExplorerLoadOptions options = moescope::ExplorerLoadOptions::quick();
  options.law.bootstrap = 3;
  return options;
}

}  // namespace

class ExplorerLaunchTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    // The explorer's own cache stays out of the user's.
    QVERIFY(cache_.isValid());
    qputenv("MOESCOPE_CACHE_DIR", cache_.path().toUtf8());
    files_ = write_store_and_saved_law(directory_, cheap());
  }

  void aSavedFitGivenAsLawIsShownAsWithFit() {
    const SavedFitFiles& files = files_;
    const QStringList common = {"--store", files.store, "--budget", "1e20", "--print-readout"};
    const Outcome as_law = explorer(QStringList{"--law", files.fit} + common);
    QCOMPARE(as_law.exit_code, 0);
    const Outcome as_fit = explorer(QStringList{"--fit", files.fit} + common);
    QCOMPARE(as_fit.exit_code, 0);
    QVERIFY2(as_law.out.contains("\"N\""), qPrintable(as_law.out));
    QCOMPARE(as_law.out, as_fit.out);

    const Outcome both = explorer(QStringList{"--law", files.fit, "--fit", files.fit} + common);
    QCOMPARE(both.exit_code, 1);
    QVERIFY2(both.err.contains("one saved fit at a time"), qPrintable(both.err));
  }

  void aFileThatIsNeitherIsRefusedSayingSo() {
    const SavedFitFiles& files = files_;
    const QString neither = directory_.filePath("neither.json");
    QFile file(neither);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"format": "moescope-runs", "runs": []})");
    file.close();
    const Outcome outcome =
        explorer({"--store", files.store, "--fit", files.fit, "--law", neither, "--print-readout"});
    QCOMPARE(outcome.exit_code, 1);
    QVERIFY2(outcome.err.contains("--law " + neither +
                                  " is neither a saved fit (\"format\": \"moescope-fit\""),
             qPrintable(outcome.err));
  }

  void aSecondOpeningComesFromTheCache() {
    const SavedFitFiles& files = files_;
    const QString cache = directory_.filePath("cache");
    moescope::ReadOut first_read_out;
    {
      MainWindow window(cheap());
      window.useFitCache(cache.toStdString());
      window.openSource(RunSource::store(files.store));
      QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
      QVERIFY2(!window.fitStatus().contains("from the cache"), qPrintable(window.fitStatus()));
      first_read_out = window.readOut();
    }
    const QStringList entries = QDir(cache).entryList({"fit-*.json"});
    QCOMPARE(entries.size(), 1);

    MainWindow window(cheap());
    window.useFitCache(cache.toStdString());
    window.openSource(RunSource::store(files.store));
    QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
    QVERIFY2(window.fitStatus().contains("from the cache (fitted 20"),
             qPrintable(window.fitStatus()));
    QCOMPARE(window.readOut().point.sparsity, first_read_out.point.sparsity);
    QCOMPARE(window.readOut().point.total_params, first_read_out.point.total_params);
    // What Figure 6's validation needs came back with it.
    QVERIFY(!window.data()->law_minima.empty());
    QVERIFY(!window.data()->law_points.empty());

    // A corrupt entry: refitted, with a note, and written afresh.
    QFile corrupt(QDir(cache).filePath(entries.front()));
    QVERIFY(corrupt.open(QIODevice::WriteOnly | QIODevice::Truncate));
    corrupt.write("{ not json");
    corrupt.close();
    window.setFitOptions(cheap());
    QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
    QVERIFY2(!window.fitStatus().contains("from the cache"), qPrintable(window.fitStatus()));
    QVERIFY2(window.findChild<QLabel*>("fitStatus")->toolTip().contains("ignored the cached fit"),
             qPrintable(window.findChild<QLabel*>("fitStatus")->toolTip()));
    QCOMPARE(window.readOut().point.sparsity, first_read_out.point.sparsity);
    window.setFitOptions(cheap());
    QVERIFY(window.waitForFit());
    QVERIFY2(window.fitStatus().contains("from the cache"), qPrintable(window.fitStatus()));
  }

  void aReportWithoutADisplayUsesTheCacheAsTheWindowDoes() {
    const QDir cache(cache_.path());
    const QStringList arguments = {"--store",  files_.store, "--quick-fit",
                                   "--budget", "1e20",       "--print-readout"};
    const qsizetype before = cache.entryList({"fit-*.json"}).size();
    const Outcome fitted = explorer(arguments, kDisplayVariables);
    QCOMPARE(fitted.exit_code, 0);
    QVERIFY2(!fitted.err.contains("cached"), qPrintable(fitted.err));
    QCOMPARE(cache.entryList({"fit-*.json"}).size(), before + 1);

    const Outcome cached = explorer(arguments, kDisplayVariables);
    QCOMPARE(cached.exit_code, 0);
    QVERIFY2(cached.err.contains("the law's fit is the cached one of 20"), qPrintable(cached.err));
    QVERIFY2(cached.out.contains("\"N\""), qPrintable(cached.out));
    QCOMPARE(cached.out, fitted.out);
    QCOMPARE(cache.entryList({"fit-*.json"}).size(), before + 1);
  }

  void theFirstLookShowsWhileTheFullFitRuns() {
    const SavedFitFiles& files = files_;
    MainWindow window;  // the published grid: Table 2's 437,400 starts
    window.resize(1200, 800);
    window.show();
    window.openSource(RunSource::store(files.store));
    QVERIFY2(window.waitForFirstView(), qPrintable(window.fitStatus()));
    QVERIFY(window.isShowingFirstLook());
    QVERIFY(window.isFitting());
    QVERIFY2(window.fitStatus().startsWith("First look (the quick grid's 512 starts); full fit"),
             qPrintable(window.fitStatus()));
    // The views, not a "Fitting..." page.
    auto* stack = window.findChild<QStackedWidget*>(QStringLiteral("viewStack"));
    QVERIFY(stack != nullptr && qobject_cast<QTabWidget*>(stack->currentWidget()) != nullptr);
    QVERIFY(window.data()->law.has_value());
    window.cancelFit();
    QTRY_VERIFY(!window.isFitting());
    QVERIFY(window.isShowingFirstLook());
    QVERIFY2(window.fitStatus().startsWith("Full fit cancelled; showing the first look"),
             qPrintable(window.fitStatus()));
  }

  void theReadOutStaysInSightWhenTheTrainingDockGrows() {
    const SavedFitFiles& files = files_;
    MainWindow window(cheap());
    window.resize(1500, 950);
    window.show();
    window.openSource(RunSource::store(files.store));
    QString error;
    QVERIFY2(window.openSavedFit(files.fit, &error), qPrintable(error));
    QVERIFY2(window.waitForFit(), qPrintable(window.fitStatus()));
    window.waitForHeadline();
    auto* dock = window.findChild<QDockWidget*>(QStringLiteral("trainingDock"));
    dock->raise();
    window.resizeDocks({dock}, {900}, Qt::Vertical);  // as far as a reader can drag it
    QApplication::processEvents();
    auto* scroll = window.findChild<QScrollArea*>(QStringLiteral("controlsScroll"));
    auto* read_out = window.findChild<ReadOutPanel*>();
    QCOMPARE(scroll->verticalScrollBar()->value(), 0);
    const int bottom = read_out->mapTo(scroll->viewport(), QPoint(0, read_out->height())).y();
    QVERIFY2(bottom <= scroll->viewport()->height(),
             qPrintable(QStringLiteral("read-out bottom %1, viewport %2")
                            .arg(bottom)
                            .arg(scroll->viewport()->height())));
    QVERIFY(read_out->height() >= read_out->sizeHint().height());
    QVERIFY(dock->height() > 200);  // the dock did grow, up to what leaves the read-out whole
  }

  void aBudgetIsNeverShownAsAWholeNumberOfNineteenDigits() {
    moescope::Run run = moescope::generate_synthetic_grid({}).front();
    run.compute = 1397236736293715200.0;  // 6 N_a D: a whole number
    RunTableModel model;
    model.setRuns({run});
    const QModelIndex cell = model.index(0, RunTableModel::kComputeColumn);
    for (const int role : {int(Qt::DisplayRole), int(Qt::ToolTipRole)}) {
      const QString text = model.data(cell, role).toString();
      QVERIFY2(!text.contains("1397236736293715200") && text.contains("e"), qPrintable(text));
    }
    QVERIFY(model.data(cell, Qt::ToolTipRole).toString().startsWith("1.3972367362937152e+18"));
  }

  void theEmptyLossChartTicksAtWholeSteps() {
    QTemporaryDir queue;
    TrainingPanel panel({"/bin/true"}, queue.path().toStdString());
    panel.show();
    auto* view = panel.findChild<QChartView*>();
    QVERIFY(view != nullptr);
    auto* steps = qobject_cast<QValueAxis*>(view->chart()->axes(Qt::Horizontal).first());
    QVERIFY(steps != nullptr);
    const double tick = (steps->max() - steps->min()) / (steps->tickCount() - 1);
    QVERIFY2(tick >= 1 && tick == std::floor(tick), qPrintable(QString::number(tick)));
  }

  // Both in one start: a launch costs seconds on a busy machine.
  void theCameraBenchmarkPrintsItsTimingsWithoutARuntimeDirectoryWarning() {
    const Outcome outcome = explorer(
        {"--store", files_.store, "--fit", files_.fit, "--bench-camera", "8"}, {"XDG_RUNTIME_DIR"});
    QCOMPARE(outcome.exit_code, 0);
    QVERIFY2(!outcome.err.contains("XDG_RUNTIME_DIR"), qPrintable(outcome.err));
    QVERIFY2(outcome.out.startsWith("{\"moves\":8,\"p50_ms\":"), qPrintable(outcome.out));
    QVERIFY2(!outcome.out.contains("null"), qPrintable(outcome.out));
  }

  void figureTwoADrawsTheSizesAUserChooses() {
    const QString out = directory_.filePath("sizes");
    const Outcome outcome = explorer({"--store", files_.store, "--fit", files_.fit, "--budget",
                                      "1e20", "--sizes", "1e10, 1e9", "--export-all", out});
    QCOMPARE(outcome.exit_code, 0);
    QFile csv(QDir(out).filePath("loss-vs-sparsity.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(csv.readAll());
    QSet<QString> sizes;
    static const QRegularExpression kSize(QStringLiteral("N = ([0-9.e+]+)"));
    for (auto match = kSize.globalMatch(text); match.hasNext();)
      sizes.insert(match.next().captured(1));
    QCOMPARE(sizes, (QSet<QString>{"1e9", "1e10"}));

    const Outcome bad = explorer({"--store", files_.store, "--sizes", "1e9,big"});
    QCOMPARE(bad.exit_code, 2);
    QVERIFY2(bad.err.contains("--sizes: 'big' is not a size N"), qPrintable(bad.err));
  }

 private:
  QTemporaryDir cache_;
  QTemporaryDir directory_;
  SavedFitFiles files_;
};

QTEST_MAIN(ExplorerLaunchTest)
#include "explorer_launch_test.moc"
