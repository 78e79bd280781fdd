#include "fit_settings_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "moescope/io/diagnostic.h"
#include "moescope/run/run_filter.h"

namespace moescope::explorer {

namespace {

// What the grid combo box offers; which entries it lists depends on the form.
enum class GridChoice { kPublished, kCoarse, kEpoch, kTable2Rows };

constexpr int kMaxBootstrap = 1000;
constexpr int kMaxBinsPerDecade = 100;
// The budget box's entries, by BudgetBinning::Kind.
constexpr int kWithinTolerance = static_cast<int>(moescope::BudgetBinning::Kind::kTolerance);
constexpr int kBinsPerDecade = static_cast<int>(moescope::BudgetBinning::Kind::kBinsPerDecade);
// The form box's entry for "follow the data" (ExplorerLoadOptions::form nullopt).
constexpr int kAutomaticForm = -1;

bool is_coarse(const moescope::ExplorerLoadOptions& options) {
  return options.law.grid_override == moescope::ExplorerLoadOptions::quick().law.grid_override;
}

GridChoice grid_choice_of(const moescope::ExplorerLoadOptions& options) {
  if (options.form != moescope::LawForm::kChinchilla)
    return is_coarse(options) ? GridChoice::kCoarse : GridChoice::kPublished;
  return options.law.grid() == moescope::InitGrid::kAbnarTable2 ? GridChoice::kTable2Rows
                                                                : GridChoice::kEpoch;
}

}  // namespace

FitSettingsDialog::FitSettingsDialog(const moescope::ExplorerLoadOptions& options, QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Fit settings"));
  auto* form = new QFormLayout;

  form_ = new QComboBox;
  form_->setObjectName(QStringLiteral("lawForm"));
  form_->addItem(tr("Automatic (follows the data)"), kAutomaticForm);
  form_->addItem(tr("Eq. 6: loss in N, D and sparsity (Abnar et al.)"),
                 static_cast<int>(moescope::LawForm::kAbnar));
  form_->addItem(tr("Chinchilla: loss in N and D only, no sparsity term"),
                 static_cast<int>(moescope::LawForm::kChinchilla));
  form_->setToolTip(
      tr("Automatic fits Eq. 6 where the fitted runs hold several sparsity levels, and "
         "Chinchilla's form, describing that level only, where they share one (Eq. 6's sparsity "
         "terms are then not identified). A form the data cannot support is refused."));
  form->addRow(tr("Law &form"), form_);

  grid_ = new QComboBox;
  form->addRow(tr("Starting &grid"), grid_);

  holdout_ = new QLineEdit;
  holdout_->setPlaceholderText(tr("none: fit every run"));
  holdout_->setToolTip(
      tr("Runs left out of the law's fit and shown as held out in Figure 6, e.g. S==0.98 (the "
         "paper's) or S>=0.9 && C>1e21. Fields: N, N_active, S, D, C, loss, experts, active, "
         "granularity, d_model, layers."));
  form->addRow(tr("&Hold out"), holdout_);

  law_bootstrap_ = new QSpinBox;
  law_bootstrap_->setRange(0, kMaxBootstrap);
  law_bootstrap_->setToolTip(
      tr("Bootstrap refits of the law behind the read-out's intervals; "
         "0 gives no intervals."));
  form->addRow(tr("Law &bootstrap refits"), law_bootstrap_);

  surface_bootstrap_ = new QSpinBox;
  surface_bootstrap_->setRange(0, kMaxBootstrap);
  surface_bootstrap_->setToolTip(
      tr("Refits of each budget's IsoFLOP surface on 80% subsamples (the paper's bands)."));
  form->addRow(tr("&Surface bootstrap refits"), surface_bootstrap_);

  budget_grouping_ = new QComboBox;
  budget_grouping_->setObjectName(QStringLiteral("budgetGrouping"));
  budget_grouping_->addItem(tr("Runs within a tolerance of one C"), kWithinTolerance);
  budget_grouping_->addItem(tr("Bins per decade of C"), kBinsPerDecade);
  budget_grouping_->setToolTip(
      tr("What one compute budget is, for the surfaces, the IsoFLOP curves and the budget list. "
         "A sweep planned at nominal budgets scatters a few per cent around each: a tolerance "
         "groups them (--budget-tolerance). Data whose C varies continuously, such as points read "
         "off a published figure, needs bins: K per decade, centred on 10^(i/K) "
         "(--budget-bins)."));
  budget_tolerance_ = new QDoubleSpinBox;
  budget_tolerance_->setObjectName(QStringLiteral("budgetTolerance"));
  budget_tolerance_->setRange(0, 100);
  budget_tolerance_->setDecimals(1);
  budget_tolerance_->setSingleStep(0.5);
  budget_tolerance_->setSuffix(tr(" %"));
  budget_bins_ = new QSpinBox;
  budget_bins_->setObjectName(QStringLiteral("budgetBins"));
  budget_bins_->setRange(1, kMaxBinsPerDecade);
  budget_bins_->setSuffix(tr(" per decade"));
  auto* budget_row = new QHBoxLayout;
  budget_row->addWidget(budget_grouping_, 1);
  budget_row->addWidget(budget_tolerance_);
  budget_row->addWidget(budget_bins_);
  // A label of its own: a row whose field is a layout shows a mnemonic's '&' as it is.
  auto* budget_label = new QLabel(tr("B&udgets"));
  budget_label->setBuddy(budget_grouping_);
  form->addRow(budget_label, budget_row);

  problems_label_ = new QLabel;
  problems_label_->setWordWrap(true);
  problems_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  problems_label_->setStyleSheet(QStringLiteral("color: #b00020;"));

  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel |
                                  QDialogButtonBox::RestoreDefaults);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("&Refit"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(buttons_->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
          [this] { setOptions({}); });

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(problems_label_);
  layout->addWidget(buttons_);

  setOptions(options);
  connect(form_, &QComboBox::currentIndexChanged, this, [this] {
    fillGridChoices();
    check();
  });
  connect(grid_, &QComboBox::currentIndexChanged, this, &FitSettingsDialog::check);
  connect(holdout_, &QLineEdit::textChanged, this, &FitSettingsDialog::check);
  connect(budget_grouping_, &QComboBox::currentIndexChanged, this, [this] {
    showBudgetGrouping();
    check();
  });
}

void FitSettingsDialog::showBudgetGrouping() {
  const bool bins = budget_grouping_->currentData().toInt() == kBinsPerDecade;
  budget_tolerance_->setVisible(!bins);
  budget_bins_->setVisible(bins);
}

void FitSettingsDialog::setOptions(const moescope::ExplorerLoadOptions& options) {
  const QSignalBlocker quiet_form(form_);
  form_->setCurrentIndex(
      form_->findData(options.form ? static_cast<int>(*options.form) : kAutomaticForm));
  fillGridChoices();
  grid_->setCurrentIndex(grid_->findData(static_cast<int>(grid_choice_of(options))));
  holdout_->setText(QString::fromStdString(options.holdout_rule));
  law_bootstrap_->setValue(options.law.bootstrap);
  surface_bootstrap_->setValue(options.surface.bootstrap_replicates);
  const QSignalBlocker quiet_budgets(budget_grouping_);
  budget_grouping_->setCurrentIndex(
      budget_grouping_->findData(static_cast<int>(options.binning.kind)));
  // The other kind keeps a useful value in case the user switches to it.
  budget_tolerance_->setValue(100 *
                              (options.binning.kind == moescope::BudgetBinning::Kind::kTolerance
                                   ? options.binning.tolerance
                                   : moescope::BudgetBinning{}.tolerance));
  budget_bins_->setValue(options.binning.kind == moescope::BudgetBinning::Kind::kBinsPerDecade
                             ? options.binning.bins_per_decade
                             : 4);
  showBudgetGrouping();
  check();
}

void FitSettingsDialog::fillGridChoices() {
  const QSignalBlocker quiet(grid_);
  grid_->clear();
  const int form = form_->currentData().toInt();
  if (form != static_cast<int>(moescope::LawForm::kChinchilla)) {
    // Automatic: the grid of Eq. 6; where the data chooses Chinchilla's form, its own (Epoch's).
    const QString fallback =
        form == kAutomaticForm ? tr(" (Epoch AI's for Chinchilla's form)") : QString();
    grid_->addItem(tr("Table 2 of the paper: 437,400 starts (about half a minute)") + fallback,
                   static_cast<int>(GridChoice::kPublished));
    grid_->addItem(tr("Coarse: two values per coordinate, 512 starts (a first look)") + fallback,
                   static_cast<int>(GridChoice::kCoarse));
  } else {
    grid_->addItem(tr("Epoch AI's: 4,500 starts"), static_cast<int>(GridChoice::kEpoch));
    grid_->addItem(tr("Table 2's rows for these parameters: 324 starts"),
                   static_cast<int>(GridChoice::kTable2Rows));
  }
}

moescope::ExplorerLoadOptions FitSettingsDialog::options() const {
  moescope::ExplorerLoadOptions options;
  const int form = form_->currentData().toInt();
  if (form != kAutomaticForm)
    options.form = static_cast<moescope::LawForm>(form);
  // The options' grid is that of the form asked for (Eq. 6's when the data chooses: a
  // Chinchilla-form fit then takes its own default grid).
  options.law.form = options.form.value_or(moescope::LawForm::kAbnar);
  switch (static_cast<GridChoice>(grid_->currentData().toInt())) {
    case GridChoice::kPublished:
      break;
    case GridChoice::kCoarse:
      options.law.grid_override = moescope::ExplorerLoadOptions::quick().law.grid_override;
      break;
    case GridChoice::kEpoch:
      options.law.init_grid = moescope::InitGrid::kEpoch;
      break;
    case GridChoice::kTable2Rows:
      options.law.init_grid = moescope::InitGrid::kAbnarTable2;
      break;
  }
  options.holdout_rule = holdout_->text().trimmed().toStdString();
  options.law.bootstrap = law_bootstrap_->value();
  options.surface.bootstrap_replicates = surface_bootstrap_->value();
  options.binning = budget_grouping_->currentData().toInt() == kBinsPerDecade
                        ? moescope::BudgetBinning::per_decade(budget_bins_->value())
                        : moescope::BudgetBinning::within(budget_tolerance_->value() / 100);
  return options;
}

QStringList FitSettingsDialog::problems() const {
  const moescope::ExplorerLoadOptions current = options();
  QStringList problems;
  for (const std::string& problem : current.law.validate())
    problems << tr("Law: %1").arg(QString::fromStdString(problem));
  for (const std::string& problem : current.surface.validate())
    problems << tr("Surface: %1").arg(QString::fromStdString(problem));
  for (const std::string& problem : current.binning.validate())
    problems << tr("Budgets: %1").arg(QString::fromStdString(problem));
  if (!current.holdout_rule.empty()) {
    try {
      moescope::RunFilter::parse(current.holdout_rule);
    } catch (const moescope::InputError& error) {
      problems << tr("Hold out: %1").arg(QString::fromUtf8(error.what()));
    }
  }
  return problems;
}

void FitSettingsDialog::setHoldoutRule(const QString& rule) {
  holdout_->setText(rule);
}

void FitSettingsDialog::check() {
  const QStringList found = problems();
  problems_label_->setText(found.join('\n'));
  problems_label_->setVisible(!found.isEmpty());
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(found.isEmpty());
}

}  // namespace moescope::explorer
