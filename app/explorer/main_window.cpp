#include "main_window.h"

#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QEventLoop>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QKeySequence>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "figure_view.h"
#include "fit_job.h"
#include "fit_settings_dialog.h"
#include "import_dialog.h"
#include "moescope/diagnostic.h"
#include "moescope/explore/figure.h"
#include "moescope/explore/surface_grid.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/launch/run_queue.h"
#include "moescope/number_format.h"
#include "read_out_panel.h"
#include "run_table_model.h"
#include "run_table_view.h"
#include "surface_view.h"
#include "training_panel.h"
#include "vector_registers.h"

namespace {

constexpr int kSliderSteps = 1000;
// The budget slider reaches this far beyond the data's budgets, where only the law speaks.
constexpr double kBudgetMargin = 3.0;
constexpr double kLowestCap = 1e8;
constexpr double kHighestCap = 1e12;
constexpr int kSurfaceSteps = 48;

QString number(double value) {
  return QString::fromStdString(moescope::format_brief(value));
}

// Tab captions: the paper's figure number and what it plots.
QString caption(moescope::FigureId id) {
  using moescope::FigureId;
  switch (id) {
    case FigureId::kLossVsSparsity:
      return QStringLiteral("2a  L vs S");
    case FigureId::kLossVsParams:
      return QStringLiteral("2b  L vs N");
    case FigureId::kLossVsActiveParams:
      return QStringLiteral("2c  L vs Na");
    case FigureId::kOptimalParamsVsSparsity:
      return QStringLiteral("3a  N* vs S");
    case FigureId::kOptimalActiveVsSparsity:
      return QStringLiteral("3b  Na* vs S");
    case FigureId::kOptimalLossVsSparsity:
      return QStringLiteral("3c  L* vs S");
    case FigureId::kOptimalSparsityVsParams:
      return QStringLiteral("4  S* vs N");
    case FigureId::kDownstreamVsUpstream:
      return QStringLiteral("5  Downstream");
    case FigureId::kLawFitVsHeldOut:
      return QStringLiteral("6  Law fit");
    case FigureId::kFlopRatio:
      return QStringLiteral("7  FLOP ratio");
  }
  return QString::fromStdString(std::string(to_string(id)));
}

SurfaceScene scene_from(const moescope::SurfaceGrid& grid) {
  SurfaceScene scene;
  scene.x_values = grid.x;
  scene.y_values = grid.y;
  scene.z = grid.z;
  for (const auto& point : grid.ridge)
    scene.ridge.push_back({point.x, point.sparsity, point.loss});
  for (const auto& run : grid.runs)
    scene.points.push_back({run.x, run.y, run.z, run.run_index});
  scene.x_label =
      grid.axis == moescope::SizeAxis::kTotal ? "Total parameters N" : "Active parameters N_a";
  scene.y_label = "Sparsity S";
  scene.z_label = "Loss";
  return scene;
}

std::vector<double> data_budgets_of(const std::vector<moescope::Run>& runs) {
  std::vector<double> budgets;
  try {
    for (const moescope::BudgetGroup& group :
         moescope::group_by_budget(moescope::surface_points(runs).points)) {
      if (group.budget)
        budgets.push_back(*group.budget);
    }
  } catch (const moescope::FitRefused&) {
    // A run with a non-finite budget: the slider keeps its default range; the fit will say why.
  }
  return budgets;
}

QString form_name(const moescope::ExplorerLoadOptions& options) {
  return options.law.form == moescope::LawForm::kAbnar ? QObject::tr("Eq. 6")
                                                       : QObject::tr("the Chinchilla law");
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

MainWindow::MainWindow(const moescope::ExplorerLoadOptions& fit_options, QWidget* parent)
    : QMainWindow(parent), fit_options_(fit_options), fit_job_(new FitJob(this)) {
  setWindowTitle(tr("MoEScope explorer"));
  buildControls();
  buildViews();
  buildRunTable();
  buildTrainingPanel();
  buildStatusBar();
  buildMenus();
  connect(fit_job_, &FitJob::progress, this, [this](qint64 done, qint64 total) {
    fit_progress_->setRange(0, 1000);
    fit_progress_->setValue(static_cast<int>(1000 * done / std::max<qint64>(total, 1)));
    fit_label_->setText(tr("Fitting %1 to %2 runs: %L3 of %L4 starts")
                            .arg(form_name(fit_options_))
                            .arg(runs_.size())
                            .arg(done)
                            .arg(total));
  });
  connect(fit_job_, &FitJob::finished, this, &MainWindow::onFitFinished);
  connect(fit_job_, &FitJob::failed, this,
          [this](const QString& message) { onFitEnded(tr("The fit failed: %1").arg(message)); });
  connect(fit_job_, &FitJob::cancelled, this, [this] {
    onFitEnded(model_ ? tr("Refit cancelled; showing the previous fit.")
                      : tr("Fit cancelled. Fit > Refit (F5) fits again."));
  });
  refresh();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildControls() {
  auto* panel = new QWidget;
  auto* layout = new QVBoxLayout(panel);

  source_label_ = new QLabel;
  source_label_->setWordWrap(true);
  source_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(source_label_);

  auto* budget_box = new QGroupBox(tr("Compute budget C"));
  auto* budget_layout = new QVBoxLayout(budget_box);
  budget_slider_ = new QSlider(Qt::Horizontal);
  budget_slider_->setObjectName(QStringLiteral("budgetSlider"));
  budget_slider_->setRange(0, kSliderSteps);
  budget_slider_->setPageStep(kSliderSteps / 20);
  budget_slider_->setToolTip(
      tr("Log scale; between and beyond the data's budgets through the law"));
  budget_label_ = new QLabel;
  budget_layout->addWidget(budget_slider_);
  budget_layout->addWidget(budget_label_);
  layout->addWidget(budget_box);

  auto* cap_box = new QGroupBox(tr("Memory cap on total parameters N"));
  auto* cap_layout = new QVBoxLayout(cap_box);
  cap_enabled_ = new QCheckBox(tr("&Cap N"));
  cap_enabled_->setObjectName(QStringLiteral("capEnabled"));
  cap_slider_ = new QSlider(Qt::Horizontal);
  cap_slider_->setObjectName(QStringLiteral("capSlider"));
  cap_slider_->setRange(0, kSliderSteps);
  cap_slider_->setValue(kSliderSteps / 2);
  cap_slider_->setEnabled(false);
  cap_label_ = new QLabel(tr("no cap"));
  cap_layout->addWidget(cap_enabled_);
  cap_layout->addWidget(cap_slider_);
  cap_layout->addWidget(cap_label_);
  layout->addWidget(cap_box);

  read_out_panel_ = new ReadOutPanel;
  layout->addWidget(read_out_panel_);

  auto* surface_box = new QGroupBox(tr("3-D surface axis"));
  auto* surface_layout = new QVBoxLayout(surface_box);
  surface_axis_ = new QComboBox;
  surface_axis_->addItems({tr("Total parameters N"), tr("Active parameters N_a")});
  surface_layout->addWidget(surface_axis_);
  layout->addWidget(surface_box);

  run_details_ = new QLabel(tr("Click a run in the 3-D view or the run table to see it here."));
  run_details_->setObjectName(QStringLiteral("runDetails"));
  run_details_->setWordWrap(true);
  run_details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(run_details_);
  layout->addStretch();

  connect(budget_slider_, &QSlider::valueChanged, this, &MainWindow::onBudgetSliderMoved);
  connect(cap_enabled_, &QCheckBox::toggled, this, &MainWindow::onCapChanged);
  connect(cap_slider_, &QSlider::valueChanged, this, &MainWindow::onCapChanged);
  // While a slider is held (refresh() leaves out the intervals then) the 3-D view draws drafts;
  // letting go brings the intervals and the full frame.
  for (QSlider* slider : {budget_slider_, cap_slider_}) {
    connect(slider, &QSlider::sliderPressed, this, [this] { surface_view_->setDragging(true); });
    connect(slider, &QSlider::sliderReleased, this, [this] {
      surface_view_->setDragging(false);
      refresh();
    });
  }
  connect(surface_axis_, &QComboBox::currentIndexChanged, this, [this] { redrawCurrentView(); });

  auto* splitter = new QSplitter;
  splitter->addWidget(panel);
  setCentralWidget(splitter);
}

void MainWindow::buildViews() {
  tabs_ = new QTabWidget;
  surface_view_ = new SurfaceView;
  tabs_->addTab(surface_view_, tr("3-D surface"));
  for (const moescope::FigureId id : moescope::kAllFigures) {
    figure_ids_.push_back(id);
    figure_views_.push_back(new FigureView);
    tabs_->addTab(figure_views_.back(), caption(id));
    tabs_->setTabToolTip(tabs_->count() - 1, QString::fromStdString(std::string(to_string(id))));
  }
  figures_.resize(figure_ids_.size());
  connect(tabs_, &QTabWidget::currentChanged, this, [this] { redrawCurrentView(); });
  connect(surface_view_, &SurfaceView::pointPicked, this, [this](std::size_t run_index) {
    if (data_ && run_index < data_->runs.size())
      showRunDetails(data_->runs[run_index]);
  });

  // Until the first fit arrives the views have nothing to draw: say what is happening instead.
  no_fit_label_ = new QLabel;
  no_fit_label_->setAlignment(Qt::AlignCenter);
  no_fit_label_->setWordWrap(true);
  view_stack_ = new QStackedWidget;
  view_stack_->addWidget(no_fit_label_);
  view_stack_->addWidget(tabs_);
  auto* splitter = static_cast<QSplitter*>(centralWidget());
  splitter->addWidget(view_stack_);
  splitter->setStretchFactor(1, 1);
}

void MainWindow::buildRunTable() {
  run_table_model_ = new RunTableModel(this);
  run_table_view_ = new RunTableView(run_table_model_);
  connect(run_table_view_, &RunTableView::runSelected, this, [this](std::size_t index) {
    if (index < runs_.size())
      showRunDetails(runs_[index]);
  });
  connect(run_table_model_, &RunTableModel::runEdited, this, &MainWindow::onRunEdited);
  auto* dock = new QDockWidget(tr("Runs"));
  dock->setObjectName(QStringLiteral("runsDock"));
  dock->setWidget(run_table_view_);
  addDockWidget(Qt::BottomDockWidgetArea, dock);
}

void MainWindow::buildTrainingPanel() {
  // The trainer and the command line are installed beside the explorer.
  const QString trainer = QDir(QCoreApplication::applicationDirPath()).filePath("moescope-train");
  std::filesystem::path queue;
  try {
    queue = moescope::RunQueue::default_directory();
  } catch (const moescope::QueueError&) {
    queue = std::filesystem::temp_directory_path() / "moescope-queue";
  }
  training_panel_ =
      new TrainingPanel(QFileInfo::exists(trainer) ? std::vector<std::string>{trainer.toStdString()}
                                                   : std::vector<std::string>{},
                        queue);
  training_panel_->setStoreChooser([this] { return storeForTrainedRuns(); });
  connect(training_panel_, &TrainingPanel::runsLanded, this, &MainWindow::onRunsLanded);
  auto* dock = new QDockWidget(tr("Training"));
  dock->setObjectName(QStringLiteral("trainingDock"));
  // Scrolled, because its plan and queue stacked would hold the docks at half the window's height.
  auto* scroll = new QScrollArea;
  scroll->setWidget(training_panel_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  dock->setWidget(scroll);
  addDockWidget(Qt::BottomDockWidgetArea, dock);
  auto* runs_dock = findChild<QDockWidget*>(QStringLiteral("runsDock"));
  tabifyDockWidget(runs_dock, dock);
  runs_dock->raise();
  // The views come first: the docks open at the height of a few rows. (Sized before they were
  // tabified, they would open at half the window.)
  resizeDocks({runs_dock}, {210}, Qt::Vertical);
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
  try {
    setRuns(store_->runs());
  } catch (const std::exception& error) {
    statusBar()->showMessage(tr("Cannot reread the store: %1").arg(error.what()));
    return;
  }
  statusBar()->showMessage(tr("Trained runs landed in the store; refitting."), 8000);
  startFit();
}

void MainWindow::buildStatusBar() {
  fit_label_ = new QLabel;
  fit_progress_ = new QProgressBar;
  fit_progress_->setFixedWidth(200);
  cancel_fit_button_ = new QPushButton(tr("Cancel"));
  cancel_fit_button_->setToolTip(tr("Stop the fit (Esc); the last fit stays on display"));
  connect(cancel_fit_button_, &QPushButton::clicked, this, &MainWindow::cancelFit);
  statusBar()->addPermanentWidget(fit_label_, 1);
  statusBar()->addPermanentWidget(fit_progress_);
  statusBar()->addPermanentWidget(cancel_fit_button_);
  fit_progress_->hide();
  cancel_fit_button_->hide();
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open store..."), QKeySequence::Open, this,
                  &MainWindow::openStoreInteractively);
  file->addAction(tr("Open runs &file..."), QKeySequence(tr("Ctrl+Shift+O")), this,
                  &MainWindow::openFileInteractively);
  file->addAction(tr("Use the &built-in data"), this, [this] {
    try {
      openSource(RunSource::defaultData());
    } catch (const std::exception& error) {
      QMessageBox::warning(this, tr("Cannot open the built-in data"), error.what());
    }
  });
  file->addAction(tr("&Import runs into a store..."), QKeySequence(tr("Ctrl+I")), this,
                  &MainWindow::importInteractively);
  file->addSeparator();
  fit_dependent_actions_ << file->addAction(tr("&Export view..."), QKeySequence(tr("Ctrl+E")), this,
                                            &MainWindow::exportCurrentView);
  fit_dependent_actions_ << file->addAction(tr("Export &all figures..."),
                                            QKeySequence(tr("Ctrl+Shift+E")), this,
                                            &MainWindow::exportAllInteractively);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* fit = menuBar()->addMenu(tr("F&it"));
  fit->addAction(tr("Fit &settings..."), QKeySequence(tr("Ctrl+K")), this,
                 &MainWindow::editFitSettings);
  fit->addAction(tr("&Refit"), QKeySequence(Qt::Key_F5), this, &MainWindow::startFit);
  cancel_fit_action_ =
      fit->addAction(tr("&Cancel fit"), QKeySequence(Qt::Key_Escape), this, &MainWindow::cancelFit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Reset 3-D camera"), QKeySequence(tr("Ctrl+R")), surface_view_,
                  &SurfaceView::resetCamera);
  view->addAction(tr("Next view"), QKeySequence::NextChild, this,
                  [this] { tabs_->setCurrentIndex((tabs_->currentIndex() + 1) % tabs_->count()); });
  QAction* run_table = findChild<QDockWidget*>(QStringLiteral("runsDock"))->toggleViewAction();
  run_table->setShortcut(QKeySequence(tr("Ctrl+T")));
  view->addAction(run_table);
  QAction* training = findChild<QDockWidget*>(QStringLiteral("trainingDock"))->toggleViewAction();
  training->setShortcut(QKeySequence(tr("Ctrl+Shift+T")));
  view->addAction(training);
  updateActions();
}

void MainWindow::updateActions() {
  for (QAction* action : fit_dependent_actions_)
    action->setEnabled(model_ != nullptr);
  cancel_fit_action_->setEnabled(isFitting());
}

void MainWindow::openSource(const RunSource& source) {
  LoadedRuns loaded = load_runs(source);
  source_ = source;
  store_ = std::move(loaded.store);
  source_label_->setText(tr("<b>Data:</b> %1").arg(source.description().toHtmlEscaped()));
  setRuns(std::move(loaded.runs));

  const std::vector<double> budgets = data_budgets_of(runs_);
  if (!budgets.empty()) {
    lowest_budget_ = budgets.front() / kBudgetMargin;
    highest_budget_ = budgets.back() * kBudgetMargin;
    state_.budget = budgets[budgets.size() / 2];
  }
  {
    const QSignalBlocker quiet(budget_slider_);
    budget_slider_->setValue(positionOf(state_.budget));
  }
  // The fit of other data no longer applies; the model goes before the data it refers to.
  model_.reset();
  data_.reset();
  startFit();
}

void MainWindow::setRuns(std::vector<moescope::Run> runs) {
  runs_ = std::move(runs);
  run_table_model_->setRuns(runs_);
  training_panel_->setRuns(runs_);
  if (store_) {
    run_table_model_->setStatusCommit([this](const moescope::Run& run) { store_->update(run); });
  } else {
    run_table_model_->setStatusCommit({});
  }
}

void MainWindow::setFitOptions(const moescope::ExplorerLoadOptions& options) {
  fit_options_ = options;
  startFit();
}

bool MainWindow::isFitting() const {
  return fit_job_->isRunning();
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
  fit_clock_.start();
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
  fit_job_->start(runs_, fit_options_);
  updateActions();
  refresh();
}

void MainWindow::cancelFit() {
  fit_job_->cancel();
}

bool MainWindow::waitForFit() {
  if (isFitting()) {
    QEventLoop loop;
    connect(fit_job_, &FitJob::finished, &loop, &QEventLoop::quit);
    connect(fit_job_, &FitJob::failed, &loop, &QEventLoop::quit);
    connect(fit_job_, &FitJob::cancelled, &loop, &QEventLoop::quit);
    loop.exec();
    // The window's own handlers ran first (they were connected first); let the redraw land.
    QApplication::processEvents();
  }
  return model_ != nullptr;
}

QString MainWindow::fitStatus() const {
  return fit_label_->text();
}

void MainWindow::onFitFinished(const std::shared_ptr<moescope::ExplorerLoad>& load) {
  auto fitted = std::make_unique<moescope::ExplorerData>(std::move(load->data));
  auto model = std::make_unique<moescope::ExplorerModel>(*fitted);
  model_ = std::move(model);
  data_ = std::move(fitted);

  const auto held_out = std::count(data_->holdout.begin(), data_->holdout.end(), true);
  const auto used =
      static_cast<long>(moescope::scaling_points(data_->runs).points.size()) - held_out;
  fit_label_->setText(
      tr("%1 fitted to %2 runs (%3 held out), %4 IsoFLOP surfaces, in %5 s%6")
          .arg(form_name(fit_options_))
          .arg(used)
          .arg(held_out)
          .arg(data_->surfaces.size())
          .arg(static_cast<double>(fit_clock_.elapsed()) / 1000.0, 0, 'f', 1)
          .arg(load->notes.empty() ? QString() : tr("; %1 notes").arg(load->notes.size())));
  QStringList notes;
  for (const std::string& note : load->notes)
    notes << QString::fromStdString(note);
  fit_label_->setToolTip(notes.join('\n'));
  fit_progress_->hide();
  cancel_fit_button_->hide();
  training_panel_->setLaw(fit_options_.law.form == moescope::LawForm::kAbnar
                              ? std::optional<moescope::SparsityLaw>(data_->law.abnar)
                              : std::nullopt);
  view_stack_->setCurrentWidget(tabs_);
  updateActions();
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

double MainWindow::budgetAtPosition(int position) const {
  return lowest_budget_ *
         std::pow(highest_budget_ / lowest_budget_, static_cast<double>(position) / kSliderSteps);
}

int MainWindow::sliderSteps() {
  return kSliderSteps;
}

int MainWindow::positionOf(double compute) const {
  const double fraction =
      std::log(compute / lowest_budget_) / std::log(highest_budget_ / lowest_budget_);
  return std::clamp(static_cast<int>(std::lround(fraction * kSliderSteps)), 0, kSliderSteps);
}

double MainWindow::capAt(int position) const {
  return kLowestCap *
         std::pow(kHighestCap / kLowestCap, static_cast<double>(position) / kSliderSteps);
}

void MainWindow::setBudget(double compute) {
  state_.budget = compute;
  const QSignalBlocker quiet(budget_slider_);
  budget_slider_->setValue(positionOf(compute));
  refresh();
}

void MainWindow::setParameterCap(std::optional<double> max_total_params) {
  state_.max_total_params = max_total_params;
  const QSignalBlocker quiet_box(cap_enabled_);
  const QSignalBlocker quiet_slider(cap_slider_);
  cap_enabled_->setChecked(max_total_params.has_value());
  cap_slider_->setEnabled(max_total_params.has_value());
  if (max_total_params) {
    const double fraction =
        std::log(*max_total_params / kLowestCap) / std::log(kHighestCap / kLowestCap);
    cap_slider_->setValue(
        std::clamp(static_cast<int>(std::lround(fraction * kSliderSteps)), 0, kSliderSteps));
  }
  refresh();
}

void MainWindow::onBudgetSliderMoved(int position) {
  state_.budget = budgetAtPosition(position);
  refresh();
}

void MainWindow::onCapChanged() {
  cap_slider_->setEnabled(cap_enabled_->isChecked());
  state_.max_total_params =
      cap_enabled_->isChecked() ? std::optional<double>(capAt(cap_slider_->value())) : std::nullopt;
  refresh();
}

void MainWindow::refresh() {
  // Intervals cost twenty times the point values: while a slider is held, the views follow it
  // with point values, and the intervals come once it is let go.
  state_.replicate_intervals = !budget_slider_->isSliderDown() && !cap_slider_->isSliderDown();
  budget_label_->setText(tr("C = %1 FLOPs").arg(number(state_.budget)));
  training_panel_->setBudget(state_.budget);
  cap_label_->setText(state_.max_total_params ? tr("N ≤ %1").arg(number(*state_.max_total_params))
                                              : tr("no cap"));
  if (!model_) {
    read_out_ = {};
    read_out_panel_->showMessage(isFitting() ? tr("Fitting...") : tr("No fit"));
    return;
  }
  try {
    clearUpperVectorRegisters();
    read_out_ = model_->read_out(state_);
    read_out_panel_->showReadOut(read_out_);
  } catch (const std::exception& error) {
    read_out_ = {};
    read_out_panel_->showMessage(tr("No optimum: %1").arg(QString::fromUtf8(error.what())));
  }
  redrawCurrentView();
}

void MainWindow::redrawCurrentView() {
  if (!model_)
    return;
  const int index = tabs_->currentIndex();
  clearUpperVectorRegisters();
  try {
    if (index == 0) {
      const auto axis = surface_axis_->currentIndex() == 0 ? moescope::SizeAxis::kTotal
                                                           : moescope::SizeAxis::kActive;
      surface_scene_ = scene_from(model_->surface_grid(state_, axis, kSurfaceSteps, kSurfaceSteps));
      surface_view_->setScene(&surface_scene_);
      return;
    }
    const std::size_t figure = static_cast<std::size_t>(index - 1);
    figures_[figure] = model_->figure(figure_ids_[figure], state_);
    figure_views_[figure]->setFigure(&figures_[figure]);
  } catch (const std::exception& error) {
    statusBar()->showMessage(tr("This view cannot be drawn here: %1").arg(error.what()));
  }
}

void MainWindow::showRunDetails(const moescope::Run& run) {
  auto value = [](const std::optional<double>& v) { return v ? number(*v) : QStringLiteral("-"); };
  run_details_->setText(tr("<b>%1</b><br>%2<br>N = %3, N<sub>a</sub> = %4, S = %5<br>"
                           "D = %6, C = %7, loss = %8<br>status: %9")
                            .arg(QString::fromStdString(run.id).toHtmlEscaped(),
                                 QString::fromStdString(run.name).toHtmlEscaped(),
                                 value(run.total_params), value(run.active_params),
                                 value(run.sparsity), value(run.tokens), value(run.compute),
                                 value(run.loss), QString::fromUtf8(to_string(run.status).data())));
}

QStringList MainWindow::viewNames() const {
  QStringList names{QStringLiteral("surface")};
  for (const moescope::FigureId id : figure_ids_) {
    names << QString::fromStdString(std::string(to_string(id)));
  }
  return names;
}

QString MainWindow::currentViewName() const {
  return viewNames().value(tabs_->currentIndex());
}

bool MainWindow::showView(const QString& name) {
  const int index = static_cast<int>(viewNames().indexOf(name));
  if (index < 0)
    return false;
  tabs_->setCurrentIndex(index);
  redrawCurrentView();
  return true;
}

bool MainWindow::exportAll(const QString& directory, int dpi, QString* error) {
  if (!model_) {
    *error = tr("there is no fit to export");
    return false;
  }
  if (!QDir().mkpath(directory)) {
    *error = tr("cannot create %1").arg(directory);
    return false;
  }
  for (std::size_t i = 0; i < figure_ids_.size(); ++i) {
    clearUpperVectorRegisters();
    figures_[i] = model_->figure(figure_ids_[i], state_);
    FigureView* view = figure_views_[i];
    view->setFigure(&figures_[i]);
    const QString base =
        QDir(directory).filePath(QString::fromStdString(std::string(to_string(figure_ids_[i]))));
    if (!view->exportPng(base + ".png", dpi) || !view->exportSvg(base + ".svg") ||
        !view->exportPdf(base + ".pdf") || !view->exportCsv(base + ".csv")) {
      *error = view->lastError();
      return false;
    }
  }
  clearUpperVectorRegisters();
  surface_scene_ = scene_from(
      model_->surface_grid(state_, moescope::SizeAxis::kTotal, kSurfaceSteps, kSurfaceSteps));
  surface_view_->setScene(&surface_scene_);
  const QString surface = QDir(directory).filePath(QStringLiteral("surface.png"));
  if (!surface_view_->renderImage(1600, 1200).save(surface)) {
    *error = tr("cannot write %1").arg(surface);
    return false;
  }
  redrawCurrentView();
  return true;
}

void MainWindow::exportCurrentView() {
  const int index = tabs_->currentIndex();
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export view"), QString(),
      index == 0 ? tr("PNG image (*.png)")
                 : tr("PNG image (*.png);;SVG (*.svg);;PDF (*.pdf);;Curves as CSV (*.csv)"));
  if (path.isEmpty())
    return;
  bool written = false;
  QString error;
  if (index == 0) {
    written = surface_view_->renderImage(1600, 1200).save(path);
    error = tr("cannot write %1").arg(path);
  } else {
    FigureView* view = figure_views_[static_cast<std::size_t>(index - 1)];
    if (path.endsWith(".svg"))
      written = view->exportSvg(path);
    else if (path.endsWith(".pdf"))
      written = view->exportPdf(path);
    else if (path.endsWith(".csv"))
      written = view->exportCsv(path);
    else
      written = view->exportPng(path, 300);
    error = view->lastError();
  }
  if (!written)
    QMessageBox::warning(this, tr("Export failed"), error);
}

void MainWindow::exportAllInteractively() {
  const QString directory = QFileDialog::getExistingDirectory(this, tr("Export all figures to"));
  if (directory.isEmpty())
    return;
  QString error;
  if (!exportAll(directory, 300, &error))
    QMessageBox::warning(this, tr("Export failed"), error);
  else
    statusBar()->showMessage(tr("Exported every view to %1").arg(directory), 5000);
}

std::vector<double> MainWindow::replaySliderDrag(int positions) {
  std::vector<double> milliseconds;
  if (!model_)
    return milliseconds;
  budget_slider_->setSliderDown(true);
  for (int i = 0; i < positions; ++i) {
    QElapsedTimer timer;
    timer.start();
    budget_slider_->setValue(i * kSliderSteps / std::max(1, positions - 1));
    // The views paint from queued events: the update is done only once those are processed.
    QApplication::processEvents();
    milliseconds.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
  }
  // As a release of the mouse: the intervals and a full-resolution frame.
  budget_slider_->setSliderDown(false);
  return milliseconds;
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
    if (chosen) {
      openSource(RunSource::store(QString::fromStdString(chosen->path().string())));
    } else {
      setRuns(store_->runs());
      startFit();
    }
  } catch (const std::exception& error) {
    QMessageBox::warning(this, tr("Cannot reopen the store"), QString::fromUtf8(error.what()));
    return;
  }
  statusBar()->showMessage(tr("%1; refitting.").arg(dialog.lastSummary()), 8000);
}

void MainWindow::editFitSettings() {
  FitSettingsDialog dialog(fit_options_, this);
  if (dialog.exec() == QDialog::Accepted)
    setFitOptions(dialog.options());
}

ExplorerSession MainWindow::session() const {
  ExplorerSession session;
  session.source = source_;
  session.fit_options = fit_options_;
  session.budget = state_.budget;
  session.max_total_params = state_.max_total_params;
  session.view = currentViewName();
  session.surface_axis = surface_axis_->currentIndex();
  session.window_geometry = saveGeometry();
  session.window_state = saveState();
  return session;
}

void MainWindow::restoreView(const ExplorerSession& session) {
  if (!session.window_geometry.isEmpty())
    restoreGeometry(session.window_geometry);
  if (!session.window_state.isEmpty())
    restoreState(session.window_state);
  surface_axis_->setCurrentIndex(session.surface_axis);
  setParameterCap(session.max_total_params);
  if (session.budget)
    setBudget(*session.budget);
  if (!session.view.isEmpty())
    showView(session.view);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (remembers_session_)
    session().save();
  fit_job_->cancel();
  training_panel_->handOverQueue();
  event->accept();
}
