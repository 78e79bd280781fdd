// Variable projection (LawSolver::kVariableProjection, `--solver vp`) against the multi-start
// L-BFGS (kMultiStart) on the same data, the same objective and the same thread count, in one
// process:
//  (a) the Chinchilla form on Epoch AI's 240 Chinchilla points: Epoch's 4 500-start grid against
//      VP over its 25 exponent points (median of 3 runs each);
//  (b) Eq. 6 on MoEScope's own study (datasets/moe-study/runs.json, every run with a loss): the
//      full 437 400-start Table 2 grid (1 run) against VP over its 5 400 exponent points (median
//      of 3);
//  (c) Eq. 6 on the synthetic grid (datasets/synthetic-table3.csv), S = 0.98 held out as the paper
//      does: the same two.
// Prints each fit's wall time, the objective it reaches and the parameters, and checks that VP
// reaches the multi-start objective (within 1e-9 relative, or lower).
// Usage: law_solver_benchmark [--threads N] [--skip-table2]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "moescope/fit/law_fit.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"
#include "support/epoch_points.h"

namespace {

using moescope::testing_support::epoch_points;
using moescope::testing_support::kEpochData;

using moescope::LawFitOptions;
using moescope::LawFitSummary;
using moescope::LawSolver;
using moescope::ScalingPoint;

const std::filesystem::path kStudy =
    std::filesystem::path(MOESCOPE_SOURCE_DIR) / "datasets" / "moe-study" / "runs.json";
const std::filesystem::path kSynthetic =
    std::filesystem::path(MOESCOPE_SOURCE_DIR) / "datasets" / "synthetic-table3.csv";

constexpr double kSameObjective = 1e-9;  // relative

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

LawFitSummary timed_fit(const char* label, const std::vector<ScalingPoint>& points,
                        const std::vector<bool>& holdout, const LawFitOptions& options,
                        int repeats) {
  std::vector<LawFitSummary> runs;
  for (int repeat = 0; repeat < repeats; ++repeat)
    runs.push_back(moescope::fit_law(points, holdout, options));
  std::sort(runs.begin(), runs.end(),
            [](const auto& a, const auto& b) { return a.seconds < b.seconds; });
  const LawFitSummary median = runs[runs.size() / 2];
  std::printf("  %-10s %8.3f s wall (median of %d:", label, median.seconds, repeats);
  for (const LawFitSummary& run : runs)
    std::printf(" %.3f", run.seconds);
  std::printf("), objective %.12g, %zu starts, %zu converged, %d iterations (%s)\n",
              median.objective, median.starts, median.converged, median.iterations,
              median.termination.c_str());
  std::printf("             ");
  for (const auto& [name, value] : median.law.parameters())
    std::printf(" %s=%.6g", name.c_str(), value);
  std::printf("\n");
  return median;
}

// Both solvers on one problem; true when VP reaches the multi-start objective.
bool compare(const char* title, const std::vector<ScalingPoint>& points,
             const std::vector<bool>& holdout, LawFitOptions options, int multistart_repeats) {
  std::printf("%s: %zu points, %zu held out, threads=%d\n", title, points.size(),
              static_cast<std::size_t>(std::count(holdout.begin(), holdout.end(), true)),
              options.threads);
  options.solver = LawSolver::kMultiStart;
  const LawFitSummary multistart =
      timed_fit("multistart", points, holdout, options, multistart_repeats);
  options.solver = LawSolver::kVariableProjection;
  const LawFitSummary projected = timed_fit("vp", points, holdout, options, 3);
  const double relative = (projected.objective - multistart.objective) / multistart.objective;
  const bool same = relative <= kSameObjective;
  std::printf(
      "  vp - multistart objective: %+.3e relative (%s); wall ratio multistart / vp: %.1fx\n",
      relative, same ? "PASS: the same or lower" : "FAIL: higher",
      multistart.seconds / projected.seconds);
  return same;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  bool skip_table2 = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc)
      threads = std::stoi(argv[++i]);
    else if (arg == "--skip-table2")
      skip_table2 = true;
  }
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  std::printf("law_solver_benchmark: %s; %s, %u hardware threads\n", date, cpu_model().c_str(),
              std::thread::hardware_concurrency());
  bool pass = true;
  LawFitOptions chinchilla;
  chinchilla.form = moescope::LawForm::kChinchilla;
  chinchilla.threads = threads;
  if (std::filesystem::exists(kEpochData)) {
    pass = compare("(a) Chinchilla form, Epoch AI's data and grid", epoch_points(), {}, chinchilla,
                   3) &&
           pass;
  } else {
    std::printf("(a) SKIPPED: %s is absent\n", kEpochData.c_str());
  }
  if (skip_table2) {
    std::printf("%s\n", pass ? "PASS" : "FAIL");
    return pass ? 0 : 1;
  }
  LawFitOptions abnar;
  abnar.threads = threads;
  const auto study = moescope::scaling_points(moescope::read_runs(kStudy).runs).points;
  pass = compare("(b) Eq. 6, Table 2 grid, MoEScope's study (datasets/moe-study/runs.json)", study,
                 {}, abnar, 1) &&
         pass;
  const auto synthetic = moescope::scaling_points(moescope::read_runs(kSynthetic).runs).points;
  std::vector<bool> holdout;
  for (const auto& point : synthetic)
    holdout.push_back(std::abs(point.sparsity - 0.98) < 1e-9);
  pass = compare("(c) Eq. 6, Table 2 grid, datasets/synthetic-table3.csv, S = 0.98 held out",
                 synthetic, holdout, abnar, 1) &&
         pass;
  std::printf("%s\n", pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
