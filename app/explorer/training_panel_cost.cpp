// The training panel's cost of a plan: FLOPs, epochs, wall time on the chosen host and memory per
// planned run and in total (core's plan_cost.h, as `moescope train plan` prints it), the refusal
// of runs that repeat the corpus, and the warning above a total time.
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTableWidget>
#include <filesystem>

#include "display_text.h"
#include "training_panel.h"

namespace moescope::explorer {
namespace {

// The planned table's cost columns, after the plan's own nine.
constexpr int kFirstCostColumn = 9;

QTableWidgetItem* cost_item(const QString& text, bool total = false) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  if (total) {
    QFont font = item->font();
    font.setBold(true);
    item->setFont(font);
  }
  return item;
}

QString wall(const std::optional<double>& seconds) {
  return seconds ? QString::fromStdString(moescope::describe_duration(*seconds))
                 : QStringLiteral("—");
}

}  // namespace

QWidget* TrainingPanel::buildCostRow() {
  cost_message_ = new QLabel;
  cost_message_->setObjectName(QStringLiteral("costMessage"));
  cost_message_->setWordWrap(true);
  cost_message_->setTextFormat(Qt::RichText);
  cost_message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  allow_repeats_ = new QCheckBox(tr("Allow &repeats"));
  allow_repeats_->setToolTip(
      tr("Launch runs that repeat the corpus more than %1 times (past that, more epochs stop "
         "helping: Muennighoff et al., 2023)")
          .arg(moescope::kMaxUsefulEpochs));
  connect(allow_repeats_, &QCheckBox::toggled, this, [this] { showPlanned(); });
  max_hours_ = new QDoubleSpinBox;
  max_hours_->setRange(0.01, 10000);
  max_hours_->setDecimals(2);
  max_hours_->setSuffix(tr(" h"));
  max_hours_->setValue(moescope::kDefaultMaxPlanHours);
  max_hours_->setToolTip(tr("Warn when the plan's total wall time exceeds this"));
  connect(max_hours_, &QDoubleSpinBox::valueChanged, this, [this] { showPlanned(); });

  auto* row = new QWidget;
  auto* layout = new QVBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* options = new QHBoxLayout;
  options->addWidget(allow_repeats_);
  options->addStretch();
  options->addWidget(new QLabel(tr("warn above")));
  options->addWidget(max_hours_);
  layout->addWidget(cost_message_);
  layout->addLayout(options);
  return row;
}

void TrainingPanel::setAllowRepeats(bool allow) {
  allow_repeats_->setChecked(allow);
}

void TrainingPanel::showCost() {
  moescope::CostOptions options;
  options.host = host().isEmpty() ? "local" : host().toStdString();
  options.allow_repeats = allow_repeats_->isChecked();
  options.max_hours = max_hours_->value();
  QString table_problem;
  try {
    const std::filesystem::path table =
        moescope::throughput_table_file(options.host, moescope::default_hosts_file());
    if (std::filesystem::exists(table))
      options.throughput = moescope::read_throughput_table(table);
  } catch (const std::exception& error) {  // a broken table: no wall times, and why
    table_problem = QString::fromUtf8(error.what());
  }
  cost_ = moescope::cost_plan(planned_, moescope::TrainingSettings{}, options);
  const int runs = static_cast<int>(planned_.size());
  planned_table_->setRowCount(runs == 0 ? 0 : runs + 1);
  auto show = [&](int row, const moescope::RunCost& cost, bool total) {
    const QStringList values = {
        number(cost.flops), number(cost.epochs), wall(cost.wall_seconds),
        QString::fromStdString(moescope::describe_bytes(cost.memory_bytes))};
    for (int i = 0; i < values.size(); ++i)
      planned_table_->setItem(row, kFirstCostColumn + i, cost_item(values[i], total));
  };
  for (int row = 0; row < runs; ++row)
    show(row, cost_.runs[static_cast<std::size_t>(row)], false);
  if (runs > 0) {
    planned_table_->setItem(runs, 0, cost_item(tr("total (memory: largest run)"), true));
    planned_table_->setItem(runs, 8, cost_item(QString::number(cost_.total.steps), true));
    show(runs, cost_.total, true);
  }

  QStringList lines;
  QStringList problems;
  if (runs > 0) {
    // The table's total row may be scrolled out of view: the totals are stated here too.
    lines << tr("Total of %1 run%2: %3 FLOPs, %4 steps, %5 epochs, wall %6; memory of the largest "
                "run %7 (%8).")
                 .arg(runs)
                 .arg(runs == 1 ? "" : "s")
                 .arg(number(cost_.total.flops))
                 .arg(cost_.total.steps)
                 .arg(number(cost_.total.epochs))
                 .arg(wall(cost_.total.wall_seconds))
                 .arg(QString::fromStdString(moescope::describe_bytes(cost_.total.memory_bytes)))
                 .arg(QString::fromStdString(cost_.memory_basis));
    lines << QString::fromStdString(cost_.throughput_note);
    if (!table_problem.isEmpty())
      problems << table_problem;
    if (!cost_.refusal.empty())
      problems << QString::fromStdString(cost_.refusal) + tr("\n(Allow repeats launches them)");
    if (!cost_.time_warning.empty())
      problems << tr("Warning: %1.").arg(QString::fromStdString(cost_.time_warning));
  }
  // The facts in the text's colour, the refusal and the warning in red beneath them.
  auto html = [](const QStringList& texts) {
    QStringList escaped;
    for (const QString& text : texts)
      escaped << text.toHtmlEscaped().replace('\n', QStringLiteral("<br>"));
    return escaped.join(QStringLiteral("<br>"));
  };
  cost_message_->setText(
      html(lines) +
      (problems.isEmpty()
           ? QString()
           : QStringLiteral("<div style=\"color: #b00020;\">%1</div>").arg(html(problems))));
}

}  // namespace moescope::explorer
