// A user-defined law against the built-in fitter on the same data: resources/laws/
// chinchilla-epoch.json (Epoch AI's parametrisation and grid, 4,500 starts) with fit_defined_law
// against fit_law's Chinchilla form, on Epoch AI's 240 points. Prints the median wall time of 5
// runs of each, their ratio, and both results. docs/benchmarks.md records the figures.
//
//   ./build/bench/defined_law_benchmark [threads]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <vector>

#include "moescope/fit/law_fit.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/column_mapping.h"
#include "moescope/io/run_table.h"
#include "moescope/law/defined_law_fit.h"
#include "support/epoch_points.h"

namespace {

using namespace moescope;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 0;
  const auto& csv = testing_support::kEpochData;
  const auto law_file = std::filesystem::path(MOESCOPE_SOURCE_DIR) / "resources" / "laws" /
                        "examples" / "chinchilla-epoch.json";
  if (!std::filesystem::exists(csv)) {
    std::fprintf(stderr, "Epoch AI's data is absent: %s\n", csv.c_str());
    return 1;
  }
  const auto points = testing_support::epoch_points();
  const law::LawDefinition law = law::read_law_file(law_file, law::run_variables());
  std::vector<law::LawRow> rows;
  for (std::size_t i = 0; i < points.size(); ++i)
    rows.push_back({{points[i].total_params, points[i].tokens}, points[i].loss, i});

  LawFitOptions builtin_options;
  builtin_options.form = LawForm::kChinchilla;
  builtin_options.threads = threads;
  law::DefinedLawFitOptions defined_options;
  defined_options.threads = threads;

  std::vector<double> builtin_seconds, defined_seconds;
  LawFitSummary builtin;
  law::DefinedLawFitSummary defined;
  for (int run = 0; run < 5; ++run) {
    builtin = fit_law(points, {}, builtin_options);
    builtin_seconds.push_back(builtin.seconds);
    defined = law::fit_defined_law(law, rows, {}, defined_options);
    defined_seconds.push_back(defined.seconds);
  }
  const double builtin_median = median(builtin_seconds);
  const double defined_median = median(defined_seconds);
  std::printf("%zu points, %zu starts, threads %d (0 = all cores)\n", points.size(), defined.starts,
              threads);
  std::printf(
      "fit_law (built-in Chinchilla): median %.3f s of 5; A=%.6g B=%.6g E=%.6g "
      "alpha=%.6g beta=%.6g objective=%.12g\n",
      builtin_median, builtin.law.chinchilla.A, builtin.law.chinchilla.B, builtin.law.chinchilla.E,
      builtin.law.chinchilla.alpha, builtin.law.chinchilla.beta, builtin.objective);
  const auto& p = defined.parameters;
  std::printf(
      "fit_defined_law (law file):    median %.3f s of 5; A=%.6g B=%.6g E=%.6g "
      "alpha=%.6g beta=%.6g objective=%.12g\n",
      defined_median, std::exp(p[0].value), std::exp(p[1].value), std::exp(p[2].value), p[3].value,
      p[4].value, defined.objective);
  std::printf("ratio defined / built-in: %.2f\n", defined_median / builtin_median);
  return 0;
}
