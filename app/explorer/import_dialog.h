#pragma once

#include <QDialog>
#include <QString>
#include <optional>

#include "moescope/run_table.h"

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;
class RunTableModel;

namespace moescope {
class RunStore;
}

// Imports a CSV or JSON runs file into a store, as `moescope import FILE --map ...` does, with a
// preview: the runs as the core reads them with the mapping, or every problem it finds (file,
// line, field), updated as the file or mapping changes. Import is possible only when the whole
// file reads cleanly, and inserts the previewed runs in one transaction; on success the dialog is
// accepted and lastSummary() says what was added. The store is the caller's.
class ImportDialog : public QDialog {
  Q_OBJECT

 public:
  explicit ImportDialog(moescope::RunStore& store, QWidget* parent = nullptr);

  // Like editing the fields (named "filePath" and "mapping"), but the preview is updated at once
  // rather than after a pause.
  void setFilePath(const QString& path);
  void setMapping(const QString& mapping);

  // Why the file cannot be imported (one problem per line, as Diagnostic::format() writes it), or
  // why the last import failed; empty otherwise.
  QString errorText() const { return error_text_; }
  int previewRunCount() const;
  bool canImport() const;
  // What the Import button does, short of closing the dialog: inserts the previewed runs. False,
  // with errorText() saying why, when there is nothing to import or the store refuses.
  bool importNow();
  // "Imported 3 runs from runs.csv (skipped: 2 already in the store)"; empty before an import.
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
  QLabel* preview_summary_ = nullptr;
  QTableView* preview_table_ = nullptr;
  QPlainTextEdit* error_area_ = nullptr;
  QPushButton* import_button_ = nullptr;
};
