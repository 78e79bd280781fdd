// moescope fit compare: several saved laws (compiled forms or defined laws) scored side by side
// on one data set.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>

#include "data_source.h"
#include "defined_law.h"
#include "fit_commands.h"
#include "fit_progress.h"
#include "moescope/fit/fit_refused.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/fit/law_validation.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/saved_fit.h"
#include "moescope/law/law_rows.h"
#include "moescope/run/run_filter.h"
#include "number_options.h"
#include "text_table.h"

namespace moescope::cli {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct CompareArguments {
  std::vector<std::string> fits;
  DataSource source;
  std::string holdout = kDefaultHoldoutRule;
  bool validate = true;
  int threads = 0;
  bool json = false;
};

// One saved fit, scored.
struct Scored {
  std::string file;
  std::string law;   // "chinchilla", "kaplan", the law file's name
  std::string kind;  // "compiled" or "defined"
  std::size_t free_parameters = 0;
  std::vector<std::pair<std::string, double>> parameters;  // free, then fixed
  std::vector<std::string> fixed;                          // names of the fixed ones
  std::vector<std::pair<std::string, std::optional<Interval>>> intervals;
  ErrorMeasures fit, holdout;
  std::vector<std::size_t> fit_runs;  // the runs of the fit rows, sorted: the rows AIC compares
  std::string rows_described;         // "245 runs", "12 budget optima"
  double rss_log = kNaN;
  std::optional<LawValidation> validation;
  std::string validation_refused;
  double aic = kNaN, bic = kNaN;
};

ErrorMeasures pooled(const LawValidation& validation) {
  ErrorMeasures total;
  double squared = 0, huber = 0;
  for (const BudgetValidation& budget : validation.budgets) {
    if (budget.errors.points == 0)
      continue;
    squared += budget.errors.mse * static_cast<double>(budget.errors.points);
    huber += budget.errors.huber * static_cast<double>(budget.errors.points);
    total.points += budget.errors.points;
  }
  if (total.points > 0) {
    total.mse = squared / static_cast<double>(total.points);
    total.huber = huber / static_cast<double>(total.points);
  }
  return total;
}

std::optional<Interval> interval_of(std::vector<double> values) {
  if (values.empty())
    return std::nullopt;
  return percentile_interval(std::move(values));
}

Scored score_compiled(const std::string& file, const nlohmann::json& json,
                      const std::vector<Run>& runs, const RunFilter& rule,
                      const CompareArguments& args) {
  const SavedLaw saved = read_saved_law(json, file);
  Scored scored;
  scored.file = file;
  scored.law = std::string(to_string(saved.law.form));
  scored.kind = "compiled";
  scored.parameters = saved.law.parameters();
  scored.free_parameters = scored.parameters.size();
  for (std::size_t i = 0; i < scored.parameters.size(); ++i) {
    std::vector<double> values;
    for (const FittedLaw& replicate : saved.replicates)
      values.push_back(replicate.parameters()[i].second);
    scored.intervals.emplace_back(scored.parameters[i].first, interval_of(std::move(values)));
  }
  LawFitOptions options;
  options.form = saved.law.form;
  options.threads = args.threads;
  if (const auto found = json.find("options"); found != json.end() && found->is_object()) {
    const auto grid = found->find("init_grid");
    if (grid != found->end() && grid->is_string() && *grid == "epoch")
      options.init_grid = InitGrid::kEpoch;
    if (grid != found->end() && grid->is_string() && *grid == "abnar-table2")
      options.init_grid = InitGrid::kAbnarTable2;
    const auto delta = found->find("huber_delta");
    if (delta != found->end() && delta->is_number() && delta->get<double>() > 0 &&
        std::isfinite(delta->get<double>()))
      options.huber_delta = delta->get<double>();
    const auto seed = found->find("seed");
    if (seed != found->end() && seed->is_number_unsigned())
      options.seed = seed->get<std::uint64_t>();
  }
  if (!options.validate().empty())
    options.init_grid.reset();  // a grid of the other form: the form's own
  const ScalingData data = scaling_points(runs);
  std::vector<bool> holdout;
  std::vector<ScalingPoint> fit_points, held_points;
  for (const ScalingPoint& point : data.points) {
    holdout.push_back(rule.matches(runs[point.run_index]));
    (holdout.back() ? held_points : fit_points).push_back(point);
  }
  scored.fit = measure_errors(saved.law, fit_points, options.huber_delta);
  scored.holdout = measure_errors(saved.law, held_points, options.huber_delta);
  scored.rss_log = 0;
  for (const ScalingPoint& point : fit_points) {
    const double residual = std::log(point.loss) - std::log(saved.law.loss(point));
    scored.rss_log += residual * residual;
    scored.fit_runs.push_back(point.run_index);
  }
  if (!std::isfinite(scored.rss_log))
    scored.rss_log = kNaN;
  scored.rows_described = std::to_string(fit_points.size()) + " runs";
  if (args.validate) {
    LawFitSummary full;
    full.law = saved.law;
    full.minima = {saved.law};
    try {
      scored.validation =
          validate_law(data.points, holdout, options, full, ValidationScheme::kLeaveOneBudgetOut);
    } catch (const FitRefused& refused) {
      scored.validation_refused = refused.what();
    }
  }
  return scored;
}

Scored score_defined(const std::string& file, const std::vector<Run>& runs, const RunFilter& rule,
                     const CompareArguments& args, const SavedDefinedLaw& saved) {
  const law::LawDefinition& law = saved.law;
  Scored scored;
  scored.file = file;
  scored.law = law.name();
  scored.kind = "defined";
  scored.free_parameters = law.parameters().size();
  for (std::size_t i = 0; i < law.parameters().size(); ++i) {
    scored.parameters.emplace_back(law.parameters()[i].name, saved.values[i]);
    std::vector<double> values;
    for (const std::vector<double>& replicate : saved.replicates)
      values.push_back(replicate[i]);
    scored.intervals.emplace_back(law.parameters()[i].name, interval_of(std::move(values)));
  }
  for (const law::FixedValue& fixed : law.fixed()) {
    scored.parameters.emplace_back(fixed.name, fixed.value);
    scored.fixed.push_back(fixed.name);
  }
  require_law_variables(law, runs, args.source.describe());
  const law::LawRows rows = law::law_rows(runs, law, rule);
  std::vector<std::size_t> fit_rows, held_rows;
  for (std::size_t i = 0; i < rows.rows.size(); ++i) {
    (rows.holdout[i] ? held_rows : fit_rows).push_back(i);
    if (!rows.holdout[i])
      scored.fit_runs.push_back(rows.rows[i].source_index);
  }
  scored.fit = law::defined_law_errors(law, saved.values, rows.rows, fit_rows);
  scored.holdout = law::defined_law_errors(law, saved.values, rows.rows, held_rows);
  scored.rss_log = law::log_residual_sum_of_squares(law, saved.values, rows.rows, fit_rows);
  scored.rows_described = std::to_string(fit_rows.size()) +
                          (law.fit_to() == law::FitTo::kRuns ? " runs" : " budget optima");
  if (args.validate) {
    law::DefinedLawFitOptions options;
    options.threads = args.threads;
    try {
      scored.validation =
          law::validate_defined_law(law, rows, options, ValidationScheme::kLeaveOneBudgetOut)
              .validation;
    } catch (const FitRefused& refused) {
      if (refused.reason() == RefusalReason::kCancelled)
        throw;
      scored.validation_refused = refused.what();
    }
  }
  return scored;
}

// AIC and BIC where every fit scores the same rows; the reason they are not shown otherwise.
std::string information_criteria(std::vector<Scored>& fits) {
  for (const Scored& fit : fits) {
    if (fit.fit_runs != fits.front().fit_runs) {
      std::string sets;
      for (const Scored& each : fits)
        sets += (sets.empty() ? "" : ", ") + each.file + ": " + each.rows_described;
      return "the fits evaluate different rows (" + sets +
             "), so their AIC and BIC are not comparable";
    }
  }
  for (Scored& fit : fits) {
    const auto n = static_cast<double>(fit.fit_runs.size());
    const auto k = static_cast<double>(fit.free_parameters);
    if (n > 0 && fit.rss_log > 0 && std::isfinite(fit.rss_log)) {
      const double log_likelihood_term = n * std::log(fit.rss_log / n);
      fit.aic = log_likelihood_term + 2 * k;
      fit.bic = log_likelihood_term + k * std::log(n);
    }
  }
  return {};
}

nlohmann::ordered_json errors_object(const ErrorMeasures& errors) {
  return {{"points", errors.points},
          {"mse", number_or_null(errors.mse)},
          {"huber", number_or_null(errors.huber)}};
}

void run_fit_compare(CompareArguments args) {
  const RunFilter rule = RunFilter::parse(args.holdout);
  struct Loaded {
    std::string file;
    nlohmann::json json;
    std::optional<SavedDefinedLaw> defined;
    LossUnit unit;
  };
  std::vector<Loaded> loaded;
  std::vector<std::string> extras;
  for (const std::string& file : args.fits) {
    Loaded item{file, read_json_file(file), std::nullopt, kDefaultLossUnit};
    if (saved_fit_kind(item.json, file) != "law")
      throw InputError(
          Diagnostic{{file, 0, "", ""}, "holds no law fit (fit compare compares laws)"});
    item.unit = saved_fit_loss_unit(item.json, file);
    if (is_defined_law_fit(item.json)) {
      item.defined = read_saved_defined_law(std::filesystem::path(file));
      for (const std::string& name : law_extras(item.defined->law)) {
        if (std::find(extras.begin(), extras.end(), name) == extras.end())
          extras.push_back(name);
      }
    }
    loaded.push_back(std::move(item));
  }
  args.source.allow_extra_fields(extras);
  const std::vector<Run> runs = args.source.load();
  std::vector<Scored> fits;
  LossUnit data_unit = kDefaultLossUnit;
  {
    FitProgress progress(args.validate ? "scoring the fits (refitting each without each budget)"
                                       : "scoring the fits");
    for (const Loaded& item : loaded) {
      Scored scored = item.defined ? score_defined(item.file, runs, rule, args, *item.defined)
                                   : score_compiled(item.file, item.json, runs, rule, args);
      fits.push_back(std::move(scored));
    }
  }
  {
    std::vector<std::size_t> all;
    for (const Scored& fit : fits)
      all.insert(all.end(), fit.fit_runs.begin(), fit.fit_runs.end());
    std::vector<std::size_t> unique(all);
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    if (!unique.empty())
      data_unit = runs[unique.front()].loss_unit;
  }
  for (const Loaded& item : loaded) {
    if (item.unit != data_unit) {
      throw InputError(Diagnostic{{item.file, 0, "", ""},
                                  "was fitted to losses in " + std::string(to_string(item.unit)) +
                                      ", the data's are in " + std::string(to_string(data_unit)) +
                                      ": convert them (--convert-loss, "
                                      "--bytes-per-token) or compare fits of one unit"});
    }
  }
  const std::string refused_criteria = information_criteria(fits);
  const std::string assumption =
      "AIC = n ln(RSS/n) + 2k and BIC = n ln(RSS/n) + k ln n, RSS the sum of squared log-loss "
      "residuals over the n fit rows and k the free parameters: they assume Gaussian "
      "log-residuals and compare only fits scored on the same rows";
  if (args.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Scored& fit : fits) {
      nlohmann::ordered_json params = nlohmann::ordered_json::object();
      for (const auto& [name, value] : fit.parameters)
        params[name] = number_or_null(value);
      nlohmann::ordered_json intervals = nlohmann::ordered_json::object();
      for (const auto& [name, interval] : fit.intervals)
        intervals[name] = interval_json(interval);
      nlohmann::ordered_json validation = nullptr;
      if (fit.validation) {
        const ErrorMeasures total = pooled(*fit.validation);
        validation = {{"points", total.points},
                      {"mse", number_or_null(total.mse)},
                      {"huber", number_or_null(total.huber)},
                      {"budgets", fit.validation->budgets.size()},
                      {"refused", fit.validation->refused}};
      } else if (!fit.validation_refused.empty()) {
        validation = {{"refused", {fit.validation_refused}}};
      }
      list.push_back({{"file", fit.file},
                      {"law", fit.law},
                      {"kind", fit.kind},
                      {"free_parameters", fit.free_parameters},
                      {"params", params},
                      {"fixed", fit.fixed},
                      {"param_intervals", intervals},
                      {"fit", errors_object(fit.fit)},
                      {"holdout", errors_object(fit.holdout)},
                      {"leave_one_budget_out", validation},
                      {"rss_log", number_or_null(fit.rss_log)},
                      {"aic", number_or_null(fit.aic)},
                      {"bic", number_or_null(fit.bic)}});
    }
    nlohmann::ordered_json out{
        {"source", args.source.describe()},
        {"loss_unit", to_string(data_unit)},
        {"holdout_rule", rule.text()},
        {"information_criteria",
         {{"comparable", refused_criteria.empty()},
          {"note", refused_criteria.empty() ? assumption : refused_criteria}}},
        {"fits", list}};
    std::cout << out.dump(2) << '\n';
    return;
  }
  std::cout << "Fits compared on " << args.source.describe() << "; losses in "
            << to_string(data_unit)
            << "; held out: " << (rule.text().empty() ? std::string("none") : rule.text()) << '\n';
  for (std::size_t f = 0; f < fits.size(); ++f) {
    const Scored& fit = fits[f];
    std::cout << '\n'
              << f + 1 << ". " << fit.file << ": " << fit.law << " (" << fit.kind << ", "
              << fit.free_parameters << " free parameters)\n";
    TextTable table({"parameter", "value", "95% interval"});
    for (std::size_t i = 0; i < fit.parameters.size(); ++i) {
      const auto& [name, value] = fit.parameters[i];
      std::string interval = "-";
      if (std::find(fit.fixed.begin(), fit.fixed.end(), name) != fit.fixed.end())
        interval = "fixed";
      else if (i < fit.intervals.size() && fit.intervals[i].second) {
        const Interval& range = *fit.intervals[i].second;
        interval = range.hi > range.lo ? brief(range.lo) + " .. " + brief(range.hi)
                                       : "- (" + brief(range.lo) + " in every refit)";
      }
      table.add_row({name, brief(value), interval});
    }
    table.print(std::cout);
  }
  std::cout << '\n';
  TextTable table({"fit", "law", "k", "n", "MSE", "Huber", "held n", "held MSE", "held Huber",
                   "LOBO MSE", "LOBO Huber", "AIC", "BIC"});
  for (std::size_t f = 0; f < fits.size(); ++f) {
    const Scored& fit = fits[f];
    const bool held = fit.holdout.points > 0;
    std::string lobo_mse = "-", lobo_huber = "-";
    if (fit.validation) {
      const ErrorMeasures total = pooled(*fit.validation);
      if (total.points > 0) {
        lobo_mse = brief(total.mse);
        lobo_huber = brief(total.huber);
      }
    }
    table.add_row({std::to_string(f + 1), fit.law, std::to_string(fit.free_parameters),
                   std::to_string(fit.fit.points), brief(fit.fit.mse), brief(fit.fit.huber),
                   std::to_string(fit.holdout.points), held ? brief(fit.holdout.mse) : "-",
                   held ? brief(fit.holdout.huber) : "-", lobo_mse, lobo_huber,
                   std::isfinite(fit.aic) ? brief(fit.aic) : "-",
                   std::isfinite(fit.bic) ? brief(fit.bic) : "-"});
  }
  table.print(std::cout);
  std::cout << "MSE in (" << to_string(data_unit)
            << ")^2; Huber: mean Huber term of log L - log L_hat (each law's delta); LOBO: each "
               "budget predicted by a refit without it, pooled over the budgets\n";
  std::cout << (refused_criteria.empty() ? assumption : "AIC, BIC: -, " + refused_criteria) << '\n';
  for (const Scored& fit : fits) {
    if (!fit.validation_refused.empty())
      std::cout << "not validated: " << fit.file << ": " << fit.validation_refused << '\n';
    if (fit.validation) {
      for (const std::string& line : fit.validation->refused)
        std::cout << "not validated: " << fit.file << ": " << line << '\n';
    }
  }
}

}  // namespace

void add_fit_compare_command(CLI::App& fit) {
  auto args = std::make_shared<CompareArguments>();
  CLI::App* command = fit.add_subcommand(
      "compare",
      "Score saved law fits (FIT.json, compiled forms or defined laws) side by side on one data "
      "set: parameters, fit, held-out and leave-one-budget-out errors, AIC and BIC");
  command->add_option("fits", args->fits, "FIT.json files from `moescope fit law --save`")
      ->required()
      ->check(CLI::ExistingFile);
  args->source.add_options(*command);
  command
      ->add_option("--holdout", args->holdout,
                   "Runs held out of the fit error and scored apart, as for fit law; \"\" for none")
      ->capture_default_str();
  command->add_flag("!--no-validate", args->validate,
                    "Skip the leave-one-budget-out refits (each law refitted without each budget)");
  command->add_option("--threads", args->threads, "Worker threads for the refits (0: all cores)")
      ->check(thread_count())
      ->capture_default_str();
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([args] { run_fit_compare(*args); });
}

}  // namespace moescope::cli
