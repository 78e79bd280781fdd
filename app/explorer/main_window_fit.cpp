// MainWindow: fitting the runs on a worker thread, Figure 6's validations across budgets, and the
// headline's rows under the read-out.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QEventLoop>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

#include "budget_slider.h"
#include "display_text.h"
#include "figure_view.h"
#include "fit_job.h"
#include "fit_settings_dialog.h"
#include "headline_job.h"
#include "main_window.h"
#include "moescope/explore/explorer_fit_cache.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/saved_fit.h"
#include "read_out_panel.h"
#include "training_panel.h"
#include "validation_job.h"

namespace moescope::explorer {
namespace {

// What a fit under way fits: the form asked for, or the one the data will choose.
QString form_name(const moescope::ExplorerLoadOptions& options) {
  if (!options.form)
    return QObject::tr("the law (form following the data)");
  return *options.form == moescope::LawForm::kAbnar ? QObject::tr("Eq. 6")
                                                    : QObject::tr("the Chinchilla law");
}

// The read-out's first line: which law it is read off, and what it cannot say.
QString law_description(const moescope::ExplorerData& data) {
  if (!data.law)
    return QObject::tr("No law: the data cannot determine it.");
  if (data.law->form == moescope::LawForm::kAbnar)
    return QString();  // the paper's law: nothing to say
  if (data.law_scope.sparsity) {
    // Why, in the data's words where it chose the form (the law note).
    const QString why = data.law_note.empty()
                            ? QObject::tr(
                                  "the law was fitted in Chinchilla's form, which "
                                  "describes S = %1 only")
                                  .arg(number(*data.law_scope.sparsity))
                            : qs(data.law_note);
    return QObject::tr("No sparsity recommendation: %1. N*, D* and L* are read at S = %2.")
        .arg(why, number(*data.law_scope.sparsity));
  }
  return QObject::tr(
      "Chinchilla's form fitted across sparsity levels: it ignores S and has no "
      "optimum over it.");
}

// The quick grid's starts, which the first look fits: the product of its coordinates' values.
long first_look_starts() {
  long starts = 1;
  for (const auto& [coordinate, values] : moescope::ExplorerLoadOptions::quick().law.grid_override)
    starts *= static_cast<long>(values.size());
  return starts;
}

// Runs the event loop until `job` finishes, fails or is cancelled. The window's own handlers run
// first (they were connected first); the events they post (a redraw) are processed too.
template <typename Job>
void waitUntilEnded(Job* job) {
  QEventLoop loop;
  QObject::connect(job, &Job::finished, &loop, &QEventLoop::quit);
  QObject::connect(job, &Job::failed, &loop, &QEventLoop::quit);
  QObject::connect(job, &Job::cancelled, &loop, &QEventLoop::quit);
  loop.exec();
  QApplication::processEvents();
}

}  // namespace

void MainWindow::setFitOptions(const moescope::ExplorerLoadOptions& options) {
  fit_options_ = options;
  startFit();
}

bool MainWindow::openSavedFit(const QString& path, QString* error) {
  try {
    fit_options_.saved_fit = moescope::read_saved_fit(path.toStdString());
  } catch (const std::exception& refused) {
    *error = QString::fromUtf8(refused.what());
    return false;
  }
  fit_options_.saved_fit_file = path.toStdString();
  startFit();
  return true;
}

void MainWindow::forgetSavedFit() {
  fit_options_.saved_fit.reset();
  fit_options_.saved_fit_file.clear();
  startFit();
}

void MainWindow::openSavedFitInteractively() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open a saved fit"),
                                                    QFileInfo(source_.path).absolutePath(),
                                                    tr("Saved fits (*.json);;All files (*)"));
  if (path.isEmpty())
    return;
  QString error;
  if (!openSavedFit(path, &error)) {
    QMessageBox::warning(this, tr("Cannot open the saved fit"),
                         tr("%1\n\nWrite one with moescope fit law --save FILE or moescope fit "
                            "surface --save FILE.")
                             .arg(error));
  }
}

bool MainWindow::isFitting() const {
  return fit_job_->isRunning();
}

void MainWindow::useFitCache(std::optional<std::filesystem::path> directory) {
  fit_cache_.reset();
  if (directory)
    fit_cache_.emplace(std::move(*directory));
}

void MainWindow::startFit() {
  if (runs_.empty()) {
    fit_job_->cancel();
    model_.reset();
    data_.reset();
    onFitEnded(tr("No runs in %1. Import runs into a store (Ctrl+I) to see their fits.")
                   .arg(source_.description()));
    return;
  }
  validation_job_->cancel();
  fit_clock_.start();
  moescope::ExplorerLoadOptions options = fit_options_;
  cache_key_.clear();
  cached_fit_made_.clear();
  cache_note_.clear();
  if (fit_cache_) {
    const moescope::CachedFitLookup lookup =
        moescope::look_up_cached_fit(*fit_cache_, runs_, options);
    cache_key_ = lookup.key;
    cached_fit_made_ = qs(lookup.made);
    cache_note_ = qs(lookup.note);
  }
  // The published grid (Table 2's 437,400 starts for Eq. 6) takes a minute or more: the views
  // show the quick grid's first look within a second or two while it runs.
  const bool long_fit = !options.saved_fit && !options.cached_law &&
                        options.law.grid_override.empty() &&
                        options.law.solver == moescope::LawSolver::kMultiStart;
  fit_stage_ = long_fit ? FitStage::kFirstLook : FitStage::kFinal;
  fit_label_->setText(
      tr("Fitting %1 to %2 runs...").arg(form_name(fit_options_)).arg(runs_.size()));
  fit_label_->setToolTip({});
  fit_progress_->setRange(0, 0);
  fit_progress_->show();
  cancel_fit_button_->show();
  if (!model_) {
    no_fit_label_->setText(tr("Fitting %1 to the %2 runs of %3...\nProgress and Cancel are in the "
                              "status bar.")
                               .arg(form_name(fit_options_))
                               .arg(runs_.size())
                               .arg(source_.description()));
    view_stack_->setCurrentWidget(no_fit_label_);
  }
  if (fit_stage_ == FitStage::kFirstLook) {
    moescope::ExplorerLoadOptions first_look = options;
    first_look.law = moescope::ExplorerLoadOptions::quick().law;
    fit_job_->start(runs_, first_look);
  } else {
    fit_job_->start(runs_, options);
  }
  updateActions();
  refresh();
}

void MainWindow::onFitProgress(qint64 done, qint64 total) {
  fit_progress_->setRange(0, 1000);
  fit_progress_->setValue(static_cast<int>(1000 * done / std::max<qint64>(total, 1)));
  if (showing_first_look_) {
    fit_label_->setText(tr("First look (the quick grid's %1 starts); full fit running: %2 % "
                           "(%L3 of %L4 starts and bootstrap refits)...")
                            .arg(first_look_starts())
                            .arg(100 * done / std::max<qint64>(total, 1))
                            .arg(done)
                            .arg(total));
    return;
  }
  fit_label_->setText(tr("Fitting %1 to %2 runs: %L3 of %L4 starts and bootstrap refits")
                          .arg(form_name(fit_options_))
                          .arg(runs_.size())
                          .arg(done)
                          .arg(total));
}

void MainWindow::cancelFit() {
  fit_job_->cancel();
}

bool MainWindow::waitForFit() {
  // The first look's end starts the full fit: wait for that too.
  while (isFitting())
    waitUntilEnded(fit_job_);
  return model_ != nullptr;
}

bool MainWindow::waitForFirstView() {
  while (!model_ && isFitting())
    waitUntilEnded(fit_job_);
  return model_ != nullptr;
}

bool MainWindow::isShowingFirstLook() const {
  return showing_first_look_;
}

void MainWindow::writeFitCache(const moescope::ExplorerLoad& load) {
  if (!fit_cache_)
    return;
  try {
    moescope::keep_fitted_law(*fit_cache_, cache_key_, load, source_.description().toStdString(),
                              fit_options_.holdout_rule);
  } catch (const std::exception& error) {
    cache_note_ = tr("the fit could not be cached: %1").arg(QString::fromUtf8(error.what()));
  }
}

QString MainWindow::fitStatus() const {
  return fit_label_->text();
}

void MainWindow::onFitFinished(const std::shared_ptr<moescope::ExplorerLoad>& load) {
  const bool first_look = fit_stage_ == FitStage::kFirstLook;
  showing_first_look_ = first_look;
  if (!first_look)
    writeFitCache(*load);
  auto fitted = std::make_shared<const moescope::ExplorerData>(std::move(load->data));
  auto model = std::make_unique<moescope::ExplorerModel>(*fitted);
  model_ = std::move(model);
  data_ = std::move(fitted);
  // The validations and the headline were of the last fit's law.
  validation_job_->cancel();
  validations_ = {};
  headline_job_->cancel();
  capped_.clear();
  capped_budget_.reset();

  const auto held_out = std::count(data_->holdout.begin(), data_->holdout.end(), true);
  const auto used =
      static_cast<long>(moescope::scaling_points(data_->runs).points.size()) - held_out;
  const QString notes_count =
      load->notes.empty() ? QString() : tr("; %1 notes").arg(load->notes.size());
  const QString seconds =
      QString::number(static_cast<double>(fit_clock_.elapsed()) / 1000.0, 'f', 1);
  if (!data_->law_file.empty() || !data_->surfaces_file.empty()) {
    const bool law = !data_->law_file.empty();
    fit_label_->setText(
        tr("%1 read from %2, beside %3 runs and %4 IsoFLOP surfaces%5")
            .arg(law ? qs(moescope::law_name(*data_)) : tr("Surfaces"))
            .arg(QFileInfo(qs(law ? data_->law_file : data_->surfaces_file)).fileName())
            .arg(data_->runs.size())
            .arg(data_->surfaces.size())
            .arg(notes_count));
  } else if (!data_->no_usable_runs.empty()) {
    fit_label_->setText(tr("No fit: %1").arg(qs(data_->no_usable_runs)));
  } else if (data_->law && !cached_fit_made_.isEmpty()) {
    fit_label_->setText(
        tr("%1 fitted to %2 runs (%3 held out), from the cache (fitted %4), %5 "
           "IsoFLOP surfaces, in %6 s%7")
            .arg(qs(moescope::law_name(*data_)))
            .arg(used)
            .arg(held_out)
            .arg(QString(cached_fit_made_).replace('T', ' ').replace('Z', QStringLiteral(" UTC")))
            .arg(data_->surfaces.size())
            .arg(seconds, notes_count));
  } else if (data_->law) {
    fit_label_->setText(tr("%1 fitted to %2 runs (%3 held out), %4 IsoFLOP surfaces, in %5 s%6")
                            .arg(qs(moescope::law_name(*data_)))
                            .arg(used)
                            .arg(held_out)
                            .arg(data_->surfaces.size())
                            .arg(seconds, notes_count));
  } else {
    fit_label_->setText(tr("Law refused: %1. Showing the %2 runs and %3 IsoFLOP surfaces%4")
                            .arg(qs(data_->law_refused))
                            .arg(data_->runs.size())
                            .arg(data_->surfaces.size())
                            .arg(notes_count));
  }
  QStringList notes;
  for (const std::string& note : load->notes)
    notes << QString::fromStdString(note);
  if (!cache_note_.isEmpty())
    notes << cache_note_;
  fit_label_->setToolTip(notes.join('\n'));
  if (first_look) {
    // The views show the first look now; the full fit replaces it when done, or Cancel keeps it.
    fit_label_->setText(tr("First look (the quick grid's %1 starts); full fit running...")
                            .arg(first_look_starts()));
    fit_stage_ = FitStage::kFinal;
    fit_job_->start(runs_, fit_options_);
  } else {
    fit_progress_->hide();
    cancel_fit_button_->hide();
  }
  read_out_panel_->setLawDescription(law_description(*data_), qs(data_->law_note));
  training_panel_->setBinning(data_->binning);
  training_panel_->setLaw(data_->law && data_->law->form == moescope::LawForm::kAbnar
                              ? std::optional<moescope::SparsityLaw>(data_->law->abnar)
                              : std::nullopt);
  validation_mode_->setEnabled(data_->law.has_value());
  // The overlay is the Eq. 6 law's surface; a law of one sparsity level (or none) has none.
  law_overlay_box_->setEnabled(data_->law && data_->law->form == moescope::LawForm::kAbnar);
  if (validation_mode_->currentIndex() > 0) {
    // Asked for before this fit: validate the new law.
    const int index = validation_mode_->currentIndex();
    if (data_->law) {
      startValidation(index == 1 ? moescope::ValidationScheme::kLeaveOneBudgetOut
                                 : moescope::ValidationScheme::kForward);
    } else {
      const QSignalBlocker quiet(validation_mode_);
      validation_mode_->setCurrentIndex(0);
    }
  }
  updateBudgetMarks();
  updateBudgetList();
  view_stack_->setCurrentWidget(tabs_);
  updateActions();
  updateFitsPanel();
  refresh();
}

void MainWindow::onFitEnded(const QString& message) {
  fit_label_->setText(message);
  fit_progress_->hide();
  cancel_fit_button_->hide();
  if (!model_) {
    no_fit_label_->setText(message);
    view_stack_->setCurrentWidget(no_fit_label_);
  }
  updateActions();
  refresh();
}

void MainWindow::editFitSettings() {
  FitSettingsDialog dialog(fit_options_, this);
  if (dialog.exec() == QDialog::Accepted)
    setFitOptions(dialog.options());
}

void MainWindow::buildValidationControls(QWidget* container, FigureView* view) {
  auto* layout = new QVBoxLayout(container);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* row = new QHBoxLayout;
  row->setContentsMargins(8, 4, 8, 0);
  auto* label = new QLabel(tr("&Show:"));
  validation_mode_ = new QComboBox;
  validation_mode_->setObjectName(QStringLiteral("validationMode"));
  validation_mode_->addItem(tr("The fit and its held-out runs"));
  validation_mode_->addItem(tr("Leave one budget out: each budget predicted without it"));
  validation_mode_->addItem(tr("Forward: the largest budget predicted from the others"));
  validation_mode_->setToolTip(
      tr("Validation across budgets refits the law once per budget left out, as a bootstrap "
         "replicate is refitted (moescope fit law --validate)"));
  label->setBuddy(validation_mode_);
  validation_progress_ = new QProgressBar;
  validation_progress_->setFixedWidth(160);
  validation_progress_->setFormat(tr("%v of %m budgets"));
  validation_cancel_ = new QPushButton(tr("Cancel"));
  validation_cancel_->setObjectName(QStringLiteral("validationCancel"));
  validation_label_ = new QLabel;
  row->addWidget(label);
  row->addWidget(validation_mode_);
  row->addWidget(validation_progress_);
  row->addWidget(validation_cancel_);
  row->addWidget(validation_label_);
  row->addStretch();
  layout->addLayout(row);
  layout->addWidget(view, 1);
  validation_progress_->hide();
  validation_cancel_->hide();
  connect(validation_cancel_, &QPushButton::clicked, validation_job_, &ValidationJob::cancel);
  connect(validation_mode_, &QComboBox::currentIndexChanged, this, [this](int index) {
    if (index > 0 && data_ && data_->law) {
      const auto scheme = index == 1 ? moescope::ValidationScheme::kLeaveOneBudgetOut
                                     : moescope::ValidationScheme::kForward;
      if (!validations_[index - 1] &&
          !(validation_job_->isRunning() && validation_job_->scheme() == scheme))
        startValidation(scheme);
    } else if (validation_job_->isRunning()) {
      validation_job_->cancel();
    }
    redrawCurrentView();
  });
}

void MainWindow::startValidation(moescope::ValidationScheme scheme) {
  validation_progress_->setRange(0, 0);
  validation_progress_->show();
  validation_cancel_->show();
  validation_label_->setText(tr("Refitting the law..."));
  showValidationNote(scheme == moescope::ValidationScheme::kForward ? tr("Forward validation")
                                                                    : tr("Leave one budget out"),
                     tr("Refitting the law without each budget in turn; progress and Cancel "
                        "are above."));
  validation_job_->start(data_, scheme);
}

void MainWindow::showValidationNote(const QString& title, const QString& message) {
  validation_note_ = {};
  validation_note_.id = moescope::FigureId::kLawFitVsHeldOut;
  validation_note_.title = title.toStdString();
  validation_note_.x_label = moescope::loss_label(*data_, "Observed L");
  validation_note_.y_label = moescope::loss_label(*data_, "Predicted L\u0302");
  validation_note_.message = message.toStdString();
  redrawCurrentView();
}

bool MainWindow::setValidationScheme(std::optional<moescope::ValidationScheme> scheme) {
  if (scheme && !(data_ && data_->law))
    return false;
  validation_mode_->setCurrentIndex(!scheme ? 0
                                    : *scheme == moescope::ValidationScheme::kLeaveOneBudgetOut
                                        ? 1
                                        : 2);
  return true;
}

std::optional<moescope::ValidationScheme> MainWindow::validationScheme() const {
  switch (validation_mode_->currentIndex()) {
    case 1:
      return moescope::ValidationScheme::kLeaveOneBudgetOut;
    case 2:
      return moescope::ValidationScheme::kForward;
    default:
      return std::nullopt;
  }
}

bool MainWindow::isValidating() const {
  return validation_job_->isRunning();
}

bool MainWindow::waitForValidation() {
  if (isValidating()) {
    waitUntilEnded(validation_job_);
  }
  return validation() != nullptr;
}

const moescope::LawValidation* MainWindow::validation() const {
  const int index = validation_mode_->currentIndex();
  return index > 0 ? validations_[static_cast<std::size_t>(index - 1)].get() : nullptr;
}

void MainWindow::updateHeadline() {
  // Five optimum searches, twenty times that with intervals: too slow for every step of a drag.
  // While the budget slider is held the rows stay as they are (the panel names their budget).
  if (budget_slider_->isSliderDown() || capped_budget_ == state_.budget)
    return;
  moescope::ExplorerState point = state_;
  point.replicate_intervals = false;
  capped_ = model_->capped_read_outs(point);
  capped_budget_ = state_.budget;
  if (!capped_.empty() && !data_->replicates.empty())
    headline_job_->start(data_, state_);
}

bool MainWindow::isComputingHeadline() const {
  return headline_job_->isRunning();
}

void MainWindow::waitForHeadline() {
  while (headline_job_->isRunning()) {
    QEventLoop loop;
    connect(headline_job_, &HeadlineJob::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(50, &loop, &QEventLoop::quit);
    loop.exec();
  }
  QApplication::processEvents();
}

}  // namespace moescope::explorer
