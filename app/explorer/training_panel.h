#pragma once

#include <QStringList>
#include <QWidget>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "moescope/fit/budget_binning.h"
#include "moescope/launch/hosts.h"
#include "moescope/launch/queue_executors.h"
#include "moescope/launch/run_queue.h"
#include "moescope/model/sparsity_law.h"
#include "moescope/plan/active_design.h"
#include "moescope/plan/plan_cost.h"
#include "moescope/plan/planner.h"
#include "moescope/run/run.h"

class QChart;
class QCheckBox;
class QDoubleSpinBox;
class QComboBox;
class QChartView;
class QLabel;
class QLineEdit;
class QLineSeries;
class QProgressBar;
class QPushButton;
class QScatterSeries;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace moescope::explorer {

class ProposalJob;
class ProposedRuns;

// Plans runs that fill the grid and trains them: cells typed in, the gaps of the current runs at
// a budget, or the runs active design proposes to narrow S* or N* (`moescope train plan --next`)
// become architectures (the core's planner), are launched through the run queue (a concurrency
// limit, shared with `moescope train`) on this machine or on a host of the registry (`moescope
// hosts add`: an SSH host or a Slurm cluster), and are followed with a progress bar per run, its
// host (and Slurm job), and the selected run's live loss curve (a remote executor copies
// metrics.jsonl back as the run goes). A run that finishes lands in the store; the panel then
// reports it so the window refits. A failed or cancelled run can be launched again, and resumes
// from its checkpoint.
//
// The queue is plain C++ (core's QueueExecutors: one RunQueue per executor over one folder); the
// panel only drives and shows it.
class TrainingPanel : public QWidget {
  Q_OBJECT

 public:
  // `trainer` is the command that trains one spec (moescope-train and any arguments before
  // --spec); `queue_directory` holds the queue and the runs' folders.
  TrainingPanel(std::vector<std::string> trainer, std::filesystem::path queue_directory,
                QWidget* parent = nullptr);
  ~TrainingPanel() override;

  // What the window knows: the runs (for the gaps), the law (for N*), the budget on display.
  void setRuns(const std::vector<moescope::Run>& runs);
  void setLaw(std::optional<moescope::SparsityLaw> law);
  void setBudget(double compute);
  // Where finished runs go. Called when runs are launched; may ask the user; nullopt cancels.
  void setStoreChooser(std::function<std::optional<std::filesystem::path>()> chooser);
  // How the window groups the runs into budgets (its fit's), for the budgets proposals are at.
  void setBinning(const moescope::BudgetBinning& binning);
  // Where proposals go besides the plan, for the views to mark them; owned by the caller.
  void setProposedRuns(ProposedRuns* proposed);

  // For scripts and tests: what the form's buttons do. Each returns false and shows why (see
  // message()) when it cannot.
  bool planCell(double compute, double total_params, double sparsity);
  // The gaps at `compute`; nullopt: at the budget slider's, and where the curves there have none
  // to plan or their runs would repeat the corpus (a grid at paper scale, as the embedded synthetic
  // one), at the largest budget below it whose gaps the corpus feeds (largest_trainable_gaps),
  // saying so.
  bool planGaps(std::optional<double> compute);
  bool launchPlanned();
  // Where active design proposes runs: the data budget the budget slider is in (the one the 3-D
  // view and the figures show), or every data budget, among which it spends the runs where they
  // narrow most.
  enum class DesignBudgets { kOnDisplay, kEveryDataBudget };
  // "Propose next runs" (training_panel_design.cpp): starts active design on a worker thread for
  // the `count` runs that most narrow the bootstrap interval of `target` at `budgets`, from the
  // runs of setRuns, with the form's trainer settings, the cost table's corpus and its repeats
  // setting. The proposals replace the last design's in the plan, where Launch trains them, and
  // in the ProposedRuns (a design that proposes nothing leaves those); the panel says why each was
  // chosen (the plan's design column), each read-out's interval now and expected after them, and
  // every budget refused and note. Returns false, saying why, when it cannot start (no runs with
  // C, no runs at the budget on display, a design still under way).
  bool proposeNextRuns(int count, moescope::DesignTarget target, DesignBudgets budgets);
  bool isProposing() const;
  // Runs the event loop until the design under way ends; returns whether it proposed runs.
  bool waitForProposals();
  bool cancelJob(int id);
  // Launches a finished job's spec again in its run directory, on its host: the trainer resumes
  // from its checkpoint.
  bool launchAgain(int id);
  // Where launched runs train: "" for this machine, else a host of the registry. Returns false
  // (and says why) for a name the registry does not hold.
  bool setHost(const QString& name);
  QString host() const;
  // The hosts the chooser offers, from the registry (read again).
  QStringList hostNames();
  // The chosen host's line under the chooser: its jobs queued and running, and what the last
  // check found. checkHost() connects (up to 20 s) and says whether it can train runs.
  QString hostStatus() const;
  bool checkHost();
  // Where a job trains, as the queue's table shows it: "this machine", "loop", "cluster (slurm
  // job 12)".
  QString whereJobRuns(const moescope::Job& job) const;
  int plannedCount() const { return static_cast<int>(planned_.size()); }
  // What the planned runs cost on the chosen host, as the table below them shows it; Launch
  // refuses a plan that repeats the corpus more than 4 times unless repeats are allowed.
  const moescope::PlanCost& planCost() const { return cost_; }
  void setAllowRepeats(bool allow);
  std::vector<moescope::Job> jobs() const;
  QString message() const;
  // Loss points the live curve shows for the selected job.
  int lossCurvePoints() const;
  void selectJob(int id);
  // Polls the queue at once (the panel also does every second).
  void poll();
  // The explorer is closing: runs still queued are handed to a `moescope train drive` process of
  // their own, so that they start without the window. Returns whether one was started.
  bool handOverQueue();

 signals:
  // Runs finished (done or failed) and were added to this store.
  void runsLanded(const QString& store);

 private:
  // The loss chart's step axis reaches at least this far, ticks at whole steps.
  static constexpr double kEmptyChartSteps = 10;
  void buildLayout();
  QWidget* buildHostRow();
  void showHostStatus();
  // The queues of every executor the folder's jobs use, made again when a job of an executor
  // not yet among them appears (launched by another process).
  moescope::QueueExecutors* executors();
  moescope::RunQueue* localQueue();
  std::optional<moescope::Host> chosenHost(QString* problem) const;
  moescope::PlannerOptions plannerOptions() const;
  void showPlanned();
  // Computes cost_ for the chosen host's throughput table and shows it (training_panel_cost.cpp).
  void showCost();
  QWidget* buildCostRow();
  // The active design's controls and what it last found (training_panel_design.cpp).
  QWidget* buildDesignRow();
  std::vector<double> designBudgets(DesignBudgets which, QString* problem) const;
  void showProposals(const moescope::ActiveDesign& design);
  void showDesign(const moescope::ActiveDesign& design);
  // Empties the plan, and with it the proposals the views mark.
  void clearPlanned();
  void showJobs(const std::vector<moescope::Job>& jobs);
  void showLossCurve();
  void say(const QString& text, bool problem = false);
  std::optional<int> selectedJob() const;

  std::vector<std::string> trainer_;
  std::filesystem::path queue_directory_;
  std::unique_ptr<moescope::QueueExecutors> executors_;
  QString host_check_;  // what the last check of the chosen host found
  std::vector<moescope::Run> runs_;
  std::optional<moescope::SparsityLaw> law_;
  std::function<std::optional<std::filesystem::path>()> choose_store_;
  std::vector<moescope::PlannedRun> planned_;
  double budget_ = 1e15;
  moescope::BudgetBinning binning_;
  ProposedRuns* proposed_ = nullptr;
  ProposalJob* proposal_job_ = nullptr;
  bool last_design_proposed_ = false;

  QLineEdit* compute_field_ = nullptr;
  QLineEdit* size_field_ = nullptr;
  QLineEdit* sparsity_field_ = nullptr;
  QSpinBox* context_ = nullptr;
  QSpinBox* batch_size_ = nullptr;
  QSpinBox* concurrency_ = nullptr;
  QLabel* message_ = nullptr;
  QTableWidget* planned_table_ = nullptr;
  QPushButton* propose_button_ = nullptr;
  QSpinBox* proposal_count_ = nullptr;
  QComboBox* design_target_ = nullptr;
  QComboBox* design_budgets_ = nullptr;
  QProgressBar* design_progress_ = nullptr;
  QLabel* design_message_ = nullptr;
  moescope::PlanCost cost_;
  QLabel* cost_message_ = nullptr;
  QCheckBox* allow_repeats_ = nullptr;
  QDoubleSpinBox* max_hours_ = nullptr;
  QPushButton* launch_button_ = nullptr;
  QTableWidget* jobs_table_ = nullptr;
  QPushButton* cancel_button_ = nullptr;
  QPushButton* again_button_ = nullptr;
  QComboBox* host_box_ = nullptr;
  QLabel* host_status_ = nullptr;
  QChart* loss_chart_ = nullptr;
  QChartView* loss_view_ = nullptr;
  QLineSeries* training_loss_ = nullptr;
  QScatterSeries* validation_loss_ = nullptr;
  QTimer* poll_timer_ = nullptr;
};

}  // namespace moescope::explorer
