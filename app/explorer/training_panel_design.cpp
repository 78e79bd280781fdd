// The training panel's active design, as `moescope train plan --next K --target S*|N*` proposes
// it: the runs whose results would most narrow the bootstrap interval of S* (or N*) at the budget
// on display or at every data budget, computed on a worker thread, put in the plan (Launch trains
// them) and in the window's ProposedRuns (the views mark them), with what they are expected to
// buy: each read-out's interval now and its width after them.
#include <QCheckBox>
#include <QComboBox>
#include <QEventLoop>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>
#include <stdexcept>

#include "display_text.h"
#include "proposal_job.h"
#include "proposed_runs.h"
#include "training_panel.h"

namespace moescope::explorer {
namespace {

// Read-outs and notes stated in the panel; the rest are in its tooltip, so that the plan below
// stays in view. Refused budgets are all stated.
constexpr int kShownComponents = 4;
constexpr int kShownNotes = 4;
// A spin box's ceiling: more runs than a researcher would queue from one design.
constexpr int kMostProposalsAsked = 50;

bool isProposal(const moescope::PlannedRun& run) {
  return run.design.rfind("next:", 0) == 0;
}

QString html(const QStringList& lines) {
  QStringList escaped;
  for (const QString& line : lines)
    escaped << line.toHtmlEscaped();
  return escaped.join(QStringLiteral("<br>"));
}

// "S* at C=3e14 N=3.31e6: 0.81, 95 % interval [0.785, 0.874]; width 0.0894 now, 0.0559 expected";
// N*'s widths are in ln N, as the design's variances are.
QString describeComponent(const moescope::DesignComponent& component,
                          moescope::DesignTarget target) {
  const bool size = target == moescope::DesignTarget::kOptimalSize;
  return TrainingPanel::tr("%1: %2, 95 % interval [%3, %4]; width %5 now, %6 expected%7")
      .arg(qs(component.describe()), number(component.estimate), number(component.interval.lo),
           number(component.interval.hi), number(component.width), number(component.expected_width),
           size ? TrainingPanel::tr(" (in ln N)") : QString());
}

}  // namespace

QWidget* TrainingPanel::buildDesignRow() {
  const moescope::ActiveDesignOptions defaults;
  propose_button_ = new QPushButton(tr("Propose &next runs"));
  propose_button_->setObjectName(QStringLiteral("proposeNext"));
  propose_button_->setToolTip(
      tr("Active design (moescope train plan --next): the runs whose results would most narrow "
         "the bootstrap interval of S* (or N*), from each budget's Eq. 8 surface fitted with %1 "
         "bootstrap replicates. They replace the last proposals in the plan below, where Launch "
         "trains them, and are ringed on the 3-D view and Figures 2b and 2c at their budget.")
          .arg(defaults.surface.bootstrap_replicates));
  proposal_count_ = new QSpinBox;
  proposal_count_->setObjectName(QStringLiteral("proposalCount"));
  proposal_count_->setRange(1, kMostProposalsAsked);
  proposal_count_->setValue(defaults.proposals);
  proposal_count_->setToolTip(tr("K, the runs to propose"));
  design_target_ = new QComboBox;
  design_target_->setObjectName(QStringLiteral("designTarget"));
  design_target_->addItem(tr("S* (optimal sparsity)"),
                          static_cast<int>(moescope::DesignTarget::kOptimalSparsity));
  design_target_->addItem(tr("N* (optimal size)"),
                          static_cast<int>(moescope::DesignTarget::kOptimalSize));
  design_target_->setToolTip(
      tr("The read-out to narrow: S* at the size of the budget's lowest-loss run, or N* at "
         "each sparsity level of the budget's runs"));
  design_budgets_ = new QComboBox;
  design_budgets_->setObjectName(QStringLiteral("designBudgets"));
  design_budgets_->addItem(tr("at the budget on display"),
                           static_cast<int>(DesignBudgets::kOnDisplay));
  design_budgets_->addItem(tr("at every data budget"),
                           static_cast<int>(DesignBudgets::kEveryDataBudget));
  design_budgets_->setToolTip(
      tr("The budget slider's data budget, which the 3-D view and the figures show; or every "
         "budget of the runs, the K runs going where they narrow most"));
  design_progress_ = new QProgressBar;
  design_progress_->setRange(0, 0);  // busy: the design reports no steps
  design_progress_->setFixedWidth(120);
  design_progress_->hide();
  design_message_ = new QLabel;
  design_message_->setObjectName(QStringLiteral("designMessage"));
  design_message_->setWordWrap(true);
  design_message_->setTextFormat(Qt::RichText);
  design_message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  design_message_->hide();

  proposal_job_ = new ProposalJob(this);
  connect(
      proposal_job_, &ProposalJob::finished, this,
      [this](const std::shared_ptr<moescope::ActiveDesign>& design) { showProposals(*design); });
  connect(proposal_job_, &ProposalJob::failed, this, [this](const QString& message) {
    design_progress_->hide();
    propose_button_->setEnabled(true);
    last_design_proposed_ = false;
    design_message_->hide();  // of the design before
    say(tr("Nothing proposed: %1").arg(message), true);
  });
  connect(propose_button_, &QPushButton::clicked, this, [this] {
    proposeNextRuns(proposal_count_->value(),
                    static_cast<moescope::DesignTarget>(design_target_->currentData().toInt()),
                    static_cast<DesignBudgets>(design_budgets_->currentData().toInt()));
  });

  auto* row = new QHBoxLayout;
  row->addWidget(propose_button_);
  row->addWidget(new QLabel(tr("K")));
  row->addWidget(proposal_count_);
  row->addWidget(new QLabel(tr("narrowing")));
  row->addWidget(design_target_);
  row->addWidget(design_budgets_);
  row->addWidget(design_progress_);
  row->addStretch();
  auto* widget = new QWidget;
  auto* layout = new QVBoxLayout(widget);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(row);
  layout->addWidget(design_message_);
  return widget;
}

void TrainingPanel::setBinning(const moescope::BudgetBinning& binning) {
  binning_ = binning;
}

void TrainingPanel::setProposedRuns(ProposedRuns* proposed) {
  proposed_ = proposed;
}

bool TrainingPanel::isProposing() const {
  return proposal_job_->isRunning();
}

std::vector<double> TrainingPanel::designBudgets(DesignBudgets which, QString* problem) const {
  std::vector<double> compute;
  for (const moescope::Run& run : runs_) {
    if (run.compute && std::isfinite(*run.compute) && *run.compute > 0)
      compute.push_back(*run.compute);
  }
  if (compute.empty()) {
    *problem =
        tr("Active design needs runs with a compute budget C: open a store or a runs file "
           "that has them.");
    return {};
  }
  std::vector<moescope::BudgetBin> bins;
  try {
    bins = moescope::bin_budgets(compute, binning_);
  } catch (const std::invalid_argument& error) {
    *problem = QString::fromUtf8(error.what());
    return {};
  }
  std::vector<double> budgets;
  for (const moescope::BudgetBin& bin : bins) {
    if (which == DesignBudgets::kEveryDataBudget || binning_.same_budget(bin.budget, budget_))
      budgets.push_back(bin.budget);
  }
  if (budgets.empty()) {
    *problem = tr("The budget on display, C = %1, has no runs to design from: go to a data "
                  "budget (the list under the budget slider), or propose at every data budget.")
                   .arg(number(budget_));
  }
  return budgets;
}

bool TrainingPanel::proposeNextRuns(int count, moescope::DesignTarget target, DesignBudgets which) {
  if (proposal_job_->isRunning()) {
    say(tr("Still proposing: the last design is under way."), true);
    return false;
  }
  QString problem;
  moescope::ActiveDesignOptions options;
  options.budgets = designBudgets(which, &problem);
  if (options.budgets.empty()) {
    say(problem, true);
    return false;
  }
  options.target = target;
  options.proposals = count;
  options.binning = binning_;
  options.planner = plannerOptions();
  // The corpus the cost table checks epochs against: a candidate it would repeat too often is
  // left out, as Launch would refuse it.
  options.corpus = moescope::CostOptions{}.corpus;
  options.allow_repeats = allow_repeats_->isChecked();
  QStringList invalid;
  for (const std::string& message : options.validate())
    invalid << QString::fromStdString(message);
  if (!invalid.isEmpty()) {
    say(invalid.join('\n'), true);
    return false;
  }
  QStringList budgets;
  for (const double budget : options.budgets)
    budgets << number(budget);
  say(tr("Proposing %1 runs to narrow %2 at C = %3: fitting each budget's surface with %4 "
         "bootstrap replicates...")
          .arg(count)
          .arg(QString::fromUtf8(moescope::to_string(target).data()))
          .arg(budgets.join(QStringLiteral(", ")))
          .arg(options.surface.bootstrap_replicates));
  design_progress_->show();
  propose_button_->setEnabled(false);
  last_design_proposed_ = false;
  proposal_job_->start(runs_, options);
  return true;
}

bool TrainingPanel::waitForProposals() {
  if (proposal_job_->isRunning()) {
    QEventLoop loop;
    connect(proposal_job_, &ProposalJob::finished, &loop, &QEventLoop::quit);
    connect(proposal_job_, &ProposalJob::failed, &loop, &QEventLoop::quit);
    connect(proposal_job_, &ProposalJob::cancelled, &loop, &QEventLoop::quit);
    loop.exec();
  }
  return last_design_proposed_;
}

void TrainingPanel::showProposals(const moescope::ActiveDesign& design) {
  design_progress_->hide();
  propose_button_->setEnabled(true);
  showDesign(design);
  const QString target = QString::fromUtf8(moescope::to_string(design.target).data());
  last_design_proposed_ = !design.proposals.empty();
  if (!last_design_proposed_) {
    // The last proposals, if any, stay planned: a design that found nothing supersedes nothing.
    say(tr("No run proposed to narrow %1: see why below.").arg(target), true);
    return;
  }
  // A design supersedes the last one: its proposals still in the plan go.
  std::erase_if(planned_, isProposal);
  std::vector<moescope::PlannedRun> proposals;
  for (const moescope::DesignProposal& proposal : design.proposals)
    proposals.push_back(proposal.run);
  planned_.insert(planned_.end(), proposals.begin(), proposals.end());
  if (proposed_)
    proposed_->setRuns(std::move(proposals));
  showPlanned();
  say(tr("%1 runs proposed to narrow %2, of %3 candidate cells: in the plan below (Launch trains "
         "them), ringed and numbered on the 3-D view and Figures 2b and 2c at their budget.")
          .arg(design.proposals.size())
          .arg(target)
          .arg(design.candidates));
}

void TrainingPanel::showDesign(const moescope::ActiveDesign& design) {
  QStringList components;
  for (const moescope::DesignComponent& component : design.components)
    components << describeComponent(component, design.target);
  QStringList notes;
  for (const std::string& note : design.notes)
    notes << QString::fromStdString(note);
  QStringList refused;
  for (const std::string& budget : design.refused)
    refused << tr("Refused: %1").arg(QString::fromStdString(budget));

  QStringList facts;
  if (!components.isEmpty()) {
    facts << tr("Bootstrap intervals now, and widths expected after the %1 proposed:")
                 .arg(design.proposals.size());
    facts << components.mid(0, kShownComponents);
    if (components.size() > kShownComponents)
      facts << tr("... and %1 more read-outs (hover for all)")
                   .arg(components.size() - kShownComponents);
  }
  QStringList shown_notes = notes.mid(0, kShownNotes);
  if (notes.size() > kShownNotes)
    shown_notes << tr("... and %1 more notes (hover for all)").arg(notes.size() - kShownNotes);
  // The facts in the text's colour, the budgets refused in red and the notes (read-outs and
  // candidates left out) in the amber of an extrapolated budget beneath them.
  auto block = [](const QStringList& lines, const char* colour) {
    return lines.isEmpty() ? QString()
                           : QStringLiteral("<div style=\"color: %1;\">%2</div>")
                                 .arg(QLatin1String(colour), html(lines));
  };
  design_message_->setText(html(facts) + block(refused, "#b00020") + block(shown_notes, "#a35200"));
  design_message_->setToolTip((components + refused + notes).join('\n'));
  design_message_->show();
}

void TrainingPanel::clearPlanned() {
  planned_.clear();
  if (proposed_)
    proposed_->clear();
  showPlanned();
}

}  // namespace moescope::explorer
