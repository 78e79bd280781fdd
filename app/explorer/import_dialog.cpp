#include "import_dialog.h"

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

#include "moescope/column_mapping.h"
#include "moescope/diagnostic.h"
#include "moescope/run_store.h"
#include "run_table_model.h"
#include "run_table_view.h"

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

  auto* store_label = new QLabel(QString::fromStdString(store_.path().string()));
  store_label->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* file_label = new QLabel(tr("&File:"));
  file_label->setBuddy(file_field_);
  auto* form = new QFormLayout;
  form->addRow(file_label, file_row);
  form->addRow(tr("Column &mapping:"), mapping_field_);
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
  QStringList problems;
  if (!path.isEmpty()) {
    // The same calls as `moescope import`, so the preview is exactly what an import would add.
    try {
      moescope::ReadOptions options;
      options.mapping = moescope::ColumnMapping::parse(mapping_field_->text().toStdString());
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
  } else if (!parsed_) {
    preview_summary_->setText(problems.size() == 1
                                  ? tr("Nothing can be imported until this problem is fixed:")
                                  : tr("Nothing can be imported until these %1 problems are fixed:")
                                        .arg(problems.size()));
  } else if (parsed_->duplicates.empty()) {
    preview_summary_->setText(tr("%1 to import:").arg(runCount(parsed_->runs.size())));
  } else {
    preview_summary_->setText(tr("%1 to import (%2 repeated in the file, read once):")
                                  .arg(runCount(parsed_->runs.size()))
                                  .arg(parsed_->duplicates.size()));
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
    QStringList skipped;
    if (!summary.duplicate_ids.empty())
      skipped << tr("%1 already in the store").arg(summary.duplicate_ids.size());
    if (!parsed_->duplicates.empty())
      skipped << tr("%1 repeated in the file").arg(parsed_->duplicates.size());
    if (!skipped.isEmpty())
      summary_text += tr(" (skipped: %1)").arg(skipped.join(tr(", ")));
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
