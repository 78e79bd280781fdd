#pragma once

namespace moescope::explorer {

// How a slider's positions 0 .. steps map onto values from `lowest` to `highest` on a log scale:
// the budget slider's compute budgets and the cap slider's parameter counts.
struct LogSliderScale {
  double lowest = 1.0;
  double highest = 10.0;
  int steps = 1000;

  // The value at a position.
  double valueAt(int position) const;
  // The position nearest to a value, within 0 .. steps.
  int positionOf(double value) const;
};

}  // namespace moescope::explorer
