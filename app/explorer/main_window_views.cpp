// MainWindow: the sliders and what follows them (the read-out, the visible view), the views by
// name, their exports, and the slider benchmark.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QRegularExpression>
#include <QStatusBar>
#include <algorithm>
#include <cmath>

#include "budget_slider.h"
#include "display_text.h"
#include "export_dialog.h"
#include "figure_view.h"
#include "headline_job.h"
#include "main_window.h"
#include "moescope/explore/surface_grid.h"
#include "moescope/explore/validation.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/numerics/vector_registers.h"
#include "proposed_runs.h"
#include "read_out_panel.h"
#include "slice_sizes.h"
#include "surface_view.h"
#include "training_panel.h"
#include "view_export.h"

namespace moescope::explorer {
namespace {

constexpr int kSurfaceSteps = 48;

SurfaceScene scene_from(const moescope::SurfaceGrid& grid, const moescope::ExplorerData& data,
                        const ProposedRuns& proposed) {
  SurfaceScene scene;
  scene.x_values = grid.x;
  scene.y_values = grid.y;
  scene.z = grid.z;
  for (const auto& point : grid.ridge)
    scene.ridge.push_back({point.x, point.sparsity, point.loss});
  for (const auto& run : grid.runs)
    scene.points.push_back({run.x, run.y, run.z, run.run_index});
  scene.proposed = proposedPointsOn(proposed.runs(), grid, data);
  scene.x_label =
      grid.axis == moescope::SizeAxis::kTotal ? "Total parameters N" : "Active parameters N_a";
  scene.y_label = "Sparsity S";
  scene.z_label = moescope::loss_label(data, "Loss");
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

// The budgets the fit will find, for the slider's range before it arrives.
std::vector<double> data_budgets_of(const std::vector<moescope::Run>& runs,
                                    const moescope::BudgetBinning& binning) {
  std::vector<double> budgets;
  try {
    for (const moescope::BudgetGroup& group :
         moescope::group_by_budget(moescope::surface_points(runs).points, binning)) {
      if (group.budget)
        budgets.push_back(*group.budget);
    }
  } catch (const moescope::FitRefused&) {
    // A run with a non-finite budget, or a binning the fit refuses: the slider keeps its default
    // range; the fit will say why.
  }
  return budgets;
}

}  // namespace

LogSliderScale MainWindow::budgetScale() const {
  return {lowest_budget_, highest_budget_, kSliderSteps};
}

double MainWindow::budgetAtPosition(int position) const {
  return budgetScale().valueAt(position);
}

int MainWindow::sliderSteps() {
  return kSliderSteps;
}

void MainWindow::fitBudgetSliderToRuns() {
  const std::vector<double> budgets = data_budgets_of(runs_, fit_options_.binning);
  if (!budgets.empty()) {
    lowest_budget_ = budgets.front() / kBudgetMargin;
    highest_budget_ = budgets.back() * kBudgetMargin;
    state_.budget = budgets[budgets.size() / 2];
  }
  const QSignalBlocker quiet(budget_slider_);
  budget_slider_->setValue(budgetScale().positionOf(state_.budget));
}

void MainWindow::setBudget(double compute) {
  state_.budget = compute;
  const QSignalBlocker quiet(budget_slider_);
  budget_slider_->setValue(budgetScale().positionOf(compute));
  refresh();
}

void MainWindow::setParameterCap(std::optional<double> max_total_params) {
  state_.max_total_params = max_total_params;
  const QSignalBlocker quiet_box(cap_enabled_);
  const QSignalBlocker quiet_slider(cap_slider_);
  cap_enabled_->setChecked(max_total_params.has_value());
  cap_slider_->setEnabled(max_total_params.has_value());
  if (max_total_params) {
    cap_slider_->setValue(kCapScale.positionOf(*max_total_params));
  }
  refresh();
}

void MainWindow::setSliceSizes(const std::vector<double>& sizes) {
  state_.slice_total_params = sizes;
  refresh();
}

void MainWindow::chooseSliceSizes() {
  QString text = sliceSizesText(state_.slice_total_params);
  while (true) {
    bool accepted = false;
    text = QInputDialog::getText(
        this, tr("Figure 2a sizes"),
        tr("Total parameters N of Figure 2a's curves, separated by commas (at most %1);\n"
           "empty: a few sizes of the runs at the budget.")
            .arg(moescope::kMostChosenSliceSizes),
        QLineEdit::Normal, text, &accepted);
    if (!accepted)
      return;
    QString error;
    if (const std::optional<std::vector<double>> sizes = parseSliceSizes(text, &error)) {
      setSliceSizes(*sizes);
      showView(QString::fromStdString(
          std::string(moescope::to_string(moescope::FigureId::kLossVsSparsity))));
      return;
    }
    QMessageBox::warning(this, tr("Figure 2a sizes"), error);
  }
}

void MainWindow::onBudgetSliderMoved(int position) {
  state_.budget = budgetAtPosition(position);
  refresh();
}

void MainWindow::onCapChanged() {
  cap_slider_->setEnabled(cap_enabled_->isChecked());
  state_.max_total_params = cap_enabled_->isChecked()
                                ? std::optional<double>(kCapScale.valueAt(cap_slider_->value()))
                                : std::nullopt;
  refresh();
}

void MainWindow::updateBudgetMarks() {
  std::vector<int> positions;
  std::optional<int> below, above;
  const std::vector<double> budgets =
      model_ ? model_->data_budgets() : data_budgets_of(runs_, fit_options_.binning);
  for (const double budget : budgets)
    positions.push_back(budgetScale().positionOf(budget));
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
      below = budgetScale().positionOf(from);
    if (to < highest_budget_)
      above = budgetScale().positionOf(to);
  }
  budget_slider_->setDataMarks(std::move(positions), below, above);
  // Data without C (results at one token count) has one surface and nothing for the slider.
  budget_slider_->setEnabled(!runs_.empty() && !budgets.empty());
  if (budgets.empty()) {
    budget_note_->setText(runs_.empty() ? QString()
                                        : tr("The runs have no compute budget C:\nthe views show "
                                             "their one surface."));
  } else {
    const moescope::BudgetBinning& binning = data_ ? data_->binning : fit_options_.binning;
    const QString ticks =
        binning.kind == moescope::BudgetBinning::Kind::kBinsPerDecade
            ? tr("%1 bins of C, %2 per decade").arg(budgets.size()).arg(binning.bins_per_decade)
        : budgets.size() == 1 ? tr("1 data budget")
                              : tr("%1 data budgets").arg(budgets.size());
    budget_note_->setText(tr("Ticks: %1, %2 .. %3.\nHatched: over %4\u00d7 beyond them, "
                             "extrapolated.")
                              .arg(ticks, number(budgets.front()), number(budgets.back()),
                                   number(moescope::kExtrapolationFactor)));
  }
}

void MainWindow::updateBudgetList() {
  const QSignalBlocker quiet(budget_list_);
  budget_list_->clear();
  if (model_) {
    for (const moescope::BudgetBin& bin : model_->data_budget_bins())
      budget_list_->addItem(qs(moescope::describe_data_budget(bin, data_->binning)), bin.budget);
  }
  budget_list_->setPlaceholderText(budget_list_->count() == 0
                                       ? tr("No data budgets")
                                       : tr("Go to a data budget (%1)").arg(budget_list_->count()));
  budget_list_->setCurrentIndex(-1);
  budget_list_->setEnabled(budget_list_->count() > 0);
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
    read_out_panel_->setBudgetText({});
    read_out_panel_->showMessage(isFitting() ? tr("Fitting...") : tr("No fit"));
    return;
  }
  // The data budget the slider is in, with its runs, here and in the budget list.
  const moescope::BudgetBin* data_budget = model_->data_budget_at(state_.budget);
  read_out_panel_->setBudgetText(
      data_budget ? qs(moescope::describe_data_budget(*data_budget, data_->binning))
      : model_->data_budgets().empty()
          ? QString()
          : tr("C = %1 (no runs at this budget)").arg(number(state_.budget)));
  const int listed =
      data_budget ? static_cast<int>(data_budget - model_->data_budget_bins().data()) : -1;
  if (budget_list_->currentIndex() != listed)
    budget_list_->setCurrentIndex(listed);
  if (!data_->no_usable_runs.empty()) {
    read_out_ = {};
    capped_.clear();
    read_out_panel_->showMessage(
        tr("No fit: %1.\n\nThe run table lists the runs; a column mapping (File > Import runs "
           "into a store) can supply a field a file names otherwise.")
            .arg(qs(data_->no_usable_runs)));
  } else if (!data_->law) {
    read_out_ = {};
    capped_.clear();
    read_out_panel_->showMessage(
        tr("No law, so no optimum: %1\n\nThe views show the runs and the Eq. 8 surfaces "
           "fitted at the data's budgets (%2).")
            .arg(qs(data_->law_refused))
            .arg(data_->surfaces.size()));
  } else {
    try {
      numerics::clear_upper_vector_registers();
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
  numerics::clear_upper_vector_registers();
  try {
    if (index == 0) {
      const auto axis = surface_axis_->currentIndex() == 0 ? moescope::SizeAxis::kTotal
                                                           : moescope::SizeAxis::kActive;
      SurfaceScene scene =
          scene_from(model_->surface_grid(state_, axis, kSurfaceSteps, kSurfaceSteps), *data_,
                     *proposed_runs_);
      // Within 2 % of a fitted budget the Eq. 8 surface stays as it is while the slider moves:
      // the frame on screen is still right, and rendering it again would only cost time.
      if (scene != surface_scene_ || surface_scene_.z.empty()) {
        surface_scene_ = std::move(scene);
        surface_view_->setScene(&surface_scene_);
      }
      return;
    }
    if (index == residualTab()) {
      drawResiduals();
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
      markProposedRuns(figures_[figure], proposed_runs_->runs(), *data_, state_);
      overlayLawFits(figures_[figure]);
    }
    figure_views_[figure]->setFigure(&figures_[figure]);
  } catch (const std::exception& error) {
    statusBar()->showMessage(tr("This view cannot be drawn here: %1").arg(error.what()));
  }
}

const moescope::Figure* MainWindow::currentFigure() const {
  const int index = tabs_->currentIndex();
  if (index == residualTab())
    return residual_view_->figure();
  return index > 0 ? figure_views_[static_cast<std::size_t>(index - 1)]->figure() : nullptr;
}

QStringList MainWindow::viewNames() {
  QStringList names{QStringLiteral("surface")};
  for (const moescope::FigureId id : moescope::kAllFigures)
    names << QString::fromStdString(std::string(to_string(id)));
  names << QString::fromStdString(std::string(to_string(moescope::FigureId::kResiduals)));
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
    drawFigure(i);
    const QString base =
        QDir(directory).filePath(QString::fromStdString(std::string(to_string(figure_ids_[i]))));
    if (!exportFigureFiles(*figure_views_[i], base, dpi, error, {data_.get(), &state_}))
      return false;
  }
  if (!exportPanelFiles(figures_, directory, {data_.get(), &state_}, error))
    return false;
  // The residuals of the fit chosen in their tab.
  drawResiduals();
  if (!exportFigureFiles(*residual_view_, QDir(directory).filePath(QStringLiteral("residuals")),
                         dpi, error))
    return false;
  numerics::clear_upper_vector_registers();
  surface_scene_ = scene_from(
      model_->surface_grid(state_, moescope::SizeAxis::kTotal, kSurfaceSteps, kSurfaceSteps),
      *data_, *proposed_runs_);
  surface_view_->setScene(&surface_scene_);
  if (!exportSurfaceTo(*surface_view_, QDir(directory).filePath(QStringLiteral("surface.png")),
                       error))
    return false;
  redrawCurrentView();
  return true;
}

void MainWindow::drawFigure(std::size_t index) {
  numerics::clear_upper_vector_registers();
  // Figure 6 as it is shown: the fit, or the validation on display.
  const moescope::LawValidation* shown =
      figure_ids_[index] == moescope::FigureId::kLawFitVsHeldOut ? validation() : nullptr;
  figures_[index] = shown != nullptr ? moescope::validation_figure(*data_, *shown)
                                     : model_->figure(figure_ids_[index], state_);
  markProposedRuns(figures_[index], proposed_runs_->runs(), *data_, state_);
  overlayLawFits(figures_[index]);
  figure_views_[index]->setFigure(&figures_[index]);
}

bool MainWindow::exportPanels(const QString& base, const QStringList& names, QString* error) {
  if (!model_) {
    *error = tr("there is no fit to export");
    return false;
  }
  for (std::size_t i = 0; i < figure_ids_.size(); ++i) {
    if (names.contains(QString::fromStdString(std::string(to_string(figure_ids_[i])))))
      drawFigure(i);
  }
  const bool written = exportPanelsTo(figures_, names, base, {data_.get(), &state_}, error);
  redrawCurrentView();
  return written;
}

void MainWindow::exportPanelsInteractively() {
  QStringList figures;
  for (const moescope::FigureId id : figure_ids_)
    figures << QString::fromStdString(std::string(to_string(id)));
  if (!chooseFigureExportStyle(this, figures))
    return;
  QString path =
      QFileDialog::getSaveFileName(this, tr("Export panels"), QStringLiteral("panels.pdf"),
                                   tr("PDF, PNG and SVG, all three (*.pdf *.png *.svg)"));
  if (path.isEmpty())
    return;
  // One name for the three files: whichever of their suffixes was typed goes.
  static const QRegularExpression kSuffix(QStringLiteral("\\.(pdf|png|svg)$"),
                                          QRegularExpression::CaseInsensitiveOption);
  path.remove(kSuffix);
  QString error;
  if (!exportPanels(path, figureExportStyle().panels, &error))
    QMessageBox::warning(this, tr("Export failed"), error);
  else
    statusBar()->showMessage(tr("Exported the panels to %1.pdf, .png and .svg").arg(path), 5000);
}

void MainWindow::exportCurrentView() {
  const int index = tabs_->currentIndex();
  if (index > 0 && !chooseFigureExportStyle(this))
    return;
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export view"), QString(), exportFilter(index > 0));
  if (path.isEmpty())
    return;
  QString error;
  const bool written =
      index == 0 ? exportSurfaceTo(*surface_view_, path, &error)
                 : exportFigureTo(index == residualTab()
                                      ? *residual_view_
                                      : *figure_views_[static_cast<std::size_t>(index - 1)],
                                  path, figureExportStyle().dpi, &error, {data_.get(), &state_});
  if (!written)
    QMessageBox::warning(this, tr("Export failed"), error);
}

void MainWindow::exportAllInteractively() {
  const QString directory = QFileDialog::getExistingDirectory(this, tr("Export all figures to"));
  if (directory.isEmpty())
    return;
  QString error;
  if (!exportAll(directory, kInteractiveExportDpi, &error))
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

}  // namespace moescope::explorer
