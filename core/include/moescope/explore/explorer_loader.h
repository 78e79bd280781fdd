#pragma once

#include <string>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/fit/fit_control.h"
#include "moescope/fit/isoflop_curves.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/io/saved_fit.h"

namespace moescope {

// How the explorer fits what it shows. The defaults are those of `moescope optimum` (law) and
// `moescope fit surface` (surfaces), so the explorer's read-out at a budget is exactly what
// `moescope optimum --budget C` prints for the same data.
struct ExplorerLoadOptions {
  // Runs left out of the law's fit and shown as held out in Figure 6; default the paper's.
  std::string holdout_rule = kDefaultHoldoutRule;
  // The law's form; default (nullopt) the one the data supports (choose_law_form): Eq. 6, or
  // Chinchilla's where the fit runs share one sparsity.
  std::optional<LawForm> form;
  // The law's options; default: the Table 2 grid with 100 bootstrap refits (a form the data
  // chose brings its own default grid).
  LawFitOptions law = [] {
    LawFitOptions options;
    options.bootstrap = 100;
    return options;
  }();
  SurfaceFitOptions surface;
  // Approach 2's curves (the N*-vs-C figure): the paper's parabola, 100 resamples by default.
  // Their budgets are `binning`'s: curves.binning is set from it.
  CurveFitOptions curves;
  // What one budget is, for the surfaces, Approach 2's curves and the budget list
  // (budget_binning.h): runs within 2 % of one C by default; bins per decade for data whose C
  // varies continuously (`--budget-bins K`).
  BudgetBinning binning;
  // A saved fit (FIT.json, read_saved_fit) shown instead of fitting: a saved law replaces the
  // law's fit, which is not run (the read-out is then exactly `moescope optimum --law FILE`'s), and
  // saved surfaces replace the surface fits. None by default.
  std::optional<SavedFit> saved_fit;
  std::string saved_fit_file;  // where it was read from, named in labels and notes
  // The law's fit as the fit cache kept it for these runs and options (fit_cache.h): used as if
  // fitted now, its minima included (Figure 6's validation refits from them), so the law is not
  // fitted. None by default.
  std::optional<SavedLaw> cached_law;

  // A first look in under a second: two values per coordinate of the law's grid (512 starts
  // instead of Table 2's 437,400) and 20 bootstrap refits. Not the paper's fit: its read-outs
  // need not agree with `moescope optimum`.
  static ExplorerLoadOptions quick();
};

struct ExplorerLoad {
  ExplorerData data;
  // Runs the fits could not use, and budgets whose surface was refused, one line each.
  std::vector<std::string> notes;
  // The law's fit where it was fitted now (not read from a saved fit or the cache): what the fit
  // cache keeps.
  std::optional<RunLawFit> law_fit;
};

// Fits the law (reporting progress through `control`, which can cancel it), a surface per budget
// and Approach 2's curves, grouping the runs into budgets as options.binning says. A law the
// data cannot determine is left out (ExplorerData::law nullopt) with the refusal's message in
// law_refused and in the notes, and the rest is fitted all the same: the runs and their surfaces
// are worth showing. Where no run can feed a fit, its refusal says which field is missing on how
// many runs (no_usable_runs_message), not "too few points". Throws FitRefused(kCancelled) when
// cancelled, (kInvalidOptions) for a binning BudgetBinning::validate() refuses,
// (kMixedLossUnits) for runs whose losses are in several units, and InputError for a bad
// hold-out rule; a budget whose surface is refused is left out with a note.
// With options.saved_fit, what it holds is used instead (apply_saved_fit).
ExplorerLoad load_explorer_data(std::vector<Run> runs, const ExplorerLoadOptions& options = {},
                                const FitControl& control = {});

// Puts a saved fit in place of the fitted one: a law with its replicates and scope (the law's
// points, options and minima are cleared: Figure 6's validation refits the law it was fitted
// with, which a file does not carry), or the surfaces. `file` is recorded in law_file or
// surfaces_file, the fit's loss unit in loss_unit. Throws FitRefused(kMixedLossUnits) where the
// runs have losses in another unit than the fit's.
void apply_saved_fit(ExplorerData& data, const SavedFit& saved, const std::string& file);

}  // namespace moescope
