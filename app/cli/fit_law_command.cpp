// moescope fit law: the parametric law (Eq. 6, or Chinchilla's) by multi-start L-BFGS.
#include <iostream>

#include "data_source.h"
#include "defined_law.h"
#include "fit_commands.h"
#include "fit_progress.h"
#include "fit_report_text.h"
#include "law_solver_option.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/fit/law_validation.h"
#include "moescope/io/saved_fit.h"
#include "moescope/law/builtin_laws.h"
#include "moescope/run/run_filter.h"
#include "number_options.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

struct FitLawArguments {
  DataSource source;
  std::string form;                // empty: the form the data supports; or a built-in law's name
  std::string law_file;            // a user-defined law (--law-file)
  std::vector<std::string> fixes;  // --fix NAME=VALUE
  std::string init_grid;
  std::string solver = "multistart";
  std::string holdout = kDefaultHoldoutRule;
  int threads = 0;
  int bootstrap = 0;
  std::uint64_t seed = 1;
  std::string validate;
  std::string save;
  bool json = false;
};

std::optional<LawForm> requested_form(const FitLawArguments& args) {
  if (args.form == "chinchilla")
    return LawForm::kChinchilla;
  if (args.form == "abnar")
    return LawForm::kAbnar;
  return std::nullopt;
}

LawFitOptions law_options(const FitLawArguments& args) {
  LawFitOptions options;
  options.form = requested_form(args).value_or(LawForm::kAbnar);
  if (args.init_grid == "epoch")
    options.init_grid = InitGrid::kEpoch;
  if (args.init_grid == "abnar-table2")
    options.init_grid = InitGrid::kAbnarTable2;
  options.solver = parse_law_solver(args.solver).value_or(LawSolver::kMultiStart);
  options.threads = args.threads;
  options.bootstrap = args.bootstrap;
  options.seed = args.seed;
  return options;
}

void print_text(const RunLawFit& fitted, const FitDataSummary& data) {
  const LawFitSummary& summary = fitted.summary;
  const auto intervals = summary.parameter_intervals();
  TextTable table({"parameter", "value", "95% interval"});
  const auto parameters = summary.law.parameters();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const std::string interval =
        intervals.empty() ? "-"
                          : brief(intervals[i].second.lo) + " .. " + brief(intervals[i].second.hi);
    table.add_row({parameters[i].first, brief(parameters[i].second), interval});
  }
  std::cout << "Law " << to_string(summary.law.form) << " fitted to " << summary.fit.points
            << " of " << data.points << " runs from " << data.source << "; losses in "
            << to_string(data.loss_unit) << '\n';
  if (!fitted.form_note.empty())
    std::cout << "note: " << fitted.form_note << '\n';
  table.print(std::cout);
  std::cout << "objective " << summary.objective << " (summed Huber on log loss); "
            << summary.converged << " of " << summary.starts << " starts converged in "
            << summary.seconds << " s\n";
  print_bootstrap_note(std::cout, summary.replicates.size(), summary.bootstrap_failed,
                       summary.minima.size());
  print_error_table(std::cout, summary.fit, summary.holdout, data.holdout_rule);
}

// A built-in law of resources/laws/ or a law file: fitted by the defined-law engine.
void run_fit_defined_law(const FitLawArguments& args, const CLI::App& command) {
  for (const char* option : {"--init-grid", "--solver"}) {
    if (command.count(option) > 0) {
      throw CLI::ValidationError(option,
                                 std::string(option) +
                                     " applies to the compiled forms (abnar, chinchilla); "
                                     "a defined law's starts are its parameters' init lists");
    }
  }
  DefinedFitArguments defined{
      .source = args.source,
      .law = load_defined_law(args.law_file.empty() ? args.form : "", args.law_file, args.fixes,
                              args.source.read.mapping),
      .holdout = args.holdout,
      .options = {},
      .validate = args.validate,
      .save = args.save,
      .json = args.json};
  defined.options.threads = args.threads;
  defined.options.bootstrap = args.bootstrap;
  defined.options.seed = args.seed;
  run_defined_law_fit(std::move(defined));
}

void run_fit_law(const FitLawArguments& args) {
  const RunFilter rule = RunFilter::parse(args.holdout);
  const LawFitOptions options = law_options(args);
  const std::vector<Run> runs = args.source.load_usable(FitInput::kLaw);
  RunLawFit fitted;
  {
    FitProgress progress(args.form.empty() ? std::string("fitting the law")
                                           : "fitting the " + args.form + " law");
    fitted = fit_law_to_runs(runs, rule, requested_form(args), options, progress.control());
  }
  report_left_out(fitted.data.left_out);
  std::optional<LawValidation> validation;
  if (!args.validate.empty()) {
    FitProgress progress("validating across budgets");
    validation = validate_law(fitted.data.points, fitted.holdout, fitted.options, fitted.summary,
                              args.validate == "forward" ? ValidationScheme::kForward
                                                         : ValidationScheme::kLeaveOneBudgetOut,
                              progress.control());
  }
  const FitDataSummary described{.source = args.source.describe(),
                                 .points = fitted.data.points.size(),
                                 .left_out = fitted.data.left_out.size(),
                                 .holdout_rule = rule.text(),
                                 .loss_unit = fitted.data.loss_unit,
                                 .conversion = args.source.conversion_applied()};
  nlohmann::ordered_json json = law_json(fitted, described);
  if (validation)
    json["validation"] = validation_json(*validation);
  if (!args.save.empty())
    write_json_file(args.save, json);
  if (args.json) {
    nlohmann::ordered_json out = json;
    out.erase("replicates");  // the saved file keeps them; the summary stays readable
    std::cout << out.dump(2) << '\n';
  } else {
    print_text(fitted, described);
    if (validation)
      print_validation(*validation);
    if (!args.save.empty())
      std::cout << "saved to " << args.save << '\n';
  }
}

}  // namespace

void add_fit_law_command(CLI::App& fit) {
  auto args = std::make_shared<FitLawArguments>();
  CLI::App* command = fit.add_subcommand(
      "law",
      "Fit a scaling law by multi-start L-BFGS: Eq. 6 with sparsity, Chinchilla's, a law built in "
      "(--form kaplan, ...) or one of your own (--law-file LAW.json)");
  args->source.add_options(*command);
  auto* form =
      command
          ->add_option("--form", args->form,
                       "Law: abnar (Eq. 6), chinchilla, or a law built in (" +
                           law::builtin_law_names() +
                           "); default: abnar, or chinchilla where every fit run has one sparsity")
          ->check(CLI::IsMember(law_form_names()));
  command
      ->add_option("--law-file", args->law_file,
                   "A law of your own, LAW.json (expression, parameters, fixed values; the "
                   "README's law-file format), instead of --form")
      ->check(CLI::ExistingFile)
      ->excludes(form);
  // One NAME=VALUE per --fix, so that no later word is taken for one.
  command
      ->add_option(
          "--fix", args->fixes,
          "NAME=VALUE: hold a parameter of a defined law at VALUE, or change a fixed value "
          "(repeatable)")
      ->allow_extra_args(false)
      ->check(name_value_list());
  command
      ->add_option("--init-grid", args->init_grid,
                   "Starts: epoch (4,500, Chinchilla only) or abnar-table2 (437,400 for Eq. 6); "
                   "default: the form's own")
      ->check(CLI::IsMember({"epoch", "abnar-table2"}));
  add_law_solver_option(*command, args->solver);
  command
      ->add_option("--holdout", args->holdout,
                   "Runs held out of the fit and scored, e.g. \"S==0.98\"; \"\" for none")
      ->capture_default_str();
  command->add_option("--threads", args->threads, "Worker threads (0: all cores)")
      ->check(thread_count())
      ->capture_default_str();
  command
      ->add_option("--bootstrap", args->bootstrap,
                   "Bootstrap refits for parameter and prediction intervals")
      ->check(bootstrap_count())
      ->capture_default_str();
  command->add_option("--seed", args->seed, "Seed of the bootstrap")
      ->check(seed_number())
      ->capture_default_str();
  command
      ->add_option("--validate", args->validate,
                   "budgets: refit with each budget left out and score it; forward: fit the "
                   "smaller budgets and score the largest")
      ->check(CLI::IsMember({"budgets", "forward"}));
  command->add_option("--save", args->save, "Write the fitted law to FIT.json (for predict)");
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args, command] {
    if (!args->law_file.empty() || (!args->form.empty() && !is_compiled_form(args->form))) {
      run_fit_defined_law(*args, *command);
      return;
    }
    if (!args->fixes.empty()) {
      throw CLI::ValidationError("--fix", "--fix applies to the laws defined by files (--form " +
                                              law::builtin_law_names() + ", or --law-file); " +
                                              args->form + " is a compiled form");
    }
    run_fit_law(*args);
  });
}

}  // namespace moescope::cli
