#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "moescope/run/run.h"

namespace moescope {

// The numbers the fitters work on, one per finished run: N, N_a, D, S, C and the final loss.
// Every value is finite and positive (S in [0, 1)); runs that lack any of them are left out and
// counted, never guessed.
struct ScalingPoint {
  double total_params = 0;    // N
  double active_params = 0;   // N_a
  double tokens = 0;          // D
  double sparsity = 0;        // S
  double compute = 0;         // C
  double loss = 0;            // L
  std::size_t run_index = 0;  // position of the run it came from
};

struct ScalingData {
  std::vector<ScalingPoint> points;
  // One line per run left out: "run rXXXX (name): no loss", so a user sees why a fit has fewer
  // points than the file has rows.
  std::vector<std::string> left_out;
  // The unit of every point's loss: a fit's points share one.
  LossUnit loss_unit = kDefaultLossUnit;
};

// Takes every run with status done and all six quantities. Throws FitRefused(kMixedLossUnits)
// where their losses are in more than one unit (convert_losses(), loss_units.h, converts).
ScalingData scaling_points(const std::vector<Run>& runs);

}  // namespace moescope
