#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <functional>
#include <vector>

#include "moescope/run/run.h"

namespace moescope::explorer {

// Runs as a table: one row per run, one column per quantity a planner compares runs by.
//
// The model shows a copy of the runs it is given; where they live (a store, a file) is the
// caller's business. Numbers are displayed briefly (moescope::format_brief) with the exact value in
// the tooltip, derived values in italics; kSortRole gives the raw value so that a proxy sorts
// numerically. The status is the one editable cell, and only once a commit function is set: an
// edit is first handed to it (e.g. to write the store) and kept only if it does not throw.
class RunTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  // The numeric columns are kTotalParamsColumn through kLossColumn, in one block.
  enum Column {
    kIdColumn,
    kNameColumn,
    kStatusColumn,
    kTotalParamsColumn,
    kActiveParamsColumn,
    kSparsityColumn,
    kExpertsColumn,
    kActiveExpertsColumn,
    kDModelColumn,
    kLayersColumn,
    kTokensColumn,
    kComputeColumn,
    kLossColumn,
    kOriginColumn,
    kColumnCount
  };

  // The value to sort by: a double for numeric columns, a QString for text, and an invalid
  // QVariant where the run lacks the value (shown as an em dash).
  static constexpr int kSortRole = Qt::UserRole;

  // Persists a run whose status was edited; throws (any std::exception) to refuse the edit.
  using StatusCommit = std::function<void(const moescope::Run& updated)>;

  explicit RunTableModel(QObject* parent = nullptr);

  void setRuns(std::vector<moescope::Run> runs);
  const std::vector<moescope::Run>& runs() const { return runs_; }
  const moescope::Run& runAt(int row) const;

  // An empty function makes the status read-only again.
  void setStatusCommit(StatusCommit commit);
  bool isStatusEditable() const { return static_cast<bool>(commit_); }

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  int columnCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  // Only the status column, Qt::EditRole, with a name from moescope::to_string(RunStatus).
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

 signals:
  void runEdited(const moescope::Run& run);
  void editFailed(const QString& message);

 private:
  std::vector<moescope::Run> runs_;
  StatusCommit commit_;
};

}  // namespace moescope::explorer
