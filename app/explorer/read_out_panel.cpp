#include "read_out_panel.h"

#include <QGridLayout>
#include <QLabel>
#include <QStringList>
#include <optional>

#include "display_text.h"

namespace moescope::explorer {

namespace {

// As `moescope optimum` prints it: the value, then the interval when there is one.
QString withInterval(double value, const std::optional<moescope::Interval>& interval) {
  if (!interval)
    return number(value);
  // Every refit gave the same value (a sparsity pinned at 0 by each of them): a zero-width
  // interval would read as certainty, where it only says that no refit moved it.
  if (!(interval->hi > interval->lo))
    return QObject::tr("%1  (every refit)").arg(number(value));
  return QStringLiteral("%1  [%2, %3]")
      .arg(number(value), number(interval->lo), number(interval->hi));
}

// Each quantity's name as shown (with a subscript) and as text() writes it.
struct Name {
  const char* shown;
  const char* plain;
};
constexpr std::array<Name, 5> kNames = {
    {{"S*", "S*"}, {"N*", "N*"}, {"N<sub>a</sub>*", "N_a*"}, {"D*", "D*"}, {"L*", "L*"}}};

QLabel* plainLabel(bool wrap = false) {
  auto* label = new QLabel;
  label->setTextFormat(Qt::PlainText);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  label->setWordWrap(wrap);
  return label;
}

}  // namespace

ReadOutPanel::ReadOutPanel(QWidget* parent)
    : QGroupBox(tr("Compute-optimal model (95% interval)"), parent) {
  auto* layout = new QGridLayout(this);
  int row = 0;
  law_ = plainLabel(true);
  law_->setObjectName(QStringLiteral("readOutLaw"));
  law_->setStyleSheet(QStringLiteral("color: #444;"));
  layout->addWidget(law_, row++, 0, 1, 2);
  // Not wrapped: it changes at every step of a slider drag (see below).
  budget_ = plainLabel();
  budget_->setObjectName(QStringLiteral("readOutBudget"));
  layout->addWidget(budget_, row++, 0, 1, 2);
  static_assert(kNames.size() == kQuantities);
  for (std::size_t i = 0; i < kQuantities; ++i) {
    names_[i] = new QLabel(QString::fromLatin1(kNames[i].shown));
    values_[i] = plainLabel();
    layout->addWidget(names_[i], row, 0);
    layout->addWidget(values_[i], row++, 1);
  }
  layout->setColumnStretch(1, 1);
  extrapolation_ = plainLabel(true);
  extrapolation_->setObjectName(QStringLiteral("readOutExtrapolation"));
  // The budget slider hatches the same stretches in this colour.
  extrapolation_->setStyleSheet(QStringLiteral("color: #a35200;"));
  layout->addWidget(extrapolation_, row++, 0, 1, 2);
  // No label below wraps: a word-wrapped label lays its text out as a document whenever the panel
  // is laid out, which a slider drag does at every step.
  caps_title_ = new QLabel;
  layout->addWidget(caps_title_, row++, 0, 1, 2);
  for (std::size_t i = 0; i < kMostCaps; ++i) {
    cap_names_[i] = plainLabel();
    cap_values_[i] = plainLabel();
    layout->addWidget(cap_names_[i], row, 0);
    layout->addWidget(cap_values_[i], row++, 1);
  }
  caps_key_ = new QLabel(tr("*: at the bound   c: the cap binds   !: extrapolated"));
  caps_title_->setToolTip(
      tr("The paper's Figure 4 reading: S* rises with N, so a memory bound on N lowers it. While "
         "the budget slider is held the rows stay those of the budget it left."));
  caps_key_->setToolTip(
      tr("*: S* is the sparsest model considered, the law's loss still falls there (the paper's "
         "Figure 3c). c: N* is the cap; S* is then the best sparsity at that N. !: the optimum "
         "lies more than a factor 2 beyond the data in C, N or 1 - S."));
  caps_key_->setStyleSheet(QStringLiteral("color: #555; font-size: small;"));
  layout->addWidget(caps_key_, row++, 0, 1, 2);
  message_ = plainLabel(true);
  layout->addWidget(message_, row++, 0, 1, 2);
  law_->hide();
  budget_->hide();
  showMessage(tr("No fit"));
}

void ReadOutPanel::setLawDescription(const QString& description, const QString& note) {
  law_->setText(description);
  law_->setToolTip(note);
  law_->setVisible(!description.isEmpty());
}

QString ReadOutPanel::lawDescription() const {
  return law_->text();
}

void ReadOutPanel::setBudgetText(const QString& text) {
  if (budget_->text() != text)
    budget_->setText(text);
  budget_->setVisible(!text.isEmpty());
}

QString ReadOutPanel::budgetText() const {
  return budget_->text();
}

void ReadOutPanel::showReadOut(const moescope::ReadOut& read_out,
                               const std::vector<moescope::CappedReadOut>& caps,
                               std::optional<double> caps_budget) {
  const moescope::BudgetOptimum& best = read_out.point;
  const auto& intervals = read_out.intervals;
  using I = moescope::BudgetOptimumIntervals;
  auto interval = [&](moescope::Interval I::*member) {
    return intervals ? std::optional<moescope::Interval>((*intervals).*member) : std::nullopt;
  };
  // A law of one sparsity level fixes S: no interval, and no recommendation.
  const bool fixed = read_out.law.sparsity.has_value();
  const std::array<QString, kQuantities> values = {
      fixed ? tr("%1 (fixed: one level)").arg(number(best.sparsity))
            : withInterval(best.sparsity, interval(&I::sparsity)) +
                  (best.sparsity_at_bound ? tr(" (at the bound)") : QString()),
      withInterval(best.total_params, interval(&I::total_params)) +
          (best.params_at_cap ? tr(" (at the cap)") : QString()),
      withInterval(best.active_params, interval(&I::active_params)),
      withInterval(best.tokens, interval(&I::tokens)),
      withInterval(best.loss, interval(&I::loss)) + QStringLiteral(" ") +
          QString::fromUtf8(to_string(read_out.law.loss_unit).data())};
  for (std::size_t row = 0; row < kQuantities; ++row) {
    if (values_[row]->text() != values[row])
      values_[row]->setText(values[row]);
    names_[row]->show();
    values_[row]->show();
  }
  const std::vector<std::string> beyond = moescope::describe_extrapolation(read_out);
  QStringList lines;
  for (const std::string& line : beyond)
    lines << QString::fromStdString(line);
  const QString extrapolation =
      lines.isEmpty()
          ? QString()
          : tr("Extrapolated (more than %1 times beyond the data): %2")
                .arg(number(moescope::kExtrapolationFactor), lines.join(QStringLiteral("; ")));
  if (extrapolation_->text() != extrapolation)
    extrapolation_->setText(extrapolation);
  extrapolation_->setVisible(!extrapolation.isEmpty());

  const std::size_t rows = std::min(caps.size(), kMostCaps);
  const QString caps_title =
      caps_budget
          ? tr("<b>S* under a cap on N</b> at C = %1 (until let go)").arg(number(*caps_budget))
          : tr("<b>S* under a cap on N</b> (the paper's Figure 4)");
  if (caps_title_->text() != caps_title) {
    caps_title_->setText(caps_title);
    const QString grey = caps_budget ? QStringLiteral("color: #888;") : QString();
    for (std::size_t i = 0; i < kMostCaps; ++i)
      cap_values_[i]->setStyleSheet(grey);
  }
  caps_title_->setVisible(rows > 0);
  caps_key_->setVisible(rows > 0);
  for (std::size_t i = 0; i < kMostCaps; ++i) {
    const bool shown = i < rows;
    cap_names_[i]->setVisible(shown);
    cap_values_[i]->setVisible(shown);
    if (!shown)
      continue;
    const QString name =
        caps[i].cap ? QStringLiteral("N <= %1").arg(number(*caps[i].cap)) : tr("no cap");
    // While a slider is held the read-out has point values only, and so do the rows.
    moescope::CappedReadOut row = caps[i];
    if (!read_out.intervals && row.read_out)
      row.read_out->intervals.reset();
    const QString cell = QString::fromStdString(moescope::sparsity_cell(row));
    if (cap_names_[i]->text() != name)
      cap_names_[i]->setText(name);
    if (cap_values_[i]->text() != cell)
      cap_values_[i]->setText(cell);
    cap_values_[i]->setToolTip(QString::fromStdString(caps[i].refused));
  }
  message_->hide();
}

void ReadOutPanel::showMessage(const QString& message) {
  for (std::size_t row = 0; row < kQuantities; ++row) {
    names_[row]->hide();
    values_[row]->hide();
  }
  extrapolation_->hide();
  caps_title_->hide();
  caps_key_->hide();
  for (std::size_t i = 0; i < kMostCaps; ++i) {
    cap_names_[i]->hide();
    cap_values_[i]->hide();
  }
  message_->setText(message);
  message_->show();
}

QString ReadOutPanel::text() const {
  if (!message_->isHidden())
    return message_->text();
  QStringList lines;
  for (std::size_t row = 0; row < kQuantities; ++row) {
    lines << QString::fromLatin1(kNames[row].plain) + QStringLiteral("  ") + values_[row]->text();
  }
  if (!extrapolation_->isHidden())
    lines << extrapolation_->text();
  for (std::size_t i = 0; i < kMostCaps; ++i) {
    if (!cap_names_[i]->isHidden())
      lines << cap_names_[i]->text() + QStringLiteral("  ") + cap_values_[i]->text();
  }
  return lines.join(QLatin1Char('\n'));
}

}  // namespace moescope::explorer
