#include "read_out_panel.h"

#include <QGridLayout>
#include <QLabel>
#include <QStringList>
#include <optional>

#include "moescope/number_format.h"

namespace {

QString number(double value) {
  return QString::fromStdString(moescope::format_brief(value));
}

// As `moescope optimum` prints it: the value, then the interval when there is one.
QString withInterval(double value, const std::optional<moescope::Interval>& interval) {
  if (!interval)
    return number(value);
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

}  // namespace

ReadOutPanel::ReadOutPanel(QWidget* parent)
    : QGroupBox(tr("Compute-optimal model (95% interval)"), parent) {
  auto* layout = new QGridLayout(this);
  static_assert(kNames.size() == kQuantities);
  for (std::size_t row = 0; row < kQuantities; ++row) {
    names_[row] = new QLabel(QString::fromLatin1(kNames[row].shown));
    values_[row] = new QLabel;
    values_[row]->setTextFormat(Qt::PlainText);
    values_[row]->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(names_[row], static_cast<int>(row), 0);
    layout->addWidget(values_[row], static_cast<int>(row), 1);
  }
  layout->setColumnStretch(1, 1);
  message_ = new QLabel;
  message_->setTextFormat(Qt::PlainText);
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(message_, static_cast<int>(kQuantities), 0, 1, 2);
  showMessage(tr("No fit"));
}

void ReadOutPanel::showReadOut(const moescope::ReadOut& read_out) {
  const moescope::BudgetOptimum& best = read_out.point;
  const auto& intervals = read_out.intervals;
  using I = moescope::BudgetOptimumIntervals;
  auto interval = [&](moescope::Interval I::*member) {
    return intervals ? std::optional<moescope::Interval>((*intervals).*member) : std::nullopt;
  };
  const std::array<QString, kQuantities> values = {
      withInterval(best.sparsity, interval(&I::sparsity)) +
          (best.sparsity_at_bound ? tr(" (at the bound)") : QString()),
      withInterval(best.total_params, interval(&I::total_params)) +
          (best.params_at_cap ? tr(" (at the cap)") : QString()),
      withInterval(best.active_params, interval(&I::active_params)),
      withInterval(best.tokens, interval(&I::tokens)), withInterval(best.loss, interval(&I::loss))};
  for (std::size_t row = 0; row < kQuantities; ++row) {
    values_[row]->setText(values[row]);
    names_[row]->show();
    values_[row]->show();
  }
  message_->hide();
}

void ReadOutPanel::showMessage(const QString& message) {
  for (std::size_t row = 0; row < kQuantities; ++row) {
    names_[row]->hide();
    values_[row]->hide();
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
  return lines.join(QLatin1Char('\n'));
}
