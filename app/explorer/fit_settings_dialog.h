#pragma once

#include <QDialog>

#include "moescope/explore/explorer_loader.h"

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace moescope::explorer {

// Edits how the explorer fits its data: the law's form and starting grid, the hold-out rule, the
// bootstrap refits behind the intervals, and what one compute budget is (runs within a tolerance
// of one C, or bins per decade for data whose C varies continuously, as `--budget-tolerance` and
// `--budget-bins` say on the command line). Every field is checked as it is typed, with the
// core's own messages; OK is enabled only for options the core accepts.
class FitSettingsDialog : public QDialog {
  Q_OBJECT

 public:
  explicit FitSettingsDialog(const moescope::ExplorerLoadOptions& options,
                             QWidget* parent = nullptr);

  // The options as the form stands; meaningful when problems() is empty.
  moescope::ExplorerLoadOptions options() const;
  // One line per invalid field, as the core words it; empty when the form is usable.
  QStringList problems() const;

  // For scripts and tests: what the form's fields do.
  void setHoldoutRule(const QString& rule);

 private:
  void setOptions(const moescope::ExplorerLoadOptions& options);
  void fillGridChoices();
  void showBudgetGrouping();
  void check();

  QComboBox* form_ = nullptr;
  QComboBox* grid_ = nullptr;
  QLineEdit* holdout_ = nullptr;
  QSpinBox* law_bootstrap_ = nullptr;
  QSpinBox* surface_bootstrap_ = nullptr;
  QComboBox* budget_grouping_ = nullptr;
  QDoubleSpinBox* budget_tolerance_ = nullptr;  // in per cent
  QSpinBox* budget_bins_ = nullptr;
  QLabel* problems_label_ = nullptr;
  QDialogButtonBox* buttons_ = nullptr;
};

}  // namespace moescope::explorer
