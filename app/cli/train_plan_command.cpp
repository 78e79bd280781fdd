// moescope train plan: concrete architectures, tokens and steps for wanted cells (C, N, S), for
// the gaps of the store's IsoFLOP curves, or for the runs that would most narrow S* or N* (active
// design, --next), and a moescope-train spec file for each.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "data_source.h"
#include "fit_progress.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/io/diagnostic.h"
#include "moescope/io/json_file.h"
#include "moescope/io/number_format.h"
#include "moescope/io/saved_fit.h"
#include "moescope/launch/hosts.h"
#include "moescope/model/accounting.h"
#include "moescope/plan/active_design.h"
#include "moescope/plan/plan_cost.h"
#include "moescope/plan/planning.h"
#include "moescope/store/run_store.h"
#include "number_options.h"
#include "text_table.h"
#include "train_commands.h"

namespace moescope::cli {
namespace {

struct PlanArguments {
  std::vector<std::string> cells;
  bool gaps = false;
  int next = 0;  // --next K; 0: not asked
  std::string target = "S*";
  std::optional<double> reference_size;
  std::vector<int> degrees;  // --next's surfaces; empty: the degree search
  std::vector<double> budgets;
  std::string store;
  std::string law_file;
  std::string holdout = kDefaultHoldoutRule;
  GapOptions gap;
  std::optional<double> size_tolerance;  // default: the gaps' or active design's own
  PlannerOptions planner;
  std::optional<double> tolerance;  // default: the planner's, or with --gaps the gaps' own
  std::string estimator = "eq9";
  TrainingSettings training;
  std::string out_dir;
  bool json = false;
  std::string host = "local";
  bool allow_repeats = false;
  double max_hours = kDefaultMaxPlanHours;
};

// "C,N,S" -> a cell; nullopt unless it is three numbers.
std::optional<Cell> parse_cell(const std::string& text) {
  std::vector<double> numbers;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t comma = std::min(text.find(',', begin), text.size());
    const std::optional<double> number = parse_number(text.substr(begin, comma - begin));
    if (!number)
      return std::nullopt;
    numbers.push_back(*number);
    begin = comma + 1;
  }
  if (numbers.size() != 3)
    return std::nullopt;
  return Cell{numbers[0], numbers[1], numbers[2]};
}

// Eq. 6, or a Chinchilla-form law as Eq. 6 without sparsity terms (the data's one level is the
// only one the gaps are planned at).
SparsityLaw obtain_law(const PlanArguments& args, const std::vector<Run>& runs) {
  if (!args.law_file.empty()) {
    const SavedLaw saved = read_saved_law(read_json_file(args.law_file), args.law_file);
    if (saved.law.form != LawForm::kAbnar && !saved.scope.sparsity) {
      Diagnostic diagnostic;
      diagnostic.where.file = args.law_file;
      diagnostic.message =
          "gaps around N*(C, S) need Eq. 6, or Chinchilla's form fitted to one sparsity level; "
          "this Chinchilla law was fitted across several";
      throw InputError(std::move(diagnostic));
    }
    return saved.law.as_sparsity_law();
  }
  RunLawFit fitted;
  {
    FitProgress progress("fitting the law (--law FIT.json reuses a fit)");
    fitted = fit_law_to_runs(runs, RunFilter::parse(args.holdout), std::nullopt, LawFitOptions{},
                             progress.control());
  }
  report_left_out(fitted.data.left_out);
  return fitted.summary.law.as_sparsity_law();
}

Plan make_plan(const PlanArguments& args, const PlannerOptions& planner) {
  if (!args.gaps) {
    std::vector<Cell> cells;
    for (const std::string& text : args.cells)
      cells.push_back(*parse_cell(text));  // checked when parsed
    try {
      return {plan_cells(cells, planner), {}, {}};
    } catch (const PlanRefused& refused) {
      const std::size_t count = refused.messages().size();
      std::string message =
          std::to_string(count) + (count == 1 ? " cell" : " cells") + " cannot be planned:";
      for (const std::string& line : refused.messages())
        message += "\n  " + line;
      throw std::runtime_error(message);
    }
  }
  const std::vector<Run> runs = RunStore::open_read_only(resolve_store_path(args.store)).runs();
  return plan_gaps(runs, args.budgets, obtain_law(args, runs), planner, args.gap);
}

nlohmann::ordered_json cost_json(const RunCost& cost) {
  return {{"flops", cost.flops},
          {"steps", cost.steps},
          {"tokens", cost.tokens},
          {"epochs", cost.epochs},
          {"wall_seconds",
           cost.wall_seconds ? number_or_null(*cost.wall_seconds) : nlohmann::ordered_json()},
          {"memory_bytes", cost.memory_bytes}};
}

nlohmann::ordered_json run_json(const PlannedRun& run, const RunCost& cost) {
  const Architecture& arch = run.architecture;
  nlohmann::ordered_json json = {
      {"name", run_label(run)},
      {"cell", {{"C", run.cell.compute}, {"N", run.cell.total_params}, {"S", run.cell.sparsity}}},
      {"architecture",
       {{"d_model", arch.d_model},
        {"layers", arch.n_layers},
        {"heads", arch.n_heads},
        {"experts", arch.experts},
        {"active", arch.active},
        {"granularity", arch.granularity},
        {"vocab", arch.vocab},
        {"context", arch.context}}},
      {"N", run.total_params},
      {"N_active", run.active_params},
      {"S", sparsity(arch)},
      {"relative_error", run.relative_error},
      {"flops_per_token", run.flops_per_token},
      {"D", run.tokens},
      {"batch_size", run.batch_size},
      {"steps", run.steps}};
  const nlohmann::ordered_json costs = cost_json(cost);
  for (const auto& [key, value] : costs.items()) {
    if (key != "steps" && key != "tokens")  // the planned steps above; D is the tokens asked for
      json[key] = value;
  }
  return json;
}

void print_json(const Plan& plan, const PlanCost& cost,
                const std::vector<std::filesystem::path>& files, const PlannerOptions& planner) {
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    nlohmann::ordered_json run = run_json(plan.runs[i], cost.runs[i]);
    if (i < files.size())
      run["spec_file"] = files[i].string();
    runs.push_back(run);
  }
  const nlohmann::ordered_json out = {{"estimator", to_string(planner.estimator)},
                                      {"tolerance", planner.relative_tolerance},
                                      {"runs", runs},
                                      {"total", cost_json(cost.total)},
                                      {"throughput", cost.throughput_note},
                                      {"memory", cost.memory_basis},
                                      {"over_epochs", cost.over_epochs},
                                      {"time_warning", cost.time_warning},
                                      {"refused", plan.refused},
                                      {"notes", plan.notes}};
  std::cout << out.dump(2) << '\n';
}

std::string wall_cell(const std::optional<double>& seconds) {
  return seconds ? describe_duration(*seconds) : "-";
}

// FLOPs, steps, epochs, wall time and memory per run and in total.
void print_cost(const Plan& plan, const PlanCost& cost) {
  TextTable table({"name", "FLOPs", "steps", "epochs", "wall", "memory"});
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const RunCost& run = cost.runs[i];
    table.add_row({run_label(plan.runs[i]), brief(run.flops), std::to_string(run.steps),
                   brief(run.epochs), wall_cell(run.wall_seconds),
                   describe_bytes(run.memory_bytes)});
  }
  // Runs train one at a time: the memory a host needs is the largest run's.
  table.add_row({"total (memory: largest)", brief(cost.total.flops),
                 std::to_string(cost.total.steps), brief(cost.total.epochs),
                 wall_cell(cost.total.wall_seconds), describe_bytes(cost.total.memory_bytes)});
  std::cout << "cost (FLOPs by Eq. 9 of the whole steps trained; memory " << cost.memory_basis
            << "):\n";
  table.print(std::cout);
  std::cout << cost.throughput_note << '\n';
}

void print_text(const Plan& plan, const PlanCost& cost,
                const std::vector<std::filesystem::path>& files, const PlannerOptions& planner) {
  TextTable table({"name", "C", "N target", "N", "error", "S", "d_model", "layers", "heads", "E",
                   "K", "G", "D", "steps"});
  for (const PlannedRun& run : plan.runs) {
    const Architecture& arch = run.architecture;
    table.add_row({run_label(run), brief(run.cell.compute), brief(run.cell.total_params),
                   brief(run.total_params), brief(100 * run.relative_error) + "%",
                   brief(run.cell.sparsity), std::to_string(arch.d_model),
                   std::to_string(arch.n_layers), std::to_string(arch.n_heads),
                   std::to_string(arch.experts), std::to_string(arch.active),
                   std::to_string(arch.granularity), brief(run.tokens), std::to_string(run.steps)});
  }
  std::cout << plan.runs.size() << " run" << (plan.runs.size() == 1 ? "" : "s")
            << " planned (D = C / FLOPs per token by " << to_string(planner.estimator) << "; batch "
            << planner.batch_size << " x context " << planner.context << ")\n";
  if (!plan.runs.empty()) {
    table.print(std::cout);
    print_cost(plan, cost);
  }
  if (!files.empty())
    std::cout << "specs written to " << files.front().parent_path().string() << '\n';
}

// The host's measured throughput, where `moescope hosts check HOST --benchmark` saved it.
CostOptions cost_options(const PlanArguments& args) {
  CostOptions options;
  options.corpus = corpus_size(args.training.corpus);
  options.host = args.host;
  options.allow_repeats = args.allow_repeats;
  options.max_hours = args.max_hours;
  const std::filesystem::path table = throughput_table_file(args.host, default_hosts_file());
  if (std::filesystem::exists(table))
    options.throughput = read_throughput_table(table);
  return options;
}

// ---- --next: active design ------------------------------------------------------------------

ActiveDesignOptions design_options(const PlanArguments& args, const PlannerOptions& planner) {
  ActiveDesignOptions options;
  options.target = parse_design_target(args.target).value_or(DesignTarget::kOptimalSparsity);
  options.budgets = args.budgets;
  options.proposals = args.next;
  options.reference_size = args.reference_size;
  if (!args.degrees.empty())
    options.surface.degrees = SurfaceDegrees{args.degrees[0], args.degrees[1], args.degrees[2]};
  if (args.size_tolerance)
    options.size_tolerance = *args.size_tolerance;
  options.planner = planner;
  options.allow_repeats = args.allow_repeats;
  return options;
}

nlohmann::ordered_json component_json(const DesignComponent& c, DesignTarget target) {
  nlohmann::ordered_json json = {{"budget", c.budget}, {"target", to_string(target)}};
  if (target == DesignTarget::kOptimalSparsity)  // read at a size, which says where it came from
    json.update({{"size", c.size}, {"size_basis", c.size_basis}});
  else
    json["sparsity"] = c.sparsity;
  json.update({{"estimate", number_or_null(c.estimate)},
               {"interval", number_pair(c.interval.lo, c.interval.hi)},
               {"width", number_or_null(c.width)},
               {"expected_width", number_or_null(c.expected_width)},
               {"replicates", c.replicates},
               {"replicates_dropped", c.replicates_dropped}});
  return json;
}

void print_design_json(const ActiveDesign& design, const PlanCost& cost,
                       const std::vector<std::filesystem::path>& files,
                       const PlannerOptions& planner) {
  nlohmann::ordered_json proposals = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < design.proposals.size(); ++i) {
    const DesignProposal& proposal = design.proposals[i];
    nlohmann::ordered_json run = {{"rank", i + 1},
                                  {"score", number_or_null(proposal.score)},
                                  {"design", proposal.run.design}};
    run.update(run_json(proposal.run, cost.runs[i]));
    if (i < files.size())
      run["spec_file"] = files[i].string();
    proposals.push_back(run);
  }
  nlohmann::ordered_json components = nlohmann::ordered_json::array();
  for (const DesignComponent& component : design.components)
    components.push_back(component_json(component, design.target));
  const nlohmann::ordered_json out = {
      {"target", to_string(design.target)}, {"estimator", to_string(planner.estimator)},
      {"candidates", design.candidates},    {"proposals", proposals},
      {"components", components},           {"total", cost_json(cost.total)},
      {"throughput", cost.throughput_note}, {"memory", cost.memory_basis},
      {"over_epochs", cost.over_epochs},    {"time_warning", cost.time_warning},
      {"refused", design.refused},          {"notes", design.notes},
  };
  std::cout << out.dump(2) << '\n';
}

// The proposals in rank order, then each read-out's interval now and expected after them all.
void print_design_text(const ActiveDesign& design, const Plan& plan, const PlanCost& cost,
                       const std::vector<std::filesystem::path>& files,
                       const PlannerOptions& planner) {
  const std::size_t count = design.proposals.size();
  std::cout << count << " run" << (count == 1 ? "" : "s") << " proposed to narrow "
            << to_string(design.target) << " (of " << design.candidates
            << " candidate cells; D = C / FLOPs per token by " << to_string(planner.estimator)
            << "; batch " << planner.batch_size << " x context " << planner.context << ")\n";
  if (count > 0) {
    TextTable table(
        {"rank", "name", "N", "S", "d_model", "layers", "heads", "E", "K", "D", "steps", "score"});
    for (std::size_t i = 0; i < count; ++i) {
      const PlannedRun& run = design.proposals[i].run;
      const Architecture& arch = run.architecture;
      table.add_row({std::to_string(i + 1), run_label(run), brief(run.total_params),
                     brief(run.cell.sparsity), std::to_string(arch.d_model),
                     std::to_string(arch.n_layers), std::to_string(arch.n_heads),
                     std::to_string(arch.experts), std::to_string(arch.active), brief(run.tokens),
                     std::to_string(run.steps), brief(design.proposals[i].score)});
    }
    table.print(std::cout);
  }
  // S*'s N_ref: where it came from, last; N*'s widths are in ln N.
  const bool sparsity = design.target == DesignTarget::kOptimalSparsity;
  TextTable table({"read-out", "estimate", "95% interval", sparsity ? "width" : "width (ln N)",
                   "expected after " + std::to_string(count), "replicates (dropped)",
                   sparsity ? "N_ref" : ""});
  for (const DesignComponent& c : design.components) {
    table.add_row({c.describe(), brief(c.estimate),
                   "[" + brief(c.interval.lo) + ", " + brief(c.interval.hi) + "]", brief(c.width),
                   brief(c.expected_width),
                   std::to_string(c.replicates) + " (" + std::to_string(c.replicates_dropped) + ")",
                   sparsity ? c.size_basis : ""});
  }
  if (!design.components.empty()) {
    std::cout << "bootstrap intervals now, and their widths expected after the proposals:\n";
    table.print(std::cout);
  }
  if (count > 0)
    print_cost(plan, cost);
  if (!files.empty())
    std::cout << "specs written to " << files.front().parent_path().string() << '\n';
}

// Proposes, costs, writes the specs and reports; throws when nothing could be proposed, after
// saying why.
void run_next(const PlanArguments& args, const PlannerOptions& planner) {
  const CostOptions costs = cost_options(args);
  ActiveDesignOptions options = design_options(args, planner);
  options.corpus = costs.corpus;
  const std::vector<Run> runs = RunStore::open_read_only(resolve_store_path(args.store)).runs();
  const ActiveDesign design = propose_next_runs(runs, options);
  Plan plan;
  for (const DesignProposal& proposal : design.proposals)
    plan.runs.push_back(proposal.run);
  const PlanCost cost = cost_plan(plan.runs, args.training, costs);
  const std::vector<std::filesystem::path> files =
      args.out_dir.empty() || cost.refused || plan.runs.empty()
          ? std::vector<std::filesystem::path>{}
          : write_specs(plan.runs, args.training, args.out_dir);
  if (args.json)
    print_design_json(design, cost, files, planner);
  else
    print_design_text(design, plan, cost, files, planner);
  if (!cost.time_warning.empty())
    std::cerr << "warning: " << cost.time_warning << " (--max-hours)\n";
  for (const std::string& note : design.notes)
    std::cerr << "note: " << note << '\n';
  for (const std::string& refused : design.refused)
    std::cerr << "note: budget left out: " << refused << '\n';
  if (plan.runs.empty()) {
    throw std::runtime_error("no runs to propose at --budgets (" +
                             std::to_string(design.refused.size()) +
                             " budgets left out, as noted above)");
  }
  if (cost.refused)
    throw std::runtime_error(cost.refusal + "\n(--allow-repeats plans them anyway)");
}

// Every bad option at once, before a fit or a store is opened for nothing.
void check_options(const PlanArguments& args) {
  std::vector<std::string> problems = args.planner.validate();
  for (std::string& problem : args.training.validate())
    problems.push_back(std::move(problem));
  if (args.gaps) {
    for (std::string& problem : args.gap.validate())
      problems.push_back(std::move(problem));
  }
  if (args.next > 0) {
    for (std::string& problem : design_options(args, args.planner).validate())
      problems.push_back(std::move(problem));
  }
  if (args.host != "local") {
    const std::filesystem::path file = default_hosts_file();
    if (!find_host(read_hosts(file), args.host))
      problems.push_back("--host: no host '" + args.host + "' in " + file.string() +
                         " (moescope hosts list; \"local\" is this machine)");
  }
  if (problems.empty())
    return;
  std::string message = "invalid plan options:";
  for (const std::string& problem : problems)
    message += "\n  " + problem;
  throw std::invalid_argument(message);
}

void run_plan(PlanArguments args) {
  if (args.size_tolerance)
    args.gap.size_tolerance = *args.size_tolerance;
  if (args.tolerance)
    args.planner.relative_tolerance = *args.tolerance;
  else if (args.gaps)
    args.planner.relative_tolerance = gap_filling_tolerance(args.gap);
  check_options(args);
  PlannerOptions planner = args.planner;
  planner.estimator = *parse_flop_estimator(args.estimator);  // checked when parsed
  if (args.next > 0)
    return run_next(args, planner);
  const Plan plan = make_plan(args, planner);
  const PlanCost cost = cost_plan(plan.runs, args.training, cost_options(args));
  // A refused plan is shown, so that its cost is seen, but writes no specs.
  const std::vector<std::filesystem::path> files =
      args.out_dir.empty() || cost.refused ? std::vector<std::filesystem::path>{}
                                           : write_specs(plan.runs, args.training, args.out_dir);
  if (args.json)
    print_json(plan, cost, files, planner);
  else
    print_text(plan, cost, files, planner);
  if (!cost.time_warning.empty())
    std::cerr << "warning: " << cost.time_warning << " (--max-hours)\n";
  for (const std::string& note : plan.notes)
    std::cerr << "note: " << note << '\n';
  if (!plan.refused.empty()) {
    std::cerr << "note: " << plan.refused.size() << " gap" << (plan.refused.size() == 1 ? "" : "s")
              << " left unplanned (--tolerance widens the search):\n";
    for (const std::string& message : plan.refused)
      std::cerr << "  " << message << '\n';
  }
  if (cost.refused)
    throw std::runtime_error(cost.refusal + "\n(--allow-repeats plans them anyway)");
}

}  // namespace

void add_train_plan_command(CLI::App& train) {
  auto args = std::make_shared<PlanArguments>();
  CLI::App* command = train.add_subcommand(
      "plan", "Architectures, tokens and steps for cells (C, N, S), or for the store's gaps");
  auto* cell = command
                   ->add_option("--cell", args->cells,
                                "A wanted cell C,N,S: budget in FLOPs, total parameters, sparsity "
                                "(repeat for more)")
                   ->check(CLI::Validator(
                       [](std::string& text) {
                         const std::optional<Cell> parsed = parse_cell(text);
                         const bool valid = parsed && kPositive.contains(parsed->compute) &&
                                            kPositive.contains(parsed->total_params) &&
                                            kFraction.contains(parsed->sparsity);
                         return valid ? std::string()
                                      : "must be C,N,S with C and N finite numbers > 0 and S in "
                                        "[0, 1), got '" +
                                            text + "'";
                       },
                       "C,N,S"));
  auto* gaps = command->add_flag(
      "--gaps", args->gaps,
      "Plan the gaps of the store's IsoFLOP curves at --budgets instead of given cells");
  auto* next =
      command
          ->add_option("--next", args->next,
                       "Propose the K runs that most narrow the bootstrap interval of --target "
                       "at --budgets, from the store's runs (active design)")
          ->check(whole_number(1, kMaxProposals));
  auto* budgets = command
                      ->add_option("--budgets", args->budgets,
                                   "Compute budgets for --gaps or --next, e.g. 1e15,3e15")
                      ->delimiter(',')
                      ->check(finite_number(kPositive));
  gaps->needs(budgets)->excludes(cell);
  next->needs(budgets)->excludes(cell)->excludes(gaps);
  auto* store = command->add_option("--store", args->store,
                                    "Runs whose gaps to find (--gaps) or to design from (--next); "
                                    "default store");
  command
      ->add_option("--target", args->target,
                   "What --next narrows: S* (optimal sparsity at --size) or N* (optimal size at "
                   "each sparsity)")
      ->check(CLI::IsMember({"S*", "N*"}))
      ->capture_default_str()
      ->needs(next);
  command
      ->add_option("--size", args->reference_size,
                   "The N that S* is read at (--next); default each budget's lowest-loss run's")
      ->check(finite_number(kPositive))
      ->needs(next);
  command
      ->add_option("--degrees", args->degrees,
                   "Fixed degrees a1,a2,a3 in 0..4 of --next's surfaces, as `fit surface` takes "
                   "them (a coarse grid of 12 runs allows the degree search 3 coefficients)")
      ->delimiter(',')
      ->expected(3)
      ->check(whole_number(0, 4))
      ->needs(next);
  command
      ->add_option("--law", args->law_file,
                   "A law saved by `moescope fit law --save` for N*(C,S) (--gaps); default: fit "
                   "Eq. 6 to the store's runs")
      ->check(CLI::ExistingFile)
      ->needs(gaps);
  command->add_option("--holdout", args->holdout, "Runs left out of that fit; \"\" for none")
      ->capture_default_str()
      ->needs(gaps);
  command
      ->add_option("--sizes", args->gap.sizes_per_curve,
                   "Target sizes per IsoFLOP curve, log-spaced around N*(C,S) (--gaps)")
      ->check(whole_number(2))
      ->capture_default_str()
      ->needs(gaps);
  command->add_option("--span", args->gap.size_span, "Targets span N*/span .. N*x span (--gaps)")
      ->check(finite_number({1, std::numeric_limits<double>::infinity(), true}))
      ->capture_default_str()
      ->needs(gaps);
  auto* size_tolerance =
      command
          ->add_option("--size-tolerance", args->size_tolerance,
                       "A run within this distance in ln N fills a target (--gaps; default "
                       "0.25) or a candidate (--next; default 0.1)")
          ->check(finite_number(kPositive));
  command->add_option("--context", args->planner.context, "Tokens per sequence")
      ->check(whole_number(1))
      ->capture_default_str();
  command->add_option("--batch-size", args->planner.batch_size, "Sequences per step")
      ->check(whole_number(1))
      ->capture_default_str();
  command->add_option("--granularity", args->planner.granularity, "Expert width 4 d_model / G")
      ->check(whole_number(1))
      ->capture_default_str();
  command->add_option("--head-size", args->planner.head_size, "Channels per attention head")
      ->check(whole_number(1))
      ->capture_default_str();
  command
      ->add_option("--tolerance", args->tolerance,
                   "Accepted |N - N_target| / N_target; default 0.05, with --gaps "
                   "1 - exp(-size tolerance) = 0.22: any run that close fills its gap")
      ->check(finite_number({0, 1, true, true}));
  command->add_option("--min-steps", args->planner.min_steps, "Fewest optimizer steps per run")
      ->check(whole_number(1))
      ->capture_default_str();
  command->add_option("--estimator", args->estimator, "FLOPs per token: eq9 or 6Na")
      ->check(CLI::IsMember({"eq9", "6Na"}))
      ->capture_default_str();
  command->add_option("--lr", args->training.learning_rate, "Peak learning rate of the specs")
      ->check(finite_number({0, 1, true, false}))
      ->capture_default_str();
  command->add_option("--warmup", args->training.warmup_fraction, "Warm-up fraction of the specs")
      ->check(finite_number(kFraction))
      ->capture_default_str();
  command->add_option("--corpus", args->training.corpus,
                      "Built-in corpus of the specs, whose size the epochs count: " +
                          built_in_corpus_names() + " (default debian)");
  command
      ->add_option("--validation-passes", args->training.validation_passes,
                   "Validation passes per run (each scores the downstream tasks)")
      ->check(whole_number(1, 100000))
      ->capture_default_str();
  command->add_option("--checkpoints", args->training.checkpoints, "Checkpoints per run")
      ->check(whole_number(1, 100000))
      ->capture_default_str();
  command->add_option("--seed", args->training.seed, "Seed of the specs")
      ->check(whole_number(0, std::int64_t{1} << 53))  // what a JSON number holds exactly
      ->capture_default_str();
  command->add_option("--out-dir", args->out_dir,
                      "Write one moescope-train spec per run here (NAME.json)");
  command
      ->add_option("--host", args->host,
                   "Host whose measured throughput gives the wall times (`moescope hosts check "
                   "HOST --benchmark` measures it); \"local\" is this machine")
      ->capture_default_str();
  command->add_flag("--allow-repeats", args->allow_repeats,
                    "Plan runs that repeat the corpus more than 4 times (refused by default: "
                    "past that, more epochs stop helping)");
  command
      ->add_option("--max-hours", args->max_hours,
                   "Warn when the plan's total wall time exceeds this")
      ->check(finite_number(kPositive))
      ->capture_default_str();
  command->add_flag("--json", args->json,
                    "Print JSON; each run has flops, epochs, wall_seconds (null when not "
                    "measured) and memory_bytes; \"total\" their sums (memory: the largest)");
  command->callback([args, budgets, store, size_tolerance] {
    if (args->cells.empty() && !args->gaps && args->next == 0)
      throw CLI::RequiredError("--cell, --gaps or --next");
    // Options of both modes: CLI11's needs() takes one option.
    for (const CLI::Option* option : {budgets, store, size_tolerance}) {
      if (option->count() > 0 && !args->gaps && args->next == 0)
        throw CLI::RequiresError(option->get_name(), "--gaps or --next");
    }
    run_plan(*args);
  });
}

}  // namespace moescope::cli
