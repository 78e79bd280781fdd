#pragma once

#include <QDialog>
#include <QString>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "moescope/explore/law_collection.h"
#include "moescope/law/law_definition.h"
#include "moescope/run/run.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTextBrowser;

namespace moescope::explorer {

class LawFitJob;
struct LawFitResult;

// Fit > New Law (and Law from Library): a user-defined law (law/law_definition.h) written in
// fields (name, expression, definitions "name = expression" a line, a parameter table with start
// values, bounds and scale, fixed values "name = value" a line, the objective and what the law
// predicts), checked as it is typed by the law engine's own parser: its messages shown under the
// fields with their line:column, the position marked in the editor it names, and Fit disabled
// while there is any. The start grid's size is shown ("5 × 5 × 4 = 100 starts").
//
// Fit fits the law on a worker thread (LawFitJob) to the runs set by setRuns(), with progress
// and Cancel; the fit joins the collection (not owned, outliving the dialog), fitAdded() says so,
// and the dialog shows its summary. Save and Load write and read a law file (JSON).
class LawEditorDialog : public QDialog {
  Q_OBJECT

 public:
  explicit LawEditorDialog(moescope::LawCollection* fits, QWidget* parent = nullptr);
  ~LawEditorDialog() override;

  // What Fit fits to, and the hold-out rule it keeps out (the explorer's fit settings').
  void setRuns(std::vector<moescope::Run> runs, QString holdout_rule);
  // Fills the fields from a law (a built-in one, a file's).
  void setLaw(const moescope::law::LawDefinition& law);
  // Empty fields: a two-parameter power law to start from.
  void setStarterLaw();

  // The law the fields give, or nullopt while they give none (errorText() says why).
  const std::optional<moescope::law::LawDefinition>& law() const { return law_; }
  QString errorText() const;
  QString startsText() const;
  bool canFit() const;
  QString summaryText() const;
  bool isFitting() const;
  // Starts the fit; false when the fields give no law or there are no runs.
  bool startFit();
  // Runs the event loop until the fit ends; returns whether it added a fit.
  bool waitForFit();
  void cancelFit();
  bool saveLaw(const QString& path, QString* error) const;
  bool loadLaw(const QString& path, QString* error);

  // The editors, for tests that type into them.
  QPlainTextEdit* expressionEditor() const { return expression_; }
  QTableWidget* parameterTable() const { return parameters_; }

 signals:
  // A fit joined the collection at `index`.
  void fitAdded(std::size_t index);

 private:
  // The parameter table's columns.
  enum Column { kName, kInit, kLower, kUpper, kLog, kColumns };

  void buildFields();
  void addParameterRow(const QString& name, const QString& init, const QString& lower,
                       const QString& upper, bool log_scale);
  // Reads the fields into a law, or the problems into the message and the marks.
  void reparse();
  void markError(QPlainTextEdit* editor, int line, int column);
  void updateStarts();
  void onFitFinished(const std::shared_ptr<LawFitResult>& result);
  void showFitState(bool fitting);

  moescope::LawCollection* fits_;
  std::vector<moescope::Run> runs_;
  QString holdout_rule_;
  std::vector<std::string> variables_;  // the names a law may use: run fields and extras
  std::optional<moescope::law::LawDefinition> law_;
  bool filling_ = false;  // setLaw() under way: one parse at the end
  bool added_ = false;    // the last fit joined the collection

  QLineEdit* name_ = nullptr;
  QPlainTextEdit* expression_ = nullptr;
  QPlainTextEdit* definitions_ = nullptr;
  QTableWidget* parameters_ = nullptr;
  QPlainTextEdit* fixed_ = nullptr;
  QComboBox* objective_ = nullptr;
  QLineEdit* delta_ = nullptr;
  QComboBox* predicts_ = nullptr;
  QSpinBox* bootstrap_ = nullptr;
  QLabel* errors_ = nullptr;
  QLabel* starts_ = nullptr;
  QLabel* runs_label_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPushButton* fit_button_ = nullptr;
  QPushButton* cancel_button_ = nullptr;
  QTextBrowser* summary_ = nullptr;
  LawFitJob* job_ = nullptr;
};

}  // namespace moescope::explorer
