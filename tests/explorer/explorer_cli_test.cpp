// moescope-explorer's command line (what `moescope explore` runs): bad usage exits 2 naming the
// option and what it takes, before any data is read or fitted, with a display or without; without
// --data it reads the study built in, and --data synthetic the synthetic grid; a store that does
// not exist is refused and not created; --budget-bins groups the budgets of the report;
// a saved fit (--fit, File > Open saved fit) is shown as `moescope optimum --law` reads it, and a
// corrupt one is refused naming the file and field.
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "explorer_process.h"
#include "main_window.h"
#include "moescope/explore/explorer_loader.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/io/json_file.h"
#include "moescope/io/run_table.h"
#include "moescope/io/saved_fit.h"
#include "moescope/store/run_store.h"
#include "moescope/synthetic/synthetic_grid.h"

using namespace moescope::explorer;
using namespace moescope::explorer::testing_support;

namespace {

// `display` false runs it as on a machine without one.
Outcome explorer(const QStringList& arguments, bool display) {
  return run_process(QStringLiteral(MOESCOPE_EXPLORER), arguments,
                     display ? QStringList{} : kDisplayVariables);
}

}  // namespace

class ExplorerCliTest : public QObject {
  Q_OBJECT

 private slots:
  void anUnknownViewIsBadUsageNamingTheViews_data() {
    QTest::addColumn<bool>("display");
    QTest::newRow("without a display") << false;
    QTest::newRow("with a display") << true;
  }
  void anUnknownViewIsBadUsageNamingTheViews() {
    QFETCH(bool, display);
    const Outcome outcome = explorer({"--view", "bogus", "--print-readout"}, display);
    QCOMPARE(outcome.exit_code, 2);
    QVERIFY2(outcome.err.contains("moescope-explorer: no view 'bogus'; views: " +
                                  MainWindow::viewNames().join(", ") + "\n"),
             qPrintable(outcome.err));
    QVERIFY2(outcome.out.isEmpty(), qPrintable(outcome.out));  // no read-out, no report
  }

  void badOptionsAreBadUsage_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("validation") << QStringList{"--validation", "sideways"}
                                << "--validation takes budgets or forward, not 'sideways'";
    QTest::newRow("budget nan") << QStringList{"--budget", "nan"}
                                << "--budget takes a finite number > 0, not 'nan'";
    QTest::newRow("negative cap") << QStringList{"--max-params", "-1"}
                                  << "--max-params takes a finite number > 0, not '-1'";
    QTest::newRow("no bins") << QStringList{"--budget-bins", "0"}
                             << "--budget-bins takes a whole number >= 1";
    QTest::newRow("half a bin") << QStringList{"--budget-bins", "2.5"}
                                << "--budget-bins takes a whole number >= 1";
    QTest::newRow("negative tolerance") << QStringList{"--budget-tolerance", "-0.1"}
                                        << "--budget-tolerance takes a finite number >= 0";
    QTest::newRow("bins and tolerance")
        << QStringList{"--budget-bins", "4", "--budget-tolerance", "0.1"}
        << "--budget-bins and --budget-tolerance exclude each other";
    QTest::newRow("dpi") << QStringList{"--dpi", "0"} << "--dpi takes a whole number >= 1";
  }
  void badOptionsAreBadUsage() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Outcome outcome = explorer(arguments, false);
    QCOMPARE(outcome.exit_code, 2);
    QVERIFY2(outcome.err.contains("moescope-explorer: " + message), qPrintable(outcome.err));
  }

  void withoutDataItReadsTheStudy_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("data");
    QTest::addColumn<QString>("unit");
    QTest::newRow("no --data") << QStringList{} << "datasets/moe-study/runs.json (embedded)"
                               << "nats/byte";
    QTest::newRow("--data synthetic")
        << QStringList{"--data", "synthetic"} << "datasets/synthetic-table3.csv (embedded)"
        << "nats/token";
  }
  void withoutDataItReadsTheStudy() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, data);
    QFETCH(QString, unit);
    QTemporaryDir directory;
    const Outcome outcome = explorer(
        arguments + QStringList{"--quick-fit", "--export-all", directory.filePath("figures")},
        false);
    QCOMPARE(outcome.exit_code, 0);
    QVERIFY2(outcome.out.contains(" runs from " + data + ".\n"), qPrintable(outcome.out));
    QVERIFY2(outcome.out.contains("L* (" + unit + ")"), qPrintable(outcome.out));
  }

  void aMissingStoreIsRefusedAndNotCreated() {
    QTemporaryDir directory;
    const QString missing = directory.filePath("typo/runs.sqlite");
    const Outcome outcome = explorer({"--store", missing, "--quick-fit"}, false);
    QCOMPARE(outcome.exit_code, 1);
    QVERIFY2(outcome.err.contains(missing), qPrintable(outcome.err));
    QVERIFY(!QFileInfo::exists(directory.filePath("typo")));
  }

  void budgetBinsGroupTheReportsBudgets() {
    QTemporaryDir directory;
    // Two budgets whose runs' C scatter by up to 22 %, as values read off a figure do.
    moescope::SyntheticGridOptions grid;
    grid.budgets = {3e19, 1e20};
    std::vector<moescope::Run> runs = moescope::generate_synthetic_grid(grid);
    for (std::size_t i = 0; i < runs.size(); ++i)
      *runs[i].compute *= std::exp(0.2 * std::sin(1.7 * static_cast<double>(i)));
    const QString store = directory.filePath("runs.sqlite");
    moescope::RunStore::open(store.toStdString()).insert(runs);

    const Outcome outcome = explorer({"--store", store, "--quick-fit", "--budget-bins", "4",
                                      "--export-all", directory.filePath("figures")},
                                     false);
    QCOMPARE(outcome.exit_code, 0);
    QVERIFY2(outcome.out.contains("\n3.16e19 ") && outcome.out.contains("\n1e20 "),
             qPrintable(outcome.out));
    QVERIFY2(outcome.out.contains("Budgets: 4 bins per decade of C (centres 10^(i/4)).\n"),
             qPrintable(outcome.out));
    QVERIFY2(!outcome.out.contains("of the data's"), qPrintable(outcome.out));  // all 2 shown
  }

  void aSavedLawIsReadOutAsTheCommandLineReadsIt() {
    QTemporaryDir directory;
    const SavedFitFiles files = write_store_and_saved_law(directory);
    const Outcome window = explorer(
        {"--store", files.store, "--fit", files.fit, "--budget", "1e20", "--print-readout"}, false);
    QCOMPARE(window.exit_code, 0);
    const Outcome command = run_process(
        QStringLiteral(MOESCOPE_CLI), {"optimum", "--law", files.fit, "--budget", "1e20", "--json"},
        kDisplayVariables);
    QCOMPARE(command.exit_code, 0);
    QVERIFY2(window.out.contains("\"N\""), qPrintable(window.out));
    QCOMPARE(window.out, command.out);
  }

  void aCorruptSavedFitIsRefusedNamingTheFileAndField() {
    QTemporaryDir directory;
    const QString corrupt = directory.filePath("corrupt.json");
    QFile file(corrupt);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"format": "moescope-fit", "version": 1, "kind": "surfaces", "surfaces": [
                 {"axis": "N", "degrees": [2, 1.5, 2], "coefficients": {}}]})");
    file.close();
    const Outcome outcome = explorer({"--fit", corrupt, "--print-readout"}, false);
    QCOMPARE(outcome.exit_code, 1);
    QVERIFY2(outcome.err.contains(corrupt) && outcome.err.contains("surfaces[0].degrees[1]"),
             qPrintable(outcome.err));

    // The window, from File > Open saved fit: refused with the same words, nothing replaced.
    MainWindow window(moescope::ExplorerLoadOptions::quick());
    window.openSource(RunSource::store(write_store_and_saved_law(directory).store));
    QVERIFY(window.waitForFit());
    QString error;
    QVERIFY(!window.openSavedFit(corrupt, &error));
    QVERIFY2(error.contains("surfaces[0].degrees[1]"), qPrintable(error));
    QVERIFY(!window.fitOptions().saved_fit);
  }

  void theWindowShowsASavedLawUntilToldToFitTheRuns() {
    QTemporaryDir directory;
    const SavedFitFiles files = write_store_and_saved_law(directory);
    moescope::ExplorerLoadOptions quick = moescope::ExplorerLoadOptions::quick();
    MainWindow window(quick);
    window.openSource(RunSource::store(files.store));
    QVERIFY(window.waitForFit());
    QString error;
    QVERIFY2(window.openSavedFit(files.fit, &error), qPrintable(error));
    QVERIFY(window.waitForFit());
    QCOMPARE(QString::fromStdString(window.data()->law_file), files.fit);
    QVERIFY2(window.fitStatus().contains("read from FIT.json"), qPrintable(window.fitStatus()));
    const moescope::SavedFit saved = moescope::read_saved_fit(files.fit.toStdString());
    QCOMPARE(window.data()->law->abnar.alpha, saved.law->law.abnar.alpha);
    QCOMPARE(window.data()->replicates.size(), saved.law->replicates.size());

    window.forgetSavedFit();
    QVERIFY(window.waitForFit());
    QVERIFY(window.data()->law_file.empty());
    QVERIFY2(!window.fitStatus().contains("read from"), qPrintable(window.fitStatus()));
  }
};

QTEST_MAIN(ExplorerCliTest)
#include "explorer_cli_test.moc"
