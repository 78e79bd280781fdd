#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/explore/explorer_data.h"

namespace moescope {

// The paper's figures, by number.
enum class FigureId {
  kLossVsSparsity,           // 2a: L vs S at fixed N, through the law at the current C
  kLossVsParams,             // 2b: L vs N at the data's sparsities
  kLossVsActiveParams,       // 2c: L vs N_a at the data's sparsities
  kOptimalParamsVsSparsity,  // 3a: N* vs S per budget
  kOptimalActiveVsSparsity,  // 3b: N_a* vs S per budget
  kOptimalLossVsSparsity,    // 3c: L* vs S per budget
  kOptimalSparsityVsParams,  // 4: S* vs N per budget
  kDownstreamVsUpstream,     // 5: downstream error vs upstream loss
  kLawFitVsHeldOut,          // 6: observed vs predicted loss
  kFlopRatio,                // 7: Eq. 9 / 6 N_a vs N
};

inline constexpr FigureId kAllFigures[] = {
    FigureId::kLossVsSparsity,          FigureId::kLossVsParams,
    FigureId::kLossVsActiveParams,      FigureId::kOptimalParamsVsSparsity,
    FigureId::kOptimalActiveVsSparsity, FigureId::kOptimalLossVsSparsity,
    FigureId::kOptimalSparsityVsParams, FigureId::kDownstreamVsUpstream,
    FigureId::kLawFitVsHeldOut,         FigureId::kFlopRatio,
};

// A stable name for files and --view: "loss-vs-sparsity", "flop-ratio", ...
std::string_view to_string(FigureId id);

// One line or one set of markers. x, y (and lo, hi when present) have equal lengths.
struct Series {
  std::string label;
  std::vector<double> x, y;
  // A band around y, from the bootstrap replicates; both empty when there is none.
  std::vector<double> lo, hi;
  // What the series is drawn at, for colouring: the sparsity level or the budget C.
  std::optional<double> sparsity;
  std::optional<double> budget;
};

struct Figure {
  FigureId id = FigureId::kLossVsSparsity;
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<Series> curves;  // lines, through the law or a fit
  std::vector<Series> points;  // measured runs (or marked values), drawn as markers
};

// Points per curve. Sparsity axes are spaced evenly in -ln(1 - S), as the optimum search is, so
// that 0.9 .. 0.98, where the paper's curves bend, gets as many points as the dense end; size
// axes are spaced evenly in log N.
inline constexpr int kCurvePoints = 48;

// The figure at this state, computed from scratch. ExplorerModel gives the same figures faster
// by keeping what does not depend on the budget.
Figure figure(FigureId id, const ExplorerData& data, const ExplorerState& state);

}  // namespace moescope
