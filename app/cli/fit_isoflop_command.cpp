// moescope fit isoflop: IsoFLOP curves per (budget, sparsity), their optima N* and D*, and the
// power laws N*(C) = k C^a and D*(C) = k' C^b (Approach 2), by a parabola or by Porian et al.'s
// Akima method.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "budget_options.h"
#include "data_source.h"
#include "fit_commands.h"
#include "moescope/fit/isoflop_curves.h"
#include "moescope/io/saved_fit.h"
#include "number_options.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

struct FitIsoflopArguments {
  DataSource source;
  BudgetOptions budgets;
  std::string axis = "N";
  std::string method = "parabola";
  // Empty: the method's default (see add_fit_isoflop_command).
  std::optional<int> bootstrap;
  std::optional<std::uint64_t> seed;
  std::optional<int> min_points;
  double noise = 0.002;
  bool json = false;
};

CurveFitOptions curve_options(const FitIsoflopArguments& args) {
  CurveFitOptions options;
  if (args.method == "akima") {
    options = CurveFitOptions::porian2024();
    options.loss_noise = args.noise;
  }
  options.axis = args.axis == "N" ? SizeAxis::kTotal : SizeAxis::kActive;
  if (args.bootstrap)
    options.bootstrap_replicates = *args.bootstrap;
  if (args.seed)
    options.seed = *args.seed;
  if (args.min_points)
    options.min_points = *args.min_points;
  options.binning = args.budgets.binning();
  return options;
}

std::string size_key(const CurveFitOptions& options) {
  return options.axis == SizeAxis::kTotal ? "N" : "N_active";
}

nlohmann::ordered_json optional_number(const std::optional<double>& value) {
  return value ? number_or_null(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json optimum_json(const IsoFlopCurve& curve, const std::string& key) {
  nlohmann::ordered_json json;
  json["C"] = optional_number(curve.budget);
  json["points"] = curve.points;
  json["sizes"] = curve.distinct_sizes;
  json[key] = number_or_null(curve.optimal_size);
  json[key + "_interval"] = interval_json(curve.size_interval);
  json["D"] = optional_number(curve.optimal_tokens);
  json["D_interval"] = interval_json(curve.tokens_interval);
  json["loss"] = number_or_null(curve.optimal_loss);
  json["loss_interval"] = interval_json(curve.loss_interval);
  if (curve.method == CurveMethod::kAkima) {
    json[key + "_log_sd"] = optional_number(curve.log_size_sd);
    json["D_log_sd"] = optional_number(curve.log_tokens_sd);
  }
  json["replicates_dropped"] = curve.replicates_dropped;
  return json;
}

nlohmann::ordered_json exponent_json(const PowerLawFit& law) {
  nlohmann::ordered_json json;
  json["a"] = number_or_null(law.exponent);
  json["lo"] = law.exponent_interval ? number_or_null(law.exponent_interval->lo)
                                     : nlohmann::ordered_json(nullptr);
  json["hi"] = law.exponent_interval ? number_or_null(law.exponent_interval->hi)
                                     : nlohmann::ordered_json(nullptr);
  return json;
}

// One sparsity level: its optima, its power laws (or why there are none) and its refusals.
nlohmann::ordered_json level_json(const IsoFlopCurves& curves, double sparsity,
                                  const std::string& key) {
  nlohmann::ordered_json json;
  json["S"] = sparsity;
  nlohmann::ordered_json optima = nlohmann::ordered_json::array();
  for (const IsoFlopCurve& curve : curves.curves) {
    if (curve.sparsity == sparsity)
      optima.push_back(optimum_json(curve, key));
  }
  json["optima"] = optima;
  try {
    const PowerLawFit size_law = fit_optimal_size_power_law(curves, sparsity);
    std::optional<PowerLawFit> tokens_law;
    try {
      tokens_law = fit_optimal_tokens_power_law(curves, sparsity);
    } catch (const FitRefused&) {
      // Curves without D*: the size law stands alone.
    }
    json["exponents"] = {{key, exponent_json(size_law)},
                         {"D", tokens_law ? exponent_json(*tokens_law) : nullptr}};
    json["coefficients"] = {{key, number_or_null(size_law.coefficient)},
                            {"D", tokens_law ? number_or_null(tokens_law->coefficient) : nullptr}};
    json["power_law"] = {{"budgets", size_law.budgets},
                         {"replicates", size_law.replicates_used},
                         {"weighted", size_law.weighted}};
  } catch (const FitRefused& refused) {
    json["exponents"] = nullptr;
    json["coefficients"] = nullptr;
    json["power_law"] = nullptr;
    json["power_law_refused"] = refused.what();
  }
  nlohmann::ordered_json refusals = nlohmann::ordered_json::array();
  for (const RefusedCurve& refused : curves.refused) {
    if (refused.sparsity != sparsity)
      continue;
    refusals.push_back({{"C", optional_number(refused.budget)},
                        {"points", refused.points},
                        {"reason", std::string(to_string(refused.reason))},
                        {"message", refused.detail}});
  }
  json["refused"] = refusals;
  return json;
}

// The sparsity levels that have a curve or a refusal, increasing (the fitter's levels are
// exact copies of the first point's S, so equal doubles are one level).
std::vector<double> levels_of(const IsoFlopCurves& curves) {
  std::vector<double> levels;
  for (const IsoFlopCurve& curve : curves.curves)
    levels.push_back(curve.sparsity);
  for (const RefusedCurve& refused : curves.refused)
    levels.push_back(refused.sparsity);
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  return levels;
}

nlohmann::ordered_json options_json(const CurveFitOptions& options) {
  nlohmann::ordered_json json;
  json["bootstrap"] = options.bootstrap_replicates;
  json["seed"] = options.seed;
  json["min_points"] = options.min_points;
  json["budgets"] = options.binning.describe();
  if (options.method == CurveMethod::kAkima) {
    json["noise"] = options.loss_noise;
    json["grid_points_per_interval"] = options.grid_points_per_interval;
    json["min_sd_factor"] = options.min_sd_factor;
  }
  return json;
}

std::string interval_text(const nlohmann::ordered_json& interval) {
  if (interval.is_null())
    return "-";
  return brief(interval[0].get<double>()) + " .. " + brief(interval[1].get<double>());
}

std::string number_text(const nlohmann::ordered_json& value, int decimals) {
  if (value.is_null())
    return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value.get<double>());
  return text;
}

// "N*(C) = 0.119 C^0.4969  (95% CI of the exponent 0.4901 .. 0.5045)"
std::string law_text(const std::string& name, const nlohmann::ordered_json& level,
                     const std::string& key) {
  const auto& exponent = level["exponents"][key];
  if (exponent.is_null())
    return name + "(C): -";
  std::string text = name + "(C) = " + brief(level["coefficients"][key].get<double>()) + " C^" +
                     number_text(exponent["a"], 4);
  if (!exponent["lo"].is_null()) {
    text += "   (95% CI of the exponent " + number_text(exponent["lo"], 4) + " .. " +
            number_text(exponent["hi"], 4) + ")";
  }
  return text;
}

// Runs that repeat a size are other learning rates or seeds, or another experiment's runs in
// the same file: worth a word, since the methods treat them differently.
void note_repeated_sizes(const nlohmann::ordered_json& optima, bool akima) {
  for (const auto& optimum : optima) {
    const auto runs = optimum["points"].get<std::size_t>();
    const auto sizes = optimum["sizes"].get<std::size_t>();
    if (sizes == runs)
      continue;
    std::cout << "note: runs repeat sizes (C="
              << (optimum["C"].is_null() ? "-" : brief(optimum["C"].get<double>())) << ": " << runs
              << " runs, " << sizes << " sizes); "
              << (akima ? "the lowest loss of each size is used"
                        : "the parabola is fitted through all of them")
              << ". If the file holds several experiments, pick one with --where 'COLUMN == "
                 "\"VALUE\"'; for a sweep, --best-of lr keeps each size's best run.\n";
    return;
  }
}

void print_text(const nlohmann::ordered_json& result, const std::string& key,
                const BudgetBinning& binning) {
  const bool akima = result["method"] == "akima";
  const auto& options = result["options"];
  std::cout << "IsoFLOP curves of " << result["data"]["runs"].get<std::size_t>() << " runs from "
            << result["data"]["source"].get<std::string>() << "; optimum by "
            << (akima ? "Akima interpolation (Porian et al. 2024), " +
                            std::to_string(options["bootstrap"].get<int>()) +
                            " replicates with loss noise " + brief(options["noise"].get<double>()) +
                            " nats"
                      : "a parabola in ln " + key + ", " +
                            std::to_string(options["bootstrap"].get<int>()) + " resamples")
            << ", seed " << options["seed"].get<std::uint64_t>()
            << "; budgets: " << options["budgets"].get<std::string>() << '\n';
  for (const auto& level : result["sparsities"]) {
    std::cout << "\nS = " << brief(level["S"].get<double>()) << '\n';
    if (!level["optima"].empty()) {
      TextTable table({"C", "runs", key + "*", "95% interval", "D*", "95% interval",
                       "L* (" + result["loss_unit"].get<std::string>() + ")", "95% interval"});
      for (const auto& optimum : level["optima"]) {
        table.add_row({optimum["C"].is_null() ? "(no C)" : brief(optimum["C"].get<double>()),
                       std::to_string(optimum["points"].get<std::size_t>()),
                       brief(optimum[key].get<double>()), interval_text(optimum[key + "_interval"]),
                       optimum["D"].is_null() ? "-" : brief(optimum["D"].get<double>()),
                       interval_text(optimum["D_interval"]), brief(optimum["loss"].get<double>()),
                       interval_text(optimum["loss_interval"])});
      }
      table.print(std::cout);
      note_repeated_sizes(level["optima"], akima);
    }
    if (level["power_law"].is_null()) {
      std::cout << "no power law: " << level["power_law_refused"].get<std::string>() << '\n';
    } else {
      const auto& law = level["power_law"];
      std::cout << law_text(key + "*", level, key) << '\n'
                << law_text("D*", level, "D") << '\n'
                << "  "
                << (law["weighted"].get<bool>()
                        ? "least squares weighted by 1/sd^2 of ln " + key + "*, ln D*; "
                        : std::string("least squares; "))
                << law["budgets"].get<std::size_t>() << " budgets, "
                << law["replicates"].get<std::size_t>() << " replicates for the interval\n";
    }
    std::vector<BudgetRefusal> refusals;
    for (const auto& refused : level["refused"]) {
      refusals.push_back(
          {refused["C"].is_null() ? std::nullopt
                                  : std::optional<double>(refused["C"].get<double>()),
           refused["points"].get<std::size_t>(), refused["reason"].get<std::string>(),
           refused["message"].get<std::string>()});
    }
    print_budget_refusals(std::cout, refusals, binning,
                          level["optima"].size() + level["refused"].size());
  }
}

void run_fit_isoflop(const FitIsoflopArguments& args) {
  const CurveFitOptions options = curve_options(args);
  // Bad options are usage errors, before any data is read.
  const std::vector<std::string> problems = options.validate();
  if (!problems.empty())
    throw CLI::ValidationError("fit isoflop", problems.front());
  const std::vector<Run> runs = args.source.load_usable(FitInput::kCurves);
  const SurfaceData data = surface_points(runs);
  report_left_out(data.left_out);
  const IsoFlopCurves curves = fit_isoflop_curves(curve_points(data, runs), options);
  if (curves.curves.empty()) {
    // Every usable run is in some budget's curve, so each curve was refused, with its reason.
    std::vector<BudgetRefusal> refusals;
    for (const RefusedCurve& refused : curves.refused) {
      refusals.push_back({refused.budget, refused.points, std::string(to_string(refused.reason)),
                          "S=" + brief(refused.sparsity) + ": " + refused.detail});
    }
    std::ostringstream reasons;  // one line per refusal; the last newline is main()'s to print
    print_budget_refusals(reasons, refusals, options.binning, refusals.size());
    throw FitRefused(
        curves.refused.front().reason,
        "no IsoFLOP curve could be fitted:\n" + reasons.str().substr(0, reasons.str().size() - 1));
  }

  const std::string key = size_key(options);
  nlohmann::ordered_json result;
  result["method"] = args.method;
  result["axis"] = key;
  result["options"] = options_json(options);
  result["loss_unit"] = to_string(data.loss_unit);
  result["data"] = {{"source", args.source.describe()},
                    {"runs", data.points.size()},
                    {"left_out", data.left_out.size()}};
  nlohmann::ordered_json levels = nlohmann::ordered_json::array();
  for (const double sparsity : levels_of(curves))
    levels.push_back(level_json(curves, sparsity, key));
  result["sparsities"] = levels;
  if (args.json)
    std::cout << result.dump(2) << '\n';
  else
    print_text(result, key, options.binning);
}

}  // namespace

void add_fit_isoflop_command(CLI::App& fit) {
  auto args = std::make_shared<FitIsoflopArguments>();
  CLI::App* command = fit.add_subcommand(
      "isoflop",
      "IsoFLOP curves per budget and sparsity: optima N*, D*, L* and the power laws N*(C), D*(C)");
  args->source.add_options(*command);
  args->budgets.add_options(*command);
  command->add_option("--x", args->axis, "Size axis: N (total) or Na (active)")
      ->check(CLI::IsMember({"N", "Na"}))
      ->capture_default_str();
  command
      ->add_option("--method", args->method,
                   "parabola (least squares in ln N, Approach 2) or akima (Porian et al. 2024)")
      ->check(CLI::IsMember({"parabola", "akima"}))
      ->capture_default_str();
  command
      ->add_option("--bootstrap", args->bootstrap,
                   "Replicates for the intervals: resamples (parabola, default 100) or noise "
                   "draws (akima, default 1000); 0 for none")
      ->check(bootstrap_count());
  command
      ->add_option("--seed", args->seed,
                   "Seed of the replicates (default 20250301; akima: 42, Porian et al.'s)")
      ->check(seed_number());
  command
      ->add_option("--min-points", args->min_points,
                   "Fewest runs a curve needs, >= 3 (default 4; akima: 3)")
      ->check(whole_number(3, 1000000));
  command
      ->add_option("--noise", args->noise,
                   "akima: sd of the noise added to each loss, nats (seed-to-seed spread)")
      ->check(finite_number(kNonNegative))
      ->capture_default_str();
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args] { run_fit_isoflop(*args); });
}

}  // namespace moescope::cli
