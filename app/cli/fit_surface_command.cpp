// moescope fit surface: IsoFLOP surfaces (Eq. 8), one per compute budget, and their optima.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <set>
#include <sstream>

#include "budget_options.h"
#include "data_source.h"
#include "fit_commands.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/saved_fit.h"
#include "number_options.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

struct FitSurfaceArguments {
  DataSource source;
  BudgetOptions budgets;
  std::optional<double> budget;
  std::string axis = "N";
  std::vector<int> degrees;
  int bootstrap = 100;
  std::uint64_t seed = 20250301;
  std::string save;
  bool json = false;
};

SurfaceFitOptions surface_options(const FitSurfaceArguments& args) {
  SurfaceFitOptions options;
  options.axis = args.axis == "N" ? SizeAxis::kTotal : SizeAxis::kActive;
  if (!args.degrees.empty()) {
    options.degrees = SurfaceDegrees{args.degrees[0], args.degrees[1], args.degrees[2]};
  }
  options.bootstrap_replicates = args.bootstrap;
  options.seed = args.seed;
  return options;
}

std::vector<BudgetGroup> chosen_groups(const std::vector<SurfacePoint>& points,
                                       const std::optional<double>& budget,
                                       const BudgetBinning& binning) {
  std::vector<BudgetGroup> groups = group_by_budget(points, binning);
  if (!budget)
    return groups;
  std::string present;
  for (BudgetGroup& group : groups) {
    if (group.budget && binning.same_budget(*group.budget, *budget))
      return {std::move(group)};
    present += (present.empty() ? "" : ", ") + (group.budget ? brief(*group.budget) : "none");
  }
  Diagnostic diagnostic;
  diagnostic.where.field = "--budget";
  diagnostic.message = "no runs at C=" + brief(*budget) + " (budgets: " + binning.describe() +
                       "); budgets in the data: " + (present.empty() ? "none" : present);
  throw InputError(std::move(diagnostic));
}

// The surface's minimum over the data: the best compute-optimal size across its sparsity levels.
nlohmann::ordered_json optima_json(const SurfaceFit& fit, const std::vector<SurfacePoint>& points,
                                   nlohmann::ordered_json& best) {
  const std::string size_key = fit.axis == SizeAxis::kTotal ? "N" : "N_active";
  std::set<double> levels;
  for (const SurfacePoint& point : points)
    levels.insert(point.sparsity);
  nlohmann::ordered_json by_sparsity = nlohmann::ordered_json::array();
  double best_loss = INFINITY;
  for (const double sparsity : levels) {
    nlohmann::ordered_json item;
    item["S"] = sparsity;
    try {
      const SizeOptimum optimum = optimal_size(fit, sparsity);
      item[size_key] = optimum.size;
      item["loss"] = optimum.loss;
      item[size_key + "_interval"] = interval_json(optimum.size_interval);
      item["loss_interval"] = interval_json(optimum.loss_interval);
      if (optimum.loss < best_loss) {
        best_loss = optimum.loss;
        best = item;
      }
    } catch (const FitRefused& refused) {
      item["refused"] = refused.what();
    }
    by_sparsity.push_back(item);
  }
  return by_sparsity;
}

nlohmann::ordered_json degrees_json(const SurfaceDegrees& degrees) {
  return {degrees.size, degrees.sparsity, degrees.interaction};
}

nlohmann::ordered_json optional_json(const std::optional<double>& value) {
  return value ? number_or_null(*value) : nlohmann::ordered_json(nullptr);
}

// How the degrees were chosen, with the numbers behind the choice.
nlohmann::ordered_json degree_search_json(const SurfaceFit& fit, const SurfaceFitOptions& options) {
  nlohmann::ordered_json json;
  if (options.degrees) {
    json["rule"] = "fixed";
  } else {
    json["rule"] = "one-standard-error";
    json["candidates"] = std::count_if(fit.degree_search.begin(), fit.degree_search.end(),
                                       [](const DegreeScore& score) { return score.cv_mse; });
    json["hierarchical"] = options.hierarchical;
    json["points_per_coefficient"] = options.points_per_coefficient;
    json["standard_errors"] = options.standard_errors;
  }
  json["max_coefficients"] = fit.max_coefficients;
  json["folds"] = options.folds;
  json["least_cv"] = {{"degrees", degrees_json(fit.least_cv.degrees)},
                      {"cv_mse", optional_json(fit.least_cv.cv_mse)},
                      {"cv_se", optional_json(fit.least_cv.cv_se)}};
  return json;
}

nlohmann::ordered_json surface_result(const SurfaceFit& fit,
                                      const std::vector<SurfacePoint>& points,
                                      const SurfaceFitOptions& options) {
  nlohmann::ordered_json json;
  json["budget"] = optional_json(fit.budget);
  json["axis"] = fit.axis == SizeAxis::kTotal ? "N" : "N_active";
  json["points"] = fit.points;
  json["degrees"] = degrees_json(fit.polynomial.degrees);
  nlohmann::ordered_json coefficients = nlohmann::ordered_json::object();
  const auto names = fit.polynomial.coefficient_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    coefficients[names[i]] = number_or_null(fit.polynomial.coefficients[i]);
  json["coefficients"] = coefficients;
  json["cv_mse"] = number_or_null(fit.cv_mse);
  json["cv_se"] = number_or_null(fit.cv_se);
  json["degree_search"] = degree_search_json(fit, options);
  json["heldout_r"] = optional_json(fit.heldout_r);
  json["heldout_mse"] = optional_json(fit.heldout_mse);
  json["notes"] = fit.notes;
  json["bootstrap"] = {
      {"replicates", fit.replicates.size()},
      {"dropped", fit.replicates_dropped},
      {"refused", fit.bootstrap_refused ? nlohmann::ordered_json(*fit.bootstrap_refused)
                                        : nlohmann::ordered_json(nullptr)}};
  nlohmann::ordered_json best = nullptr;
  nlohmann::ordered_json by_sparsity = optima_json(fit, points, best);
  json["optimum"] = best;
  json["optima_by_sparsity"] = by_sparsity;
  try {
    json["threshold_size"] = optional_json(threshold_size(fit));
  } catch (const FitRefused& refused) {
    // Dense data, one sparsity level, or no sparsity terms: S* is not defined.
    json["threshold_size"] = nullptr;
    json["threshold_size_refused"] = refused.what();
  }
  return json;
}

std::string brief_or_dash(const nlohmann::ordered_json& value) {
  return value.is_number() ? brief(value.get<double>()) : "-";
}

void print_text(const std::vector<nlohmann::ordered_json>& results) {
  for (const auto& result : results) {
    const std::string size_key = result["axis"].get<std::string>();
    const auto& search = result["degree_search"];
    std::cout << "IsoFLOP surface at C=" << brief_or_dash(result["budget"]) << ": "
              << result["points"] << " runs, degrees " << result["degrees"].dump() << " (CV MSE "
              << brief_or_dash(result["cv_mse"]) << " +/- " << brief_or_dash(result["cv_se"]);
    if (search["rule"] == "fixed") {
      std::cout << ", fixed";
    } else {
      // The rule in one line: the least CV error, and the allowance that bounded the search.
      std::cout << "; least CV MSE " << brief_or_dash(search["least_cv"]["cv_mse"]) << " at "
                << search["least_cv"]["degrees"].dump() << "; simplest within 1 SE of it, "
                << "at most " << search["max_coefficients"]
                << (search["max_coefficients"] == 1 ? " coefficient" : " coefficients") << " for "
                << result["points"] << " runs";
    }
    std::cout << "), held-out r " << brief_or_dash(result["heldout_r"]) << '\n';
    for (const auto& note : result["notes"])
      std::cout << "note: " << note.get<std::string>() << '\n';
    if (!result["bootstrap"]["refused"].is_null())
      std::cout << "no intervals: " << result["bootstrap"]["refused"].get<std::string>() << '\n';
    TextTable table({"S", size_key + "*", "95% interval",
                     "L* (" + result["loss_unit"].get<std::string>() + ")"});
    for (const auto& item : result["optima_by_sparsity"]) {
      if (item.contains("refused")) {
        table.add_row(
            {brief(item["S"].get<double>()), "-", item["refused"].get<std::string>(), "-"});
        continue;
      }
      const auto& interval = item[size_key + "_interval"];
      table.add_row({brief(item["S"].get<double>()), brief(item[size_key].get<double>()),
                     interval.is_null() ? "-"
                                        : brief(interval[0].get<double>()) + " .. " +
                                              brief(interval[1].get<double>()),
                     brief(item["loss"].get<double>())});
    }
    table.print(std::cout);
    std::cout << '\n';
  }
}

void run_fit_surface(const FitSurfaceArguments& args) {
  const SurfaceFitOptions options = surface_options(args);
  // N_a only where the axis is N_a: data that give N and S alone fit on N.
  const std::vector<Run> runs = args.source.load_usable(
      options.axis == SizeAxis::kActive ? FitInput::kSurfaceOnNa : FitInput::kSurfaceOnN);
  const SurfaceData data = surface_points(runs, options.axis);
  report_left_out(data.left_out);
  // A budget that cannot be fitted is reported and the others go on, as with the 2-D curves.
  const BudgetBinning binning = args.budgets.binning();
  const std::vector<BudgetGroup> groups = chosen_groups(data.points, args.budget, binning);
  std::vector<SurfaceFit> fits;
  std::vector<nlohmann::ordered_json> results;
  std::vector<BudgetRefusal> refusals;
  std::optional<FitRefused> first_refusal;
  for (const BudgetGroup& group : groups) {
    try {
      fits.push_back(fit_isoflop_surface(group.points, options));
      results.push_back(surface_result(fits.back(), group.points, options));
      results.back()["loss_unit"] = to_string(data.loss_unit);
    } catch (const FitRefused& refused) {
      if (refused.reason() == RefusalReason::kInvalidOptions)
        throw;
      refusals.push_back({group.budget, group.points.size(),
                          std::string(to_string(refused.reason())), refused.what()});
      if (!first_refusal)
        first_refusal = refused;
    }
  }
  if (fits.empty()) {
    if (groups.size() == 1)
      throw *first_refusal;
    std::ostringstream reasons;  // one line per refusal; the last newline is main()'s to print
    print_budget_refusals(reasons, refusals, binning, groups.size());
    throw FitRefused(first_refusal->reason(),
                     "no budget's surface could be fitted:\n" +
                         reasons.str().substr(0, reasons.str().size() - 1));
  }
  if (!args.save.empty()) {
    const FitDataSummary described{.source = args.source.describe(),
                                   .points = data.points.size(),
                                   .left_out = data.left_out.size(),
                                   .holdout_rule = "",
                                   .loss_unit = data.loss_unit,
                                   .conversion = args.source.conversion_applied()};
    write_json_file(args.save, surfaces_json(fits, options, described));
  }
  if (args.json) {
    // One budget: the surface itself; several, or any refused: {"surfaces": [...], "refused":
    // [...]}.
    nlohmann::ordered_json out;
    if (groups.size() == 1) {
      out = results.front();
    } else {
      nlohmann::ordered_json refused = nlohmann::ordered_json::array();
      for (const BudgetRefusal& refusal : refusals) {
        refused.push_back({{"budget", optional_json(refusal.budget)},
                           {"points", refusal.points},
                           {"reason", refusal.reason},
                           {"message", refusal.message}});
      }
      out = {{"budgets", binning.describe()}, {"surfaces", results}, {"refused", refused}};
    }
    std::cout << out.dump(2) << '\n';
  } else {
    print_text(results);
    print_budget_refusals(std::cout, refusals, binning, groups.size());
  }
}

}  // namespace

void add_fit_surface_command(CLI::App& fit) {
  auto args = std::make_shared<FitSurfaceArguments>();
  CLI::App* command = fit.add_subcommand(
      "surface", "Fit IsoFLOP surfaces L(N, S) (Eq. 8), one per compute budget, and read optima");
  args->source.add_options(*command);
  args->budgets.add_options(*command);
  command->add_option("--budget", args->budget, "Only the runs of the budget that holds C")
      ->check(finite_number(kPositive));
  command->add_option("--x", args->axis, "Size axis: N (total) or Na (active)")
      ->check(CLI::IsMember({"N", "Na"}))
      ->capture_default_str();
  command
      ->add_option(
          "--degrees", args->degrees,
          "Fixed degrees a1,a2,a3 in 0..4 (default: the fewest coefficients whose 5-fold CV "
          "error is within one standard error of the least; at most runs/4 coefficients)")
      ->delimiter(',')
      ->expected(3)
      ->check(whole_number(0, 4));
  command->add_option("--bootstrap", args->bootstrap, "Refits on 80% subsamples for intervals")
      ->check(bootstrap_count())
      ->capture_default_str();
  command->add_option("--seed", args->seed, "Seed of folds, hold-out and subsamples")
      ->check(seed_number())
      ->capture_default_str();
  command->add_option("--save", args->save, "Write the fitted surfaces to FIT.json (for predict)");
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args] { run_fit_surface(*args); });
}

}  // namespace moescope::cli
