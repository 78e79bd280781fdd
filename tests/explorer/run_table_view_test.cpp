// The explorer's run table: values shown briefly and sorted as numbers, the filter, status editing
// written to a store, Delete and the invalid runs' notice. The import dialog is
// import_dialog_test.cpp's.
#include "run_table_view.h"

#include <QAction>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "data_views_runs.h"
#include "moescope/run/run_filter.h"
#include "moescope/store/run_store.h"
#include "run_table_model.h"

using namespace moescope::explorer;

namespace {

using moescope::Run;
using moescope::RunStatus;
using moescope::explorer::testing_support::kGoodCsv;
using moescope::explorer::testing_support::makeRun;
using moescope::explorer::testing_support::readCsv;

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

}  // namespace

class RunTableViewTest : public QObject {
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

 private:
  QString tempPath(const QString& name) const { return temp_dir_->filePath(name); }

  std::optional<QTemporaryDir> temp_dir_;
};

QTEST_MAIN(RunTableViewTest)
#include "run_table_view_test.moc"
