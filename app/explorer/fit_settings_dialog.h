#pragma once

#include <QDialog>

#include "moescope/explore/explorer_loader.h"

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// Edits how the explorer fits its data: the law's form and starting grid, the hold-out rule, and
// the bootstrap refits behind the intervals. Every field is checked as it is typed, with the
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
  void check();

  QComboBox* form_ = nullptr;
  QComboBox* grid_ = nullptr;
  QLineEdit* holdout_ = nullptr;
  QSpinBox* law_bootstrap_ = nullptr;
  QSpinBox* surface_bootstrap_ = nullptr;
  QLabel* problems_label_ = nullptr;
  QDialogButtonBox* buttons_ = nullptr;
};
