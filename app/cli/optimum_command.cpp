// moescope optimum: the compute-optimal (S, N, N_a, D, L) at a budget, through the fitted law.
#include <iostream>

#include "commands.h"
#include "data_source.h"
#include "fit_file.h"
#include "fit_progress.h"
#include "moescope/diagnostic.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/fit/law_optimum.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

struct OptimumArguments {
  DataSource source;
  std::string law_file;
  std::string holdout = kDefaultHoldoutRule;
  double budget = 0;
  std::optional<double> max_params;
  double max_sparsity = 0.98;
  int bootstrap = 100;
  int threads = 0;
  bool json = false;
};

// The law and its replicates: from a saved fit, or fitted now to every run of the data.
SavedLaw obtain_law(const OptimumArguments& args) {
  if (!args.law_file.empty()) {
    SavedLaw saved = read_saved_law(read_json_file(args.law_file), args.law_file);
    if (saved.law.form != LawForm::kAbnar) {
      Diagnostic diagnostic;
      diagnostic.where.file = args.law_file;
      diagnostic.message = "an optimum over sparsity needs the abnar law (Eq. 6), not chinchilla";
      throw InputError(std::move(diagnostic));
    }
    return saved;
  }
  LawFitOptions options;
  options.bootstrap = args.bootstrap;
  options.threads = args.threads;
  RunLawFit fitted;
  {
    FitProgress progress("fitting the law (Eq. 6, 437,400 starts; --law FIT.json reuses a fit)");
    fitted = fit_law_to_runs(args.source.load(), RunFilter::parse(args.holdout), options,
                             progress.control());
  }
  report_left_out(fitted.data.left_out);
  return {fitted.summary.law, std::move(fitted.summary.replicates)};
}

nlohmann::ordered_json interval_or_null(const std::optional<BudgetOptimumIntervals>& intervals,
                                        Interval BudgetOptimumIntervals::*member) {
  if (!intervals)
    return nullptr;
  return interval_json((*intervals).*member);
}

void run_optimum(const OptimumArguments& args) {
  const SavedLaw law = obtain_law(args);
  OptimumOptions options;
  options.max_sparsity = args.max_sparsity;
  options.max_total_params = args.max_params;
  std::vector<SparsityLaw> replicates;
  for (const FittedLaw& replicate : law.replicates)
    replicates.push_back(replicate.abnar);
  const BudgetOptimumWithIntervals result =
      optimum_with_intervals(law.law.abnar, replicates, args.budget, options);
  const BudgetOptimum& best = result.point;
  using I = BudgetOptimumIntervals;
  if (args.json) {
    nlohmann::ordered_json json;
    json["budget"] = args.budget;
    json["S"] = best.sparsity;
    json["N"] = best.total_params;
    json["N_active"] = best.active_params;
    json["D"] = best.tokens;
    json["loss"] = best.loss;
    json["intervals"] = {{"S", interval_or_null(result.intervals, &I::sparsity)},
                         {"N", interval_or_null(result.intervals, &I::total_params)},
                         {"N_active", interval_or_null(result.intervals, &I::active_params)},
                         {"D", interval_or_null(result.intervals, &I::tokens)},
                         {"loss", interval_or_null(result.intervals, &I::loss)}};
    json["max_params"] = args.max_params ? nlohmann::ordered_json(*args.max_params) : nullptr;
    json["max_sparsity"] = args.max_sparsity;
    json["sparsity_at_bound"] = best.sparsity_at_bound;
    json["params_at_cap"] = best.params_at_cap;
    json["replicates"] = result.intervals ? result.intervals->replicates_used : 0;
    std::cout << json.dump(2) << '\n';
    return;
  }
  auto interval = [&](Interval I::*member) {
    if (!result.intervals)
      return std::string("-");
    const Interval& value = (*result.intervals).*member;
    return brief(value.lo) + " .. " + brief(value.hi);
  };
  std::cout << "Compute-optimal model at C=" << brief(args.budget)
            << (args.max_params ? " with N <= " + brief(*args.max_params) : std::string()) << '\n';
  TextTable table({"quantity", "optimum", "95% interval"});
  table.add_row({std::string("S*") + (best.sparsity_at_bound ? " (at the bound)" : ""),
                 brief(best.sparsity), interval(&I::sparsity)});
  table.add_row({std::string("N*") + (best.params_at_cap ? " (at the cap)" : ""),
                 brief(best.total_params), interval(&I::total_params)});
  table.add_row({"N_a*", brief(best.active_params), interval(&I::active_params)});
  table.add_row({"D*", brief(best.tokens), interval(&I::tokens)});
  table.add_row({"L*", brief(best.loss), interval(&I::loss)});
  table.print(std::cout);
  for (const std::string& line : result.diagnostics)
    std::cerr << "note: " << line << '\n';
}

}  // namespace

void add_optimum_command(CLI::App& app) {
  auto args = std::make_shared<OptimumArguments>();
  CLI::App* command = app.add_subcommand(
      "optimum", "Compute-optimal sparsity, size and tokens at a budget, through the Eq. 6 law");
  args->source.add_options(*command);
  command->add_option("--budget", args->budget, "Compute budget C in FLOPs")
      ->required()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--max-params", args->max_params, "Cap on total parameters N (the memory bound)")
      ->check(CLI::PositiveNumber);
  command->add_option("--max-sparsity", args->max_sparsity, "Sparsest model considered")
      ->check(CLI::Range(0.0, 0.999999))
      ->capture_default_str();
  auto* law = command->add_option("--law", args->law_file,
                                  "A law saved by `moescope fit law --save` (skips the fit)");
  law->check(CLI::ExistingFile);
  command
      ->add_option("--holdout", args->holdout,
                   "Runs left out of the law's fit, as for fit law (fit only); \"\" for none")
      ->capture_default_str();
  command->add_option("--bootstrap", args->bootstrap, "Bootstrap refits for intervals (fit only)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--threads", args->threads, "Worker threads for the fit (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args] { run_optimum(*args); });
}

}  // namespace moescope::cli
