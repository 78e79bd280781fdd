// MainWindow: where its runs come from (the built-in data, a file, a store), and what it does to a
// store (create, import, delete, reread after training).
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <algorithm>

#include "display_text.h"
#include "headline_job.h"
#include "import_dialog.h"
#include "law_editor_dialog.h"
#include "main_window.h"
#include "run_table_model.h"
#include "run_table_view.h"
#include "training_panel.h"
#include "validation_job.h"

namespace moescope::explorer {
namespace {

QString runsText(std::size_t count) {
  return count == 1 ? QObject::tr("1 run") : QObject::tr("%1 runs").arg(count);
}

QString nativePath(const std::filesystem::path& path) {
  return QDir::toNativeSeparators(QString::fromStdString(path.string()));
}

// A store to write into, existing or new, chosen by the user; empty when they cancel.
QString askForStore(QWidget* parent, const QString& title) {
  QString suggestion;
  try {
    suggestion = QString::fromStdString(moescope::RunStore::default_path().string());
  } catch (const moescope::StoreError&) {
    suggestion = QDir::home().filePath(QStringLiteral("runs.sqlite"));
  }
  return QFileDialog::getSaveFileName(parent, title, suggestion,
                                      QObject::tr("MoEScope stores (*.sqlite *.db);;All files (*)"),
                                      nullptr, QFileDialog::DontConfirmOverwrite);
}

}  // namespace

void MainWindow::openSource(const RunSource& source) {
  LoadedRuns loaded = load_runs(source);
  source_ = source;
  store_ = std::move(loaded.store);
  source_label_->setText(tr("<b>Data:</b> %1").arg(source.description().toHtmlEscaped()));
  setRuns(std::move(loaded.runs), std::move(loaded.invalid));
  if (!invalid_runs_.empty()) {
    statusBar()->showMessage(
        tr("%1 of the store no longer satisfy the run model and are left out; the run table "
           "lists them.")
            .arg(runsText(invalid_runs_.size())));
  }

  fitBudgetSliderToRuns();
  // The fit of other data no longer applies; the model goes before the data it refers to.
  validation_job_->cancel();
  headline_job_->cancel();
  capped_.clear();
  capped_budget_.reset();
  model_.reset();
  data_.reset();
  updateBudgetMarks();
  updateBudgetList();
  startFit();
}

void MainWindow::setRuns(std::vector<moescope::Run> runs,
                         std::vector<moescope::InvalidRun> invalid) {
  runs_ = std::move(runs);
  invalid_runs_ = std::move(invalid);
  run_table_model_->setRuns(runs_);
  QStringList problems;
  for (const moescope::InvalidRun& run : invalid_runs_)
    problems << qs(run.describe());
  run_table_view_->setInvalidRuns(problems);
  run_table_view_->setDeletable(store_.has_value());
  training_panel_->setRuns(runs_);
  if (law_editor_ != nullptr)
    law_editor_->setRuns(runs_, qs(fit_options_.holdout_rule));
  if (store_) {
    run_table_model_->setStatusCommit([this](const moescope::Run& run) { store_->update(run); });
  } else {
    run_table_model_->setStatusCommit({});
  }
}

void MainWindow::newStore(const QString& path) {
  if (QFileInfo::exists(path)) {
    throw moescope::StoreError(
        tr("%1 exists already; File > Open store (Ctrl+O) opens it").arg(path).toStdString());
  }
  QDir().mkpath(QFileInfo(path).absolutePath());
  moescope::RunStore::open(path.toStdString());
  openSource(RunSource::store(path));
}

void MainWindow::newStoreInteractively() {
  const QString path = askForStore(this, tr("New store"));
  if (path.isEmpty())
    return;
  try {
    newStore(path);
  } catch (const std::exception& error) {
    QMessageBox::warning(this, tr("Cannot create the store"), QString::fromUtf8(error.what()));
  }
}

void MainWindow::openStoreInteractively() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open a run store"), QFileInfo(source_.path).absolutePath(),
      tr("MoEScope stores (*.sqlite *.db);;All files (*)"));
  if (path.isEmpty())
    return;
  try {
    openSource(RunSource::store(path));
  } catch (const std::exception& error) {
    QMessageBox::warning(this, tr("Cannot open the store"), QString::fromUtf8(error.what()));
  }
}

void MainWindow::openFileInteractively() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open a runs file"),
                                                    QFileInfo(source_.path).absolutePath(),
                                                    tr("Runs (*.csv *.json);;All files (*)"));
  if (path.isEmpty())
    return;
  try {
    openSource(RunSource::file(path));
  } catch (const std::exception& error) {
    QMessageBox::warning(
        this, tr("Cannot open the file"),
        tr("%1\n\nColumns named otherwise can be mapped in File > Import runs into a store.")
            .arg(QString::fromUtf8(error.what())));
  }
}

void MainWindow::importInteractively() {
  // Import goes into the open store, or into one the user names (created if new); the window
  // switches to that store only once the import has landed.
  std::optional<moescope::RunStore> chosen;
  moescope::RunStore* store = store_ ? &*store_ : nullptr;
  if (!store) {
    const QString path = askForStore(this, tr("Import into which store?"));
    if (path.isEmpty())
      return;
    try {
      QDir().mkpath(QFileInfo(path).absolutePath());
      chosen = moescope::RunStore::open(path.toStdString());
    } catch (const std::exception& error) {
      QMessageBox::warning(this, tr("Cannot open the store"), QString::fromUtf8(error.what()));
      return;
    }
    store = &*chosen;
  }
  ImportDialog dialog(*store, this);
  if (dialog.exec() != QDialog::Accepted)
    return;
  try {
    if (chosen)
      openSource(RunSource::store(QString::fromStdString(chosen->path().string())));
    else
      rereadStore();
  } catch (const std::exception& error) {
    QMessageBox::warning(this, tr("Cannot reopen the store"), QString::fromUtf8(error.what()));
    return;
  }
  statusBar()->showMessage(tr("%1; refitting.").arg(dialog.lastSummary()), 8000);
}

std::optional<std::filesystem::path> MainWindow::storeForTrainedRuns() {
  if (store_)
    return store_->path();
  const QString path = askForStore(this, tr("Which store receives the trained runs?"));
  if (path.isEmpty())
    return std::nullopt;
  statusBar()->showMessage(
      tr("Trained runs will land in %1; File > Open store shows them.").arg(path), 8000);
  return std::filesystem::absolute(path.toStdString());
}

void MainWindow::onRunsLanded(const QString& store) {
  if (!store_ ||
      std::filesystem::absolute(store_->path()) != std::filesystem::absolute(store.toStdString())) {
    statusBar()->showMessage(tr("Trained runs landed in %1.").arg(store), 8000);
    return;
  }
  rereadStore();
  statusBar()->showMessage(tr("Trained runs landed in the store; refitting."), 8000);
}

void MainWindow::rereadStore() {
  try {
    moescope::StoredRuns stored = store_->read();
    setRuns(std::move(stored.runs), std::move(stored.invalid));
  } catch (const std::exception& error) {
    statusBar()->showMessage(tr("Cannot reread the store: %1").arg(error.what()));
    return;
  }
  startFit();
}

void MainWindow::deleteRuns(const std::vector<std::string>& ids) {
  if (!store_ || ids.empty())
    return;
  const QString store = nativePath(store_->path());
  QMessageBox question(
      QMessageBox::Warning, tr("Delete runs"),
      tr("Delete %1 from %2? This cannot be undone.").arg(runsText(ids.size()), store),
      QMessageBox::Cancel, this);
  question.setObjectName(QStringLiteral("deleteConfirmation"));
  // Which runs, by id and name, so that a wrong selection shows before it is too late.
  constexpr std::size_t kListed = 8;
  QStringList listed;
  for (std::size_t i = 0; i < ids.size() && i < kListed; ++i) {
    const auto run = std::find_if(runs_.begin(), runs_.end(),
                                  [&](const moescope::Run& r) { return r.id == ids[i]; });
    listed << (run == runs_.end() || run->name.empty()
                   ? qs(ids[i])
                   : tr("%1 (%2)").arg(qs(ids[i]), qs(run->name)));
  }
  if (ids.size() > kListed)
    listed << tr("... and %1 more").arg(ids.size() - kListed);
  question.setInformativeText(listed.join('\n'));
  QPushButton* confirm = question.addButton(tr("&Delete"), QMessageBox::DestructiveRole);
  question.setDefaultButton(QMessageBox::Cancel);
  question.exec();
  if (question.clickedButton() != confirm)
    return;
  std::size_t deleted = 0;
  try {
    deleted = store_->remove(ids).size();
  } catch (const std::exception& error) {
    // RunStore::remove is all or nothing: the store is as it was.
    QMessageBox::warning(this, tr("Nothing was deleted"), QString::fromUtf8(error.what()));
    rereadStore();
    return;
  }
  rereadStore();
  statusBar()->showMessage(tr("Deleted %1 from %2; refitting.").arg(runsText(deleted), store),
                           8000);
}

void MainWindow::onRunEdited(const moescope::Run& run) {
  const auto edited = std::find_if(runs_.begin(), runs_.end(),
                                   [&](const moescope::Run& r) { return r.id == run.id; });
  if (edited != runs_.end())
    *edited = run;
  statusBar()->showMessage(
      tr("Run %1 is now %2; refitting.")
          .arg(QString::fromStdString(run.id), QString::fromUtf8(to_string(run.status).data())),
      5000);
  startFit();
}

}  // namespace moescope::explorer
