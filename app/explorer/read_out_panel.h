#pragma once

#include <QGroupBox>
#include <QString>
#include <array>

#include "moescope/explore/read_out.h"

class QLabel;

// The compute-optimal model at the sliders' budget: S*, N*, N_a*, D*, L*, each with its interval
// once the slider settles, or a line saying why there is none.
//
// Each value is a plain-text label of its own. One rich-text table was laid out again as an HTML
// document on every slider step, which cost as much as redrawing a figure.
class ReadOutPanel : public QGroupBox {
  Q_OBJECT

 public:
  explicit ReadOutPanel(QWidget* parent = nullptr);

  void showReadOut(const moescope::ReadOut& read_out);
  // Instead of the values: "Fitting...", "No fit", why there is no optimum.
  void showMessage(const QString& message);

  // What the panel shows, one quantity a line ("S*  0.98  [0.97, 0.98] (at the bound)"), or
  // the message.
  QString text() const;

 private:
  static constexpr std::size_t kQuantities = 5;
  std::array<QLabel*, kQuantities> names_{};
  std::array<QLabel*, kQuantities> values_{};
  QLabel* message_ = nullptr;
};
