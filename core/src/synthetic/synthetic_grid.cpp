#include "moescope/synthetic/synthetic_grid.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "moescope/io/number_format.h"
#include "moescope/model/accounting.h"
#include "moescope/run/derive.h"
#include "moescope/run/run_identity.h"

namespace moescope {
namespace {

// std::normal_distribution is implementation-defined; Box-Muller over mt19937_64 bits keeps the
// data set identical across standard libraries.
class GaussianSource {
 public:
  explicit GaussianSource(std::uint64_t seed) : bits_(seed) {}
  double next() {
    const double u1 = uniform_open();
    const double u2 = uniform_open();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  double uniform_open() {  // in (0, 1)
    return (static_cast<double>(bits_() >> 11) + 0.5) * 0x1.0p-53;
  }
  std::mt19937_64 bits_;
};

struct Candidate {
  Architecture arch;
  double log_active = 0;
  double loss = 0;
};

std::vector<Candidate> candidates(double budget, double sparsity, const SparsityLaw& law) {
  const ExpertChoice experts = experts_for_sparsity(sparsity);
  std::vector<Candidate> result;
  for (int d = kFamilyMinWidth; d <= kFamilyMaxWidth; d += kFamilyHeadDim) {
    Candidate candidate;
    candidate.arch = family_shape(d, experts);
    const ParameterCount count = count_parameters(candidate.arch);
    candidate.log_active = std::log(count.active);
    candidate.loss = law.loss(count.total, budget / (6.0 * count.active), sparsity);
    result.push_back(candidate);
  }
  return result;
}

std::string cell_name(double budget, double sparsity, int d_model) {
  return "synthetic C=" + format_number(budget) + " S=" + format_number(sparsity) +
         " d=" + std::to_string(d_model);
}

}  // namespace

std::vector<std::string> SyntheticGridOptions::validate() const {
  std::vector<std::string> problems;
  if (budgets.empty())
    problems.push_back("budgets: at least one budget is needed");
  for (const double budget : budgets) {
    if (!(budget >= kMinSyntheticBudget && std::isfinite(budget))) {
      problems.push_back("budgets: " + format_number(budget) + " FLOPs is not a usable budget");
    }
  }
  if (sparsities.empty())
    problems.push_back("sparsities: at least one sparsity is needed");
  for (const double s : sparsities) {
    if (!(s >= 0 && s < 1) || experts_for_sparsity(s).experts == 0) {
      problems.push_back("sparsities: " + format_number(s) +
                         " is not (E-K)/E for any E and K <= 8");
    }
  }
  if (sizes_per_curve < 3)
    problems.push_back("sizes_per_curve must be >= 3 to show a minimum");
  if (sizes_per_curve > kMaxSyntheticSizesPerCurve) {
    problems.push_back("sizes_per_curve must be at most " +
                       std::to_string(kMaxSyntheticSizesPerCurve) + ", got " +
                       std::to_string(sizes_per_curve));
  }
  // NaN and infinity fail both comparisons: an infinite span made every target NaN.
  if (!(size_span > 1.0 && size_span <= kMaxSyntheticSizeSpan))
    problems.push_back("size_span must be > 1 and at most " + format_number(kMaxSyntheticSizeSpan));
  if (!(noise_sigma >= 0 && noise_sigma < kMaxSyntheticNoise))
    problems.push_back("noise_sigma must be in [0, " + format_number(kMaxSyntheticNoise) + ")");
  return problems;
}

std::vector<Run> generate_synthetic_grid(const SyntheticGridOptions& options) {
  const std::vector<std::string> problems = options.validate();
  if (!problems.empty()) {
    std::string message = "invalid synthetic grid options:";
    for (const std::string& problem : problems)
      message += "\n  " + problem;
    throw std::invalid_argument(message);
  }
  GaussianSource noise(options.seed);
  std::vector<Run> runs;
  for (const double budget : options.budgets) {
    for (const double sparsity : options.sparsities) {
      const std::vector<Candidate> shapes = candidates(budget, sparsity, options.law);
      const auto best =
          std::min_element(shapes.begin(), shapes.end(),
                           [](const Candidate& x, const Candidate& y) { return x.loss < y.loss; });
      const double half_width = std::log(options.size_span);
      int previous_width = 0;
      for (int i = 0; i < options.sizes_per_curve; ++i) {
        const double target =
            best->log_active - half_width + 2.0 * half_width * i / (options.sizes_per_curve - 1);
        const auto nearest = std::min_element(
            shapes.begin(), shapes.end(), [target](const Candidate& x, const Candidate& y) {
              return std::abs(x.log_active - target) < std::abs(y.log_active - target);
            });
        // Two targets close together may land on the same shape; keep it once.
        if (nearest->arch.d_model == previous_width)
          continue;
        previous_width = nearest->arch.d_model;
        Run run;
        run.name = cell_name(budget, sparsity, nearest->arch.d_model);
        run.architecture = nearest->arch;
        run.compute = budget;
        run.loss = nearest->loss * std::exp(options.noise_sigma * noise.next());
        derive_missing(run);
        run.id = content_identity(run);
        runs.push_back(std::move(run));
      }
    }
  }
  return runs;
}

}  // namespace moescope
