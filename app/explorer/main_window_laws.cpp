// MainWindow: the fits beside the main one (issue 18): Fit > New Law and Law from Library open
// the law editor, whose fits join the collection; the Fits dock lists them, Figures 2b and 2c
// draw them over the main law, and the Residuals tab shows a fit's residuals per run.
#include <QComboBox>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include "display_text.h"
#include "figure_view.h"
#include "fits_panel.h"
#include "law_editor_dialog.h"
#include "main_window.h"
#include "moescope/law/builtin_laws.h"
#include "moescope/numerics/vector_registers.h"
#include "moescope/run/run_variables.h"

namespace moescope::explorer {

void MainWindow::buildLawViews() {
  // The residual tab, after the figures: which fit, coloured by what, and the plot.
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* row = new QHBoxLayout;
  row->setContentsMargins(8, 4, 8, 0);
  residual_fit_ = new QComboBox;
  residual_fit_->setObjectName(QStringLiteral("residualFit"));
  residual_fit_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  residual_colouring_ = new QComboBox;
  residual_colouring_->setObjectName(QStringLiteral("residualColouring"));
  residual_colouring_->addItems({tr("budget C"), tr("sparsity S")});
  auto* fit_label = new QLabel(tr("&Fit:"));
  fit_label->setBuddy(residual_fit_);
  auto* colour_label = new QLabel(tr("&Colour by:"));
  colour_label->setBuddy(residual_colouring_);
  row->addWidget(fit_label);
  row->addWidget(residual_fit_);
  row->addSpacing(16);
  row->addWidget(colour_label);
  row->addWidget(residual_colouring_);
  row->addStretch();
  layout->addLayout(row);
  residual_view_ = new FigureView;
  residual_view_->setObjectName(QStringLiteral("residualView"));
  layout->addWidget(residual_view_, 1);
  tabs_->addTab(page, tr("Residuals"));
  tabs_->setTabToolTip(tabs_->count() - 1,
                       tr("residuals: ln(L / L\u0302) per run of the main fit or a user law"));
  connect(residual_fit_, &QComboBox::currentIndexChanged, this, [this] { redrawCurrentView(); });
  connect(residual_colouring_, &QComboBox::currentIndexChanged, this,
          [this] { redrawCurrentView(); });

  fits_panel_ = new FitsPanel(&law_fits_);
  fits_panel_->setObjectName(QStringLiteral("fitsPanel"));
  connect(fits_panel_, &FitsPanel::visibilityChanged, this, [this](std::size_t index, bool shown) {
    law_fits_.set_visible(index, shown);
    redrawCurrentView();
  });
  connect(fits_panel_, &FitsPanel::removeRequested, this, [this](std::size_t index) {
    law_fits_.remove(index);
    onLawFitsChanged();
  });
  connect(fits_panel_, &FitsPanel::fitActivated, this, [this](int index) {
    setResidualFit(index);
    tabs_->setCurrentIndex(residualTab());
  });
  auto* dock = new QDockWidget(tr("Fits"));
  dock->setObjectName(QStringLiteral("fitsDock"));
  dock->setWidget(fits_panel_);
  addDockWidget(Qt::BottomDockWidgetArea, dock);
  auto* runs_dock = findChild<QDockWidget*>(QStringLiteral("runsDock"));
  tabifyDockWidget(runs_dock, dock);
  runs_dock->raise();
  updateFitsPanel();
}

void MainWindow::buildLawMenu(QMenu* fit) {
  fit->addSeparator();
  // Ctrl+L is View > Law overlay's already.
  QAction* new_law = fit->addAction(tr("&New Law..."), QKeySequence(tr("Ctrl+Shift+L")), this,
                                    [this] { openLawEditor(); });
  new_law->setObjectName(QStringLiteral("newLawAction"));
  fit->addAction(tr("Law from &Library..."), this, &MainWindow::openLawFromLibrary);
  QAction* fits = findChild<QDockWidget*>(QStringLiteral("fitsDock"))->toggleViewAction();
  fits->setText(tr("Show the &Fits panel"));
  fit->addAction(fits);
}

LawEditorDialog* MainWindow::openLawEditor(const moescope::law::LawDefinition* start) {
  if (law_editor_ == nullptr) {
    law_editor_ = new LawEditorDialog(&law_fits_, this);
    law_editor_->setObjectName(QStringLiteral("lawEditor"));
    connect(law_editor_, &LawEditorDialog::fitAdded, this, [this](std::size_t index) {
      onLawFitsChanged();
      setResidualFit(static_cast<int>(index));
      // The new fit in its list.
      findChild<QDockWidget*>(QStringLiteral("fitsDock"))->raise();
    });
  }
  law_editor_->setRuns(runs_, qs(fit_options_.holdout_rule));
  if (start != nullptr)
    law_editor_->setLaw(*start);
  law_editor_->show();
  law_editor_->raise();
  law_editor_->activateWindow();
  return law_editor_;
}

void MainWindow::openLawFromLibrary() {
  QStringList names;
  for (const moescope::law::BuiltinLawFile& file : moescope::law::builtin_law_files())
    names << qs(std::string(file.name));
  bool chosen = false;
  const QString name = QInputDialog::getItem(this, tr("Law from Library"),
                                             tr("Start from a built-in law (resources/laws):"),
                                             names, 0, false, &chosen);
  if (!chosen)
    return;
  try {
    const std::optional<moescope::law::LawDefinition> law =
        moescope::law::builtin_law(name.toStdString(), moescope::law_run_variables());
    if (law)
      openLawEditor(&*law);
  } catch (const std::exception& error) {
    QMessageBox::warning(this, tr("Cannot open the law"), QString::fromUtf8(error.what()));
  }
}

void MainWindow::onLawFitsChanged() {
  updateFitsPanel();
  redrawCurrentView();
}

void MainWindow::updateFitsPanel() {
  if (fits_panel_ == nullptr)
    return;
  std::size_t main_runs = 0;
  if (data_ && data_->law) {
    main_runs = data_->law_points.size();
    for (const bool held : data_->holdout)
      main_runs -= held ? 1 : 0;
  }
  const QString main_name = data_ && data_->law ? qs(moescope::law_name(*data_)) : QString();
  fits_panel_->refresh(main_name, main_runs);
  // The residual view's choices: the main fit, then the user fits; the choice kept by index.
  const int chosen = residual_fit_->currentIndex();
  const QSignalBlocker quiet(residual_fit_);
  residual_fit_->clear();
  residual_fit_->addItem(main_name.isEmpty() ? tr("main fit (none)") : main_name, -1);
  for (std::size_t i = 0; i < law_fits_.size(); ++i)
    residual_fit_->addItem(qs(law_fits_.at(i).name), static_cast<int>(i));
  residual_fit_->setCurrentIndex(chosen >= 0 && chosen < residual_fit_->count() ? chosen : 0);
}

void MainWindow::setResidualFit(int user_index) {
  const int row = residual_fit_->findData(user_index);
  residual_fit_->setCurrentIndex(row >= 0 ? row : 0);
  redrawCurrentView();
}

void MainWindow::setResidualColouring(moescope::ResidualColouring colouring) {
  residual_colouring_->setCurrentIndex(colouring == moescope::ResidualColouring::kBudget ? 0 : 1);
  redrawCurrentView();
}

int MainWindow::residualTab() const {
  return static_cast<int>(figure_views_.size()) + 1;
}

void MainWindow::drawResiduals() {
  const int user = residual_fit_->currentData().toInt();
  const auto colouring = residual_colouring_->currentIndex() == 0
                             ? moescope::ResidualColouring::kBudget
                             : moescope::ResidualColouring::kSparsity;
  std::optional<moescope::FitResiduals> residuals;
  if (user < 0 && data_)
    residuals = moescope::main_fit_residuals(*data_);
  else if (user >= 0 && static_cast<std::size_t>(user) < law_fits_.size())
    residuals = moescope::user_fit_residuals(law_fits_.at(static_cast<std::size_t>(user)), runs_);
  const moescope::BudgetBinning binning = data_ ? data_->binning : fit_options_.binning;
  residual_figure_ =
      moescope::residual_figure(residuals ? &*residuals : nullptr, colouring, binning);
  residual_view_->setFigure(&residual_figure_);
}

void MainWindow::overlayLawFits(moescope::Figure& figure) {
  if (figure.id != moescope::FigureId::kLossVsParams &&
      figure.id != moescope::FigureId::kLossVsActiveParams)
    return;
  numerics::clear_upper_vector_registers();
  const std::vector<std::string> notes =
      moescope::overlay_user_laws(figure, law_fits_, *data_, state_, model_->data_sparsities());
  if (fits_panel_ != nullptr)
    fits_panel_->setNotes(notes);
}

}  // namespace moescope::explorer
