#pragma once

#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/law_fit.h"
#include "moescope/fit/law_scope.h"
#include "moescope/run/run.h"
#include "moescope/run/run_filter.h"

namespace moescope {

// The paper's hold-out rule (Appendix E), the default of every command and view that fits Eq. 6.
inline constexpr const char* kDefaultHoldoutRule = "S==0.98";

// The form a set of fit points can support, for callers that let the data choose: Eq. 6 where
// the points hold several sparsity levels; where they all share one level, Eq. 6's sparsity
// terms are not identified (c/(1-S)^lambda is a constant, the interaction a second power of N),
// so Chinchilla's form, which describes that one level.
struct LawFormChoice {
  LawForm form = LawForm::kAbnar;
  // The one level of the points, where form is Chinchilla's because of it.
  std::optional<double> sparsity;
  // One sentence for the user saying why, where the form is Chinchilla's; empty otherwise.
  std::string reason;
};
LawFormChoice choose_law_form(const std::vector<ScalingPoint>& fit_points);

// A law fitted to runs rather than to points: which runs could be used, which were held out, and
// the fit. `moescope fit law`, `moescope optimum` and the explorer all fit through this, so the
// same runs and options give them the same law.
struct RunLawFit {
  ScalingData data;           // the points fitted or held out, and the runs left out with reasons
  std::vector<bool> holdout;  // per data.points entry, true = matched the hold-out rule
  LawFitSummary summary;
  // The options as fitted: the form and grid actually used.
  LawFitOptions options;
  // The form, the sparsity the law describes (the fit points' one level where the law is
  // Chinchilla's form and they share one: the law then says nothing of other sparsities) and
  // the range of every point, fitted or held out.
  LawScope scope;
  // Why the form was chosen, where the data chose it (LawFormChoice::reason); empty otherwise.
  std::string form_note;
};

// `options` as a fit of `fitted` uses them: where `fitted` is not options.form, the grid options
// (init_grid, grid_override), which name the other form's coordinates, give way to the fitted
// form's default grid.
LawFitOptions options_as_fitted(LawFitOptions options, LawForm fitted);

// Fits `form`, or where it is nullopt the form the fit points support (choose_law_form), with
// `options`. Where the form fitted is not options.form, the grid options (init_grid,
// grid_override), which name the other form's coordinates, give way to the fitted form's default
// grid. Throws FitRefused as fit_law() does.
RunLawFit fit_law_to_runs(const std::vector<Run>& runs, const RunFilter& holdout,
                          std::optional<LawForm> form, LawFitOptions options,
                          const FitControl& control = {});

}  // namespace moescope
