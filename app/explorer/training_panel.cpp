#include "training_panel.h"

#include <QChart>
#include <QChartView>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QScatterSeries>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <limits>
#include <set>

#include "display_text.h"
#include "moescope/plan/planning.h"

namespace moescope::explorer {

namespace {

constexpr int kPollMilliseconds = 1000;
// The planned table's last column, after the plan's nine and the cost's four: why the run was
// chosen, "grid" or active design's "next: ..." with its score.
constexpr int kDesignColumn = 13;

// A number typed into a field, or a message naming the field.
std::optional<double> positive_number(const QLineEdit* field, const QString& name,
                                      QString* problem) {
  bool ok = false;
  const double value = field->text().trimmed().toDouble(&ok);
  if (!ok || !(value > 0)) {
    *problem = TrainingPanel::tr("%1: not a positive number: '%2'").arg(name, field->text());
    return std::nullopt;
  }
  return value;
}

QTableWidgetItem* cell_item(const QString& text) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  return item;
}

}  // namespace

TrainingPanel::TrainingPanel(std::vector<std::string> trainer,
                             std::filesystem::path queue_directory, QWidget* parent)
    : QWidget(parent), trainer_(std::move(trainer)), queue_directory_(std::move(queue_directory)) {
  buildLayout();
  if (moescope::RunQueue* queue = localQueue())
    concurrency_->setValue(queue->concurrency_limit());
  if (trainer_.empty()) {
    say(tr("moescope-train is not built here (it needs LibTorch: apt install libtorch-dev): "
           "runs can be planned, not trained."),
        true);
  }
  poll_timer_ = new QTimer(this);
  poll_timer_->setInterval(kPollMilliseconds);
  connect(poll_timer_, &QTimer::timeout, this, &TrainingPanel::poll);
  poll_timer_->start();
  showPlanned();
  poll();
}

TrainingPanel::~TrainingPanel() = default;

void TrainingPanel::buildLayout() {
  compute_field_ = new QLineEdit;
  compute_field_->setToolTip(tr("Training FLOPs; empty: the budget slider's"));
  size_field_ = new QLineEdit;
  size_field_->setPlaceholderText(tr("e.g. 2e6"));
  size_field_->setToolTip(tr("Total parameters N wanted; the planner comes within 5%"));
  sparsity_field_ = new QLineEdit;
  sparsity_field_->setPlaceholderText(tr("e.g. 0.75"));
  sparsity_field_->setToolTip(tr("S = (E - K) / E, realised exactly with K <= 8"));
  context_ = new QSpinBox;
  context_->setObjectName(QStringLiteral("context"));
  context_->setRange(8, 8192);
  context_->setValue(moescope::PlannerOptions{}.context);
  batch_size_ = new QSpinBox;
  batch_size_->setObjectName(QStringLiteral("batchSize"));
  batch_size_->setRange(1, 4096);
  batch_size_->setValue(moescope::PlannerOptions{}.batch_size);

  auto* plan_cell = new QPushButton(tr("Plan &cell"));
  auto* plan_gaps = new QPushButton(tr("Plan the &gaps at C"));
  plan_gaps->setToolTip(
      tr("The sizes each sparsity's IsoFLOP curve lacks around the law's optimum N*(C, S)"));
  connect(plan_cell, &QPushButton::clicked, this, [this] {
    QString problem;
    const double compute = compute_field_->text().trimmed().isEmpty()
                               ? budget_
                               : positive_number(compute_field_, "C", &problem).value_or(0);
    const auto size = positive_number(size_field_, "N", &problem);
    bool ok = false;
    const double sparsity = sparsity_field_->text().trimmed().toDouble(&ok);
    if (!ok)
      problem = tr("S: not a number: '%1'").arg(sparsity_field_->text());
    if (!problem.isEmpty() || !size) {
      say(problem, true);
      return;
    }
    planCell(compute, *size, sparsity);
  });
  connect(plan_gaps, &QPushButton::clicked, this, [this] {
    QString problem;
    const std::optional<double> compute =
        compute_field_->text().trimmed().isEmpty()
            ? std::nullopt
            : std::optional<double>(positive_number(compute_field_, "C", &problem).value_or(0));
    if (!problem.isEmpty()) {
      say(problem, true);
      return;
    }
    planGaps(compute);
  });

  auto* cell_form = new QFormLayout;
  auto* cell_row = new QHBoxLayout;
  cell_row->addWidget(new QLabel(tr("C")));
  cell_row->addWidget(compute_field_);
  cell_row->addWidget(new QLabel(tr("N")));
  cell_row->addWidget(size_field_);
  cell_row->addWidget(new QLabel(tr("S")));
  cell_row->addWidget(sparsity_field_);
  cell_row->addWidget(plan_cell);
  cell_row->addWidget(plan_gaps);
  cell_form->addRow(tr("Cell"), cell_row);
  auto* shape_row = new QHBoxLayout;
  shape_row->addWidget(new QLabel(tr("context")));
  shape_row->addWidget(context_);
  shape_row->addWidget(new QLabel(tr("batch")));
  shape_row->addWidget(batch_size_);
  shape_row->addStretch();
  cell_form->addRow(tr("Trainer"), shape_row);
  cell_form->addRow(tr("Next runs"), buildDesignRow());

  message_ = new QLabel;
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  planned_table_ = new QTableWidget(0, kDesignColumn + 1);
  planned_table_->setObjectName(QStringLiteral("planned"));
  planned_table_->setHorizontalHeaderLabels({tr("cell"), tr("d_model"), tr("layers"), tr("E"),
                                             tr("K"), tr("N"), tr("N_a"), tr("D (tokens)"),
                                             tr("steps"), tr("FLOPs"), tr("epochs"), tr("wall"),
                                             tr("memory"), tr("design")});
  planned_table_->verticalHeader()->hide();
  planned_table_->horizontalHeader()->setStretchLastSection(true);
  planned_table_->setMinimumHeight(8 * planned_table_->verticalHeader()->defaultSectionSize());
  launch_button_ = new QPushButton(tr("&Launch planned runs"));
  connect(launch_button_, &QPushButton::clicked, this, &TrainingPanel::launchPlanned);
  auto* clear_button = new QPushButton(tr("Clear"));
  connect(clear_button, &QPushButton::clicked, this, &TrainingPanel::clearPlanned);
  concurrency_ = new QSpinBox;
  concurrency_->setRange(1, 64);
  concurrency_->setToolTip(tr("Runs that train at once; the others wait in the queue"));
  connect(concurrency_, &QSpinBox::valueChanged, this, [this](int limit) {
    moescope::RunQueue* queue = localQueue();
    if (!queue)
      return;
    try {
      queue->set_concurrency_limit(limit);
    } catch (const std::exception& error) {
      say(QString::fromUtf8(error.what()), true);
    }
  });
  auto* launch_row = new QHBoxLayout;
  launch_row->addWidget(launch_button_);
  launch_row->addWidget(clear_button);
  launch_row->addStretch();
  launch_row->addWidget(new QLabel(tr("at most")));
  launch_row->addWidget(concurrency_);
  launch_row->addWidget(new QLabel(tr("at once")));

  auto* plan_box = new QGroupBox(tr("Plan"));
  auto* plan_layout = new QVBoxLayout(plan_box);
  plan_layout->addLayout(cell_form);
  plan_layout->addWidget(buildHostRow());
  plan_layout->addWidget(message_);
  plan_layout->addWidget(planned_table_);
  plan_layout->addWidget(buildCostRow());
  plan_layout->addLayout(launch_row);

  jobs_table_ = new QTableWidget(0, 9);
  jobs_table_->setHorizontalHeaderLabels({tr("#"), tr("run"), tr("host"), tr("state"),
                                          tr("progress"), tr("step"), tr("loss"), tr("val loss"),
                                          tr("tokens/s")});
  jobs_table_->verticalHeader()->hide();
  jobs_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  jobs_table_->setSelectionMode(QAbstractItemView::SingleSelection);
  jobs_table_->horizontalHeader()->setStretchLastSection(true);
  connect(jobs_table_, &QTableWidget::itemSelectionChanged, this, &TrainingPanel::showLossCurve);
  cancel_button_ = new QPushButton(tr("Cancel &selected run"));
  connect(cancel_button_, &QPushButton::clicked, this, [this] {
    if (const auto id = selectedJob())
      cancelJob(*id);
  });
  again_button_ = new QPushButton(tr("Launch &again"));
  again_button_->setToolTip(
      tr("Train the selected failed or cancelled run again on its host: it "
         "resumes from its checkpoint"));
  connect(again_button_, &QPushButton::clicked, this, [this] {
    if (const auto id = selectedJob())
      launchAgain(*id);
  });
  auto* queue_buttons = new QHBoxLayout;
  queue_buttons->addWidget(cancel_button_);
  queue_buttons->addWidget(again_button_);
  queue_buttons->addStretch();
  auto* queue_box = new QGroupBox(tr("Queue"));
  auto* queue_layout = new QVBoxLayout(queue_box);
  queue_layout->addWidget(jobs_table_);
  queue_layout->addLayout(queue_buttons);

  training_loss_ = new QLineSeries;
  training_loss_->setName(tr("training"));
  validation_loss_ = new QScatterSeries;
  validation_loss_->setName(tr("validation"));
  validation_loss_->setMarkerSize(8);
  loss_chart_ = new QChart;
  loss_chart_->addSeries(training_loss_);
  loss_chart_->addSeries(validation_loss_);
  auto* steps_axis = new QValueAxis;
  steps_axis->setTitleText(tr("step"));
  steps_axis->setLabelFormat("%d");
  // Whole steps on nice ticks before any run is shown: Qt's default range, 0 to 1, would label
  // them 0, 0, 0, 0, 1.
  steps_axis->setRange(0, kEmptyChartSteps);
  steps_axis->applyNiceNumbers();
  auto* loss_axis = new QValueAxis;
  loss_axis->setTitleText(tr("loss (nats per byte)"));
  loss_chart_->addAxis(steps_axis, Qt::AlignBottom);
  loss_chart_->addAxis(loss_axis, Qt::AlignLeft);
  for (QXYSeries* series :
       {static_cast<QXYSeries*>(training_loss_), static_cast<QXYSeries*>(validation_loss_)}) {
    series->attachAxis(steps_axis);
    series->attachAxis(loss_axis);
  }
  loss_chart_->setTitle(tr("Select a run to follow its loss"));
  loss_chart_->legend()->setAlignment(Qt::AlignTop);
  loss_view_ = new QChartView(loss_chart_);
  loss_view_->setRenderHint(QPainter::Antialiasing);
  loss_view_->setMinimumWidth(320);

  auto* left = new QWidget;
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  // The plan and its cost before Launch get the room; the queue scrolls.
  left_layout->addWidget(plan_box, 3);
  left_layout->addWidget(queue_box, 2);
  auto* splitter = new QSplitter;
  splitter->addWidget(left);
  splitter->addWidget(loss_view_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter);
}

void TrainingPanel::setRuns(const std::vector<moescope::Run>& runs) {
  runs_ = runs;
}

void TrainingPanel::setLaw(std::optional<moescope::SparsityLaw> law) {
  law_ = std::move(law);
}

void TrainingPanel::setBudget(double compute) {
  budget_ = compute;
  compute_field_->setPlaceholderText(tr("%1 (the slider's)").arg(number(compute)));
}

void TrainingPanel::setStoreChooser(std::function<std::optional<std::filesystem::path>()> chooser) {
  choose_store_ = std::move(chooser);
}

moescope::PlannerOptions TrainingPanel::plannerOptions() const {
  moescope::PlannerOptions options;
  options.context = context_->value();
  options.batch_size = batch_size_->value();
  return options;
}

bool TrainingPanel::planCell(double compute, double total_params, double sparsity) {
  const moescope::Cell cell{compute, total_params, sparsity};
  try {
    planned_.push_back(moescope::plan_run(cell, plannerOptions()));
  } catch (const moescope::PlanRefused& refused) {
    QStringList messages;
    for (const std::string& message : refused.messages())
      messages << QString::fromStdString(message);
    say(messages.join('\n'), true);
    return false;
  } catch (const std::invalid_argument& error) {
    say(QString::fromUtf8(error.what()), true);
    return false;
  }
  showPlanned();
  say(tr("Planned %1.").arg(QString::fromStdString(moescope::describe(cell))));
  return true;
}

bool TrainingPanel::planGaps(std::optional<double> asked) {
  if (!law_) {
    say(tr("The gaps are found around the optimum of the Eq. 6 law: fit that form first "
           "(Fit > Fit settings)."),
        true);
    return false;
  }
  moescope::PlannerOptions options = plannerOptions();
  // As `moescope train plan --gaps`: a run within the gap finder's size tolerance fills its gap.
  options.relative_tolerance = moescope::gap_filling_tolerance(moescope::GapOptions{});
  double compute = asked.value_or(budget_);
  moescope::Plan plan;
  QString instead;
  try {
    plan = moescope::plan_gaps(runs_, {compute}, *law_, options);
    const moescope::CostOptions corpus;
    const bool repeats = !plan.runs.empty() && moescope::cost_plan(plan.runs, {}, corpus).refused;
    if (!asked && (plan.runs.empty() || repeats)) {
      if (auto found =
              moescope::largest_trainable_gaps(runs_, compute, *law_, options, corpus.corpus)) {
        instead = tr("At the slider's C = %1 %2; planned at C = %3 instead, the largest budget "
                     "whose runs stay within %4 epochs of corpus %5.\n")
                      .arg(number(compute))
                      .arg(plan.runs.empty() ? tr("the curves have no gap to plan")
                                             : tr("the runs would repeat the corpus"))
                      .arg(number(found->budget))
                      .arg(moescope::kMaxUsefulEpochs)
                      .arg(QString::fromStdString(corpus.corpus.name));
        compute = found->budget;
        plan = std::move(found->plan);
      }
    }
  } catch (const std::exception& error) {
    say(QString::fromUtf8(error.what()), true);
    return false;
  }
  planned_.insert(planned_.end(), plan.runs.begin(), plan.runs.end());
  QStringList problems;
  for (const std::string& message : plan.refused)
    problems << QString::fromStdString(message);
  for (const std::string& note : plan.notes)
    problems << QString::fromStdString(note);
  showPlanned();
  // A few lines in the panel, so that the planned runs and their cost stay in view; all of them
  // in the tooltip.
  constexpr int kShownProblems = 2;
  QStringList shown = problems.mid(0, kShownProblems);
  if (problems.size() > kShownProblems)
    shown << tr("... and %1 more (hover for all)").arg(problems.size() - kShownProblems);
  say(instead + tr("%1 gaps at C = %2; %3 planned.%4")
                    .arg(plan.runs.size() + plan.refused.size())
                    .arg(number(compute))
                    .arg(plan.runs.size())
                    .arg(shown.isEmpty() ? QString() : "\n" + shown.join('\n')),
      plan.runs.empty());
  message_->setToolTip(problems.join('\n'));
  return !plan.runs.empty();
}

QString TrainingPanel::message() const {
  return message_->text();
}

void TrainingPanel::showPlanned() {
  planned_table_->setRowCount(static_cast<int>(planned_.size()));
  for (int row = 0; row < static_cast<int>(planned_.size()); ++row) {
    const moescope::PlannedRun& run = planned_[static_cast<std::size_t>(row)];
    const moescope::Architecture& shape = run.architecture;
    const QStringList values = {QString::fromStdString(moescope::describe(run.cell)),
                                QString::number(shape.d_model),
                                QString::number(shape.n_layers),
                                QString::number(shape.experts),
                                QString::number(shape.active),
                                number(run.total_params),
                                number(run.active_params),
                                number(run.tokens),
                                QString::number(run.steps)};
    for (int column = 0; column < values.size(); ++column)
      planned_table_->setItem(row, column, cell_item(values[column]));
    // Whole in the tooltip: active design's reasons run past the column's width.
    auto* design = cell_item(QString::fromStdString(run.design));
    design->setToolTip(design->text());
    planned_table_->setItem(row, kDesignColumn, design);
  }
  showCost();
  planned_table_->resizeColumnsToContents();
  launch_button_->setEnabled(!planned_.empty() && (!trainer_.empty() || !host().isEmpty()) &&
                             executors_ != nullptr && !cost_.refused);
}

void TrainingPanel::showJobs(const std::vector<moescope::Job>& all) {
  const std::optional<int> selected = selectedJob();
  const QSignalBlocker quiet(jobs_table_);
  jobs_table_->setRowCount(static_cast<int>(all.size()));
  for (int row = 0; row < static_cast<int>(all.size()); ++row) {
    const moescope::Job& job = all[static_cast<std::size_t>(row)];
    const moescope::JobProgress progress = executors_->queues().front().progress(job);
    auto optional = [](const std::optional<double>& value) {
      return value ? number(*value) : QStringLiteral("—");
    };
    jobs_table_->setItem(row, 0, cell_item(QString::number(job.id)));
    jobs_table_->setItem(row, 1, cell_item(QString::fromStdString(job.name)));
    jobs_table_->setItem(row, 2, cell_item(whereJobRuns(job)));
    auto* state = cell_item(QString::fromUtf8(moescope::to_string(job.state).data()));
    state->setToolTip(QString::fromStdString(job.message));
    jobs_table_->setItem(row, 3, state);
    auto* bar = qobject_cast<QProgressBar*>(jobs_table_->cellWidget(row, 4));
    if (!bar) {
      bar = new QProgressBar;
      bar->setRange(0, 1000);
      jobs_table_->setCellWidget(row, 4, bar);
    }
    bar->setValue(static_cast<int>(1000 * progress.fraction.value_or(0)));
    jobs_table_->setItem(row, 5, cell_item(QString::number(progress.step)));
    jobs_table_->setItem(row, 6, cell_item(optional(progress.loss)));
    jobs_table_->setItem(row, 7, cell_item(optional(progress.validation_loss)));
    jobs_table_->setItem(row, 8, cell_item(optional(progress.tokens_per_second)));
    if (selected == job.id)
      jobs_table_->selectRow(row);
  }
  cancel_button_->setEnabled(!all.empty());
  again_button_->setEnabled(!all.empty());
}

std::optional<int> TrainingPanel::selectedJob() const {
  const QList<QTableWidgetItem*> chosen = jobs_table_->selectedItems();
  if (chosen.isEmpty())
    return std::nullopt;
  const QTableWidgetItem* id = jobs_table_->item(chosen.first()->row(), 0);
  return id ? std::optional<int>(id->text().toInt()) : std::nullopt;
}

void TrainingPanel::selectJob(int id) {
  for (int row = 0; row < jobs_table_->rowCount(); ++row) {
    if (jobs_table_->item(row, 0) && jobs_table_->item(row, 0)->text().toInt() == id)
      jobs_table_->selectRow(row);
  }
  showLossCurve();
}

int TrainingPanel::lossCurvePoints() const {
  return static_cast<int>(training_loss_->count() + validation_loss_->count());
}

void TrainingPanel::showLossCurve() {
  const std::optional<int> id = selectedJob();
  const std::optional<moescope::Job> job =
      id && executors_ ? executors_->queues().front().job(*id) : std::nullopt;
  if (!job) {
    training_loss_->clear();
    validation_loss_->clear();
    return;
  }
  const moescope::MetricsLog log =
      moescope::read_metrics_log(moescope::metrics_file(job->request.out_dir));
  QList<QPointF> training;
  QList<QPointF> validation;
  for (const moescope::LossPoint& point : log.training)
    training.append({static_cast<double>(point.step), point.loss});
  for (const moescope::LossPoint& point : log.validation)
    validation.append({static_cast<double>(point.step), point.loss});
  training_loss_->replace(training);
  validation_loss_->replace(validation);
  loss_chart_->setTitle(QString::fromStdString(job->name));
  auto* steps_axis = static_cast<QValueAxis*>(loss_chart_->axes(Qt::Horizontal).first());
  if (training.isEmpty() && validation.isEmpty()) {
    steps_axis->setRange(0, kEmptyChartSteps);
    steps_axis->applyNiceNumbers();
    return;
  }
  double last_step = 1;
  double lowest = std::numeric_limits<double>::infinity();
  double highest = -lowest;
  for (const QList<QPointF>* points : {&training, &validation}) {
    for (const QPointF& point : *points) {
      last_step = std::max(last_step, point.x());
      lowest = std::min(lowest, point.y());
      highest = std::max(highest, point.y());
    }
  }
  const double margin = std::max(0.05 * (highest - lowest), 1e-3);
  // Whole steps on nice ticks: a run at its first steps would otherwise label 0, 0, 0, 1.
  steps_axis->setRange(0, std::max(last_step, kEmptyChartSteps));
  steps_axis->applyNiceNumbers();
  loss_chart_->axes(Qt::Vertical).first()->setRange(lowest - margin, highest + margin);
}

void TrainingPanel::say(const QString& text, bool problem) {
  message_->setText(text);
  message_->setToolTip(QString());
  message_->setStyleSheet(problem ? QStringLiteral("color: #b00020;") : QString());
}

}  // namespace moescope::explorer
