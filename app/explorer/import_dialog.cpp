#include "import_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStringList>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <exception>
#include <filesystem>
#include <string>

#include "moescope/io/column_mapping.h"
#include "moescope/io/diagnostic.h"
#include "moescope/run/run_filter.h"
#include "moescope/store/run_store.h"
#include "run_table_model.h"
#include "run_table_view.h"

namespace moescope::explorer {

namespace {

// Long enough that typing a mapping does not re-read the file at every key, short enough to feel
// live.
constexpr int kPreviewDelayMs = 250;

std::filesystem::path toFilesystemPath(const QString& path) {
  return std::filesystem::path(QFile::encodeName(path).toStdString());
}

QString runCount(std::size_t count) {
  return count == 1 ? ImportDialog::tr("1 run") : ImportDialog::tr("%1 runs").arg(count);
}

QString mappingHelp() {
  QStringList fields;
  for (const std::string& field : moescope::canonical_fields())
    fields << QString::fromStdString(field);
  return ImportDialog::tr(
             "FIELD=COLUMN[*SCALE],... as for moescope import --map, e.g. \"N=Model Size,"
             "D=tokens_B*1e9\". The scale multiplies every value of the column; FIELD= leaves a "
             "column with a field's name out. Unmapped fields are read from columns named as "
             "the field. Fields: %1; aliases Na, E, K, G.")
      .arg(fields.join(QStringLiteral(", ")));
}

QString whereHelp() {
  return ImportDialog::tr(
      "Only the rows this rule matches, as for moescope import --where: comparisons joined by "
      "&&, e.g. label == \"Optimizer tuning (no decay)\" && C <= 1e21. Names are fields (after "
      "mapping, scaling and derivation) or any other column of the file; a name with blanks in "
      "backquotes, `Model Size` > 1e9. Texts in double quotes, with == and != only.");
}

// The names of a --best-of list, "lr, seed" as "lr,seed" is.
std::vector<std::string> bestOfNames(const QString& text) {
  std::vector<std::string> names;
  for (const QString& name : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    if (!name.trimmed().isEmpty())
      names.push_back(name.trimmed().toStdString());
  }
  return names;
}

// How the rows of the file became runs, as `moescope import` words it: rows the rule left out,
// rows --best-of reduced to fewer runs.
QStringList curationDetails(const moescope::ReadResult& result) {
  QStringList details;
  if (result.rows_matched < result.rows) {
    details << ImportDialog::tr("%1 of %2 rows left out by --where")
                   .arg(result.rows - result.rows_matched)
                   .arg(result.rows);
  }
  if (result.runs.size() < result.rows_matched) {
    details << ImportDialog::tr("%1 rows as the best %2 by --best-of")
                   .arg(result.rows_matched)
                   .arg(runCount(result.runs.size()));
  }
  return details;
}

}  // namespace

ImportDialog::ImportDialog(moescope::RunStore& store, QWidget* parent)
    : QDialog(parent), store_(store) {
  setWindowTitle(tr("Import runs"));
  preview_model_ = new RunTableModel(this);
  preview_timer_ = new QTimer(this);
  preview_timer_->setSingleShot(true);
  preview_timer_->setInterval(kPreviewDelayMs);
  buildLayout();

  connect(preview_timer_, &QTimer::timeout, this, &ImportDialog::refreshPreview);
  connect(file_field_, &QLineEdit::textChanged, preview_timer_, qOverload<>(&QTimer::start));
  connect(mapping_field_, &QLineEdit::textChanged, preview_timer_, qOverload<>(&QTimer::start));
  connect(where_field_, &QLineEdit::textChanged, preview_timer_, qOverload<>(&QTimer::start));
  connect(best_of_field_, &QLineEdit::textChanged, preview_timer_, qOverload<>(&QTimer::start));
  connect(ignore_unknown_box_, &QCheckBox::toggled, this, &ImportDialog::refreshPreview);
  refreshPreview();
}

void ImportDialog::buildLayout() {
  file_field_ = new QLineEdit;
  file_field_->setObjectName(QStringLiteral("filePath"));
  file_field_->setPlaceholderText(tr("a .csv or .json runs file"));
  auto* browse_button = new QPushButton(tr("&Browse..."));
  connect(browse_button, &QPushButton::clicked, this, &ImportDialog::browse);
  auto* file_row = new QHBoxLayout;
  file_row->addWidget(file_field_, 1);
  file_row->addWidget(browse_button);

  mapping_field_ = new QLineEdit;
  mapping_field_->setObjectName(QStringLiteral("mapping"));
  mapping_field_->setPlaceholderText(
      tr("e.g. N=Model Size,D=tokens_B*1e9 (empty: columns named as the fields)"));
  mapping_field_->setToolTip(mappingHelp());

  where_field_ = new QLineEdit;
  where_field_->setObjectName(QStringLiteral("where"));
  where_field_->setPlaceholderText(tr("e.g. dataset == \"rw\" && C <= 1e21 (empty: every row)"));
  where_field_->setToolTip(whereHelp());
  where_error_ = new QLabel;
  where_error_->setObjectName(QStringLiteral("whereError"));
  where_error_->setWordWrap(true);
  where_error_->setTextFormat(Qt::PlainText);
  where_error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  where_error_->setStyleSheet(QStringLiteral("color: #b00020;"));
  where_error_->hide();
  auto* where_column = new QVBoxLayout;
  where_column->addWidget(where_field_);
  where_column->addWidget(where_error_);

  best_of_field_ = new QLineEdit;
  best_of_field_->setObjectName(QStringLiteral("bestOf"));
  best_of_field_->setPlaceholderText(tr("e.g. lr,seed (empty: every row is a run)"));
  best_of_field_->setToolTip(
      tr("Of each group of rows alike in all but these fields or columns, keep the lowest loss, "
         "as moescope import --best-of does; the run records how many rows it stands for."));

  ignore_unknown_box_ = new QCheckBox(tr("Read the known columns and ignore the others"));
  ignore_unknown_box_->setObjectName(QStringLiteral("ignoreUnknown"));
  ignore_unknown_box_->setToolTip(
      tr("As --ignore-unknown. Unticked, a column that maps to no field stops the import, named "
         "with the field it is likely a typo of."));

  auto* store_label = new QLabel(QString::fromStdString(store_.path().string()));
  store_label->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* file_label = new QLabel(tr("&File:"));
  file_label->setBuddy(file_field_);
  auto* form = new QFormLayout;
  form->addRow(file_label, file_row);
  form->addRow(tr("Column &mapping (--map):"), mapping_field_);
  // A label of its own: a row whose field is a layout shows a mnemonic's '&' as it is.
  auto* where_label = new QLabel(tr("Only rows &where (--where):"));
  where_label->setBuddy(where_field_);
  form->addRow(where_label, where_column);
  form->addRow(tr("Best &of (--best-of):"), best_of_field_);
  form->addRow(tr("Unknown columns:"), ignore_unknown_box_);
  form->addRow(tr("Into store:"), store_label);

  preview_summary_ = new QLabel;
  preview_summary_->setWordWrap(true);
  preview_table_ = new QTableView;
  preview_table_->setModel(preview_model_);
  setUpRunTable(preview_table_);

  error_area_ = new QPlainTextEdit;
  error_area_->setReadOnly(true);
  error_area_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  QPalette palette = error_area_->palette();
  palette.setColor(QPalette::Text, QColor(0xb0, 0x00, 0x20));
  error_area_->setPalette(palette);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
  import_button_ = buttons->addButton(tr("&Import"), QDialogButtonBox::AcceptRole);
  import_button_->setDefault(true);
  connect(buttons, &QDialogButtonBox::accepted, this, &ImportDialog::importAndClose);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(preview_summary_);
  // The problems take the place of the preview: a file with any has no runs to show.
  layout->addWidget(preview_table_, 1);
  layout->addWidget(error_area_, 1);
  layout->addWidget(buttons);
  resize(1280, 640);
}

void ImportDialog::setFilePath(const QString& path) {
  file_field_->setText(path);
  refreshPreview();
}

void ImportDialog::setMapping(const QString& mapping) {
  mapping_field_->setText(mapping);
  refreshPreview();
}

void ImportDialog::setWhere(const QString& rule) {
  where_field_->setText(rule);
  refreshPreview();
}

void ImportDialog::setBestOf(const QString& columns) {
  best_of_field_->setText(columns);
  refreshPreview();
}

void ImportDialog::setIgnoreUnknown(bool ignore) {
  ignore_unknown_box_->setChecked(ignore);
  refreshPreview();
}

QString ImportDialog::whereError() const {
  return where_error_->text();
}

QString ImportDialog::previewSummary() const {
  return preview_summary_->text();
}

int ImportDialog::previewRunCount() const {
  return preview_model_->rowCount();
}

bool ImportDialog::canImport() const {
  return parsed_.has_value() && !parsed_->runs.empty();
}

void ImportDialog::browse() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Import runs"), QFileInfo(file_field_->text()).path(),
                                   tr("Runs files (*.csv *.json);;All files (*)"));
  if (!path.isEmpty())
    setFilePath(path);
}

void ImportDialog::refreshPreview() {
  preview_timer_->stop();
  parsed_.reset();
  const QString path = file_field_->text().trimmed();
  // The rule is checked as it is typed, whatever the file, and its problem shown under it.
  std::optional<moescope::RunFilter> where;
  QString where_problem;
  if (const QString rule = where_field_->text().trimmed(); !rule.isEmpty()) {
    try {
      where = moescope::RunFilter::parse(rule.toStdString(),
                                         moescope::RunFilter::Scope::kFileColumns, "--where");
    } catch (const std::exception& error) {
      where_problem = QString::fromUtf8(error.what());
    }
  }
  where_error_->setText(where_problem);
  where_error_->setVisible(!where_problem.isEmpty());
  QStringList problems;
  if (!path.isEmpty() && where_problem.isEmpty()) {
    // The same calls as `moescope import`, so the preview is exactly what an import would add.
    try {
      moescope::ReadOptions options;
      options.mapping = moescope::ColumnMapping::parse(mapping_field_->text().toStdString());
      options.where = std::move(where);
      options.best_of = bestOfNames(best_of_field_->text());
      options.ignore_unknown_columns = ignore_unknown_box_->isChecked();
      parsed_ = moescope::read_runs(toFilesystemPath(path), options);
    } catch (const moescope::InputError& error) {
      for (const moescope::Diagnostic& diagnostic : error.diagnostics())
        problems << QString::fromStdString(diagnostic.format());
    } catch (const std::exception& error) {
      problems << QString::fromUtf8(error.what());
    }
  }

  preview_model_->setRuns(parsed_ ? parsed_->runs : std::vector<moescope::Run>{});
  fitRunTableColumns(preview_table_);
  import_button_->setEnabled(canImport());
  showProblems(problems.join(QLatin1Char('\n')));

  if (path.isEmpty()) {
    preview_summary_->setText(tr("Choose a CSV or JSON file of runs."));
  } else if (!where_problem.isEmpty()) {
    preview_summary_->setText(tr("Nothing can be imported until the rule (--where) is fixed."));
  } else if (!parsed_) {
    preview_summary_->setText(problems.size() == 1
                                  ? tr("Nothing can be imported until this problem is fixed:")
                                  : tr("Nothing can be imported until these %1 problems are fixed:")
                                        .arg(problems.size()));
  } else {
    QStringList details = curationDetails(*parsed_);
    // Rows are never merged: a repeated row is a run of its own, as `moescope import` notes.
    if (!parsed_->duplicates.empty()) {
      details << (parsed_->duplicates.size() == 1
                      ? tr("1 row repeats an earlier row, a run of its own")
                      : tr("%1 rows repeat an earlier row, each a run of its own")
                            .arg(parsed_->duplicates.size()));
    }
    preview_summary_->setText(
        details.isEmpty()
            ? tr("%1 to import:").arg(runCount(parsed_->runs.size()))
            : tr("%1 to import (%2):").arg(runCount(parsed_->runs.size()), details.join(tr("; "))));
  }
}

void ImportDialog::showProblems(const QString& problems) {
  error_text_ = problems;
  error_area_->setPlainText(problems);
  error_area_->setVisible(!problems.isEmpty());
  preview_table_->setVisible(problems.isEmpty());
}

bool ImportDialog::importNow() {
  // A file or mapping typed a moment ago is what the user means to import, not the last preview.
  if (preview_timer_->isActive())
    refreshPreview();
  if (!canImport())
    return false;
  try {
    const moescope::InsertSummary summary = store_.insert(parsed_->runs);
    QString summary_text = tr("Imported %1 from %2")
                               .arg(runCount(static_cast<std::size_t>(summary.inserted)),
                                    QFileInfo(file_field_->text().trimmed()).fileName());
    QStringList details = curationDetails(*parsed_);
    if (!summary.duplicate_ids.empty())
      details << tr("%1 already in the store").arg(summary.duplicate_ids.size());
    if (!details.isEmpty())
      summary_text += tr(" (%1)").arg(details.join(tr("; ")));
    last_summary_ = summary_text;
    showProblems({});
    return true;
  } catch (const std::exception& error) {
    // RunStore::insert is all or nothing, so the store is as it was and a retry is safe.
    preview_summary_->setText(tr("The store refused the import; nothing was added:"));
    showProblems(QString::fromUtf8(error.what()));
    return false;
  }
}

void ImportDialog::importAndClose() {
  if (importNow())
    accept();
}

}  // namespace moescope::explorer
