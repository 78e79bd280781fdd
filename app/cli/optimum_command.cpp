// moescope optimum: the compute-optimal (S, N, N_a, D, L) at a budget, through the fitted law.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "data_source.h"
#include "defined_law.h"
#include "fit_progress.h"
#include "law_solver_option.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/fit/law_optimum.h"
#include "moescope/fit/optimum_report.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/saved_fit.h"
#include "moescope/law/defined_law_optimum.h"
#include "moescope/law/law_rows.h"
#include "number_options.h"
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
  std::string solver = "multistart";
  std::vector<std::string> at;  // a user-defined law's other variables, NAME=VALUE
  bool json = false;
};

// The law and its replicates: from a saved fit, or fitted now to every run of the data in the
// form the data supports.
SavedLaw obtain_law(const OptimumArguments& args) {
  if (!args.law_file.empty())
    return read_saved_law(read_json_file(args.law_file), args.law_file);
  LawFitOptions options;
  options.bootstrap = args.bootstrap;
  options.threads = args.threads;
  options.solver = parse_law_solver(args.solver).value_or(LawSolver::kMultiStart);
  RunLawFit fitted;
  {
    FitProgress progress("fitting the law (--law FIT.json reuses a fit)");
    fitted =
        fit_law_to_runs(args.source.load_usable(FitInput::kLaw), RunFilter::parse(args.holdout),
                        std::nullopt, options, progress.control());
  }
  report_left_out(fitted.data.left_out);
  if (!fitted.form_note.empty())
    std::cerr << "note: " << fitted.form_note << '\n';
  return {fitted.summary.law, std::move(fitted.summary.replicates), fitted.scope,
          std::move(fitted.summary.minima), fitted.form_note};
}

std::string extrapolation_text(const Extrapolation& extrapolation) {
  std::string text;
  auto add = [&](const char* name, const std::optional<Excursion>& excursion) {
    if (excursion) {
      text += std::string(text.empty() ? "" : "; ") + name + " = " + brief(excursion->value) +
              " (data: " + brief(excursion->range.lo) + " .. " + brief(excursion->range.hi) + ")";
    }
  };
  add("C", extrapolation.budget);
  add("N*", extrapolation.total_params);
  add("S*", extrapolation.sparsity);
  return text;
}

// A user-defined law's optimum: N* minimising L̂(N, D = C / (6N), C) with the law's other
// variables given by --at (defined_law_optimum.h), intervals from the replicates' optima.
void run_defined_optimum(const OptimumArguments& args) {
  const SavedDefinedLaw saved = read_saved_defined_law(std::filesystem::path(args.law_file));
  const law::LawDefinition& law = saved.law;
  const auto at = parse_at(args.at);
  for (const auto& [name, value] : at) {
    const auto& variables = law.variables();
    if (std::find(variables.begin(), variables.end(), name) == variables.end() || name == "N" ||
        name == "D" || name == "C") {
      throw InputError(Diagnostic{
          {"", 0, "--at", ""},
          name +
              ": --at gives the law's variables other than N, D and C (the optimum varies N "
              "and D at C = --budget); the law '" +
              law.name() + "' uses " + [&] {
                std::string names;
                for (const std::string& variable : variables)
                  names += (names.empty() ? "" : ", ") + variable;
                return names.empty() ? std::string("none") : names;
              }()});
    }
  }
  if (const auto blockers = law::defined_law_optimum_blockers(law, at); !blockers.empty()) {
    std::string names;
    for (const std::string& name : blockers) {
      const std::string_view meaning = law::variable_meaning(name);
      names += (names.empty() ? "" : ", ") + name +
               (meaning.empty() ? "" : " (" + std::string(meaning) + ")");
    }
    throw InputError(Diagnostic{
        {args.law_file, 0, "", ""},
        "the law '" + law.name() + "' gives no compute-optimal N and D by itself: it uses " +
            names + ", none of N, D and C; hold " + (blockers.size() == 1 ? "it" : "them") +
            " fixed with --at " + blockers.front() + "=VALUE to read the optimum over N and D"});
  }
  const law::DefinedLawOptimum best =
      law::defined_law_optimum(law, saved.values, at, args.budget, args.max_params);
  if (!best.refused.empty())
    throw InputError(Diagnostic{{args.law_file, 0, "", ""}, "no optimum: " + best.refused});
  std::vector<double> sizes, tokens, losses;
  std::size_t at_edge = 0;
  for (const std::vector<double>& replicate : saved.replicates) {
    const law::DefinedLawOptimum one =
        law::defined_law_optimum(law, replicate, at, args.budget, args.max_params);
    if (!one.refused.empty()) {
      ++at_edge;
      continue;
    }
    sizes.push_back(one.total_params);
    tokens.push_back(one.tokens);
    losses.push_back(one.loss);
  }
  std::optional<Interval> size_interval, token_interval, loss_interval;
  if (!losses.empty()) {
    loss_interval = percentile_interval(losses);
    if (best.has_split) {
      size_interval = percentile_interval(sizes);
      token_interval = percentile_interval(tokens);
    }
  }
  const std::string unit(to_string(saved.loss_unit));
  if (args.json) {
    nlohmann::ordered_json given = nlohmann::ordered_json::object();
    for (const auto& [name, value] : at)
      given[name] = value;
    nlohmann::ordered_json out{
        {"budget", args.budget},
        {"law", law.name()},
        {"at", given},
        {"N", best.has_split ? number_or_null(best.total_params) : nullptr},
        {"D", best.has_split ? number_or_null(best.tokens) : nullptr},
        {"loss", number_or_null(best.loss)},
        {"loss_unit", unit},
        {"intervals",
         {{"N", interval_json(size_interval)},
          {"D", interval_json(token_interval)},
          {"loss", interval_json(loss_interval)}}},
        {"max_params", args.max_params ? nlohmann::ordered_json(*args.max_params) : nullptr},
        {"params_at_cap", best.at_cap},
        {"bracket",
         {{"N", interval_json(best.bracket)},
          {"tokens_per_parameter",
           number_pair(law::kMinTokensPerParameter, law::kMaxTokensPerParameter)}}},
        {"replicates", saved.replicates.size()},
        {"replicates_at_edge", at_edge}};
    std::cout << out.dump(2) << '\n';
    return;
  }
  auto shown = [](const std::optional<Interval>& interval) {
    if (!interval)
      return std::string("-");
    if (!(interval->hi > interval->lo))
      return "- (" + brief(interval->lo) + " in every refit)";
    return brief(interval->lo) + " .. " + brief(interval->hi);
  };
  std::cout << "Compute-optimal model at C=" << brief(args.budget)
            << (args.max_params ? " with N <= " + brief(*args.max_params) : std::string())
            << ", through the law " << law.name();
  for (const auto& [name, value] : at)
    std::cout << ", " << name << " = " << brief(value);
  std::cout << '\n';
  TextTable table({"quantity", "optimum", "95% interval"});
  if (best.has_split) {
    table.add_row({std::string("N*") + (best.at_cap ? " (at the cap)" : ""),
                   brief(best.total_params), shown(size_interval)});
    table.add_row({"D*", brief(best.tokens), shown(token_interval)});
    table.add_row({"D*/N*", brief(best.tokens / best.total_params), "-"});
  }
  table.add_row({"L* (" + unit + ")", brief(best.loss), shown(loss_interval)});
  table.print(std::cout);
  if (best.has_split) {
    std::cout << "searched: N from " << brief(best.bracket.lo) << " to " << brief(best.bracket.hi)
              << " (D/N from " << brief(law::kMinTokensPerParameter) << " to "
              << brief(law::kMaxTokensPerParameter) << "), D = C/(6N)\n";
  } else {
    std::cout << "note: the law uses neither N nor D, so it gives the loss at C but no split of C "
                 "into N and D\n";
  }
  if (at_edge > 0) {
    std::cerr << "note: " << at_edge << " of " << saved.replicates.size()
              << " replicates have no optimum in the searched range; the intervals are of the "
                 "others\n";
  }
}

void run_optimum(const OptimumArguments& args) {
  const SavedLaw law = obtain_law(args);
  OptimumOptions options;
  options.max_sparsity = args.max_sparsity;
  options.max_total_params = args.max_params;
  const OptimumReadOut read_out =
      read_optimum(law.law, law.scope, law.replicates, args.budget, options);
  if (args.json) {
    std::cout << optimum_json(read_out) << '\n';
    return;
  }
  const BudgetOptimum& best = read_out.point;
  using I = BudgetOptimumIntervals;
  auto interval = [&](Interval I::*member) {
    if (!read_out.intervals)
      return std::string("-");
    const Interval& value = (*read_out.intervals).*member;
    // Every refit gave the same value: no spread to show, and no certainty either.
    if (!(value.hi > value.lo))
      return "- (" + brief(value.lo) + " in every refit)";
    return brief(value.lo) + " .. " + brief(value.hi);
  };
  std::cout << "Compute-optimal model at C=" << brief(args.budget)
            << (args.max_params ? " with N <= " + brief(*args.max_params) : std::string())
            << ", through the " << to_string(law.scope.form) << " law"
            << (law.scope.sparsity ? " fitted at S = " + brief(*law.scope.sparsity) : std::string())
            << '\n';
  TextTable table({"quantity", "optimum", "95% interval"});
  table.add_row({std::string("S*") + (best.sparsity_at_bound ? " (at the bound)" : "") +
                     (law.scope.sparsity ? " (the data's one level)" : ""),
                 brief(best.sparsity), law.scope.sparsity ? "-" : interval(&I::sparsity)});
  table.add_row({std::string("N*") + (best.params_at_cap ? " (at the cap)" : ""),
                 brief(best.total_params), interval(&I::total_params)});
  table.add_row({"N_a*", brief(best.active_params), interval(&I::active_params)});
  table.add_row({"D*", brief(best.tokens), interval(&I::tokens)});
  table.add_row({"L* (" + std::string(to_string(law.scope.loss_unit)) + ")", brief(best.loss),
                 interval(&I::loss)});
  table.print(std::cout);
  if (!read_out.extrapolation) {
    std::cout << "note: the fit file records no data range, so extrapolation cannot be judged\n";
  } else if (read_out.extrapolation->any()) {
    std::cout << "EXTRAPOLATED beyond the data (more than a factor " << kExtrapolationFactor
              << " outside its range): " << extrapolation_text(*read_out.extrapolation) << '\n';
  }
  for (const std::string& line : read_out.diagnostics)
    std::cerr << "note: " << line << '\n';
}

}  // namespace

void add_optimum_command(CLI::App& app) {
  auto args = std::make_shared<OptimumArguments>();
  CLI::App* command = app.add_subcommand(
      "optimum",
      "Compute-optimal sparsity, size and tokens at a budget, through the fitted law (Eq. 6, or "
      "Chinchilla's where the data has one sparsity)");
  args->source.add_options(*command);
  command->add_option("--budget", args->budget, "Compute budget C in FLOPs")
      ->required()
      ->check(finite_number(kPositive));
  command
      ->add_option("--max-params", args->max_params, "Cap on total parameters N (the memory bound)")
      ->check(finite_number(kPositive));
  command->add_option("--max-sparsity", args->max_sparsity, "Sparsest model considered")
      ->check(finite_number({0.0, 0.999999}))
      ->capture_default_str();
  auto* law = command->add_option("--law", args->law_file,
                                  "A law saved by `moescope fit law --save` (skips the fit)");
  law->check(CLI::ExistingFile);
  command
      ->add_option("--holdout", args->holdout,
                   "Runs left out of the law's fit, as for fit law (fit only); \"\" for none")
      ->capture_default_str();
  command->add_option("--bootstrap", args->bootstrap, "Bootstrap refits for intervals (fit only)")
      ->check(bootstrap_count())
      ->capture_default_str();
  command->add_option("--threads", args->threads, "Worker threads for the fit (0: all cores)")
      ->check(thread_count());
  add_law_solver_option(*command, args->solver);
  command
      ->add_option(
          "--at", args->at,
          "NAME=VALUE,...: a user-defined law's variables other than N, D and C, held fixed "
          "(repeatable; --law only)")
      ->allow_extra_args(false)
      ->check(name_value_list());
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args, command] {
    // A saved law is used as it is: the runs and the fit's settings would be silently ignored.
    if (!args->law_file.empty()) {
      std::string given;
      for (const char* option :
           {"--data", "--store", "--map", "--where", "--best-of", "--ignore-unknown", "--holdout",
            "--bootstrap", "--threads", "--solver"}) {
        if (command->count(option) > 0)
          given += std::string(given.empty() ? "" : ", ") + option;
      }
      if (!given.empty()) {
        throw CLI::ValidationError(
            "--law", "a saved law is read as it is, so " + given +
                         " would be ignored: use one, --law FIT.json, or the runs to fit a law "
                         "to (--data or --store, with the fit's options)");
      }
    }
    if (!args->law_file.empty() && is_defined_law_fit(read_json_file(args->law_file))) {
      run_defined_optimum(*args);
      return;
    }
    if (!args->at.empty()) {
      throw CLI::ValidationError("--at",
                                 "--at gives a user-defined law's variables (--law FIT.json "
                                 "of a law fitted with --law-file or a built-in law)");
    }
    run_optimum(*args);
  });
}

}  // namespace moescope::cli
