#include "main_window.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QKeySequence>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "figure_view.h"
#include "moescope/explore/figure.h"
#include "moescope/explore/surface_grid.h"
#include "moescope/number_format.h"
#include "surface_view.h"

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

QString with_interval(double value, const std::optional<moescope::Interval>& interval) {
  if (!interval)
    return number(value);
  return QStringLiteral("%1  [%2, %3]")
      .arg(number(value), number(interval->lo), number(interval->hi));
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

}  // namespace

MainWindow::MainWindow(const moescope::ExplorerData& explorer_data, QWidget* parent)
    : QMainWindow(parent), data_(explorer_data), model_(explorer_data) {
  const std::vector<double>& budgets = model_.data_budgets();
  if (!budgets.empty()) {
    lowest_budget_ = budgets.front() / kBudgetMargin;
    highest_budget_ = budgets.back() * kBudgetMargin;
    state_.budget = budgets[budgets.size() / 2];
  }
  setWindowTitle(tr("MoEScope explorer"));
  buildControls();
  buildViews();
  buildMenus();
  setBudget(state_.budget);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildControls() {
  auto* panel = new QWidget;
  auto* layout = new QVBoxLayout(panel);

  auto* budget_box = new QGroupBox(tr("Compute budget C"));
  auto* budget_layout = new QVBoxLayout(budget_box);
  budget_slider_ = new QSlider(Qt::Horizontal);
  budget_slider_->setRange(0, kSliderSteps);
  budget_slider_->setToolTip(
      tr("Log scale; between and beyond the data's budgets through the law"));
  budget_label_ = new QLabel;
  budget_layout->addWidget(budget_slider_);
  budget_layout->addWidget(budget_label_);
  layout->addWidget(budget_box);

  auto* cap_box = new QGroupBox(tr("Memory cap on total parameters N"));
  auto* cap_layout = new QVBoxLayout(cap_box);
  cap_enabled_ = new QCheckBox(tr("&Cap N"));
  cap_slider_ = new QSlider(Qt::Horizontal);
  cap_slider_->setRange(0, kSliderSteps);
  cap_slider_->setValue(kSliderSteps / 2);
  cap_slider_->setEnabled(false);
  cap_label_ = new QLabel(tr("no cap"));
  cap_layout->addWidget(cap_enabled_);
  cap_layout->addWidget(cap_slider_);
  cap_layout->addWidget(cap_label_);
  layout->addWidget(cap_box);

  auto* read_out_box = new QGroupBox(tr("Compute-optimal model (95% interval)"));
  auto* read_out_layout = new QVBoxLayout(read_out_box);
  read_out_label_ = new QLabel;
  read_out_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  read_out_layout->addWidget(read_out_label_);
  layout->addWidget(read_out_box);

  auto* surface_box = new QGroupBox(tr("3-D surface axis"));
  auto* surface_layout = new QVBoxLayout(surface_box);
  surface_axis_ = new QComboBox;
  surface_axis_->addItems({tr("Total parameters N"), tr("Active parameters N_a")});
  surface_layout->addWidget(surface_axis_);
  layout->addWidget(surface_box);

  run_details_ = new QLabel(tr("Click a run in the 3-D view to see it here."));
  run_details_->setWordWrap(true);
  layout->addWidget(run_details_);
  layout->addStretch();

  connect(budget_slider_, &QSlider::valueChanged, this, &MainWindow::onBudgetSliderMoved);
  // Intervals cost twenty times the point values: they are drawn once the slider settles.
  connect(budget_slider_, &QSlider::sliderReleased, this, [this] {
    state_.replicate_intervals = true;
    refresh();
  });
  connect(cap_enabled_, &QCheckBox::toggled, this, &MainWindow::onCapChanged);
  connect(cap_slider_, &QSlider::valueChanged, this, &MainWindow::onCapChanged);
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
  connect(surface_view_, &SurfaceView::pointPicked, this, &MainWindow::showRunDetails);
  auto* splitter = static_cast<QSplitter*>(centralWidget());
  splitter->addWidget(tabs_);
  splitter->setStretchFactor(1, 1);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Export view..."), QKeySequence(tr("Ctrl+E")), this,
                  &MainWindow::exportCurrentView);
  file->addAction(tr("Export &all figures..."), QKeySequence(tr("Ctrl+Shift+E")), this,
                  &MainWindow::exportAllInteractively);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Reset 3-D camera"), QKeySequence(tr("Ctrl+R")), surface_view_,
                  &SurfaceView::resetCamera);
  view->addAction(tr("Next view"), QKeySequence::NextChild, this,
                  [this] { tabs_->setCurrentIndex((tabs_->currentIndex() + 1) % tabs_->count()); });
}

double MainWindow::budgetAt(int position) const {
  return lowest_budget_ *
         std::pow(highest_budget_ / lowest_budget_, static_cast<double>(position) / kSliderSteps);
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
  state_.budget = budgetAt(position);
  state_.replicate_intervals = !budget_slider_->isSliderDown();
  refresh();
}

void MainWindow::onCapChanged() {
  cap_slider_->setEnabled(cap_enabled_->isChecked());
  state_.max_total_params =
      cap_enabled_->isChecked() ? std::optional<double>(capAt(cap_slider_->value())) : std::nullopt;
  refresh();
}

void MainWindow::refresh() {
  budget_label_->setText(tr("C = %1 FLOPs").arg(number(state_.budget)));
  cap_label_->setText(state_.max_total_params ? tr("N ≤ %1").arg(number(*state_.max_total_params))
                                              : tr("no cap"));
  try {
    read_out_ = model_.read_out(state_);
    const moescope::BudgetOptimum& best = read_out_.point;
    const auto& intervals = read_out_.intervals;
    auto interval = [&](moescope::Interval moescope::BudgetOptimumIntervals::*member) {
      return intervals ? std::optional<moescope::Interval>((*intervals).*member) : std::nullopt;
    };
    using I = moescope::BudgetOptimumIntervals;
    read_out_label_->setText(
        tr("<table>"
           "<tr><td>S*</td><td>%1%6</td></tr><tr><td>N*</td><td>%2%7</td></tr>"
           "<tr><td>N<sub>a</sub>*</td><td>%3</td></tr><tr><td>D*</td><td>%4</td></tr>"
           "<tr><td>L*</td><td>%5</td></tr></table>")
            .arg(with_interval(best.sparsity, interval(&I::sparsity)),
                 with_interval(best.total_params, interval(&I::total_params)),
                 with_interval(best.active_params, interval(&I::active_params)),
                 with_interval(best.tokens, interval(&I::tokens)),
                 with_interval(best.loss, interval(&I::loss)),
                 best.sparsity_at_bound ? tr(" (at the bound)") : QString(),
                 best.params_at_cap ? tr(" (at the cap)") : QString()));
    statusBar()->clearMessage();
  } catch (const std::exception& error) {
    read_out_label_->setText(tr("No optimum: %1").arg(QString::fromUtf8(error.what())));
  }
  redrawCurrentView();
}

void MainWindow::redrawCurrentView() {
  const int index = tabs_->currentIndex();
  try {
    if (index == 0) {
      const auto axis = surface_axis_->currentIndex() == 0 ? moescope::SizeAxis::kTotal
                                                           : moescope::SizeAxis::kActive;
      surface_scene_ = scene_from(model_.surface_grid(state_, axis, kSurfaceSteps, kSurfaceSteps));
      surface_view_->setScene(&surface_scene_);
      return;
    }
    const std::size_t figure = static_cast<std::size_t>(index - 1);
    figures_[figure] = model_.figure(figure_ids_[figure], state_);
    figure_views_[figure]->setFigure(&figures_[figure]);
  } catch (const std::exception& error) {
    statusBar()->showMessage(tr("This view cannot be drawn here: %1").arg(error.what()));
  }
}

void MainWindow::showRunDetails(std::size_t run_index) {
  if (run_index >= data_.runs.size())
    return;
  const moescope::Run& run = data_.runs[run_index];
  auto value = [](const std::optional<double>& v) { return v ? number(*v) : QStringLiteral("-"); };
  run_details_->setText(tr("<b>%1</b><br>%2<br>N = %3, N<sub>a</sub> = %4, S = %5<br>"
                           "D = %6, C = %7, loss = %8")
                            .arg(QString::fromStdString(run.id), QString::fromStdString(run.name),
                                 value(run.total_params), value(run.active_params),
                                 value(run.sparsity), value(run.tokens), value(run.compute),
                                 value(run.loss)));
}

QStringList MainWindow::viewNames() const {
  QStringList names{QStringLiteral("surface")};
  for (const moescope::FigureId id : figure_ids_) {
    names << QString::fromStdString(std::string(to_string(id)));
  }
  return names;
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
  if (!QDir().mkpath(directory)) {
    *error = tr("cannot create %1").arg(directory);
    return false;
  }
  for (std::size_t i = 0; i < figure_ids_.size(); ++i) {
    figures_[i] = model_.figure(figure_ids_[i], state_);
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
  surface_scene_ = scene_from(
      model_.surface_grid(state_, moescope::SizeAxis::kTotal, kSurfaceSteps, kSurfaceSteps));
  surface_view_->setScene(&surface_scene_);
  const QString surface = QDir(directory).filePath(QStringLiteral("surface.png"));
  if (!surface_view_->renderImage(1600, 1200).save(surface)) {
    *error = tr("cannot write %1").arg(surface);
    return false;
  }
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
  budget_slider_->setSliderDown(true);
  for (int i = 0; i < positions; ++i) {
    QElapsedTimer timer;
    timer.start();
    budget_slider_->setValue(i * kSliderSteps / std::max(1, positions - 1));
    // The views paint from queued events (Qt Charts, the OpenGL widget): the update is done only
    // once those are processed.
    QApplication::processEvents();
    milliseconds.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
  }
  budget_slider_->setSliderDown(false);
  state_.replicate_intervals = true;
  refresh();
  return milliseconds;
}
