#include "moescope/explore/explorer_loader.h"

#include "moescope/fit/fit_refused.h"
#include "moescope/fit/usable_runs.h"
#include "moescope/io/number_format.h"

namespace moescope {

ExplorerLoadOptions ExplorerLoadOptions::quick() {
  ExplorerLoadOptions options;
  options.law.grid_override = {
      {"log_a", {0, 10}},      {"log_b", {0, 10}},      {"log_c", {0, 10}},
      {"log_d", {0, 10}},      {"alpha", {0.25, 0.75}}, {"beta", {0.25, 0.75}},
      {"gamma", {0.25, 0.75}}, {"lambda", {-0.5, 0.5}}, {"delta", {-0.5, 0.5}}};
  options.law.bootstrap = 20;
  return options;
}

namespace {

// What fit_law_to_runs would have recorded beside a law it refused: the points, which of them
// are held out, the form the data supports and the data's range.
void describe_law_data(const std::vector<Run>& runs, const ExplorerLoadOptions& options,
                       ExplorerData& data, std::vector<std::string>& notes) {
  const RunFilter holdout = RunFilter::parse(options.holdout_rule);
  ScalingData points = scaling_points(runs);
  notes.insert(notes.end(), points.left_out.begin(), points.left_out.end());
  std::vector<ScalingPoint> fit_points;
  bool any_held_out = false;
  for (const ScalingPoint& point : points.points) {
    data.holdout.push_back(holdout.matches(runs[point.run_index]));
    any_held_out = any_held_out || data.holdout.back();
    if (!data.holdout.back())
      fit_points.push_back(point);
  }
  if (!any_held_out)
    data.holdout.clear();
  const LawFormChoice choice = choose_law_form(fit_points);
  data.law_scope.form = options.form.value_or(choice.form);
  if (data.law_scope.form == LawForm::kChinchilla)
    data.law_scope.sparsity = choice.sparsity;
  data.law_scope.range = data_range(points.points);
  data.law_scope.loss_unit = points.loss_unit;
}

}  // namespace

ExplorerLoad load_explorer_data(std::vector<Run> runs, const ExplorerLoadOptions& options,
                                const FitControl& control) {
  if (const std::vector<std::string> problems = options.binning.validate(); !problems.empty())
    throw FitRefused(RefusalReason::kInvalidOptions, problems.front());
  ExplorerLoad load;
  // Before any fit: each would refuse runs in several units with the same message.
  load.data.loss_unit = fitted_loss_unit(runs);
  load.data.binning = options.binning;
  load.data.no_usable_runs = no_usable_runs_message(runs, FitInput::kSurfaceOnN);
  const bool law_saved = options.saved_fit && options.saved_fit->law;
  const bool surfaces_saved =
      options.saved_fit && options.saved_fit->kind == SavedFit::Kind::kSurfaces;
  try {
    if (law_saved) {
      // Shown as saved: the runs' points and hold-outs describe the data beside it.
      describe_law_data(runs, options, load.data, load.notes);
      load.notes.push_back("law read from " + options.saved_fit_file);
    } else if (options.cached_law) {
      const SavedLaw& cached = *options.cached_law;
      describe_law_data(runs, options, load.data, load.notes);
      if (!cached.form_note.empty())
        load.notes.push_back(cached.form_note);
      load.data.law = cached.law;
      load.data.replicates = cached.replicates;
      load.data.law_minima = cached.minima;
      load.data.law_scope = cached.scope;
      load.data.law_note = cached.form_note;
      load.data.law_points = scaling_points(runs).points;
      load.data.law_options = options_as_fitted(options.law, cached.scope.form);
    } else {
      // "too few points: got 0" would not say that every run lacks D, say.
      if (const std::string why = no_usable_runs_message(runs, FitInput::kLaw); !why.empty())
        throw FitRefused(RefusalReason::kTooFewPoints, why);
      RunLawFit fitted = fit_law_to_runs(runs, RunFilter::parse(options.holdout_rule), options.form,
                                         options.law, control);
      load.notes = fitted.data.left_out;
      if (!fitted.form_note.empty())
        load.notes.push_back(fitted.form_note);
      load.data.law = fitted.summary.law;
      load.data.replicates = fitted.summary.replicates;
      load.data.law_minima = fitted.summary.minima;
      load.data.law_scope = fitted.scope;
      load.data.law_note = fitted.form_note;
      load.data.holdout = fitted.holdout;
      load.data.law_points = fitted.data.points;
      load.data.law_options = fitted.options;
      load.law_fit = std::move(fitted);
    }
  } catch (const FitRefused& refused) {
    if (refused.reason() == RefusalReason::kCancelled)
      throw;
    load.data.law_refused = refused.what();
    describe_law_data(runs, options, load.data, load.notes);
    load.notes.push_back("no law: " + load.data.law_refused);
  }
  // On the fit's own axis: on N, runs that give N and S but no N_a (routed-LM results) count.
  const SurfaceData surface_data = surface_points(runs, options.surface.axis);
  if (surface_data.points.empty()) {
    load.notes.push_back("no surface: " +
                         no_usable_runs_message(runs, options.surface.axis == SizeAxis::kTotal
                                                          ? FitInput::kSurfaceOnN
                                                          : FitInput::kSurfaceOnNa));
  }
  for (const BudgetGroup& group : surfaces_saved
                                      ? std::vector<BudgetGroup>{}
                                      : group_by_budget(surface_data.points, options.binning)) {
    if (control.cancelled())
      throw FitRefused(RefusalReason::kCancelled, "cancelled");
    try {
      SurfaceFit fit = fit_isoflop_surface(group.points, options.surface);
      // The fit records its runs' median C; the budget list and the slider name the group's
      // budget, which is the bin's centre where C was binned.
      fit.budget = group.budget;
      load.data.surfaces.push_back(std::move(fit));
    } catch (const FitRefused& refused) {
      load.notes.push_back(
          "no surface at C=" + (group.budget ? format_brief(*group.budget) : std::string("none")) +
          ": " + refused.what());
    }
  }
  // Approach 2 on the N axis: runs need N, S, a loss and C (D where they give it).
  try {
    if (!load.data.no_usable_runs.empty())
      throw FitRefused(RefusalReason::kTooFewPoints, load.data.no_usable_runs);
    const SurfaceData points = surface_points(runs, SizeAxis::kTotal);
    CurveFitOptions curves = options.curves;
    curves.axis = SizeAxis::kTotal;
    curves.binning = options.binning;
    load.data.isoflop_curves = fit_isoflop_curves(curve_points(points, runs), curves);
  } catch (const std::exception& refused) {
    load.data.isoflop_refused = refused.what();
    load.notes.push_back(std::string("no IsoFLOP curves (Approach 2): ") + refused.what());
  }
  load.data.runs = std::move(runs);
  if (options.saved_fit)
    apply_saved_fit(load.data, *options.saved_fit, options.saved_fit_file);
  return load;
}

void apply_saved_fit(ExplorerData& data, const SavedFit& saved, const std::string& file) {
  // A law in one unit drawn over losses in another would sit off the runs by a factor that
  // says nothing about the law.
  const bool runs_have_losses = no_usable_runs_message(data.runs, FitInput::kSurfaceOnN).empty();
  if (runs_have_losses && saved.loss_unit != data.loss_unit) {
    throw FitRefused(RefusalReason::kMixedLossUnits,
                     file + " was fitted to losses in " + std::string(to_string(saved.loss_unit)) +
                         ", and the runs' losses are in " + std::string(to_string(data.loss_unit)) +
                         ": open runs in its unit, or refit it to these runs");
  }
  data.loss_unit = saved.loss_unit;
  if (saved.kind == SavedFit::Kind::kSurfaces) {
    data.surfaces = saved.surfaces;
    data.surfaces_file = file;
    return;
  }
  if (!saved.law)
    return;
  data.law = saved.law->law;
  data.replicates = saved.law->replicates;
  // The file's scope, range included, so that the read-out is the one `moescope optimum --law`
  // gives for the same file.
  data.law_scope = saved.law->scope;
  data.law_note.clear();
  data.law_refused.clear();
  data.law_points.clear();
  data.law_minima.clear();
  data.law_options = {};
  data.law_file = file;
}

}  // namespace moescope
