#include "moescope/plan/planning.h"

#include <cmath>
#include <fstream>
#include <set>
#include <stdexcept>

namespace moescope {
namespace {

bool taken(const std::filesystem::path& folder, const std::string& name,
           const std::set<std::string>& used, SpecNames names) {
  if (used.contains(name))
    return true;
  std::error_code ignored;
  return names == SpecNames::kFresh &&
         (std::filesystem::exists(folder / (name + ".json"), ignored) ||
          std::filesystem::exists(folder / name, ignored));
}

}  // namespace

std::vector<PlannedRun> plan_cells(const std::vector<Cell>& cells, const PlannerOptions& options) {
  std::vector<PlannedRun> planned;
  std::vector<std::string> refusals;
  for (const Cell& cell : cells) {
    try {
      planned.push_back(plan_run(cell, options));
    } catch (const PlanRefused& refused) {
      refusals.insert(refusals.end(), refused.messages().begin(), refused.messages().end());
    }
  }
  if (!refusals.empty())
    throw PlanRefused(std::move(refusals));
  return planned;
}

double gap_filling_tolerance(const GapOptions& gaps) {
  return 1.0 - std::exp(-gaps.size_tolerance);
}

Plan plan_gaps(const std::vector<Run>& runs, const std::vector<double>& budgets,
               const SparsityLaw& law, const PlannerOptions& planner, const GapOptions& gaps) {
  const GapReport report =
      find_gaps(runs, budgets, law, ActiveParameterModel(planner.model_family()), gaps);
  Plan plan;
  plan.notes = report.notes;
  for (const Cell& cell : report.gaps) {
    try {
      plan.runs.push_back(plan_run(cell, planner));
    } catch (const PlanRefused& refused) {
      plan.refused.insert(plan.refused.end(), refused.messages().begin(), refused.messages().end());
    }
  }
  return plan;
}

std::vector<std::filesystem::path> write_specs(const std::vector<PlannedRun>& runs,
                                               const TrainingSettings& settings,
                                               const std::filesystem::path& folder,
                                               SpecNames names) {
  std::vector<std::string> texts;
  for (const PlannedRun& run : runs)
    texts.push_back(to_spec_file(planned_spec(run, settings)));
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error)
    throw std::runtime_error(folder.string() + ": cannot create the folder: " + error.message());
  std::vector<std::filesystem::path> files;
  std::set<std::string> used;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string label = run_label(runs[i]);
    std::string name = label;
    for (int copy = 2; taken(folder, name, used, names); ++copy)
      name = label + "_" + std::to_string(copy);
    used.insert(name);
    const std::filesystem::path file = folder / (name + ".json");
    std::ofstream out(file, std::ios::binary);
    out << texts[i];
    out.close();
    if (!out)
      throw std::runtime_error(file.string() + ": cannot write the spec");
    files.push_back(file);
  }
  return files;
}

}  // namespace moescope
