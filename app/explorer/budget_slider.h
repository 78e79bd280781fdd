#pragma once

#include <QSlider>
#include <optional>
#include <vector>

namespace moescope::explorer {

// The compute-budget slider: a plain horizontal QSlider that also shows where the data is. A tick
// under the groove marks each data budget, and the stretches of the range more than the
// extrapolation factor beyond the data's budgets are hatched: a read-out there is extrapolated.
class BudgetSlider : public QSlider {
  Q_OBJECT

 public:
  explicit BudgetSlider(QWidget* parent = nullptr);

  // Positions (in the slider's range) of the data budgets, and where extrapolation starts below
  // and above the data: positions below `below` and above `above` are hatched. Either may be
  // absent (the data reaches that end, or its range is unknown).
  void setDataMarks(std::vector<int> budgets, std::optional<int> below, std::optional<int> above);
  const std::vector<int>& dataBudgetPositions() const { return budgets_; }
  std::optional<int> extrapolatedBelow() const { return below_; }
  std::optional<int> extrapolatedAbove() const { return above_; }
  // Whether a position lies in a hatched stretch.
  bool isExtrapolated(int position) const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  // The pixel x of a slider position along the groove, at the handle's centre.
  double pixelOf(int position) const;

  std::vector<int> budgets_;
  std::optional<int> below_, above_;
};

}  // namespace moescope::explorer
