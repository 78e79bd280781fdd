#pragma once

#include <QDialog>
#include <QString>
#include <optional>

#include "moescope/io/run_table.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace moescope {
class RunStore;
}

namespace moescope::explorer {

class RunTableModel;

// Imports a CSV or JSON runs file into a store, as `moescope import FILE --map ... --where ...
// --best-of ... --ignore-unknown` does, with a preview: the runs as the core reads them with
// these settings, or every problem it finds (file, line, field; columns that map to no field,
// each named), updated as the file or a setting changes. The rule (--where) is checked as it is
// typed, its problem shown under it. Import is possible only when the whole file reads cleanly,
// and inserts the previewed runs in one transaction; on success the dialog is accepted and
// lastSummary() says what was added, as the command line does. The store is the caller's.
class ImportDialog : public QDialog {
  Q_OBJECT

 public:
  explicit ImportDialog(moescope::RunStore& store, QWidget* parent = nullptr);

  // Like editing the fields (named "filePath", "mapping", "where" and "bestOf") or ticking the
  // box ("ignoreUnknown"), but the preview is updated at once rather than after a pause.
  void setFilePath(const QString& path);
  void setMapping(const QString& mapping);
  void setWhere(const QString& rule);
  void setBestOf(const QString& columns);
  void setIgnoreUnknown(bool ignore);

  // Why the file cannot be imported (one problem per line, as Diagnostic::format() writes it), or
  // why the last import failed; empty otherwise.
  QString errorText() const { return error_text_; }
  // What is wrong with the rule (--where), as the run filter's parser says; empty when it is
  // good or empty. Nothing is read while it is wrong.
  QString whereError() const;
  // What the preview says above the runs: "3 runs to import (2 of 5 rows left out by --where):".
  QString previewSummary() const;
  int previewRunCount() const;
  bool canImport() const;
  // What the Import button does, short of closing the dialog: inserts the previewed runs. False,
  // with errorText() saying why, when there is nothing to import or the store refuses.
  bool importNow();
  // "Imported 3 runs from runs.csv (2 of 5 rows left out by --where; 1 already in the store)";
  // empty before an import.
  QString lastSummary() const { return last_summary_; }

 private:
  void buildLayout();
  void browse();
  void refreshPreview();
  void showProblems(const QString& problems);
  void importAndClose();

  moescope::RunStore& store_;
  // What Import inserts: the last clean read of the file, nullopt while there is none.
  std::optional<moescope::ReadResult> parsed_;
  QString error_text_;
  QString last_summary_;

  RunTableModel* preview_model_ = nullptr;
  QTimer* preview_timer_ = nullptr;
  QLineEdit* file_field_ = nullptr;
  QLineEdit* mapping_field_ = nullptr;
  QLineEdit* where_field_ = nullptr;
  QLabel* where_error_ = nullptr;
  QLineEdit* best_of_field_ = nullptr;
  QCheckBox* ignore_unknown_box_ = nullptr;
  QLabel* preview_summary_ = nullptr;
  QTableView* preview_table_ = nullptr;
  QPlainTextEdit* error_area_ = nullptr;
  QPushButton* import_button_ = nullptr;
};

}  // namespace moescope::explorer
