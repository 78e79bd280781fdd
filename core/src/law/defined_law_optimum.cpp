#include "moescope/law/defined_law_optimum.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "moescope/io/number_format.h"
#include "numerics/brent_minimum.h"

namespace moescope::law {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool uses(const LawDefinition& law, const std::string& name) {
  const auto& variables = law.variables();
  return std::find(variables.begin(), variables.end(), name) != variables.end();
}

}  // namespace

std::vector<std::string> defined_law_optimum_blockers(
    const LawDefinition& law, const std::vector<std::pair<std::string, double>>& given) {
  std::vector<std::string> blockers;
  for (const std::string& name : law.variables()) {
    if (name == "N" || name == "D" || name == "C")
      continue;
    const bool is_given = std::any_of(given.begin(), given.end(),
                                      [&](const auto& entry) { return entry.first == name; });
    if (!is_given)
      blockers.push_back(name);
  }
  return blockers;
}

DefinedLawOptimum defined_law_optimum(const LawDefinition& law, const std::vector<double>& values,
                                      const std::vector<std::pair<std::string, double>>& given,
                                      double compute, std::optional<double> max_params) {
  const std::vector<std::string>& names = law.variables();
  std::vector<double> point(names.size(), kNaN);
  int n_slot = -1, d_slot = -1;
  for (std::size_t v = 0; v < names.size(); ++v) {
    if (names[v] == "N")
      n_slot = static_cast<int>(v);
    else if (names[v] == "D")
      d_slot = static_cast<int>(v);
    else if (names[v] == "C")
      point[v] = compute;
    for (const auto& [name, value] : given) {
      if (name == names[v])
        point[v] = value;
    }
  }
  DefinedLawOptimum optimum;
  optimum.bracket = {std::sqrt(compute / (6 * kMaxTokensPerParameter)),
                     std::sqrt(compute / (6 * kMinTokensPerParameter))};
  if (max_params)
    optimum.bracket.hi = std::min(optimum.bracket.hi, *max_params);
  if (!uses(law, "N") && !uses(law, "D")) {
    optimum.has_split = false;
    optimum.total_params = optimum.tokens = kNaN;
    optimum.loss = law.predict_loss(point.data(), values.data());
    return optimum;
  }
  if (!(optimum.bracket.hi > optimum.bracket.lo)) {
    optimum.refused = "N <= " + format_brief(optimum.bracket.hi) +
                      " leaves no model with at most " + format_brief(kMaxTokensPerParameter) +
                      " tokens per parameter at C = " + format_brief(compute);
    return optimum;
  }
  // log L̂ at ln N = x; non-finite values (outside the law's domain) are no minimum.
  auto log_loss = [&](double x) {
    const double size = std::exp(x);
    if (n_slot >= 0)
      point[static_cast<std::size_t>(n_slot)] = size;
    if (d_slot >= 0)
      point[static_cast<std::size_t>(d_slot)] = compute / (6 * size);
    const double value = law.log_prediction(point.data(), values.data(), nullptr);
    return std::isfinite(value) ? value : std::numeric_limits<double>::infinity();
  };
  const double lo = std::log(optimum.bracket.lo), hi = std::log(optimum.bracket.hi);
  const double step = (hi - lo) / (kOptimumScanPoints - 1);
  int best = 0;
  double best_value = std::numeric_limits<double>::infinity();
  for (int k = 0; k < kOptimumScanPoints; ++k) {
    const double value = log_loss(lo + k * step);
    if (value < best_value) {
      best_value = value;
      best = k;
    }
  }
  if (!std::isfinite(best_value)) {
    optimum.refused = "the law gives no finite loss anywhere in the searched range at C = " +
                      format_brief(compute);
    return optimum;
  }
  const double a = lo + std::max(0, best - 1) * step;
  const double b = lo + std::min(kOptimumScanPoints - 1, best + 1) * step;
  double x = numerics::brent_minimum(log_loss, a, b, 1e-10);
  if (log_loss(x) > best_value)
    x = lo + best * step;
  optimum.total_params = std::exp(x);
  optimum.tokens = compute / (6 * optimum.total_params);
  optimum.loss = std::exp(log_loss(x));
  const double edge = 1e-3 * (hi - lo);
  if (hi - x <= edge && max_params && optimum.bracket.hi == *max_params) {
    optimum.at_cap = true;
  } else if (x - lo <= edge || hi - x <= edge) {
    const bool upper = hi - x <= edge;
    optimum.refused = "at C = " + format_brief(compute) + " the law's loss keeps falling toward " +
                      (upper ? "larger" : "smaller") + " N, to the edge of the searched range (N " +
                      format_brief(optimum.bracket.lo) + " .. " + format_brief(optimum.bracket.hi) +
                      ", D/N " + format_brief(kMinTokensPerParameter) + " .. " +
                      format_brief(kMaxTokensPerParameter) + "): it gives no optimum there";
  }
  return optimum;
}

}  // namespace moescope::law
