#include "main_window.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
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
#include <QVBoxLayout>
#include <algorithm>

#include "budget_slider.h"
#include "default_data.h"
#include "display_text.h"
#include "figure_view.h"
#include "fit_job.h"
#include "headline_job.h"
#include "moescope/explore/figure.h"
#include "moescope/launch/run_queue.h"
#include "proposed_runs.h"
#include "read_out_panel.h"
#include "run_table_model.h"
#include "run_table_view.h"
#include "surface_view.h"
#include "training_panel.h"
#include "validation_job.h"

// The window's construction: its controls, views, docks, menus and status bar, and its session.
// What it does is in main_window_runs.cpp (where the runs come from), main_window_fit.cpp (fits,
// validations, the headline) and main_window_views.cpp (sliders, views, exports).
namespace moescope::explorer {
namespace {

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
      return QStringLiteral("6a  Law fit");
    case FigureId::kLawHeldOut:
      return QStringLiteral("6b  Held out");
    case FigureId::kFlopRatio:
      return QStringLiteral("7  FLOP ratio");
    case FigureId::kOptimalParamsVsBudget:
      return QStringLiteral("N* vs C");
    case FigureId::kOptimalTokensVsBudget:
      return QStringLiteral("D* vs C");
    case FigureId::kResiduals:
      return QStringLiteral("Residuals");
  }
  return QString::fromStdString(std::string(to_string(id)));
}

// A scroll area as wide as its widget needs: it scrolls only vertically, and a splitter would
// otherwise squeeze the controls and clip their labels. It is never shorter than what shows the
// widget down to the bottom of `kept` (the read-out): docks enlarged below it stop there rather
// than scroll the read-out out of sight.
class PanelScrollArea : public QScrollArea {
 public:
  void keepVisible(QWidget* kept) {
    kept_ = kept;
    // The read-out grows and shrinks with its rows: its layout requests say when.
    kept->installEventFilter(this);
  }
  QSize minimumSizeHint() const override {
    QSize size = QScrollArea::minimumSizeHint();
    if (widget() != nullptr) {
      size.setWidth(widget()->minimumSizeHint().width() + verticalScrollBar()->sizeHint().width() +
                    2 * frameWidth());
    }
    if (kept_ != nullptr)
      size.setHeight(std::max(size.height(), keptHeight()));
    return size;
  }
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (watched == kept_ && event->type() == QEvent::LayoutRequest &&
        keptHeight() != kept_height_) {
      kept_height_ = keptHeight();
      updateGeometry();
    }
    return QScrollArea::eventFilter(watched, event);
  }
  QSize sizeHint() const override {
    QSize size = QScrollArea::sizeHint();
    if (widget() != nullptr) {
      size.setWidth(widget()->sizeHint().width() + verticalScrollBar()->sizeHint().width() +
                    2 * frameWidth());
    }
    return size;
  }

 private:
  // From the top of the widget to the bottom of `kept_` at its preferred height.
  int keptHeight() const {
    return kept_->mapTo(widget(), QPoint(0, 0)).y() + kept_->sizeHint().height() + 2 * frameWidth();
  }

  QWidget* kept_ = nullptr;
  int kept_height_ = 0;
};

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
  buildLawViews();
  buildStatusBar();
  buildMenus();
  connect(fit_job_, &FitJob::progress, this, &MainWindow::onFitProgress);
  connect(fit_job_, &FitJob::finished, this, &MainWindow::onFitFinished);
  connect(fit_job_, &FitJob::failed, this,
          [this](const QString& message) { onFitEnded(tr("The fit failed: %1").arg(message)); });
  connect(fit_job_, &FitJob::cancelled, this, [this] {
    onFitEnded(!model_ ? tr("Fit cancelled. Fit > Refit (F5) fits again.")
               : showing_first_look_
                   ? tr("Full fit cancelled; showing the first look (the quick grid). Fit > "
                        "Refit (F5) fits again.")
                   : tr("Refit cancelled; showing the previous fit."));
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
  budget_list_ = new QComboBox;
  budget_list_->setObjectName(QStringLiteral("budgetList"));
  // Its entries ("C ≈ 1e20 (bin of 7 runs, 0.866–1.15e20)") must not widen the panel.
  budget_list_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  budget_list_->setMinimumContentsLength(24);
  budget_list_->setToolTip(tr("The data's budgets and their runs; choose one to go there"));
  budget_layout->addWidget(budget_slider_);
  budget_layout->addWidget(budget_label_);
  budget_layout->addWidget(budget_list_);
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
  connect(budget_list_, &QComboBox::activated, this,
          [this](int index) { setBudget(budget_list_->itemData(index).toDouble()); });
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
  scroll->setObjectName(QStringLiteral("controlsScroll"));
  scroll->setWidget(panel);
  scroll->keepVisible(read_out_panel_);
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
  view_stack_->setObjectName(QStringLiteral("viewStack"));
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
  connect(run_table_view_, &RunTableView::deleteRequested, this,
          [this](const std::vector<std::size_t>& indices) {
            std::vector<std::string> ids;
            for (const std::size_t index : indices)
              ids.push_back(runs_.at(index).id);
            deleteRuns(ids);
          });
  connect(run_table_view_, &RunTableView::deleteInvalidRequested, this, [this] {
    std::vector<std::string> ids;
    for (const moescope::InvalidRun& invalid : invalid_runs_)
      ids.push_back(invalid.run.id);
    deleteRuns(ids);
  });
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
  proposed_runs_ = new ProposedRuns(this);
  training_panel_->setProposedRuns(proposed_runs_);
  connect(proposed_runs_, &ProposedRuns::changed, this, &MainWindow::redrawCurrentView);
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
  file->addAction(tr("&New store..."), QKeySequence::New, this, &MainWindow::newStoreInteractively);
  file->addAction(tr("Open runs &file..."), QKeySequence(tr("Ctrl+Shift+O")), this,
                  &MainWindow::openFileInteractively);
  file->addAction(tr("Open saved &fit..."), QKeySequence(tr("Ctrl+Shift+F")), this,
                  &MainWindow::openSavedFitInteractively);
  // One entry per data set built in (app/default_data.h): the study, the synthetic Table-3 grid.
  QMenu* built_in = file->addMenu(tr("Open &built-in data"));
  built_in->setObjectName(QStringLiteral("builtInDataMenu"));
  for (const moescope::app::EmbeddedData& set : moescope::app::embedded_data()) {
    const QString key = qs(std::string(set.key));
    QAction* open =
        built_in->addAction(tr("%1: %2").arg(key, qs(std::string(set.summary))), this, [this, key] {
          try {
            openSource(RunSource::embedded(key));
          } catch (const std::exception& error) {
            QMessageBox::warning(this, tr("Cannot open the built-in data"), error.what());
          }
        });
    open->setData(key);
  }
  file->addAction(tr("&Import runs into a store..."), QKeySequence(tr("Ctrl+I")), this,
                  &MainWindow::importInteractively);
  file->addSeparator();
  fit_dependent_actions_ << file->addAction(tr("&Export view..."), QKeySequence(tr("Ctrl+E")), this,
                                            &MainWindow::exportCurrentView);
  fit_dependent_actions_ << file->addAction(tr("Export &panels..."),
                                            QKeySequence(tr("Ctrl+Shift+P")), this,
                                            &MainWindow::exportPanelsInteractively);
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
  forget_saved_fit_action_ =
      fit->addAction(tr("Fit to the runs, not the saved fit"), this, &MainWindow::forgetSavedFit);
  buildLawMenu(fit);

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
  view->addAction(tr("Figure 2a &sizes..."), QKeySequence(tr("Ctrl+Shift+N")), this,
                  &MainWindow::chooseSliceSizes);
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
  forget_saved_fit_action_->setEnabled(fit_options_.saved_fit.has_value());
}

void MainWindow::showRunDetails(const moescope::Run& run) {
  auto value = [](const std::optional<double>& v) { return v ? number(*v) : QStringLiteral("-"); };
  run_details_->setText(tr("<b>%1</b><br>%2<br>N = %3, N<sub>a</sub> = %4, S = %5<br>"
                           "D = %6, C = %7, loss = %8 %10<br>status: %9")
                            .arg(QString::fromStdString(run.id).toHtmlEscaped(),
                                 QString::fromStdString(run.name).toHtmlEscaped(),
                                 value(run.total_params), value(run.active_params),
                                 value(run.sparsity), value(run.tokens), value(run.compute),
                                 value(run.loss), QString::fromUtf8(to_string(run.status).data()),
                                 QString::fromUtf8(to_string(run.loss_unit).data())));
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

}  // namespace moescope::explorer
