#include "law_editor_dialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QEventLoop>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableWidget>
#include <QTextBlock>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "display_text.h"
#include "law_fit_job.h"
#include "moescope/io/diagnostic.h"
#include "moescope/run/run_variables.h"

namespace moescope::explorer {
namespace {

QPlainTextEdit* codeEditor(int lines) {
  auto* editor = new QPlainTextEdit;
  editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  editor->setLineWrapMode(QPlainTextEdit::NoWrap);
  editor->setTabChangesFocus(true);
  const int line = editor->fontMetrics().lineSpacing();
  editor->setFixedHeight(lines * line + 14);
  return editor;
}

}  // namespace

LawEditorDialog::LawEditorDialog(moescope::LawCollection* fits, QWidget* parent)
    : QDialog(parent),
      fits_(fits),
      variables_(moescope::law_run_variables()),
      job_(new LawFitJob(this)) {
  setWindowTitle(tr("Law editor"));
  buildFields();
  connect(job_, &LawFitJob::progress, this, [this](qint64 done, qint64 total) {
    progress_->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
    progress_->setValue(static_cast<int>(done));
  });
  connect(job_, &LawFitJob::finished, this, &LawEditorDialog::onFitFinished);
  connect(job_, &LawFitJob::failed, this, [this](const QString& message) {
    showFitState(false);
    summary_->setPlainText(tr("The fit failed: %1").arg(message));
  });
  connect(job_, &LawFitJob::cancelled, this, [this] {
    showFitState(false);
    summary_->setPlainText(tr("Fit cancelled."));
  });
  setStarterLaw();
}

LawEditorDialog::~LawEditorDialog() = default;

void LawEditorDialog::buildFields() {
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
  name_ = new QLineEdit;
  name_->setObjectName(QStringLiteral("lawName"));
  form->addRow(tr("&Name"), name_);
  expression_ = codeEditor(3);
  expression_->setObjectName(QStringLiteral("lawExpression"));
  expression_->setToolTip(
      tr("log L or L over N, N_active, D, C, S, E, K, G, U and the runs' extra columns, with "
         "+ - * / ^, exp, log, sqrt, min, max, if(cond, a, b)"));
  form->addRow(tr("&Expression"), expression_);
  definitions_ = codeEditor(2);
  definitions_->setObjectName(QStringLiteral("lawDefinitions"));
  definitions_->setPlaceholderText(tr("one per line: name = expression (may use earlier ones)"));
  form->addRow(tr("&Definitions"), definitions_);
  layout->addLayout(form);

  parameters_ = new QTableWidget(0, kColumns);
  parameters_->setObjectName(QStringLiteral("lawParameters"));
  parameters_->setHorizontalHeaderLabels(
      {tr("Parameter"), tr("Start values (comma-separated)"), tr("Lower"), tr("Upper"), tr("Log")});
  parameters_->horizontalHeader()->setSectionResizeMode(kInit, QHeaderView::Stretch);
  parameters_->verticalHeader()->hide();
  parameters_->setMinimumHeight(150);
  auto* table_buttons = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add parameter"));
  auto* remove = new QPushButton(tr("Remove parameter"));
  table_buttons->addWidget(
      new QLabel(tr("Parameters (the start grid is the product of the start "
                    "lists):")));
  table_buttons->addStretch();
  table_buttons->addWidget(add);
  table_buttons->addWidget(remove);
  layout->addLayout(table_buttons);
  layout->addWidget(parameters_);
  connect(add, &QPushButton::clicked, this, [this] {
    addParameterRow(QStringLiteral("p%1").arg(parameters_->rowCount() + 1), QStringLiteral("1"), {},
                    {}, false);
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    parameters_->removeRow(parameters_->currentRow() >= 0 ? parameters_->currentRow()
                                                          : parameters_->rowCount() - 1);
  });
  connect(parameters_, &QTableWidget::itemChanged, this, [this] { reparse(); });
  // Rows added or removed (by the buttons or otherwise) change the law as edits do.
  connect(parameters_->model(), &QAbstractItemModel::rowsRemoved, this, [this] { reparse(); });

  auto* options = new QFormLayout;
  fixed_ = codeEditor(2);
  fixed_->setObjectName(QStringLiteral("lawFixed"));
  fixed_->setPlaceholderText(tr("one per line: name = value"));
  options->addRow(tr("&Fixed values"), fixed_);
  auto* objective_row = new QHBoxLayout;
  objective_ = new QComboBox;
  objective_->addItems({tr("Huber on log L"), tr("Squared log L")});
  delta_ = new QLineEdit(QStringLiteral("0.001"));
  delta_->setMaximumWidth(90);
  predicts_ = new QComboBox;
  predicts_->addItems({tr("loss L"), tr("log loss (log L)")});
  bootstrap_ = new QSpinBox;
  bootstrap_->setRange(0, 1000);
  bootstrap_->setSpecialValueText(tr("off"));
  bootstrap_->setToolTip(tr("Bootstrap refits for the parameters' 95 % intervals"));
  objective_row->addWidget(objective_);
  objective_row->addWidget(new QLabel(tr("δ")));
  objective_row->addWidget(delta_);
  objective_row->addSpacing(16);
  objective_row->addWidget(new QLabel(tr("Expression gives")));
  objective_row->addWidget(predicts_);
  objective_row->addSpacing(16);
  objective_row->addWidget(new QLabel(tr("Bootstrap")));
  objective_row->addWidget(bootstrap_);
  objective_row->addStretch();
  options->addRow(tr("Objective"), objective_row);
  layout->addLayout(options);

  errors_ = new QLabel;
  errors_->setObjectName(QStringLiteral("lawErrors"));
  errors_->setWordWrap(true);
  errors_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  errors_->setStyleSheet(QStringLiteral("color: #b00020;"));
  layout->addWidget(errors_);
  starts_ = new QLabel;
  starts_->setObjectName(QStringLiteral("lawStarts"));
  runs_label_ = new QLabel;
  runs_label_->setStyleSheet(QStringLiteral("color: #555;"));
  auto* fit_row = new QHBoxLayout;
  fit_row->addWidget(starts_);
  fit_row->addWidget(runs_label_);
  fit_row->addStretch();
  progress_ = new QProgressBar;
  progress_->setFixedWidth(200);
  progress_->hide();
  fit_button_ = new QPushButton(tr("&Fit"));
  fit_button_->setObjectName(QStringLiteral("lawFit"));
  fit_button_->setDefault(true);
  cancel_button_ = new QPushButton(tr("Cancel fit"));
  cancel_button_->hide();
  fit_row->addWidget(progress_);
  fit_row->addWidget(cancel_button_);
  fit_row->addWidget(fit_button_);
  layout->addLayout(fit_row);
  summary_ = new QTextBrowser;
  summary_->setObjectName(QStringLiteral("lawSummary"));
  summary_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  summary_->setMinimumHeight(110);
  summary_->setPlaceholderText(
      tr("Fit fits the law to the explorer's runs from every start of the grid; its parameters "
         "(with 95 % intervals where Bootstrap is on), objective and fit and held-out errors "
         "appear here, and the fit joins the Fits panel, Figures 2b and 2c and the Residuals "
         "tab."));
  layout->addWidget(summary_, 1);

  auto* buttons = new QHBoxLayout;
  auto* load = new QPushButton(tr("&Load..."));
  auto* save = new QPushButton(tr("&Save..."));
  auto* close = new QPushButton(tr("Close"));
  buttons->addWidget(load);
  buttons->addWidget(save);
  buttons->addStretch();
  buttons->addWidget(close);
  layout->addLayout(buttons);
  connect(close, &QPushButton::clicked, this, &QDialog::close);
  connect(fit_button_, &QPushButton::clicked, this, [this] { startFit(); });
  connect(cancel_button_, &QPushButton::clicked, this, &LawEditorDialog::cancelFit);
  connect(save, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save law"), name_->text() + ".json",
                                                      tr("Law files (*.json)"));
    QString error;
    if (!path.isEmpty() && !saveLaw(path, &error))
      QMessageBox::warning(this, tr("Cannot save the law"), error);
  });
  connect(load, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Load law"), QString(), tr("Law files (*.json)"));
    QString error;
    if (!path.isEmpty() && !loadLaw(path, &error))
      QMessageBox::warning(this, tr("Cannot load the law"), error);
  });
  for (QPlainTextEdit* editor : {expression_, definitions_, fixed_})
    connect(editor, &QPlainTextEdit::textChanged, this, [this] { reparse(); });
  connect(name_, &QLineEdit::textChanged, this, [this] { reparse(); });
  connect(delta_, &QLineEdit::textChanged, this, [this] { reparse(); });
  connect(objective_, &QComboBox::currentIndexChanged, this, [this] {
    delta_->setEnabled(objective_->currentIndex() == 0);
    reparse();
  });
  connect(predicts_, &QComboBox::currentIndexChanged, this, [this] { reparse(); });
  resize(760, 720);
}

QString LawEditorDialog::errorText() const {
  return errors_->text();
}

QString LawEditorDialog::startsText() const {
  return starts_->text();
}

bool LawEditorDialog::canFit() const {
  return law_.has_value() && !runs_.empty() && !isFitting();
}

QString LawEditorDialog::summaryText() const {
  return summary_->toPlainText();
}

bool LawEditorDialog::isFitting() const {
  return job_->isRunning();
}

bool LawEditorDialog::startFit() {
  if (!canFit())
    return false;
  added_ = false;
  moescope::law::DefinedLawFitOptions options;
  options.bootstrap = bootstrap_->value();
  showFitState(true);
  summary_->setPlainText(tr("Fitting %1 from %2...").arg(qs(law_->name()), starts_->text()));
  job_->start(*law_, runs_, holdout_rule_.toStdString(), options);
  return true;
}

bool LawEditorDialog::waitForFit() {
  while (job_->isRunning())
    QApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
  QApplication::processEvents();
  return added_;
}

void LawEditorDialog::cancelFit() {
  job_->cancel();
}

void LawEditorDialog::showFitState(bool fitting) {
  progress_->setVisible(fitting);
  progress_->setValue(0);
  cancel_button_->setVisible(fitting);
  fit_button_->setEnabled(!fitting && canFit());
}

void LawEditorDialog::onFitFinished(const std::shared_ptr<LawFitResult>& result) {
  const moescope::law::DefinedLawFitSummary& fit = result->summary;
  const std::size_t index = fits_->add(fit, name_->text().trimmed().toStdString());
  added_ = true;
  showFitState(false);
  QString text = tr("%1: objective %2 over %3 runs (%4 held out), %5 of %6 starts converged, "
                    "%7 s\n")
                     .arg(qs(fits_->at(index).name), number(fit.objective))
                     .arg(result->rows - result->held_out)
                     .arg(result->held_out)
                     .arg(fit.converged)
                     .arg(fit.starts)
                     .arg(number(fit.seconds));
  const auto intervals = fit.parameter_intervals();
  for (const moescope::law::FittedValue& value : fit.parameters) {
    text += QStringLiteral("  %1 = %2").arg(qs(value.name), -10).arg(number(value.value));
    for (const auto& [name, interval] : intervals) {
      if (name == value.name)
        text += tr("  [%1, %2]").arg(number(interval.lo), number(interval.hi));
    }
    text += value.fixed ? tr("  (fixed)\n") : QStringLiteral("\n");
  }
  text += tr("Fit MSE %1 (%2 runs)").arg(number(fit.fit.mse)).arg(fit.fit.points);
  text +=
      fit.holdout.points > 0
          ? tr(", held-out MSE %1 (%2 runs)").arg(number(fit.holdout.mse)).arg(fit.holdout.points)
          : tr(", no held-out runs");
  if (!result->left_out.empty())
    text += tr("\n%1 runs left out, e.g. %2")
                .arg(result->left_out.size())
                .arg(qs(result->left_out.front()));
  summary_->setPlainText(text);
  emit fitAdded(index);
}

bool LawEditorDialog::saveLaw(const QString& path, QString* error) const {
  if (!law_) {
    *error = tr("the law has errors: %1").arg(errors_->text());
    return false;
  }
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    *error = tr("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  file.write(QByteArray::fromStdString(moescope::law::to_json(*law_).dump(2) + "\n"));
  return true;
}

bool LawEditorDialog::loadLaw(const QString& path, QString* error) {
  try {
    setLaw(moescope::law::read_law_file(path.toStdString(), variables_));
    return true;
  } catch (const std::exception& problem) {
    *error = QString::fromUtf8(problem.what());
    return false;
  }
}

}  // namespace moescope::explorer
