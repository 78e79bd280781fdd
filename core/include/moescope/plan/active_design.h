#pragma once

// Active design: the K runs that would most shrink the bootstrap intervals of S*(C) or N*(C) at
// chosen budgets, given the runs in hand (`moescope train plan --next K`).
//
// The model. At each requested budget, the IsoFLOP surface of Eq. 8 (isoflop_surface.h, on the N
// axis) fitted to the runs at that budget, with its bootstrap replicates. What the design pins down
// (its components) is, per budget, S* = optimal_sparsity(fit, N_ref), with N_ref given or else the
// N of the budget's lowest-loss run, or ln N* = ln optimal_size(fit, S) at each sparsity level of
// the budget's runs. Each replicate b gives the components q_b and, at every candidate cell x, the
// loss it predicts there, y_b(x) = L_b(x). A replicate whose read-out sits at an edge (S* at the
// sparsest level of the data, where the surface still falls; N* at either end of the size range)
// is left out of that component, and counted.
//
// The criterion: the expected fall of the components' variances under a linear-Gaussian model of
// the ensemble, the analysis step of the ensemble Kalman filter (G. Evensen, "The Ensemble Kalman
// Filter: theoretical formulation and practical implementation", Ocean Dynamics 53, 2003) used as
// the expected-posterior-variance criterion of Bayesian optimal design (K. Chaloner and I.
// Verdinelli, "Bayesian Experimental Design: A Review", Statistical Science 10, 1995). A run at x
// measures y = L(x) + e, e ~ N(0, sigma^2), sigma^2 the residual variance of the budget's fit,
// RSS / (n - p) on the fit's loss scale (not its CV error, which 5 folds of a coarse grid inflate:
// 4.5 times as large on a draw of active_design_benchmark's 12 runs and 6 coefficients); then the
// variance of component j falls by
//   Cov(q_j, y(x))^2 / (Var(y(x)) + sigma^2),
// and a candidate's score is that fall summed over the components, each divided by its variance
// before any proposal, so that budgets and components weigh alike. The covariances are the
// replicates' (the bootstrap replicates as the read-outs' sampling distribution: B. Efron and R.
// Tibshirani, An Introduction to the Bootstrap, 1993), scaled by f / (1 - f): the replicates refit
// subsamples of a fraction f (bootstrap_fraction) drawn without replacement, whose spread
// understates the sampling variance by that factor (the delete-d jackknife: J. Shao and C. F. J.
// Wu, "A general theory for jackknife variance estimation", Ann. Statist. 17, 1989), and sigma^2 is
// measured against the sampling variance. Each budget is fitted on its own, so a run informs its
// own budget's components only.
//
// Greedy selection: the best candidate is taken, the ensemble conditioned on its measurement by
// the serial square-root update (J. S. Whitaker and T. M. Hamill, "Ensemble data assimilation
// without perturbed observations", Mon. Weather Rev. 130, 2002), a rank-one update after which the
// ensemble's covariance is exactly the Gaussian posterior's, the candidates it fills are removed,
// and so on K times. A component's expected interval width after the proposals is its width now
// times sqrt(posterior variance / prior variance). The linear-Gaussian model is a local
// approximation: a refit can change the surface's degrees, and the replicates know nothing of a
// loss outside what the polynomial family can express. In simulation (active_design_benchmark,
// docs/benchmarks.md: Eq. 6 losses, a 12-run coarse grid) the widths it expected were within 4 %
// of those refits gave, and 5 proposed runs left S*'s interval 28 % narrower than 5 runs of a
// fixed grid.
//
// The candidates: every cell (C, N, S) at a requested budget and a sparsity level of that
// budget's runs, with N an exact shape of the planner's family (family_runs of planner.h) inside
// the N range of the runs at (C, S) widened by size_margin on either side, that no run there fills
// (within size_tolerance in ln N, as in GapOptions; planned and running runs fill cells, failed
// ones do not), and, where a corpus is given, that repeats it at most kMaxUsefulEpochs times
// unless repeats are allowed.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moescope/fit/budget_binning.h"
#include "moescope/fit/interval.h"
#include "moescope/fit/isoflop_surface.h"
#include "moescope/plan/planner.h"
#include "moescope/run/run.h"
#include "moescope/trainer/corpus_catalog.h"

namespace moescope {

// What the design pins down.
enum class DesignTarget {
  kOptimalSparsity,  // S* at a size, per budget
  kOptimalSize,      // N* at each sparsity level, per budget (its variance on ln N)
};

std::string_view to_string(DesignTarget target);  // "S*", "N*"
std::optional<DesignTarget> parse_design_target(std::string_view text);

inline constexpr int kMaxProposals = 1000;

struct ActiveDesignOptions {
  // Default S*.
  DesignTarget target = DesignTarget::kOptimalSparsity;
  // The budgets C in FLOPs to propose runs at: at least one, each finite and > 0.
  std::vector<double> budgets;
  // K, the runs to propose: 1 .. kMaxProposals; default 5.
  int proposals = 5;
  // N_ref, the size S* is read at, finite and > 0; default (empty) the N of each budget's
  // lowest-loss run. S* only.
  std::optional<double> reference_size;
  // Candidate sizes span the N range of the runs at their (C, S) widened by this factor on either
  // side; finite and >= 1, default 1.25, a third of a coarse grid's factor-of-2 step. Wider margins
  // offer the design the polynomial's extrapolation, where its replicates disagree most and so
  // draw the criterion, while the misfit there is in no replicate (in simulation,
  // active_design_benchmark, a margin of 2 over a budget's whole N range left S*'s interval 19 %
  // wider than a fixed grid's after 20 runs; bounded per curve it does as well as 1.25).
  double size_margin = 1.25;
  // A run at (C, S) within this distance in ln N of a candidate fills it, and a proposal fills the
  // candidates that near it; finite and > 0, default 0.1, about the spacing of the family's shapes
  // at small sizes: the same shape is never proposed twice, but a neighbour of a run may be, since
  // a second run near the informative sizes averages noise. (GapOptions' 0.25 left the design of
  // the simulation 10 runs to propose on a 12-run grid, and a wider interval than a fixed grid's
  // at 10 runs.)
  double size_tolerance = 0.1;
  // Which runs belong to a budget; default runs within 2 % of it.
  BudgetBinning binning;
  // The surface fits. The axis must be total N; bootstrap_replicates at least 2 (the criterion is
  // the replicates' covariance; default 100). Its seed makes a design repeatable.
  SurfaceFitOptions surface;
  // The shapes candidates are drawn from, and how a budget becomes tokens and steps.
  PlannerOptions planner;
  // The corpus the runs would train on: candidates that would repeat its training tokens more
  // than kMaxUsefulEpochs times are left out unless allow_repeats. Default (empty): no check.
  std::optional<CorpusSize> corpus;
  bool allow_repeats = false;

  // One message per invalid field, named as above; empty when usable.
  std::vector<std::string> validate() const;
};

// One proposed run, in the order chosen.
struct DesignProposal {
  // run.design says why, on one line, naming the read-out of its budget it narrows most and that
  // one's expected width before and after it: "next: S* at C=1e16 N=1.2e7: rank 1 of 5, score
  // 0.3766, expected width of S* 0.02421 -> 0.01911" (of ln N* for N*).
  PlannedRun run;
  // The criterion when it was chosen (after the proposals before it): the fall of the components'
  // variances, each as a fraction of its variance before any proposal, summed.
  double score = 0;
};

// One read-out the design pins down: S* at one budget, or N* at one (budget, sparsity level).
struct DesignComponent {
  double budget = 0;
  // S*: the size it is read at, N_ref, and where that came from ("given", or "the lowest-loss
  // run's (ID)"). N*: the sparsity level.
  double size = 0;
  std::string size_basis;
  double sparsity = 0;
  // The fit's read-out (S*, or N* in parameters) and the central 95 % of the replicates'.
  double estimate = 0;
  Interval interval;
  // The interval's width on the scale of the variances: hi - lo for S*, ln(hi / lo) for N*.
  double width = 0;
  // After all proposals: width * sqrt(posterior / prior variance).
  double expected_width = 0;
  std::size_t replicates = 0;          // with a read-out
  std::size_t replicates_dropped = 0;  // at an edge, left out

  // "S* at C=1e15 N=2.1e7", "N* at C=1e15 S=0.75".
  std::string describe() const;
};

struct ActiveDesign {
  DesignTarget target = DesignTarget::kOptimalSparsity;
  std::vector<DesignProposal> proposals;
  // By budget (as requested), then sparsity (ascending).
  std::vector<DesignComponent> components;
  // One line per requested budget without a fit or without a read-out, naming it and why: "C=1e16:
  // no runs at this budget; plan a coarse grid there first with --cell". Such a budget proposes
  // nothing.
  std::vector<std::string> refused;
  // What a reader should know, one line each: a read-out left out, candidates left out for the
  // corpus, fewer proposals than asked.
  std::vector<std::string> notes;
  // Cells considered, after the exclusions.
  std::size_t candidates = 0;
};

// Throws std::invalid_argument with validate()'s messages. A budget without a usable fit is
// reported in `refused`, never thrown.
ActiveDesign propose_next_runs(const std::vector<Run>& runs, const ActiveDesignOptions& options);

// ---- The criterion on an explicit ensemble -------------------------------------------------

// Replicates of the components and of the candidates' predictions, in blocks that share their
// replicates (one block per budget above).
struct DesignEnsemble {
  // components[j][b]: component j on replicate b of its block; NaN leaves replicate b out of
  // component j.
  std::vector<std::vector<double>> components;
  std::vector<std::size_t> component_blocks;  // one per component
  // predictions[i][b]: candidate i's measurement as replicate b of its block predicts it.
  std::vector<std::vector<double>> predictions;
  std::vector<std::size_t> candidate_blocks;  // one per candidate
  // sigma^2 of each candidate's measurement, >= 0.
  std::vector<double> noise_variances;
  // The replicates' covariance times this is the prior covariance (f / (1 - f) above); > 0.
  double covariance_scale = 1;
};

struct GreedyDesign {
  std::vector<std::size_t> chosen;  // candidate indices, in order
  std::vector<double> scores;       // each one's score when chosen
  // Per component: its variance before any choice (the scaled sample variance of its replicates
  // with a value), and after each choice, variances[k][j] after k + 1 of them.
  std::vector<double> prior_variances;
  std::vector<std::vector<double>> variances;
};

// Chooses up to `picks` candidates greedily by the score above; fills(i, k) says that choosing i
// takes candidate k out too (i itself always goes). Stops early when no candidate is left or none
// scores above 1e-12 (round-off of 0: no candidate correlates with a component any more). Throws
// std::invalid_argument for rows of unequal length within a block, sizes that do not match, a
// prediction that is not finite, or a noise variance that is not finite and >= 0.
GreedyDesign choose_greedily(const DesignEnsemble& ensemble, int picks,
                             const std::function<bool(std::size_t, std::size_t)>& fills = {});

}  // namespace moescope
