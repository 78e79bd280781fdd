#include "fit/law_identifiability.h"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "fit/law_objective.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/io/number_format.h"

namespace moescope::law_fit_detail {
namespace {

// Values closer than this (relative) are one value: file round trips and unit conversions leave
// such differences where the runs meant the same number.
constexpr double kSameValue = 1e-9;
// Below this ratio of the smallest to the largest singular value of the standardised logs, the
// variables are tied by a linear relation (up to the rounding of the files they came from).
constexpr double kTiedVariables = 1e-6;
// Fewest distinct values of a variable the law raises to a fitted power: a power term plus the
// floor it shares with the others has three degrees of freedom along that variable.
constexpr std::size_t kDistinctValuesPerPower = 3;
constexpr std::size_t kValuesNamed = 4;

bool same_value(double x, double y) {
  return std::abs(x - y) <= kSameValue * std::max(std::abs(x), std::abs(y));
}

struct Variable {
  const char* name;
  const char* log_name;
  double (*value)(const ScalingPoint&);
};

const std::vector<Variable>& variables(LawForm form) {
  static const std::vector<Variable> chinchilla = {
      {"N", "ln N", [](const ScalingPoint& p) { return p.total_params; }},
      {"D", "ln D", [](const ScalingPoint& p) { return p.tokens; }},
  };
  static const std::vector<Variable> abnar = {
      chinchilla[0],
      chinchilla[1],
      {"S", "ln(1 - S)", [](const ScalingPoint& p) { return p.sparsity; }},
  };
  return form == LawForm::kChinchilla ? chinchilla : abnar;
}

std::vector<double> distinct(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::vector<double> kept;
  for (const double value : values) {
    if (kept.empty() || !same_value(kept.back(), value))
      kept.push_back(value);
  }
  return kept;
}

std::string list_values(const std::vector<double>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size() && i < kValuesNamed; ++i)
    text += (i == 0 ? "" : ", ") + format_brief(values[i]);
  if (values.size() > kValuesNamed)
    text += ", ...";
  return text;
}

std::size_t distinct_points(LawForm form, const std::vector<ScalingPoint>& points) {
  std::vector<std::array<double, 3>> keys;
  for (const ScalingPoint& point : points) {
    keys.push_back(
        {point.total_params, point.tokens, form == LawForm::kAbnar ? point.sparsity : 0.0});
  }
  std::sort(keys.begin(), keys.end());
  std::size_t count = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const bool repeat = i > 0 && same_value(keys[i][0], keys[i - 1][0]) &&
                        same_value(keys[i][1], keys[i - 1][1]) &&
                        same_value(keys[i][2], keys[i - 1][2]);
    count += repeat ? 0 : 1;
  }
  return count;
}

double log_of(const Variable& variable, const ScalingPoint& point) {
  const double value = variable.value(point);
  return std::string_view(variable.name) == "S" ? std::log1p(-value) : std::log(value);
}

// The linear relation among the variables' logs that every point satisfies, as text; empty when
// there is none.
std::string tied_relation(LawForm form, const std::vector<ScalingPoint>& points) {
  const std::vector<Variable>& vars = variables(form);
  const auto rows = static_cast<Eigen::Index>(points.size());
  const auto columns = static_cast<Eigen::Index>(vars.size());
  Eigen::MatrixXd logs(rows, columns);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < columns; ++j)
      logs(i, j) = log_of(vars[static_cast<std::size_t>(j)], points[static_cast<std::size_t>(i)]);
  }
  // Standardised columns: the relation is about shape, not about the units of N or D.
  const Eigen::RowVectorXd mean = logs.colwise().mean();
  logs.rowwise() -= mean;
  Eigen::RowVectorXd scale = logs.colwise().norm();
  for (Eigen::Index j = 0; j < columns; ++j)
    logs.col(j) /= scale(j);
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(logs, Eigen::ComputeThinV);
  const Eigen::VectorXd& singular = svd.singularValues();
  if (singular(columns - 1) > kTiedVariables * singular(0))
    return {};
  // The null direction in the original logs: sum_j v_j / scale_j * (log_j - mean_j) = 0.
  Eigen::VectorXd weights = svd.matrixV().col(columns - 1).array() / scale.transpose().array();
  // Written as the last variable in the relation (ln D, then ln(1 - S)) in terms of the others,
  // so the message reads the same whatever the round-off of the null vector.
  const double biggest = weights.cwiseAbs().maxCoeff();
  Eigen::Index largest = columns - 1;
  while (std::abs(weights(largest)) < 1e-6 * biggest)
    --largest;
  weights /= weights(largest);
  std::string relation = vars[static_cast<std::size_t>(largest)].log_name;
  relation += " = ";
  double constant = mean(largest);
  bool first = true;
  for (Eigen::Index j = 0; j < columns; ++j) {
    if (j == largest || std::abs(weights(j)) < 1e-9)
      continue;
    const double coefficient = -weights(j);
    constant -= coefficient * mean(j);
    relation += (first ? "" : " + ") + format_brief(coefficient) + " " +
                vars[static_cast<std::size_t>(j)].log_name;
    first = false;
  }
  relation += (constant < 0 ? " - " : " + ") + format_brief(std::abs(constant));
  return relation;
}

[[noreturn]] void refuse(RefusalReason reason, LawForm form, const std::string& detail) {
  throw FitRefused(reason, "the " + std::string(to_string(form)) + " form cannot be fitted to " +
                               "these points: " + detail);
}

}  // namespace

void check_identifiable(LawForm form, const std::vector<ScalingPoint>& fit_points) {
  const std::string count =
      std::to_string(fit_points.size()) + (fit_points.size() == 1 ? " fit point" : " fit points");
  const std::size_t parameters = static_cast<std::size_t>(coordinate_count(form));
  const std::size_t points = distinct_points(form, fit_points);
  if (points < parameters + 1) {
    refuse(RefusalReason::kTooFewPoints, form,
           "it has " + std::to_string(parameters) + " parameters and needs at least " +
               std::to_string(parameters + 1) + " distinct points (" +
               (form == LawForm::kAbnar ? "N, D, S" : "N, D") + "), but there " +
               (points == 1 ? "is 1" : "are " + std::to_string(points)) + " among the " + count +
               " (repeated rows add weight, not information)");
  }
  std::vector<double> losses;
  for (const ScalingPoint& point : fit_points)
    losses.push_back(point.loss);
  if (const std::vector<double> levels = distinct(losses); levels.size() == 1) {
    refuse(RefusalReason::kNotIdentified, form,
           "every one of the " + count + " has the loss " + format_brief(levels.front()) +
               ": a constant loss says nothing of how the loss scales");
  }
  for (const Variable& variable : variables(form)) {
    std::vector<double> values;
    for (const ScalingPoint& point : fit_points)
      values.push_back(variable.value(point));
    const std::vector<double> levels = distinct(values);
    if (levels.size() < kDistinctValuesPerPower) {
      refuse(RefusalReason::kNotIdentified, form,
             "its terms in " + std::string(variable.name) + " need at least " +
                 std::to_string(kDistinctValuesPerPower) + " distinct values of " + variable.name +
                 " to be told apart from the constant, but the " + count + " have " +
                 std::to_string(levels.size()) + " (" + variable.name + " = " +
                 list_values(levels) + ")");
    }
  }
  if (const std::string relation = tied_relation(form, fit_points); !relation.empty()) {
    refuse(RefusalReason::kNotIdentified, form,
           "in every one of the " + count + ", " + relation +
               ": the law's terms in these variables cannot be told apart");
  }
}

}  // namespace moescope::law_fit_detail
