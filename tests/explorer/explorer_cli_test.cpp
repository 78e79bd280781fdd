// moescope-explorer's command line (what `moescope explore` runs): bad usage exits 2 naming the
// option and what it takes, before any data is read or fitted, with a display or without; a store
// that does not exist is refused and not created; --budget-bins groups the budgets of the report.
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "main_window.h"
#include "moescope/run_store.h"
#include "moescope/run_table.h"
#include "moescope/synthetic_grid.h"

using namespace moescope::explorer;

namespace {

struct Outcome {
  int exit_code = -1;
  QString out;
  QString err;
};

// Runs the explorer; `display` false runs it as on a machine without one (it then writes the
// figures and a text report instead of opening the window).
Outcome explorer(const QStringList& arguments, bool display) {
  QProcess process;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  if (!display) {
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
      environment.remove(name);
  }
  process.setProcessEnvironment(environment);
  process.start(QStringLiteral(MOESCOPE_EXPLORER), arguments);
  if (!process.waitForFinished(120000))
    return {};
  return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
          QString::fromUtf8(process.readAllStandardError())};
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
};

QTEST_MAIN(ExplorerCliTest)
#include "explorer_cli_test.moc"
