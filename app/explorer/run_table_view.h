#pragma once

#include <QSortFilterProxyModel>
#include <QString>
#include <QWidget>
#include <cstddef>
#include <optional>
#include <vector>

#include "moescope/run/run_filter.h"

class QAction;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace moescope::explorer {

class RunTableModel;

// Sets up a table of runs for reading many at once: compact rows selected whole, no row numbers
// (they mean nothing once sorted), the last column (origin) taking the spare width.
void setUpRunTable(QTableView* table);
// Fits the columns to their contents, but no wider than a typical run name, so that a long name
// or path does not push the numbers out of view (the tooltip shows it whole).
void fitRunTableColumns(QTableView* table);

// Sorts a RunTableModel by RunTableModel::kSortRole, missing values last in either direction, and
// keeps the runs a moescope::RunFilter matches.
class RunFilterProxyModel : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  explicit RunFilterProxyModel(RunTableModel* runs, QObject* parent = nullptr);

  // nullopt keeps every run (RunFilter itself matches nothing with an empty rule).
  void setRunFilter(std::optional<moescope::RunFilter> filter);

 protected:
  bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

 private:
  RunTableModel* runs_;
  std::optional<moescope::RunFilter> filter_;
};

// The run table: a filter field taking the core's rule syntax ("S>=0.9 && C<1e21"), a sortable
// table of the runs it matches with a status editor, a "K of M runs" count, and Delete (the Del
// key, the context menu and a button) for the selected runs, which the caller carries out. Above
// the table, a notice lists the stored runs that no longer satisfy the run model. The model is
// the caller's and must outlive the view.
class RunTableView : public QWidget {
  Q_OBJECT

 public:
  explicit RunTableView(RunTableModel* model, QWidget* parent = nullptr);

  RunTableModel* model() const { return model_; }
  QTableView* table() const { return table_; }

  // What typing into the filter field does: an empty rule shows every run; a bad one shows the
  // core's message under the field and keeps the last good filter.
  void setFilterText(const QString& rule);
  QString filterText() const;
  // The problem with the rule in the field, empty when it is good.
  QString filterError() const { return filter_error_; }
  int visibleRunCount() const;

  // The selected runs, as indices into model()->runs(), increasing.
  std::vector<std::size_t> selectedRunIndices() const;
  // Whether Delete is offered: for runs from a store, not from a file or the built-in data.
  void setDeletable(bool deletable);
  // Delete on the selected runs ("Delete 3 runs..."); enabled where deletable and runs are
  // selected. Triggering it emits deleteRequested.
  QAction* deleteAction() const { return delete_action_; }
  // The store's runs left out for no longer satisfying the run model, one line each
  // (InvalidRun::describe()), shown above the table with a button that emits
  // deleteInvalidRequested; none hides the notice.
  void setInvalidRuns(const QStringList& problems);
  QString invalidRunsText() const;

 signals:
  // The current row changed to the run at `index` in model()->runs().
  void runSelected(std::size_t index);
  // Delete was asked for these runs (indices into model()->runs()); nothing is deleted yet.
  void deleteRequested(const std::vector<std::size_t>& indices);
  void deleteInvalidRequested();

 private:
  void applyFilter(const QString& rule);
  void updateCount();
  void updateDeleteAction();

  RunTableModel* model_;
  RunFilterProxyModel* proxy_ = nullptr;
  QLineEdit* filter_field_ = nullptr;
  QLabel* filter_error_label_ = nullptr;
  QTableView* table_ = nullptr;
  QLabel* count_label_ = nullptr;
  QLabel* edit_error_label_ = nullptr;
  QLabel* invalid_label_ = nullptr;
  QPushButton* delete_invalid_button_ = nullptr;
  QAction* delete_action_ = nullptr;
  bool deletable_ = false;
  // The store's runs left out (setInvalidRuns): the count beside the table says them too, so
  // that "85 of 85 runs" never stands beside "49 runs ... left out".
  int left_out_ = 0;
  QString filter_error_;
};

}  // namespace moescope::explorer
