// Times the explorer model's share of a redraw after a budget-slider move: the read-out, every
// figure and a 64 x 64 surface grid, over a drag of 500 budgets log-spaced 1e19 .. 3e21 on the
// default synthetic grid. The drag path (replicate_intervals = false, as the explorer sets it
// while the slider moves) is the one held to the budget; the settled path, with the replicates'
// intervals and bands, is printed for reference. Exits 1 when the drag path's p99 exceeds 8 ms.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/explore/explorer_model.h"
#include "moescope/fit/law_fit.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/synthetic/synthetic_grid.h"

namespace {

constexpr int kPositions = 500;
constexpr double kLowestBudget = 1e19, kHighestBudget = 3e21;
constexpr int kGridSteps = 64;
constexpr double kTargetMilliseconds = 8.0;

double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  const auto index =
      static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(values.size())) - 1.0);
  return values[std::min(index, values.size() - 1)];
}

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// The quick law fit: the benchmark times the explorer, not the fit, and should start in seconds.
moescope::ExplorerData default_data() {
  return moescope::load_explorer_data(moescope::generate_synthetic_grid({}),
                                      moescope::ExplorerLoadOptions::quick())
      .data;
}

struct Timings {
  std::vector<double> read_out, figures, surface, total;
};

Timings replay(const moescope::ExplorerModel& model, bool replicate_intervals) {
  Timings timings;
  moescope::ExplorerState state;
  state.replicate_intervals = replicate_intervals;
  for (int i = 0; i < kPositions; ++i) {
    state.budget = kLowestBudget * std::pow(kHighestBudget / kLowestBudget,
                                            static_cast<double>(i) / (kPositions - 1));
    auto start = std::chrono::steady_clock::now();
    const moescope::ReadOut read_out = model.read_out(state);
    timings.read_out.push_back(milliseconds_since(start));
    state.slice_total_params = {read_out.point.total_params};  // Figure 2a follows N*
    start = std::chrono::steady_clock::now();
    for (const moescope::FigureId id : moescope::kAllFigures)
      model.figure(id, state);
    timings.figures.push_back(milliseconds_since(start));
    start = std::chrono::steady_clock::now();
    model.surface_grid(state, moescope::SizeAxis::kTotal, kGridSteps, kGridSteps);
    timings.surface.push_back(milliseconds_since(start));
    timings.total.push_back(timings.read_out.back() + timings.figures.back() +
                            timings.surface.back());
  }
  return timings;
}

void print(const char* path, const Timings& timings) {
  auto row = [&](const char* part, const std::vector<double>& values) {
    std::printf("%-9s %-12s %8.3f %8.3f\n", path, part, percentile(values, 0.5),
                percentile(values, 0.99));
  };
  row("read_out", timings.read_out);
  row("figures", timings.figures);
  row("surface", timings.surface);
  row("sum", timings.total);
}

}  // namespace

int main() {
  const auto start = std::chrono::steady_clock::now();
  const moescope::ExplorerData data = default_data();
  std::printf("default synthetic grid: %zu runs, %zu replicates, %zu surfaces; set up in %.1f s\n",
              data.runs.size(), data.replicates.size(), data.surfaces.size(),
              milliseconds_since(start) / 1000.0);
  const moescope::ExplorerModel model(data);
  // The data budgets' curves are computed on the first redraw and kept; that one-off cost is
  // the model's load time, not a slider move's.
  moescope::ExplorerState warm_up;
  for (const moescope::FigureId id : moescope::kAllFigures)
    model.figure(id, warm_up);
  std::printf("%d budgets log-spaced %.0e .. %.0e, %dx%d surface grid (ms)\n", kPositions,
              kLowestBudget, kHighestBudget, kGridSteps, kGridSteps);
  std::printf("%-9s %-12s %8s %8s\n", "path", "part", "p50", "p99");
  const Timings drag = replay(model, false);
  print("drag", drag);
  print("settled", replay(model, true));
  const double p99 = percentile(drag.total, 0.99);
  if (p99 > kTargetMilliseconds) {
    std::printf("FAIL: drag p99 %.3f ms exceeds %.1f ms\n", p99, kTargetMilliseconds);
    return 1;
  }
  return 0;
}
