#pragma once

#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/budget_binning.h"
#include "moescope/fit/isoflop_curves.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/fit/law_fit.h"
#include "moescope/fit/law_scope.h"
#include "moescope/fit/scaling_points.h"
#include "moescope/run/run.h"

namespace moescope {

// What the desktop explorer shows, as plain values: no Qt, no VTK. The explorer owns an
// ExplorerData (loaded runs and fits) and an ExplorerState (its sliders), and renders what the
// functions of this directory compute from them.

struct ExplorerData {
  std::vector<Run> runs;
  // The unit of every loss shown, fitted or predicted: the runs' one unit (a load refuses runs
  // in several), or a saved fit's where no run has a loss. Axes and read-outs name it.
  LossUnit loss_unit = kDefaultLossUnit;
  // The law fitted to scaling_points(runs): Eq. 6, or Chinchilla's form where the fit points
  // have one sparsity level (law_scope says which, and the level); and its bootstrap refits.
  // nullopt where the data cannot determine it (law_refused says why): the runs and the
  // surfaces are still shown. Read the law through FittedLaw::as_sparsity_law() (a
  // Chinchilla-form law's `abnar` member is zeros) and say which form it is (law_name()).
  std::optional<FittedLaw> law;
  std::vector<FittedLaw> replicates;
  // The form fitted (or, where refused, the form the data would have had), the one sparsity
  // level of a Chinchilla-form law, and the data's range (known whether or not the law was
  // refused, where the runs have N, D and C).
  LawScope law_scope;
  // Why the form is not Eq. 6, where the data chose it (RunLawFit::form_note); empty otherwise.
  std::string law_note;
  // Why there is no law, where `law` is nullopt: the refusal's message (FitRefused::what()).
  std::string law_refused;
  // The FIT.json the law, or the surfaces, were read from (apply_saved_fit); empty when fitted
  // to the runs.
  std::string law_file;
  std::string surfaces_file;
  // One entry per point of scaling_points(runs), true = held out of the law's fit (Figure 6);
  // empty when nothing was held out.
  std::vector<bool> holdout;
  // What validate_law needs to refit the law budget by budget (Figure 6's validation): the
  // points fitted or held out (scaling_points(runs)), the options as fitted (form and grid
  // actually used) and the fit's distinct local minima (LawFitSummary::minima). Empty without
  // a law.
  std::vector<ScalingPoint> law_points;
  LawFitOptions law_options;
  std::vector<FittedLaw> law_minima;
  // IsoFLOP surface fits (Eq. 8), one per budget; may be empty.
  std::vector<SurfaceFit> surfaces;
  // Approach 2 (the 2-D IsoFLOP curves, fit_isoflop_curves on the runs' N axis): per budget and
  // sparsity N*, D* and L*; nullopt where they could not be fitted at all (isoflop_refused says
  // why).
  std::optional<IsoFlopCurves> isoflop_curves;
  std::string isoflop_refused;
  // What one budget is (ExplorerLoadOptions::binning): the surfaces, the curves, the budget list
  // and "the runs at this budget" all follow it. A surface's budget is its group's, the bin's
  // centre where C was binned.
  BudgetBinning binning;
  // Why no fit could use any run, which field is missing on how many runs ("none of the 5 runs
  // can be fitted: 5 have no N"); empty where some fit could.
  std::string no_usable_runs;
};

// An axis or read-out label for a loss, with the data's unit: "Loss L (nats/token)".
std::string loss_label(const ExplorerData& data, const std::string& label);

// How the law is named in labels: "Eq. 6 law", "Chinchilla-form law (S = 0)", "Chinchilla-form
// law"; "no law" where it was refused.
std::string law_name(const ExplorerData& data);

struct ExplorerState {
  double budget = 1e20;  // C in FLOPs
  // The memory bound of Section 2.2 on N; none by default.
  std::optional<double> max_total_params;
  double max_sparsity = 0.98;
  // The N of Figure 2a's curves, one curve each (one N: the single slice a slider sets). Empty:
  // a few sizes of the runs at the budget, spread in log over their range
  // (ExplorerModel::loss_vs_sparsity_sizes).
  std::vector<double> slice_total_params;
  double slice_sparsity = 0.5;  // the S marked in Figures 2b and 2c
  // Replicate optima cost about twenty times the point values (one optimum search per bootstrap
  // refit), too much for a redraw while a slider moves. The explorer sets this false during a
  // drag and true once the slider settles. When false, neither the read-out nor the figures
  // carry intervals (bands); point values do not depend on it.
  bool replicate_intervals = true;
};

}  // namespace moescope
