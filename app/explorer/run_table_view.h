#pragma once

#include <QSortFilterProxyModel>
#include <QString>
#include <QWidget>
#include <cstddef>
#include <optional>

#include "moescope/run_filter.h"

class QLabel;
class QLineEdit;
class QTableView;
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
// table of the runs it matches with a status editor, and a "K of M runs" count. The model is the
// caller's and must outlive the view.
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

 signals:
  // The current row changed to the run at `index` in model()->runs().
  void runSelected(std::size_t index);

 private:
  void applyFilter(const QString& rule);
  void updateCount();

  RunTableModel* model_;
  RunFilterProxyModel* proxy_ = nullptr;
  QLineEdit* filter_field_ = nullptr;
  QLabel* filter_error_label_ = nullptr;
  QTableView* table_ = nullptr;
  QLabel* count_label_ = nullptr;
  QLabel* edit_error_label_ = nullptr;
  QString filter_error_;
};
