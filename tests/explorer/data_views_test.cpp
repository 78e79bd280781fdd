// The explorer's run table, its filter, status editing and Delete, and the import dialog with
// the command line's curation (--where, --best-of, --ignore-unknown), driven against real files
// and a real temporary run store.
#include <sqlite3.h>

#include <QAction>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "import_dialog.h"
#include "moescope/io/run_table.h"
#include "moescope/run/run_filter.h"
#include "moescope/store/run_store.h"
#include "run_table_model.h"
#include "run_table_view.h"

using namespace moescope::explorer;

namespace {

using moescope::Run;
using moescope::RunStatus;

Run makeRun(const std::string& name, std::optional<double> total_params,
            std::optional<double> sparsity = std::nullopt,
            std::optional<double> compute = std::nullopt) {
  Run run;
  run.id = "r-" + name;
  run.name = name;
  run.origin = "fixture";
  run.total_params = total_params;
  run.sparsity = sparsity;
  run.compute = compute;
  return run;
}

// The runs of a CSV text as the core reads them: valid, derived, with content ids.
std::vector<Run> readCsv(const std::string& text) {
  return moescope::read_runs(text, moescope::TableFormat::kCsv, "fixture.csv").runs;
}

// Names down a view's column, in the order shown.
QStringList shownNames(const QAbstractItemModel& model) {
  QStringList names;
  for (int row = 0; row < model.rowCount(); ++row)
    names << model.index(row, RunTableModel::kNameColumn).data().toString();
  return names;
}

std::set<std::size_t> shownRunIndices(const RunTableView& view) {
  const auto* proxy = qobject_cast<const QSortFilterProxyModel*>(view.table()->model());
  std::set<std::size_t> indices;
  for (int row = 0; row < proxy->rowCount(); ++row)
    indices.insert(static_cast<std::size_t>(proxy->mapToSource(proxy->index(row, 0)).row()));
  return indices;
}

bool hasLabelWithText(const QWidget& widget, const QString& text) {
  const QList<QLabel*> labels = widget.findChildren<QLabel*>();
  return std::any_of(labels.begin(), labels.end(), [&](const QLabel* label) {
    return !label->isHidden() && label->text() == text;
  });
}

QString writeFile(const QString& path, const QByteArray& contents) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size())
    qFatal("cannot write the fixture %s", qPrintable(path));
  return path;
}

// The bytes the store occupies on disk: its file and, in WAL mode, the log not yet checkpointed.
qint64 storeBytes(const QString& path) {
  return QFileInfo(path).size() + QFileInfo(path + QStringLiteral("-wal")).size();
}

// Makes the store refuse every insert, as a full disk or a broken file would, through a trigger
// added behind the RunStore's back.
bool makeStoreRefuseInserts(const QString& store_path) {
  sqlite3* db = nullptr;
  const bool refused = sqlite3_open(QFile::encodeName(store_path).constData(), &db) == SQLITE_OK &&
                       sqlite3_exec(db,
                                    "CREATE TRIGGER refuse_inserts BEFORE INSERT ON runs "
                                    "BEGIN SELECT RAISE(ABORT, 'inserts refused by the test'); END",
                                    nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return refused;
}

// Pictures the Qt tests take for docs/images, kept in the build tree.
QString screenshotPath(const QString& name) {
  const QString directory = QStringLiteral(MOESCOPE_BINARY_DIR "/tests/explorer/screenshots");
  QDir().mkpath(directory);
  return QDir(directory).filePath(name);
}

// More than a background: enough distinct colours.
bool looksDrawn(const QImage& image) {
  QSet<QRgb> colours;
  for (int y = 0; y < image.height(); y += 3) {
    for (int x = 0; x < image.width(); x += 3)
      colours.insert(image.pixel(x, y));
  }
  return colours.size() > 20;
}

QPushButton* importButtonOf(const ImportDialog& dialog) {
  const auto* buttons = dialog.findChild<QDialogButtonBox*>();
  for (QAbstractButton* button : buttons->buttons()) {
    if (buttons->buttonRole(button) == QDialogButtonBox::AcceptRole)
      return qobject_cast<QPushButton*>(button);
  }
  return nullptr;
}

// Two experiments (dataset), a learning-rate sweep and a seed column: what --where, --best-of and
// --ignore-unknown are for.
const QByteArray kSweepCsv =
    "name,N,D,loss,lr,dataset,seed\n"
    "a,1e8,2e9,3.0,1e-3,rw,1\n"
    "a,1e8,2e9,2.9,3e-3,rw,1\n"
    "b,2e8,2e9,2.8,1e-3,rw,1\n"
    "b,2e8,2e9,2.7,3e-3,rw,1\n"
    "c,4e8,2e9,2.6,1e-3,c4,1\n";

const QByteArray kGoodCsv =
    "name,N,N_active,D,loss\n"
    "small,2e8,2e8,4e9,3.1\n"
    "sparse,1e9,1.25e8,8e9,2.9\n"
    "large,3e10,3e10,6e11,2.2\n";

}  // namespace

class DataViewsTest : public QObject {
  Q_OBJECT

 private slots:
  // Each test gets its own folder, so no store or fixture leaks from one test into the next.
  void init() {
    temp_dir_.emplace();
    QVERIFY(temp_dir_->isValid());
  }
  void cleanup() { temp_dir_.reset(); }

  void modelShowsRunsBrieflyWithDashesForMissingValues() {
    RunTableModel model;
    model.setRuns({makeRun("a", 1.31e9, 0.875), makeRun("b", std::nullopt)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), int(RunTableModel::kColumnCount));
    QCOMPARE(model.headerData(RunTableModel::kComputeColumn, Qt::Horizontal).toString(),
             QStringLiteral("C (FLOPs)"));
    const QModelIndex total_params = model.index(0, RunTableModel::kTotalParamsColumn);
    QCOMPARE(total_params.data().toString(), QStringLiteral("1.31e9"));
    QCOMPARE(total_params.data(RunTableModel::kSortRole).toDouble(), 1.31e9);
    QCOMPARE(model.index(0, RunTableModel::kSparsityColumn).data().toString(),
             QStringLiteral("0.875"));
    QCOMPARE(model.index(0, RunTableModel::kStatusColumn).data().toString(),
             QStringLiteral("done"));
    const QModelIndex missing = model.index(1, RunTableModel::kTotalParamsColumn);
    QCOMPARE(missing.data().toString(), QStringLiteral("\u2014"));
    QVERIFY(!missing.data(RunTableModel::kSortRole).isValid());
    QCOMPARE(model.index(1, RunTableModel::kDModelColumn).data().toString(),
             QStringLiteral("\u2014"));
  }

  void viewSortsNumericallyWithMissingValuesLast() {
    RunTableModel model;
    // As text, "1e9" < "2e8" < "3e10"; only a numeric sort puts 2e8 first.
    model.setRuns({makeRun("30B", 3e10), makeRun("unknown", std::nullopt), makeRun("200M", 2e8),
                   makeRun("1B", 1e9)});
    RunTableView view(&model);
    view.table()->sortByColumn(RunTableModel::kTotalParamsColumn, Qt::AscendingOrder);
    QCOMPARE(shownNames(*view.table()->model()), (QStringList{"200M", "1B", "30B", "unknown"}));
    view.table()->sortByColumn(RunTableModel::kTotalParamsColumn, Qt::DescendingOrder);
    QCOMPARE(shownNames(*view.table()->model()), (QStringList{"30B", "1B", "200M", "unknown"}));
  }

  void selectingARowNamesTheRunInTheModel() {
    RunTableModel model;
    model.setRuns({makeRun("30B", 3e10), makeRun("200M", 2e8)});
    RunTableView view(&model);
    view.table()->sortByColumn(RunTableModel::kTotalParamsColumn, Qt::AscendingOrder);
    QSignalSpy selected(&view, &RunTableView::runSelected);
    view.table()->setCurrentIndex(view.table()->model()->index(0, 0));
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.at(0).at(0).value<std::size_t>(), std::size_t{1});
  }

  void filterKeepsExactlyTheRunsTheRuleMatches() {
    const std::vector<Run> runs = {
        makeRun("dense", 1e9, 0.0, 1e20),    makeRun("s90-small", 2e9, 0.9, 1e20),
        makeRun("s90-big", 2e10, 0.9, 3e21), makeRun("s98", 5e10, 0.98, 1e21),
        makeRun("s95-no-C", 5e9, 0.95),      makeRun("s99", 8e10, 0.99, 9.9e20),
    };
    RunTableModel model;
    model.setRuns(runs);
    RunTableView view(&model);
    QCOMPARE(view.visibleRunCount(), 6);

    const QString rule = QStringLiteral("S>=0.9 && C<1e21");
    view.setFilterText(rule);
    const moescope::RunFilter filter = moescope::RunFilter::parse(rule.toStdString());
    std::set<std::size_t> expected;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (filter.matches(runs[i]))
        expected.insert(i);
    }
    QCOMPARE(expected, (std::set<std::size_t>{1, 5}));
    QCOMPARE(shownRunIndices(view), expected);
    QCOMPARE(view.visibleRunCount(), 2);
    QVERIFY(view.filterError().isEmpty());
    QVERIFY(hasLabelWithText(view, QStringLiteral("2 of 6 runs")));

    view.setFilterText(QString());
    QCOMPARE(view.visibleRunCount(), 6);
    QVERIFY(hasLabelWithText(view, QStringLiteral("6 of 6 runs")));
  }

  void badRuleShowsTheProblemAndKeepsTheTable() {
    RunTableModel model;
    model.setRuns({makeRun("dense", 1e9, 0.0), makeRun("sparse", 1e9, 0.9)});
    RunTableView view(&model);
    view.setFilterText(QStringLiteral("S>0.5"));
    QCOMPARE(view.visibleRunCount(), 1);

    view.setFilterText(QStringLiteral("sparsity>0.5"));
    QVERIFY2(view.filterError().contains(QStringLiteral("unknown field 'sparsity'")),
             qPrintable(view.filterError()));
    QVERIFY(hasLabelWithText(view, view.filterError()));
    QCOMPARE(view.visibleRunCount(), 1);
    QCOMPARE(shownRunIndices(view), (std::set<std::size_t>{1}));

    view.setFilterText(QStringLiteral("S > lots"));
    QVERIFY2(view.filterError().contains(QStringLiteral("'lots' is not a number")),
             qPrintable(view.filterError()));
    QCOMPARE(view.visibleRunCount(), 1);

    view.setFilterText(QStringLiteral("S<0.5"));
    QVERIFY(view.filterError().isEmpty());
    QCOMPARE(shownRunIndices(view), (std::set<std::size_t>{0}));
  }

  void statusIsReadOnlyWithoutACommitFunction() {
    RunTableModel model;
    model.setRuns({makeRun("a", 1e9)});
    const QModelIndex status = model.index(0, RunTableModel::kStatusColumn);
    QVERIFY(!model.flags(status).testFlag(Qt::ItemIsEditable));
    QVERIFY(status.data(Qt::ToolTipRole).toString().contains(QStringLiteral("open a store")));
    QVERIFY(!model.setData(status, QStringLiteral("failed")));
    QCOMPARE(status.data().toString(), QStringLiteral("done"));
  }

  void statusEditIsWrittenToTheStore() {
    const QString store_path = tempPath(QStringLiteral("runs.sqlite"));
    std::optional<moescope::RunStore> store = moescope::RunStore::open(store_path.toStdString());
    store->insert(readCsv(kGoodCsv.toStdString()));
    RunTableModel model;
    model.setRuns(store->runs());
    model.setStatusCommit([&store](const Run& updated) { store->update(updated); });
    const QModelIndex status = model.index(1, RunTableModel::kStatusColumn);
    QVERIFY(model.flags(status).testFlag(Qt::ItemIsEditable));
    QSignalSpy edited(&model, &RunTableModel::runEdited);
    QSignalSpy failed(&model, &RunTableModel::editFailed);

    QVERIFY(model.setData(status, QStringLiteral("failed")));
    QCOMPARE(status.data().toString(), QStringLiteral("failed"));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(edited.count(), 1);
    const Run edited_run = edited.at(0).at(0).value<Run>();
    QCOMPARE(edited_run.status, RunStatus::kFailed);
    QCOMPARE(edited_run.id, model.runAt(1).id);

    model.setStatusCommit({});
    store.reset();
    const moescope::RunStore reopened = moescope::RunStore::open(store_path.toStdString());
    const std::optional<Run> stored = reopened.find(edited_run.id);
    QVERIFY(stored.has_value());
    QCOMPARE(stored->status, RunStatus::kFailed);
    QCOMPARE(reopened.find(model.runAt(0).id)->status, RunStatus::kDone);
  }

  void refusedStatusEditLeavesTheModelUnchanged() {
    RunTableModel model;
    model.setRuns({makeRun("a", 1e9)});
    model.setStatusCommit([](const Run&) { throw moescope::StoreError("the store is locked"); });
    QSignalSpy edited(&model, &RunTableModel::runEdited);
    QSignalSpy failed(&model, &RunTableModel::editFailed);
    const QModelIndex status = model.index(0, RunTableModel::kStatusColumn);

    QVERIFY(!model.setData(status, QStringLiteral("running")));
    QCOMPARE(status.data().toString(), QStringLiteral("done"));
    QCOMPARE(model.runAt(0).status, RunStatus::kDone);
    QCOMPARE(edited.count(), 0);
    QCOMPARE(failed.count(), 1);
    QVERIFY2(failed.at(0).at(0).toString().contains(QStringLiteral("the store is locked")),
             qPrintable(failed.at(0).at(0).toString()));
  }

  void importDialogPreviewsAndImportsAGoodFile() {
    const QString csv = writeFile(tempPath(QStringLiteral("good.csv")), kGoodCsv);
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    store.insert({makeRun("already there", 5e8)});
    ImportDialog dialog(store);
    QVERIFY(!dialog.canImport());

    dialog.setFilePath(csv);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.previewRunCount(), 3);
    QVERIFY(dialog.canImport());
    QVERIFY(importButtonOf(dialog)->isEnabled());

    dialog.show();
    QTest::mouseClick(importButtonOf(dialog), Qt::LeftButton);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.isVisible());
    QCOMPARE(store.size(), std::size_t{4});
    QCOMPARE(dialog.lastSummary(), QStringLiteral("Imported 3 runs from good.csv"));

    // The same file again adds nothing and says so.
    QVERIFY(dialog.importNow());
    QCOMPARE(store.size(), std::size_t{4});
    QCOMPARE(dialog.lastSummary(),
             QStringLiteral("Imported 0 runs from good.csv (3 already in the store)"));
  }

  void importDialogCuratesAsTheCommandLineDoes() {
    const QString csv = writeFile(tempPath(QStringLiteral("sweep.csv")), kSweepCsv);
    const QString store_path = tempPath(QStringLiteral("runs.sqlite"));
    moescope::RunStore store = moescope::RunStore::open(store_path.toStdString());
    const qint64 bytes_before = storeBytes(store_path);
    ImportDialog dialog(store);

    // Unknown columns stop the import, each named, and nothing is written.
    dialog.setFilePath(csv);
    QVERIFY2(dialog.errorText().contains(
                 csv + QStringLiteral(":1: columns that map to no field: 'dataset', 'seed'")),
             qPrintable(dialog.errorText()));
    QVERIFY(!dialog.canImport());
    QVERIFY(!dialog.importNow());
    QCOMPARE(store.size(), std::size_t{0});
    QCOMPARE(storeBytes(store_path), bytes_before);

    // A rule that reads a column accounts for it; the other is still named.
    dialog.setWhere(QStringLiteral("dataset == \"rw\""));
    QVERIFY(dialog.whereError().isEmpty());
    QVERIFY2(dialog.errorText().contains(QStringLiteral("column that maps to no field: 'seed'")),
             qPrintable(dialog.errorText()));
    QVERIFY(!dialog.errorText().contains(QStringLiteral("'dataset'")));
    QVERIFY(!dialog.canImport());

    dialog.setIgnoreUnknown(true);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.previewRunCount(), 4);
    QCOMPARE(dialog.previewSummary(),
             QStringLiteral("4 runs to import (1 of 5 rows left out by --where):"));

    dialog.setBestOf(QStringLiteral("lr"));
    QCOMPARE(dialog.previewRunCount(), 2);
    QCOMPARE(dialog.previewSummary(),
             QStringLiteral("2 runs to import (1 of 5 rows left out by --where; 4 rows as the "
                            "best 2 runs by --best-of):"));

    // The dialog with its new controls, for docs/images/explorer-import.png.
    dialog.resize(1100, 520);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    const QImage picture = dialog.grab().toImage();
    QVERIFY(looksDrawn(picture));
    QVERIFY(picture.save(screenshotPath(QStringLiteral("explorer-import.png"))));

    QVERIFY(dialog.importNow());
    QCOMPARE(dialog.lastSummary(),
             QStringLiteral("Imported 2 runs from sweep.csv (1 of 5 rows left out by --where; 4 "
                            "rows as the best 2 runs by --best-of)"));
    const std::vector<Run> stored = store.runs();
    QCOMPARE(stored.size(), std::size_t{2});
    QCOMPARE(*stored[0].loss, 2.9);  // the better learning rate of each size
    QCOMPARE(*stored[1].loss, 2.7);
    QCOMPARE(stored[0].best_of, 2);
  }

  void importDialogShowsABadRuleInlineAndReadsNothing() {
    const QString csv = writeFile(tempPath(QStringLiteral("sweep.csv")), kSweepCsv);
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    ImportDialog dialog(store);
    dialog.setIgnoreUnknown(true);
    dialog.setFilePath(csv);
    QCOMPARE(dialog.previewRunCount(), 5);

    dialog.setWhere(QStringLiteral("loss < lots"));
    QVERIFY2(dialog.whereError().contains(QStringLiteral("--where")) &&
                 dialog.whereError().contains(QStringLiteral("'lots' is not a number")),
             qPrintable(dialog.whereError()));
    auto* shown = dialog.findChild<QLabel*>(QStringLiteral("whereError"));
    QVERIFY(shown && !shown->isHidden() && shown->text() == dialog.whereError());
    QCOMPARE(dialog.previewRunCount(), 0);
    QVERIFY(!dialog.canImport());
    QVERIFY(!importButtonOf(dialog)->isEnabled());
    QVERIFY(dialog.previewSummary().contains(QStringLiteral("until the rule (--where) is fixed")));

    // Typed, the rule is checked as the user pauses.
    auto* where_field = dialog.findChild<QLineEdit*>(QStringLiteral("where"));
    where_field->clear();
    QTest::keyClicks(where_field, QStringLiteral("loss < 2.75"));
    QTRY_COMPARE(dialog.previewRunCount(), 2);
    QVERIFY(dialog.whereError().isEmpty());
    QVERIFY(shown->isHidden());
    QVERIFY(dialog.canImport());
  }

  void importDialogSaysRepeatedRowsAreRunsOfTheirOwn() {
    const QString csv = writeFile(tempPath(QStringLiteral("twice.csv")),
                                  "name,N,D,loss\nsame,1e8,2e9,3.0\nsame,1e8,2e9,3.0\n"
                                  "other,2e8,2e9,2.9\n");
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    ImportDialog dialog(store);
    dialog.setFilePath(csv);
    QCOMPARE(dialog.previewRunCount(), 3);
    QCOMPARE(dialog.previewSummary(),
             QStringLiteral("3 runs to import (1 row repeats an earlier row, a run of its own):"));
    QVERIFY(dialog.importNow());
    QCOMPARE(store.size(), std::size_t{3});
    QCOMPARE(dialog.lastSummary(), QStringLiteral("Imported 3 runs from twice.csv"));
  }

  void deleteIsOfferedForTheSelectedRunsOfAStore() {
    RunTableModel model;
    model.setRuns({makeRun("30B", 3e10), makeRun("200M", 2e8), makeRun("1B", 1e9)});
    RunTableView view(&model);
    QAction* remove = view.deleteAction();
    QCOMPARE(remove->shortcut(), QKeySequence(QKeySequence::Delete));
    QVERIFY(view.table()->actions().contains(remove));  // the context menu
    QCOMPARE(view.table()->contextMenuPolicy(), Qt::ActionsContextMenu);
    std::vector<std::vector<std::size_t>> requested;
    connect(&view, &RunTableView::deleteRequested, this,
            [&](const std::vector<std::size_t>& indices) { requested.push_back(indices); });

    // Sorted by N: 200M, 1B, 30B. The first and last rows are runs 1 and 0.
    view.table()->sortByColumn(RunTableModel::kTotalParamsColumn, Qt::AscendingOrder);
    QVERIFY(!remove->isEnabled());
    view.table()->selectRow(0);
    QVERIFY(!remove->isEnabled());  // runs from a file cannot be deleted
    QVERIFY(remove->toolTip().contains(QStringLiteral("cannot be deleted")));
    view.setDeletable(true);
    QVERIFY(remove->isEnabled());
    QCOMPARE(remove->text(), QStringLiteral("&Delete 1 run..."));
    view.table()->selectionModel()->select(view.table()->model()->index(2, 0),
                                           QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QCOMPARE(view.selectedRunIndices(), (std::vector<std::size_t>{0, 1}));
    QCOMPARE(remove->text(), QStringLiteral("&Delete 2 runs..."));
    remove->trigger();
    QCOMPARE(requested.size(), std::size_t{1});
    QCOMPARE(requested[0], (std::vector<std::size_t>{0, 1}));
    // Nothing is deleted by the view itself: that is the caller's, after asking.
    QCOMPARE(model.rowCount(), 3);

    view.setDeletable(false);
    QVERIFY(!remove->isEnabled());
  }

  void invalidRunsAreListedWithAWayToDeleteThem() {
    RunTableModel model;
    model.setRuns({makeRun("a", 1e9)});
    RunTableView view(&model);
    view.show();
    auto* notice = view.findChild<QLabel*>(QStringLiteral("invalidRuns"));
    auto* button = view.findChild<QPushButton*>(QStringLiteral("deleteInvalidRuns"));
    QVERIFY(notice && button);
    QVERIFY(notice->isHidden() && button->isHidden());

    const QString problem = QStringLiteral(
        "run r3f0c4b9a1d2e8f70 (edited): field loss: a loss in nats/token lies in "
        "(0, 20], got -5");
    view.setInvalidRuns({problem});
    QVERIFY(!notice->isHidden() && !button->isHidden());
    QVERIFY2(view.invalidRunsText().startsWith(
                 QStringLiteral("1 stored run no longer satisfies the run model")),
             qPrintable(view.invalidRunsText()));
    QVERIFY(view.invalidRunsText().contains(problem));
    QSignalSpy asked(&view, &RunTableView::deleteInvalidRequested);
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(asked.count(), 1);

    view.setInvalidRuns({});
    QVERIFY(notice->isHidden() && button->isHidden());
  }

  void importDialogReadsJsonAndNamesAnUnknownFileType() {
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    ImportDialog dialog(store);
    dialog.setFilePath(writeFile(tempPath(QStringLiteral("runs.json")),
                                 R"({"format": "moescope-runs", "version": 1, "runs": [
                                       {"name": "a", "N": 1e8, "D": 2e9, "loss": 2.5},
                                       {"name": "b", "N": 2e8, "D": 2e9, "loss": 2.4}]})"));
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.previewRunCount(), 2);

    const QString text_file = writeFile(tempPath(QStringLiteral("runs.txt")), kGoodCsv);
    dialog.setFilePath(text_file);
    QVERIFY2(dialog.errorText().contains(text_file + QStringLiteral(": unknown file type '.txt'")),
             qPrintable(dialog.errorText()));
    QCOMPARE(dialog.previewRunCount(), 0);
    QVERIFY(!dialog.canImport());
  }

  void storeThatRefusesTheImportKeepsTheDialogOpen() {
    const QString csv = writeFile(tempPath(QStringLiteral("good.csv")), kGoodCsv);
    const QString store_path = tempPath(QStringLiteral("runs.sqlite"));
    moescope::RunStore store = moescope::RunStore::open(store_path.toStdString());
    QVERIFY(makeStoreRefuseInserts(store_path));
    ImportDialog dialog(store);
    dialog.setFilePath(csv);
    QVERIFY(dialog.canImport());

    dialog.show();
    QTest::mouseClick(importButtonOf(dialog), Qt::LeftButton);
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY2(dialog.errorText().contains(QStringLiteral("inserts refused by the test")),
             qPrintable(dialog.errorText()));
    QVERIFY(dialog.lastSummary().isEmpty());
    QCOMPARE(store.size(), std::size_t{0});
    // Nothing was wrong with the file: a retry stays possible.
    QVERIFY(dialog.canImport());
  }

  void importDialogRejectsABadFileAndLeavesTheStoreAlone_data() {
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("message");
    QTest::newRow("non-numeric N on line 3")
        << QByteArray("name,N,D,loss\na,1e8,2e9,2.5\nb,abc,2e9,2.4\n") << 3 << "N"
        << "not a number: 'abc'";
    QTest::newRow("required column heads missing")
        << QByteArray("name,d_model,layers,experts,active,D,loss\nmoe,512,8,8,2,2e9,2.5\n") << 2
        << "heads"
        << "missing: an architecture";
  }

  void importDialogRejectsABadFileAndLeavesTheStoreAlone() {
    QFETCH(QByteArray, contents);
    QFETCH(int, line);
    QFETCH(QString, field);
    QFETCH(QString, message);
    const QString csv = writeFile(tempPath(QStringLiteral("bad.csv")), contents);
    const QString store_path = tempPath(QStringLiteral("runs.sqlite"));
    moescope::RunStore store = moescope::RunStore::open(store_path.toStdString());
    store.insert(readCsv(kGoodCsv.toStdString()));
    const std::vector<Run> runs_before = store.runs();
    const qint64 bytes_before = storeBytes(store_path);

    ImportDialog dialog(store);
    dialog.setFilePath(csv);
    const QString expected =
        QStringLiteral("%1:%2: field %3: %4").arg(csv).arg(line).arg(field, message);
    QVERIFY2(dialog.errorText().contains(expected),
             qPrintable(dialog.errorText() + QStringLiteral("\ndoes not contain\n") + expected));
    QVERIFY(!dialog.canImport());
    QVERIFY(!importButtonOf(dialog)->isEnabled());
    QCOMPARE(dialog.previewRunCount(), 0);
    QVERIFY(!dialog.importNow());
    QVERIFY(dialog.lastSummary().isEmpty());

    QVERIFY(store.runs() == runs_before);
    QCOMPARE(storeBytes(store_path), bytes_before);
  }

  void badMappingIsReportedAndAGoodOneMakesTheFileImportable() {
    const QString csv = writeFile(tempPath(QStringLiteral("renamed.csv")),
                                  "name,d_model,n_layers,heads,experts,active,D,loss\n"
                                  "moe-a,512,8,8,8,2,2e9,2.5\n"
                                  "moe-b,768,12,12,16,2,4e9,2.3\n");
    moescope::RunStore store =
        moescope::RunStore::open(tempPath(QStringLiteral("runs.sqlite")).toStdString());
    ImportDialog dialog(store);

    dialog.setFilePath(csv);
    // The column the file calls n_layers is named at the header, as the likely typo it is.
    QVERIFY2(dialog.errorText().contains(
                 csv + QStringLiteral(":1: column that maps to no field: 'n_layers' (a typo of "
                                      "layers?)")),
             qPrintable(dialog.errorText()));
    QVERIFY(!dialog.canImport());

    dialog.setMapping(QStringLiteral("depth=n_layers"));
    QVERIFY2(dialog.errorText().contains(QStringLiteral("unknown field 'depth'")),
             qPrintable(dialog.errorText()));
    QVERIFY(!dialog.canImport());

    // Typed, the preview follows as the user pauses.
    auto* mapping_field = dialog.findChild<QLineEdit*>(QStringLiteral("mapping"));
    mapping_field->clear();
    QTest::keyClicks(mapping_field, QStringLiteral("layers=n_layers"));
    QTRY_COMPARE(dialog.previewRunCount(), 2);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QVERIFY(importButtonOf(dialog)->isEnabled());
    QVERIFY(dialog.importNow());
    QCOMPARE(store.size(), std::size_t{2});
    QCOMPARE(store.runs().at(1).architecture->n_layers, 12);
  }

 private:
  QString tempPath(const QString& name) const { return temp_dir_->filePath(name); }

  std::optional<QTemporaryDir> temp_dir_;
};

QTEST_MAIN(DataViewsTest)
#include "data_views_test.moc"
