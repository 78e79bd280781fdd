#include "budget_slider.h"

#include <QPainter>
#include <QStyle>
#include <QStyleOptionSlider>
#include <algorithm>

namespace moescope::explorer {

namespace {

constexpr int kTickHeight = 5;
const QColor kExtrapolated(0xd9, 0x6c, 0x00);
const QColor kTick(0x55, 0x55, 0x55);

}  // namespace

BudgetSlider::BudgetSlider(QWidget* parent) : QSlider(Qt::Horizontal, parent) {}

void BudgetSlider::setDataMarks(std::vector<int> budgets, std::optional<int> below,
                                std::optional<int> above) {
  budgets_ = std::move(budgets);
  below_ = below;
  above_ = above;
  update();
}

bool BudgetSlider::isExtrapolated(int position) const {
  return (below_ && position < *below_) || (above_ && position > *above_);
}

QSize BudgetSlider::sizeHint() const {
  QSize size = QSlider::sizeHint();
  size.rheight() += kTickHeight + 2;
  return size;
}

QSize BudgetSlider::minimumSizeHint() const {
  QSize size = QSlider::minimumSizeHint();
  size.rheight() += kTickHeight + 2;
  return size;
}

double BudgetSlider::pixelOf(int position) const {
  QStyleOptionSlider option;
  initStyleOption(&option);
  const QRect groove =
      style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderGroove, this);
  const QRect handle =
      style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle, this);
  const int span = groove.width() - handle.width();
  return groove.left() + handle.width() / 2.0 +
         QStyle::sliderPositionFromValue(minimum(), maximum(), position, span);
}

void BudgetSlider::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  QStyleOptionSlider option;
  initStyleOption(&option);
  // The groove first, then the hatching and the ticks, then the handle over them.
  option.subControls = QStyle::SC_SliderGroove;
  style()->drawComplexControl(QStyle::CC_Slider, &option, &painter, this);
  const QRect groove =
      style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderGroove, this);
  const double top = groove.center().y() - 4;
  const double height = 8;
  auto hatch = [&](double from, double to) {
    if (to <= from)
      return;
    const QRectF area(from, top, to - from, height);
    QColor fill = kExtrapolated;
    fill.setAlpha(60);
    painter.fillRect(area, fill);
    painter.fillRect(area, QBrush(kExtrapolated, Qt::BDiagPattern));
  };
  if (below_)
    hatch(groove.left(), pixelOf(*below_));
  if (above_)
    hatch(pixelOf(*above_), groove.right());
  painter.setPen(QPen(kTick, 1.0));
  const double tick_top = groove.center().y() + 6;
  for (const int position : budgets_) {
    const double x = pixelOf(position);
    painter.drawLine(QPointF(x, tick_top), QPointF(x, tick_top + kTickHeight));
  }
  option.subControls = QStyle::SC_SliderHandle;
  style()->drawComplexControl(QStyle::CC_Slider, &option, &painter, this);
}

}  // namespace moescope::explorer
