#pragma once

#include <QGroupBox>
#include <QString>
#include <array>
#include <optional>
#include <vector>

#include "moescope/explore/read_out.h"

class QGridLayout;
class QLabel;

namespace moescope::explorer {

// The compute-optimal model at the sliders' budget: S*, N*, N_a*, D*, L*, each with its interval
// once the slider settles, or a line saying why there is none. Above them, which law it is read
// off (and why, where the data chose the form); below them, where the read-out leaves the data
// (extrapolated: what and the data's range), and the headline: S* under a few caps on N beside
// the unconstrained optimum (the paper's Figure 4 reading), with the marks of the no-display
// report (* at the sparsity bound, c where the cap binds, ! extrapolated).
//
// Each value is a plain-text label of its own. One rich-text table was laid out again as an HTML
// document on every slider step, which cost as much as redrawing a figure.
class ReadOutPanel : public QGroupBox {
  Q_OBJECT

 public:
  explicit ReadOutPanel(QWidget* parent = nullptr);

  // Which law the read-out comes from, one line (with the data's reason where it chose the form),
  // e.g. "Chinchilla-form law at S = 0: no sparsity recommendation (the data has one sparsity
  // level)". Set once per fit.
  void setLawDescription(const QString& description, const QString& note = {});
  // Which budget the read-out is at, one line under the law's: the data budget with its runs
  // ("C ≈ 1e20 (bin of 7 runs, 0.866–1.15e20)"), or that there are no runs at it; empty hides
  // it. Shown with the values and with a message alike.
  void setBudgetText(const QString& text);
  QString budgetText() const;
  // The read-out, and the headline's rows (empty for a law of one sparsity level). Where the rows
  // are of another budget than the read-out (`caps_budget`: they follow the budget slider once
  // it is let go), they are greyed and their title names their budget. Without the read-out's
  // intervals (a slider is held) the rows show point values too.
  void showReadOut(const moescope::ReadOut& read_out,
                   const std::vector<moescope::CappedReadOut>& caps = {},
                   std::optional<double> caps_budget = std::nullopt);
  // Instead of the values: "Fitting...", "No fit", why there is no optimum or no law.
  void showMessage(const QString& message);

  // What the panel shows, one quantity a line ("S*  0.98  [0.97, 0.98] (at the bound)"), then the
  // extrapolation lines ("Extrapolated: ...") and the headline's rows ("N <= 1e9  0.6 [0.5, 0.7]
  // c"); or the message. The law and budget lines are not included.
  QString text() const;
  QString lawDescription() const;

 private:
  static constexpr std::size_t kQuantities = 5;
  static constexpr std::size_t kMostCaps = 6;
  QLabel* law_ = nullptr;
  QLabel* budget_ = nullptr;
  std::array<QLabel*, kQuantities> names_{};
  std::array<QLabel*, kQuantities> values_{};
  QLabel* extrapolation_ = nullptr;
  QLabel* caps_title_ = nullptr;
  std::array<QLabel*, kMostCaps> cap_names_{};
  std::array<QLabel*, kMostCaps> cap_values_{};
  QLabel* caps_key_ = nullptr;
  QLabel* message_ = nullptr;
};

}  // namespace moescope::explorer
