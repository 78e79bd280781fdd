// moescope fit law: the parametric law (Eq. 6, or Chinchilla's) by multi-start L-BFGS.
#include <iostream>

#include "data_source.h"
#include "fit_commands.h"
#include "fit_file.h"
#include "fit_progress.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/run_filter.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

struct FitLawArguments {
  DataSource source;
  std::string form = "abnar";
  std::string init_grid;
  std::string holdout = kDefaultHoldoutRule;
  int threads = 0;
  int bootstrap = 0;
  std::uint64_t seed = 1;
  std::string save;
  bool json = false;
};

LawFitOptions law_options(const FitLawArguments& args) {
  LawFitOptions options;
  options.form = args.form == "chinchilla" ? LawForm::kChinchilla : LawForm::kAbnar;
  if (args.init_grid == "epoch")
    options.init_grid = InitGrid::kEpoch;
  if (args.init_grid == "abnar-table2")
    options.init_grid = InitGrid::kAbnarTable2;
  options.threads = args.threads;
  options.bootstrap = args.bootstrap;
  options.seed = args.seed;
  return options;
}

void print_text(const LawFitSummary& summary, const DataSummary& data) {
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
            << " of " << data.points << " runs from " << data.source << '\n';
  table.print(std::cout);
  std::cout << "objective " << summary.objective << " (summed Huber on log loss); "
            << summary.converged << " of " << summary.starts << " starts converged in "
            << summary.seconds << " s\n";
  TextTable errors({"points", "n", "MSE", "Huber"});
  errors.add_row({"fit", std::to_string(summary.fit.points), brief(summary.fit.mse),
                  brief(summary.fit.huber)});
  errors.add_row({"held out (" + data.holdout_rule + ")", std::to_string(summary.holdout.points),
                  brief(summary.holdout.mse), brief(summary.holdout.huber)});
  errors.print(std::cout);
}

void run_fit_law(const FitLawArguments& args) {
  const RunFilter rule = RunFilter::parse(args.holdout);
  const LawFitOptions options = law_options(args);
  RunLawFit fitted;
  {
    FitProgress progress("fitting " + args.form + " law");
    fitted = fit_law_to_runs(args.source.load(), rule, options, progress.control());
  }
  report_left_out(fitted.data.left_out);
  const LawFitSummary& summary = fitted.summary;
  const DataSummary described{args.source.describe(), fitted.data.points.size(),
                              fitted.data.left_out.size(), rule.text()};
  const nlohmann::ordered_json json = law_json(summary, options, described);
  if (!args.save.empty())
    write_json_file(args.save, json);
  if (args.json) {
    nlohmann::ordered_json out = json;
    out.erase("replicates");  // the saved file keeps them; the summary stays readable
    std::cout << out.dump(2) << '\n';
  } else {
    print_text(summary, described);
    if (!args.save.empty())
      std::cout << "saved to " << args.save << '\n';
  }
}

}  // namespace

void add_fit_law_command(CLI::App& fit) {
  auto args = std::make_shared<FitLawArguments>();
  CLI::App* command = fit.add_subcommand(
      "law", "Fit the parametric law (Eq. 6 with sparsity, or Chinchilla's) by multi-start L-BFGS");
  args->source.add_options(*command);
  command->add_option("--form", args->form, "Law: abnar (Eq. 6) or chinchilla")
      ->check(CLI::IsMember({"abnar", "chinchilla"}))
      ->capture_default_str();
  command
      ->add_option("--init-grid", args->init_grid,
                   "Starts: epoch (4,500, Chinchilla only) or abnar-table2 (437,400 for Eq. 6); "
                   "default: the form's own")
      ->check(CLI::IsMember({"epoch", "abnar-table2"}));
  command
      ->add_option("--holdout", args->holdout,
                   "Runs held out of the fit and scored, e.g. \"S==0.98\"; \"\" for none")
      ->capture_default_str();
  command->add_option("--threads", args->threads, "Worker threads (0: all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command
      ->add_option("--bootstrap", args->bootstrap,
                   "Bootstrap refits for parameter and prediction intervals")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--seed", args->seed, "Seed of the bootstrap")->capture_default_str();
  command->add_option("--save", args->save, "Write the fitted law to FIT.json (for predict)");
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args] { run_fit_law(*args); });
}

}  // namespace moescope::cli
