// moescope fit surface: IsoFLOP surfaces (Eq. 8), one per compute budget, and their optima.
#include <cmath>
#include <iostream>
#include <set>

#include "data_source.h"
#include "fit_commands.h"
#include "fit_file.h"
#include "moescope/diagnostic.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

// A budget given on the command line names the data's budget within this tolerance.
constexpr double kBudgetTolerance = 0.02;

struct FitSurfaceArguments {
  DataSource source;
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
                                       const std::optional<double>& budget) {
  std::vector<BudgetGroup> groups = group_by_budget(points);
  if (!budget)
    return groups;
  std::string present;
  for (BudgetGroup& group : groups) {
    if (group.budget && std::abs(*group.budget / *budget - 1.0) <= kBudgetTolerance) {
      return {std::move(group)};
    }
    present += (present.empty() ? "" : ", ") + (group.budget ? brief(*group.budget) : "none");
  }
  Diagnostic diagnostic;
  diagnostic.where.field = "--budget";
  diagnostic.message = "no runs at C=" + brief(*budget) +
                       " (within 2%); budgets in the data: " + (present.empty() ? "none" : present);
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

nlohmann::ordered_json surface_result(const SurfaceFit& fit,
                                      const std::vector<SurfacePoint>& points) {
  nlohmann::ordered_json json;
  const SurfaceDegrees& degrees = fit.polynomial.degrees;
  json["budget"] = fit.budget ? nlohmann::ordered_json(*fit.budget) : nullptr;
  json["axis"] = fit.axis == SizeAxis::kTotal ? "N" : "N_active";
  json["points"] = fit.points;
  json["degrees"] = {degrees.size, degrees.sparsity, degrees.interaction};
  nlohmann::ordered_json coefficients = nlohmann::ordered_json::object();
  const auto names = fit.polynomial.coefficient_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    coefficients[names[i]] = fit.polynomial.coefficients[i];
  json["coefficients"] = coefficients;
  json["cv_mse"] = fit.cv_mse;
  json["heldout_r"] = fit.heldout_r ? nlohmann::ordered_json(*fit.heldout_r) : nullptr;
  json["heldout_mse"] = fit.heldout_mse ? nlohmann::ordered_json(*fit.heldout_mse) : nullptr;
  nlohmann::ordered_json best = nullptr;
  nlohmann::ordered_json by_sparsity = optima_json(fit, points, best);
  json["optimum"] = best;
  json["optima_by_sparsity"] = by_sparsity;
  try {
    const auto threshold = threshold_size(fit);
    json["threshold_size"] = threshold ? nlohmann::ordered_json(*threshold) : nullptr;
  } catch (const FitRefused&) {
    json["threshold_size"] = nullptr;  // dense data: S* is not defined
  }
  return json;
}

void print_text(const std::vector<nlohmann::ordered_json>& results) {
  for (const auto& result : results) {
    const std::string size_key = result["axis"].get<std::string>();
    std::cout << "IsoFLOP surface at C="
              << (result["budget"].is_null() ? "-" : brief(result["budget"].get<double>())) << ": "
              << result["points"] << " runs, degrees " << result["degrees"].dump() << ", CV MSE "
              << brief(result["cv_mse"].get<double>()) << ", held-out r "
              << (result["heldout_r"].is_null() ? "-" : brief(result["heldout_r"].get<double>()))
              << '\n';
    TextTable table({"S", size_key + "*", "95% interval", "L*"});
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
  const std::vector<Run> runs = args.source.load();
  const SurfaceData data = surface_points(runs);
  report_left_out(data.left_out);
  const SurfaceFitOptions options = surface_options(args);
  std::vector<SurfaceFit> fits;
  std::vector<nlohmann::ordered_json> results;
  for (const BudgetGroup& group : chosen_groups(data.points, args.budget)) {
    fits.push_back(fit_isoflop_surface(group.points, options));
    results.push_back(surface_result(fits.back(), group.points));
  }
  if (!args.save.empty()) {
    write_json_file(args.save, surfaces_json(fits, options,
                                             {args.source.describe(), data.points.size(),
                                              data.left_out.size(), ""}));
  }
  if (args.json) {
    // One budget: the surface itself; several: {"surfaces": [...]}.
    const nlohmann::ordered_json out =
        results.size() == 1 ? results.front() : nlohmann::ordered_json{{"surfaces", results}};
    std::cout << out.dump(2) << '\n';
  } else {
    print_text(results);
  }
}

}  // namespace

void add_fit_surface_command(CLI::App& fit) {
  auto args = std::make_shared<FitSurfaceArguments>();
  CLI::App* command = fit.add_subcommand(
      "surface", "Fit IsoFLOP surfaces L(N, S) (Eq. 8), one per compute budget, and read optima");
  args->source.add_options(*command);
  command->add_option("--budget", args->budget, "Only the runs at this budget C (within 2%)")
      ->check(CLI::PositiveNumber);
  command->add_option("--x", args->axis, "Size axis: N (total) or Na (active)")
      ->check(CLI::IsMember({"N", "Na"}))
      ->capture_default_str();
  command
      ->add_option("--degrees", args->degrees,
                   "Fixed degrees a1,a2,a3 in 0..4 (default: chosen by 5-fold CV)")
      ->delimiter(',')
      ->expected(3)
      ->check(CLI::Range(0, 4));
  command->add_option("--bootstrap", args->bootstrap, "Refits on 80% subsamples for intervals")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--seed", args->seed, "Seed of folds, hold-out and subsamples")
      ->capture_default_str();
  command->add_option("--save", args->save, "Write the fitted surfaces to FIT.json (for predict)");
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args] { run_fit_surface(*args); });
}

}  // namespace moescope::cli
