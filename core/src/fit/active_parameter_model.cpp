#include "moescope/fit/active_parameter_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "moescope/io/number_format.h"

namespace moescope {
namespace {

// Weights per d^2 in one layer, as accounting.h counts them.
constexpr double kAttentionPerWidthSquared = 4.0;
constexpr double kExpertPerWidthSquared = 12.0;  // three d x 4d GLU projections

// The family at one sparsity, as functions of a continuous width d.
class FamilyAtSparsity {
 public:
  FamilyAtSparsity(const ModelFamily& family, double sparsity)
      : family_(family),
        experts_(1.0 / (1.0 - sparsity)),
        // accounting.h gives a router only to models with more than one expert.
        router_per_expert_(sparsity > 0 ? 1.0 : 0.0),
        embedding_rows_(family.vocab * (family.tied_embeddings ? 1.0 : 2.0)) {}

  double experts() const { return experts_; }

  double layers(double d) const {
    return std::max(family_.min_layers, d / family_.width_per_layer);
  }
  double layers_slope(double d) const {
    return d / family_.width_per_layer > family_.min_layers ? 1.0 / family_.width_per_layer : 0.0;
  }

  double total(double d) const { return layers(d) * per_layer(d, experts_) + embedding_rows_ * d; }
  double total_slope(double d) const {
    return layers_slope(d) * per_layer(d, experts_) + layers(d) * per_layer_slope(d, experts_) +
           embedding_rows_;
  }
  double active(double d) const { return layers(d) * per_layer(d, 1.0) + embedding_rows_ * d; }
  double active_slope(double d) const {
    return layers_slope(d) * per_layer(d, 1.0) + layers(d) * per_layer_slope(d, 1.0) +
           embedding_rows_;
  }

  // Weights of one expert in all layers, and their slope in d.
  double expert_weights(double d) const { return layers(d) * kExpertPerWidthSquared * d * d; }
  double expert_weights_slope(double d) const {
    return layers_slope(d) * kExpertPerWidthSquared * d * d +
           layers(d) * 2.0 * kExpertPerWidthSquared * d;
  }
  // d N / d E at fixed width: one more expert in every layer and its router column.
  double total_per_expert(double d) const {
    return expert_weights(d) + layers(d) * router_per_expert_ * d;
  }

 private:
  // Weights of one layer holding `experts` experts, all of which count (total) or one (active);
  // the router always scores all E of them.
  double per_layer(double d, double counted_experts) const {
    return (kAttentionPerWidthSquared + kExpertPerWidthSquared * counted_experts) * d * d +
           router_per_expert_ * experts_ * d;
  }
  double per_layer_slope(double d, double counted_experts) const {
    return 2.0 * (kAttentionPerWidthSquared + kExpertPerWidthSquared * counted_experts) * d +
           router_per_expert_ * experts_;
  }

  const ModelFamily& family_;
  double experts_;
  double router_per_expert_;
  double embedding_rows_;
};

// The width at which the increasing `count` reaches `target`: Newton's method in log d, kept
// inside a bracket that bisection shrinks whenever a Newton step would leave it (the layer floor
// puts a kink into every count).
template <typename Count, typename Slope>
double solve_width(const Count& count, const Slope& slope, double target, double upper_width) {
  double lo = upper_width;
  while (count(lo) > target)
    lo /= 2.0;
  double log_lo = std::log(lo);
  double log_hi = std::log(upper_width);
  double x = 0.5 * (log_lo + log_hi);
  constexpr int kMaxIterations = 200;
  constexpr double kLogTolerance = 1e-14;
  for (int i = 0; i < kMaxIterations && log_hi - log_lo > kLogTolerance; ++i) {
    const double d = std::exp(x);
    const double value = count(d);
    const double residual = std::log(value / target);
    (residual < 0 ? log_lo : log_hi) = x;
    const double step = residual / (d * slope(d) / value);
    if (std::abs(step) < kLogTolerance)
      return d;
    const double newton = x - step;
    x = newton > log_lo && newton < log_hi ? newton : 0.5 * (log_lo + log_hi);
  }
  return std::exp(x);
}

void check_domain(const char* what, double count, double sparsity) {
  if (!(std::isfinite(count) && count > 0)) {
    throw std::invalid_argument(std::string("ActiveParameterModel: ") + what + " = " +
                                format_number(count) + " must be finite and > 0");
  }
  if (!(sparsity >= 0 && sparsity < 1)) {
    throw std::invalid_argument("ActiveParameterModel: sparsity = " + format_number(sparsity) +
                                " must lie in [0, 1)");
  }
}

// A width no smaller than the solution: every member has at least `embedding_rows * d` weights
// and at least min_layers * 16 d^2 (attention and one expert).
double width_above(const ModelFamily& family, double count) {
  const double embedding_rows = family.vocab * (family.tied_embeddings ? 1.0 : 2.0);
  const double per_width_squared =
      family.min_layers * (kAttentionPerWidthSquared + kExpertPerWidthSquared);
  return std::min(count / embedding_rows, std::sqrt(count / per_width_squared));
}

}  // namespace

std::vector<std::string> ModelFamily::validate() const {
  std::vector<std::string> problems;
  if (!(std::isfinite(vocab) && vocab >= 1))
    problems.push_back("vocab = " + format_number(vocab) + " must be finite and >= 1");
  if (!(std::isfinite(width_per_layer) && width_per_layer > 0)) {
    problems.push_back("width_per_layer = " + format_number(width_per_layer) +
                       " must be finite and > 0");
  }
  if (!(std::isfinite(min_layers) && min_layers >= 1))
    problems.push_back("min_layers = " + format_number(min_layers) + " must be finite and >= 1");
  return problems;
}

ActiveParameterModel::ActiveParameterModel(const ModelFamily& family) : family_(family) {
  const std::vector<std::string> problems = family.validate();
  if (!problems.empty()) {
    std::string message = "invalid model family:";
    for (const std::string& problem : problems)
      message += "\n  " + problem;
    throw std::invalid_argument(message);
  }
}

ActiveParameterModel ActiveParameterModel::paper_family() {
  return ActiveParameterModel(ModelFamily{});
}

double ActiveParameterModel::active(double total, double sparsity) const {
  return response(total, sparsity).active;
}

double ActiveParameterModel::total(double active, double sparsity) const {
  check_domain("active", active, sparsity);
  const FamilyAtSparsity shape(family_, sparsity);
  const double d = solve_width([&](double w) { return shape.active(w); },
                               [&](double w) { return shape.active_slope(w); }, active,
                               width_above(family_, active));
  return shape.total(d);
}

ActiveResponse ActiveParameterModel::response(double total, double sparsity) const {
  check_domain("total", total, sparsity);
  const FamilyAtSparsity shape(family_, sparsity);
  const double d = solve_width([&](double w) { return shape.total(w); },
                               [&](double w) { return shape.total_slope(w); }, total,
                               width_above(family_, total));
  ActiveResponse response;
  response.width = d;
  // A dense model activates all of itself: exactly N, not N through the width's round trip.
  response.active = sparsity == 0 ? total : shape.active(d);
  response.total_elasticity =
      (shape.active_slope(d) / response.active) / (shape.total_slope(d) / shape.total(d));
  // At fixed N, N_a = N - (E - 1) x (one expert's weights), and E = 1 / (1 - S) has
  // dE/dS = E^2; a sparser model of the same N is also narrower, by dd/dS = -(dN/dE) E^2 / (dN/dd).
  // Written this way the slope is continuous at S = 0, where the router appears (it is the
  // derivative towards sparser models there).
  const double experts = shape.experts();
  const double width_per_sparsity =
      -shape.total_per_expert(d) * experts * experts / shape.total_slope(d);
  const double active_per_sparsity =
      -experts * experts * shape.expert_weights(d) -
      (experts - 1.0) * shape.expert_weights_slope(d) * width_per_sparsity;
  response.sparsity_slope = active_per_sparsity / response.active;
  return response;
}

}  // namespace moescope
