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
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "budget_slider.h"
#include "figure_view.h"
#include "fit_job.h"
#include "fit_settings_dialog.h"
#include "headline_job.h"
#include "import_dialog.h"
#include "moescope/diagnostic.h"
#include "moescope/explore/figure.h"
#include "moescope/explore/surface_grid.h"
#include "moescope/explore/validation.h"
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
#include "validation_job.h"
#include "vector_registers.h"

namespace {

constexpr int kSliderSteps = 1000;
// The budget slider reaches this far beyond the data's budgets, where only the law speaks: a
// decade, so that the stretch beyond the extrapolation factor (hatched) is there to be seen.
constexpr double kBudgetMargin = 10.0;
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
    case FigureId::kOptimalParamsVsBudget:
      return QStringLiteral("N* vs C");
    case FigureId::kOptimalTokensVsBudget:
      return QStringLiteral("D* vs C");
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
  scene.title = grid.label;
  scene.message = grid.message;
  if (grid.law_overlay) {
    scene.overlay_z = grid.law_overlay->z;
    for (const auto& point : grid.law_overlay->ridge)
      scene.overlay_ridge.push_back({point.x, point.sparsity, point.loss});
    scene.overlay_label = grid.law_overlay->label;
  }
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

// A scroll area as wide as its widget needs: it scrolls only vertically, and a splitter would
// otherwise squeeze the controls and clip their labels.
class PanelScrollArea : public QScrollArea {
 public:
  QSize minimumSizeHint() const override {
    QSize size = QScrollArea::minimumSizeHint();
    if (widget() != nullptr) {
      size.setWidth(widget()->minimumSizeHint().width() + verticalScrollBar()->sizeHint().width() +
                    2 * frameWidth());
    }
    return size;
  }
  QSize sizeHint() const override {
    QSize size = QScrollArea::sizeHint();
    if (widget() != nullptr) {
      size.setWidth(widget()->sizeHint().width() + verticalScrollBar()->sizeHint().width() +
                    2 * frameWidth());
    }
    return size;
  }
};

// What a fit under way fits: the form asked for, or the one the data will choose.
QString form_name(const moescope::ExplorerLoadOptions& options) {
  if (!options.form)
    return QObject::tr("the law (form following the data)");
  return *options.form == moescope::LawForm::kAbnar ? QObject::tr("Eq. 6")
                                                    : QObject::tr("the Chinchilla law");
}

QString qs(const std::string& text) {
  return QString::fromStdString(text);
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
    : QMainWindow(parent),
      fit_options_(fit_options),
      fit_job_(new FitJob(this)),
      validation_job_(new ValidationJob(this)),
      headline_job_(new HeadlineJob(this)) {
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
  connect(headline_job_, &HeadlineJob::finished, this,
          [this](double budget, const std::shared_ptr<std::vector<moescope::CappedReadOut>>& rows) {
            if (!model_ || capped_budget_ != budget)
              return;  // of another budget or fit
            capped_ = *rows;
            if (read_out_.budget == budget && data_->law)
              read_out_panel_->showReadOut(read_out_, capped_);
          });
  connect(validation_job_, &ValidationJob::progress, this, [this](qint64 done, qint64 total) {
    validation_progress_->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
    validation_progress_->setValue(static_cast<int>(done));
  });
  connect(validation_job_, &ValidationJob::finished, this,
          [this](const std::shared_ptr<moescope::LawValidation>& validation) {
            validations_[validation->scheme == moescope::ValidationScheme::kForward ? 1 : 0] =
                validation;
            validation_progress_->hide();
            validation_cancel_->hide();
            validation_label_->clear();
            redrawCurrentView();
          });
  connect(validation_job_, &ValidationJob::failed, this, [this](const QString& message) {
    validation_progress_->hide();
    validation_cancel_->hide();
    validation_label_->setText(tr("Refused"));
    showValidationNote(tr("Validation across budgets refused"), message);
  });
  connect(validation_job_, &ValidationJob::cancelled, this, [this] {
    validation_progress_->hide();
    validation_cancel_->hide();
    validation_label_->setText(tr("Cancelled"));
    showValidationNote(tr("Validation across budgets cancelled"),
                       tr("Choose the view again to start it over."));
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
  budget_slider_ = new BudgetSlider;
  budget_slider_->setObjectName(QStringLiteral("budgetSlider"));
  budget_slider_->setRange(0, kSliderSteps);
  budget_slider_->setPageStep(kSliderSteps / 20);
  budget_slider_->setToolTip(
      tr("Log scale; between and beyond the data's budgets through the law. Ticks: the data's "
         "budgets; hatched: more than %1 times beyond them, where a read-out is extrapolated")
          .arg(number(moescope::kExtrapolationFactor)));
  // Neither label wraps: a word-wrapped label lays its text out as a document whenever the panel
  // is laid out, which a slider drag does at every step.
  budget_label_ = new QLabel;
  budget_label_->setObjectName(QStringLiteral("budgetLabel"));
  // Two lines high always: the second comes and goes as the slider enters the hatched stretch,
  // and the panel below must not jump with it.
  budget_label_->setMinimumHeight(2 * budget_label_->fontMetrics().height() + 2);
  budget_label_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  budget_note_ = new QLabel;
  budget_note_->setObjectName(QStringLiteral("budgetNote"));
  budget_note_->setStyleSheet(QStringLiteral("color: #555; font-size: small;"));
  budget_layout->addWidget(budget_slider_);
  budget_layout->addWidget(budget_label_);
  budget_layout->addWidget(budget_note_);
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

  auto* surface_box = new QGroupBox(tr("3-D surface"));
  auto* surface_layout = new QVBoxLayout(surface_box);
  surface_axis_ = new QComboBox;
  surface_axis_->addItems({tr("Total parameters N"), tr("Active parameters N_a")});
  surface_axis_->setToolTip(
      tr("The size axis of the law's surface; a fitted Eq. 8 surface is drawn over its own"));
  surface_layout->addWidget(surface_axis_);
  // At a fitted budget the view draws that budget's Eq. 8 surface; the law's surface at the same
  // points can be laid over it (View > Law overlay, Ctrl+L).
  law_overlay_box_ = new QCheckBox(tr("&Law (Eq. 6) over the Eq. 8 surface"));
  law_overlay_box_->setObjectName(QStringLiteral("lawOverlay"));
  law_overlay_box_->setToolTip(
      tr("At a fitted budget, draw the law's surface as a wireframe over "
         "the budget's IsoFLOP surface (Ctrl+L)"));
  law_overlay_box_->setChecked(true);
  surface_layout->addWidget(law_overlay_box_);
  layout->addWidget(surface_box);

  run_details_ = new QLabel(tr("Click a run in the 3-D view or the run table to see it here."));
  run_details_->setObjectName(QStringLiteral("runDetails"));
  run_details_->setWordWrap(true);
  run_details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(run_details_);
  layout->addStretch();

  connect(law_overlay_box_, &QCheckBox::toggled, this, &MainWindow::setLawOverlayShown);
  connect(budget_slider_, &QSlider::valueChanged, this, &MainWindow::onBudgetSliderMoved);
  connect(cap_enabled_, &QCheckBox::toggled, this, &MainWindow::onCapChanged);
  connect(cap_slider_, &QSlider::valueChanged, this, &MainWindow::onCapChanged);
  // While a slider is held (refresh() leaves out the intervals then) the 3-D view draws drafts;
  // letting go brings the intervals and the full frame.
  for (QSlider* slider : {static_cast<QSlider*>(budget_slider_), cap_slider_}) {
    connect(slider, &QSlider::sliderPressed, this, [this] { surface_view_->setDragging(true); });
    connect(slider, &QSlider::sliderReleased, this, [this] {
      surface_view_->setDragging(false);
      refresh();
    });
  }
  connect(surface_axis_, &QComboBox::currentIndexChanged, this, [this] { redrawCurrentView(); });

  // Scrolled, so that a long read-out (a refusal's message, the headline's rows) never squeezes
  // the controls above it.
  auto* scroll = new PanelScrollArea;
  scroll->setWidget(panel);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  auto* splitter = new QSplitter;
  splitter->addWidget(scroll);
  setCentralWidget(splitter);
}

void MainWindow::buildViews() {
  tabs_ = new QTabWidget;
  surface_view_ = new SurfaceView;
  tabs_->addTab(surface_view_, tr("3-D surface"));
  for (const moescope::FigureId id : moescope::kAllFigures) {
    figure_ids_.push_back(id);
    figure_views_.push_back(new FigureView);
    QWidget* page = figure_views_.back();
    if (id == moescope::FigureId::kLawFitVsHeldOut) {
      // Figure 6 offers the validation across budgets beside the fit and its held-out runs.
      page = new QWidget;
      buildValidationControls(page, figure_views_.back());
    }
    tabs_->addTab(page, caption(id));
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
  validation_note_.x_label = "Observed loss L";
  validation_note_.y_label = "Predicted loss L\u0302";
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
    QEventLoop loop;
    connect(validation_job_, &ValidationJob::finished, &loop, &QEventLoop::quit);
    connect(validation_job_, &ValidationJob::failed, &loop, &QEventLoop::quit);
    connect(validation_job_, &ValidationJob::cancelled, &loop, &QEventLoop::quit);
    loop.exec();
    QApplication::processEvents();
  }
  return validation() != nullptr;
}

const moescope::LawValidation* MainWindow::validation() const {
  const int index = validation_mode_->currentIndex();
  return index > 0 ? validations_[static_cast<std::size_t>(index - 1)].get() : nullptr;
}

const moescope::Figure* MainWindow::currentFigure() const {
  const int index = tabs_->currentIndex();
  return index > 0 ? figure_views_[static_cast<std::size_t>(index - 1)]->figure() : nullptr;
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
  // A refusal's message can be long: the label never widens the window (the tooltip has it all).
  fit_label_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  fit_label_->setObjectName(QStringLiteral("fitStatus"));
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
  law_overlay_action_ = view->addAction(tr("&Law overlay on the 3-D surface"));
  law_overlay_action_->setObjectName(QStringLiteral("lawOverlayAction"));
  law_overlay_action_->setCheckable(true);
  law_overlay_action_->setChecked(surface_view_->overlayShown());
  law_overlay_action_->setShortcut(QKeySequence(tr("Ctrl+L")));
  law_overlay_action_->setToolTip(law_overlay_box_->toolTip());
  connect(law_overlay_action_, &QAction::toggled, this, &MainWindow::setLawOverlayShown);
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
  validation_job_->cancel();
  headline_job_->cancel();
  capped_.clear();
  capped_budget_.reset();
  model_.reset();
  data_.reset();
  updateBudgetMarks();
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
  validation_job_->cancel();
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
  if (data_->law) {
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
  fit_label_->setToolTip(notes.join('\n'));
  fit_progress_->hide();
  cancel_fit_button_->hide();
  read_out_panel_->setLawDescription(law_description(*data_), qs(data_->law_note));
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

void MainWindow::updateBudgetMarks() {
  std::vector<int> positions;
  std::optional<int> below, above;
  const std::vector<double> budgets = model_ ? model_->data_budgets() : data_budgets_of(runs_);
  for (const double budget : budgets)
    positions.push_back(positionOf(budget));
  if (!budgets.empty()) {
    // The rule of moescope::extrapolation on the budget: beyond the data's range of C (every run,
    // fitted or held out) by more than the factor.
    double lowest = budgets.front(), highest = budgets.back();
    if (data_ && data_->law_scope.range) {
      lowest = data_->law_scope.range->budget.lo;
      highest = data_->law_scope.range->budget.hi;
    }
    const double from = lowest / moescope::kExtrapolationFactor;
    const double to = highest * moescope::kExtrapolationFactor;
    if (from > lowest_budget_)
      below = positionOf(from);
    if (to < highest_budget_)
      above = positionOf(to);
  }
  budget_slider_->setDataMarks(std::move(positions), below, above);
  // Data without C (results at one token count) has one surface and nothing for the slider.
  budget_slider_->setEnabled(!runs_.empty() && !budgets.empty());
  if (budgets.empty()) {
    budget_note_->setText(runs_.empty() ? QString()
                                        : tr("The runs have no compute budget C:\nthe views show "
                                             "their one surface."));
  } else {
    budget_note_->setText(
        tr("Ticks: %n data budget(s), %1 .. %2.\nHatched: over %3\u00d7 beyond them, "
           "extrapolated.",
           nullptr, static_cast<int>(budgets.size()))
            .arg(number(budgets.front()), number(budgets.back()),
                 number(moescope::kExtrapolationFactor)));
  }
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

bool MainWindow::budgetIsExtrapolated() const {
  if (!data_ || !data_->law_scope.range)
    return false;
  const moescope::DataRange& range = *data_->law_scope.range;
  return moescope::extrapolation(range, state_.budget, range.total_params.lo, range.sparsity.lo)
      .budget.has_value();
}

void MainWindow::updateBudgetLabel() {
  QString text = tr("C = %1 FLOPs").arg(number(state_.budget));
  if (budgetIsExtrapolated()) {
    const moescope::Interval& data = data_->law_scope.range->budget;
    const bool above = state_.budget > data.hi;
    text += above ? tr("\nExtrapolated: %1\u00d7 the data's largest budget (%2)")
                        .arg(number(state_.budget / data.hi), number(data.hi))
                  : tr("\nExtrapolated: 1/%1 of the data's smallest budget (%2)")
                        .arg(number(data.lo / state_.budget), number(data.lo));
  }
  if (budget_label_->text() != text)
    budget_label_->setText(text);
  // A style sheet costs a style pass: set only as the slider enters or leaves the hatching.
  if (budgetIsExtrapolated() != budget_label_extrapolated_) {
    budget_label_extrapolated_ = budgetIsExtrapolated();
    budget_label_->setStyleSheet(budget_label_extrapolated_ ? QStringLiteral("color: #a35200;")
                                                            : QString());
  }
}

void MainWindow::refresh() {
  // Intervals cost twenty times the point values: while a slider is held, the views follow it
  // with point values, and the intervals come once it is let go.
  state_.replicate_intervals = !budget_slider_->isSliderDown() && !cap_slider_->isSliderDown();
  updateBudgetLabel();
  training_panel_->setBudget(state_.budget);
  cap_label_->setText(state_.max_total_params ? tr("N ≤ %1").arg(number(*state_.max_total_params))
                                              : tr("no cap"));
  if (!model_) {
    read_out_ = {};
    capped_.clear();
    read_out_panel_->showMessage(isFitting() ? tr("Fitting...") : tr("No fit"));
    return;
  }
  if (!data_->law) {
    read_out_ = {};
    capped_.clear();
    read_out_panel_->showMessage(
        tr("No law, so no optimum: %1\n\nThe views show the runs and the Eq. 8 surfaces "
           "fitted at the data's budgets (%2).")
            .arg(qs(data_->law_refused))
            .arg(data_->surfaces.size()));
  } else {
    try {
      clearUpperVectorRegisters();
      read_out_ = model_->read_out(state_);
      updateHeadline();
      read_out_panel_->showReadOut(
          read_out_, capped_,
          capped_budget_ != state_.budget ? capped_budget_ : std::optional<double>());
    } catch (const std::exception& error) {
      read_out_ = {};
      read_out_panel_->showMessage(tr("No optimum: %1").arg(QString::fromUtf8(error.what())));
    }
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
      SurfaceScene scene =
          scene_from(model_->surface_grid(state_, axis, kSurfaceSteps, kSurfaceSteps));
      // Within 2 % of a fitted budget the Eq. 8 surface stays as it is while the slider moves:
      // the frame on screen is still right, and rendering it again would only cost time.
      if (scene != surface_scene_ || surface_scene_.z.empty()) {
        surface_scene_ = std::move(scene);
        surface_view_->setScene(&surface_scene_);
      }
      return;
    }
    const std::size_t figure = static_cast<std::size_t>(index - 1);
    if (figure_ids_[figure] == moescope::FigureId::kLawFitVsHeldOut &&
        validation_mode_->currentIndex() > 0) {
      // Figure 6 in a validation scheme: the validation once computed, else what is happening.
      const moescope::LawValidation* shown = validation();
      figures_[figure] =
          shown != nullptr ? moescope::validation_figure(*data_, *shown) : validation_note_;
    } else {
      figures_[figure] = model_->figure(figure_ids_[figure], state_);
    }
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

void MainWindow::setLawOverlayShown(bool shown) {
  surface_view_->setOverlayShown(shown);
  // The check box and the menu action show the same setting; each sets the other quietly.
  const QSignalBlocker quiet_box(law_overlay_box_);
  law_overlay_box_->setChecked(shown);
  if (law_overlay_action_ != nullptr) {
    const QSignalBlocker quiet_action(law_overlay_action_);
    law_overlay_action_->setChecked(shown);
  }
}

bool MainWindow::lawOverlayShown() const {
  return surface_view_->overlayShown();
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
    // Figure 6 as it is shown: the fit, or the validation on display.
    const moescope::LawValidation* shown =
        figure_ids_[i] == moescope::FigureId::kLawFitVsHeldOut ? validation() : nullptr;
    figures_[i] = shown != nullptr ? moescope::validation_figure(*data_, *shown)
                                   : model_->figure(figure_ids_[i], state_);
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
  session.law_overlay = lawOverlayShown();
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
  setLawOverlayShown(session.law_overlay);
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
