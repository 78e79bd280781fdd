#include "moescope/fit/optimum_report.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "moescope/fit/fit_refused.h"
#include "moescope/io/json_file.h"

namespace moescope {
namespace {

using Json = nlohmann::ordered_json;

Json interval_json(const Interval& interval) {
  return number_pair(interval.lo, interval.hi);
}

Json excursion_json(const std::optional<Excursion>& excursion) {
  return excursion ? Json{{"value", number_or_null(excursion->value)},
                          {"data", interval_json(excursion->range)}}
                   : Json(nullptr);
}

Json extrapolation_json(const std::optional<Extrapolation>& extrapolation) {
  if (!extrapolation)
    return "unknown";
  if (!extrapolation->any())
    return nullptr;
  Json json = Json::object();
  if (extrapolation->budget)
    json["budget"] = excursion_json(extrapolation->budget);
  if (extrapolation->total_params)
    json["N"] = excursion_json(extrapolation->total_params);
  if (extrapolation->sparsity)
    json["S"] = excursion_json(extrapolation->sparsity);
  return json;
}

}  // namespace

OptimumReadOut read_optimum(const FittedLaw& law, const LawScope& scope,
                            const std::vector<FittedLaw>& replicates, double budget,
                            OptimumOptions options, bool with_intervals) {
  if (scope.form == LawForm::kChinchilla) {
    if (!scope.sparsity) {
      throw FitRefused(RefusalReason::kNotIdentified,
                       "Chinchilla's form was fitted across several sparsity levels and ignores "
                       "S: it cannot say which sparsity is optimal (fit it to one level, e.g. "
                       "--holdout \"S!=0\", or fit Eq. 6)");
    }
    options.fixed_sparsity = scope.sparsity;
  }
  OptimumReadOut read_out;
  read_out.budget = budget;
  read_out.law = scope;
  read_out.options = options;
  if (with_intervals) {
    std::vector<SparsityLaw> laws;
    laws.reserve(replicates.size());
    for (const FittedLaw& replicate : replicates)
      laws.push_back(replicate.as_sparsity_law());
    BudgetOptimumWithIntervals full =
        optimum_with_intervals(law.as_sparsity_law(), laws, budget, options);
    read_out.point = full.point;
    read_out.intervals = std::move(full.intervals);
    read_out.diagnostics = std::move(full.diagnostics);
  } else {
    read_out.point = optimum(law.as_sparsity_law(), budget, options);
  }
  if (scope.range) {
    read_out.extrapolation =
        extrapolation(*scope.range, budget, read_out.point.total_params, read_out.point.sparsity);
  }
  return read_out;
}

std::string optimum_json(const OptimumReadOut& read_out) {
  const BudgetOptimum& best = read_out.point;
  const auto& intervals = read_out.intervals;
  auto interval_of = [&](Interval BudgetOptimumIntervals::*member) {
    return intervals ? interval_json((*intervals).*member) : Json(nullptr);
  };
  Json json;
  json["budget"] = number_or_null(read_out.budget);
  json["form"] = to_string(read_out.law.form);
  json["law_sparsity"] =
      read_out.law.sparsity ? number_or_null(*read_out.law.sparsity) : Json(nullptr);
  json["S"] = number_or_null(best.sparsity);
  json["N"] = number_or_null(best.total_params);
  json["N_active"] = number_or_null(best.active_params);
  json["D"] = number_or_null(best.tokens);
  json["loss"] = number_or_null(best.loss);
  json["loss_unit"] = to_string(read_out.law.loss_unit);
  // A law of one sparsity level fixes S: it has no interval, not a zero-width one.
  json["intervals"] = {
      {"S", read_out.law.sparsity ? Json(nullptr) : interval_of(&BudgetOptimumIntervals::sparsity)},
      {"N", interval_of(&BudgetOptimumIntervals::total_params)},
      {"N_active", interval_of(&BudgetOptimumIntervals::active_params)},
      {"D", interval_of(&BudgetOptimumIntervals::tokens)},
      {"loss", interval_of(&BudgetOptimumIntervals::loss)}};
  json["max_params"] = read_out.options.max_total_params
                           ? number_or_null(*read_out.options.max_total_params)
                           : Json(nullptr);
  json["max_sparsity"] = read_out.law.form == LawForm::kChinchilla
                             ? Json(nullptr)
                             : number_or_null(read_out.options.max_sparsity);
  json["sparsity_at_bound"] = best.sparsity_at_bound;
  json["params_at_cap"] = best.params_at_cap;
  json["replicates"] = intervals ? intervals->replicates_used : 0;
  // How many replicates' optima sit at the sparsity bound and at the cap: an interval whose end
  // is the bound says only that the bound binds there.
  json["replicates_at_bound"] = intervals ? intervals->sparsity_at_bound : 0;
  json["replicates_at_cap"] = intervals ? intervals->params_at_cap : 0;
  json["extrapolation"] = extrapolation_json(read_out.extrapolation);
  return json.dump(2);
}

std::vector<double> headline_caps(const DataRange& range, std::size_t count) {
  std::vector<double> decades;
  for (double exponent = std::ceil(std::log10(range.total_params.lo));
       exponent <= std::floor(std::log10(range.total_params.hi)); ++exponent)
    decades.push_back(std::pow(10.0, exponent));
  if (decades.size() <= count || count == 0)
    return count == 0 ? std::vector<double>{} : decades;
  // Spread evenly from the largest down, so the caps that bind least are always shown.
  std::vector<double> caps(count);
  const double step =
      static_cast<double>(decades.size() - 1) / static_cast<double>(count - (count > 1 ? 1 : 0));
  for (std::size_t k = 0; k < count; ++k) {
    const auto from_top = static_cast<std::size_t>(std::lround(step * static_cast<double>(k)));
    caps[count - 1 - k] = decades[decades.size() - 1 - from_top];
  }
  return caps;
}

}  // namespace moescope
