// Active design (plan/active_design.h): the criterion on hand-made ensembles against a direct
// computation, what propose_next_runs proposes and refuses, family_runs, and in simulation that
// the runs it proposes narrow the bootstrap interval of S* more than a fixed grid's.
#include "moescope/plan/active_design.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>

#include "moescope/model/sparsity_law.h"
#include "moescope/numerics/numpy_legacy_normal.h"
#include "moescope/plan/design_simulation.h"
#include "moescope/plan/train_spec_file.h"

namespace moescope {
namespace {

// ---- The criterion -----------------------------------------------------------------------------

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (const double value : values)
    sum += value;
  return sum / static_cast<double>(values.size());
}

double covariance(const std::vector<double>& a, const std::vector<double>& b) {
  const double mean_a = mean(a), mean_b = mean(b);
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    sum += (a[i] - mean_a) * (b[i] - mean_b);
  return sum / static_cast<double>(a.size() - 1);
}

TEST(DesignCriterionTest, APerfectlyCorrelatedCandidateGoesFirstWithTheGaussianReduction) {
  const std::vector<double> q = {1, -1, 2, -2, 0.5, -0.5};
  DesignEnsemble ensemble;
  ensemble.components = {q};
  ensemble.component_blocks = {0};
  // Candidate 0 is uncorrelated with q; candidate 1 is 2 q + 1.
  std::vector<double> twice;
  for (const double value : q)
    twice.push_back(2 * value + 1);
  ensemble.predictions = {{1, 1, -1, -1, 0, 0}, twice};
  ensemble.candidate_blocks = {0, 0};
  const double noise = 0.3;
  ensemble.noise_variances = {noise, noise};

  const GreedyDesign design = choose_greedily(ensemble, 2);
  ASSERT_FALSE(design.chosen.empty());
  EXPECT_EQ(design.chosen[0], 1u);
  const double var_q = covariance(q, q);
  const double var_y = covariance(twice, twice);
  const double reduction = var_q * var_y / (var_y + noise);
  EXPECT_NEAR(design.prior_variances[0], var_q, 1e-12);
  EXPECT_NEAR(design.scores[0], reduction / var_q, 1e-12);
  EXPECT_NEAR(design.variances[0][0], var_q - reduction, 1e-12);
  // Candidate 0 says nothing of q, before or after: it is never chosen.
  EXPECT_EQ(design.chosen.size(), 1u);
}

// A random ensemble (NumPy's legacy normal stream, so the same on every platform).
DesignEnsemble random_ensemble(int candidates, int replicates, std::uint32_t seed) {
  numerics::NumpyLegacyNormal normal(seed);
  DesignEnsemble ensemble;
  std::vector<double> q;
  for (int b = 0; b < replicates; ++b)
    q.push_back(normal());
  ensemble.components = {q};
  ensemble.component_blocks = {0};
  for (int i = 0; i < candidates; ++i) {
    std::vector<double> y;
    for (int b = 0; b < replicates; ++b)
      y.push_back(0.3 * (i + 1) * q[static_cast<std::size_t>(b)] + normal());
    ensemble.predictions.push_back(y);
    ensemble.candidate_blocks.push_back(0);
    ensemble.noise_variances.push_back(0.2 + 0.1 * i);
  }
  ensemble.covariance_scale = 2.5;
  return ensemble;
}

// The posterior variance of q given noisy measurements of the chosen candidates, by Gaussian
// conditioning of the scaled sample covariance: P_qq - P_qY (P_YY + R)^-1 P_Yq.
double conditioned_variance(const DesignEnsemble& ensemble,
                            const std::vector<std::size_t>& chosen) {
  const std::vector<double>& q = ensemble.components[0];
  const double scale = ensemble.covariance_scale;
  const auto n = static_cast<Eigen::Index>(chosen.size());
  Eigen::MatrixXd yy(n, n);
  Eigen::VectorXd qy(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::vector<double>& yi = ensemble.predictions[chosen[static_cast<std::size_t>(i)]];
    qy(i) = scale * covariance(q, yi);
    for (Eigen::Index k = 0; k < n; ++k)
      yy(i, k) = scale * covariance(yi, ensemble.predictions[chosen[static_cast<std::size_t>(k)]]);
    yy(i, i) += ensemble.noise_variances[chosen[static_cast<std::size_t>(i)]];
  }
  return scale * covariance(q, q) - qy.dot(yy.ldlt().solve(qy));
}

// Each choice is the candidate whose measurement, added to those chosen before, leaves q the least
// variance, and the variances after it are Gaussian conditioning's: the rank-one updates add up
// to conditioning on all the choices at once.
TEST(DesignCriterionTest, EachChoiceIsTheBestByDirectConditioningAndTheVariancesAgree) {
  const DesignEnsemble ensemble = random_ensemble(5, 12, 7);
  const GreedyDesign design = choose_greedily(ensemble, 3);
  ASSERT_EQ(design.chosen.size(), 3u);
  const double prior = conditioned_variance(ensemble, {});
  EXPECT_NEAR(design.prior_variances[0], prior, 1e-12);
  std::vector<std::size_t> before;
  for (std::size_t k = 0; k < design.chosen.size(); ++k) {
    SCOPED_TRACE(k);
    const double now = conditioned_variance(ensemble, before);
    for (std::size_t i = 0; i < ensemble.predictions.size(); ++i) {
      if (std::find(before.begin(), before.end(), i) != before.end())
        continue;
      std::vector<std::size_t> with = before;
      with.push_back(i);
      const double score = (now - conditioned_variance(ensemble, with)) / prior;
      if (i == design.chosen[k]) {
        EXPECT_NEAR(design.scores[k], score, 1e-10);
      } else {
        EXPECT_LE(score, design.scores[k] + 1e-12) << "candidate " << i;
      }
    }
    before.push_back(design.chosen[k]);
    EXPECT_NEAR(design.variances[k][0], conditioned_variance(ensemble, before), 1e-10);
  }
}

TEST(DesignCriterionTest, AChoiceTakesOutTheCandidatesItFills) {
  const DesignEnsemble ensemble = random_ensemble(4, 12, 11);
  const GreedyDesign free = choose_greedily(ensemble, 2);
  ASSERT_EQ(free.chosen.size(), 2u);
  const std::size_t first = free.chosen[0], second = free.chosen[1];
  const GreedyDesign filled = choose_greedily(
      ensemble, 2,
      [&](std::size_t chosen, std::size_t other) { return chosen == first && other == second; });
  ASSERT_EQ(filled.chosen.size(), 2u);
  EXPECT_EQ(filled.chosen[0], first);
  EXPECT_NE(filled.chosen[1], second);
}

// Blocks are fitted apart: a measurement in one tells nothing of another's components. A NaN
// leaves its replicate out of that component only.
TEST(DesignCriterionTest, BlocksAreApartAndANanLeavesOneReplicateOut) {
  DesignEnsemble ensemble = random_ensemble(3, 10, 5);
  std::vector<double> other = ensemble.components[0];
  for (double& value : other)
    value = value * value;
  other[3] = std::nan("");
  ensemble.components.push_back(other);
  ensemble.component_blocks.push_back(1);
  // One candidate in block 1, made of the other component's kept replicates.
  std::vector<double> y = other;
  y[3] = 0;
  ensemble.predictions.push_back(y);
  ensemble.candidate_blocks.push_back(1);
  ensemble.noise_variances.push_back(0.1);

  const GreedyDesign design = choose_greedily(ensemble, 4);
  std::vector<double> kept = other;
  kept.erase(kept.begin() + 3);
  EXPECT_NEAR(design.prior_variances[1], 2.5 * covariance(kept, kept), 1e-12);
  for (std::size_t k = 0; k < design.chosen.size(); ++k) {
    const double before0 = k == 0 ? design.prior_variances[0] : design.variances[k - 1][0];
    const double before1 = k == 0 ? design.prior_variances[1] : design.variances[k - 1][1];
    if (ensemble.candidate_blocks[design.chosen[k]] == 1) {
      EXPECT_EQ(design.variances[k][0], before0) << "block 1 changed block 0";
    } else {
      EXPECT_EQ(design.variances[k][1], before1) << "block 0 changed block 1";
    }
  }
  EXPECT_NE(std::find(design.chosen.begin(), design.chosen.end(), 3u), design.chosen.end());
}

TEST(DesignCriterionTest, MismatchedEnsemblesAreRefused) {
  DesignEnsemble ensemble = random_ensemble(2, 6, 3);
  ensemble.predictions[1].pop_back();
  EXPECT_THROW(choose_greedily(ensemble, 1), std::invalid_argument);
  ensemble = random_ensemble(2, 6, 3);
  ensemble.noise_variances[0] = -1;
  EXPECT_THROW(choose_greedily(ensemble, 1), std::invalid_argument);
  ensemble = random_ensemble(2, 6, 3);
  ensemble.candidate_blocks.pop_back();
  EXPECT_THROW(choose_greedily(ensemble, 1), std::invalid_argument);
}

// ---- Runs from a known law ---------------------------------------------------------------------

using design_simulation::coarse_grid;
using design_simulation::draw;
using design_simulation::fixed_grid;
using design_simulation::kBudget;
using design_simulation::kReferenceSize;
using design_simulation::s_star_width;

// 12 runs leave the degree search 3 coefficients (4 points each): fixed degrees, as --degrees.
ActiveDesignOptions options(int proposals) {
  ActiveDesignOptions design;
  design.budgets = {kBudget};
  design.proposals = proposals;
  design.reference_size = kReferenceSize;
  design.surface.degrees = SurfaceDegrees{2, 2, 1};
  design.planner = design_simulation::planner();
  return design;
}

bool near_in_size(double a, double b, double tolerance) {
  return std::abs(std::log(a / b)) <= tolerance;
}

TEST(ActiveDesignTest, ProposesRunsWithTheirReasonAndTheIntervalItExpects) {
  const ActiveDesign design = propose_next_runs(coarse_grid(1), options(4));
  ASSERT_EQ(design.proposals.size(), 4u);
  ASSERT_EQ(design.components.size(), 1u);
  const DesignComponent& s_star = design.components[0];
  EXPECT_EQ(s_star.describe(), "S* at C=1e16 N=1.2e7");
  EXPECT_EQ(s_star.size_basis, "given");
  EXPECT_GT(s_star.estimate, 0.5);
  EXPECT_LT(s_star.estimate, 0.875);
  EXPECT_TRUE(s_star.interval.contains(s_star.estimate));
  EXPECT_NEAR(s_star.width, s_star.interval.hi - s_star.interval.lo, 1e-15);
  EXPECT_GT(s_star.expected_width, 0);
  EXPECT_LT(s_star.expected_width, s_star.width);
  EXPECT_EQ(s_star.replicates + s_star.replicates_dropped, 100u);
  for (std::size_t i = 0; i < design.proposals.size(); ++i) {
    const DesignProposal& proposal = design.proposals[i];
    SCOPED_TRACE(proposal.run.design);
    EXPECT_EQ(proposal.run.design.rfind(
                  "next: S* at C=1e16 N=1.2e7: rank " + std::to_string(i + 1) + " of 4, score ", 0),
              0u);
    EXPECT_EQ(proposal.run.design.find('\n'), std::string::npos);
    EXPECT_LE(proposal.run.design.size(), kMaxDesignLength);
    EXPECT_GT(proposal.score, 0);
    EXPECT_EQ(proposal.run.cell.compute, kBudget);
    EXPECT_EQ(proposal.run.relative_error, 0);
    EXPECT_GE(proposal.run.steps, design_simulation::planner().min_steps);
  }
  // Without a reference size S* is read at the lowest-loss run's N.
  const std::vector<moescope::Run> grid = coarse_grid(1);
  ActiveDesignOptions at_best = options(1);
  at_best.reference_size.reset();
  const ActiveDesign best = propose_next_runs(grid, at_best);
  ASSERT_EQ(best.components.size(), 1u);
  const auto lowest = std::min_element(
      grid.begin(), grid.end(),
      [](const moescope::Run& a, const moescope::Run& b) { return *a.loss < *b.loss; });
  EXPECT_EQ(best.components[0].size, *lowest->total_params);
  EXPECT_EQ(best.components[0].size_basis, "the lowest-loss run's");
}

// Every candidate proposed (K far above their number): none where a run, done or planned, or an
// earlier proposal, lies within size_tolerance in ln N at the same (C, S).
TEST(ActiveDesignTest, CellsThatRunsAlreadyFillAreNeverProposed) {
  std::vector<moescope::Run> runs = coarse_grid(2);
  const auto proposed_near = [](const ActiveDesign& design, double size, double sparsity) {
    return std::any_of(design.proposals.begin(), design.proposals.end(), [&](const auto& p) {
      return p.run.cell.sparsity == sparsity && near_in_size(p.run.total_params, size, 0.1);
    });
  };
  const ActiveDesign open = propose_next_runs(runs, options(kMaxProposals));
  ASSERT_FALSE(open.proposals.empty());
  // A planned run where the first proposal was: it fills that cell.
  const PlannedRun& first = open.proposals[0].run;
  moescope::Run planned;
  planned.status = RunStatus::kPlanned;
  planned.total_params = first.total_params;
  planned.sparsity = first.cell.sparsity;
  planned.compute = kBudget;
  runs.push_back(planned);

  const ActiveDesign design = propose_next_runs(runs, options(kMaxProposals));
  ASSERT_FALSE(design.proposals.empty());
  EXPECT_LT(design.candidates, open.candidates);
  for (const moescope::Run& run : runs)
    EXPECT_FALSE(proposed_near(design, *run.total_params, *run.sparsity)) << *run.total_params;
  for (std::size_t i = 0; i < design.proposals.size(); ++i) {
    for (std::size_t k = 0; k < i; ++k) {
      const PlannedRun& a = design.proposals[i].run;
      const PlannedRun& b = design.proposals[k].run;
      EXPECT_FALSE(a.cell.sparsity == b.cell.sparsity &&
                   near_in_size(a.total_params, b.total_params, 0.1))
          << run_label(a) << " beside " << run_label(b);
    }
  }
}

TEST(ActiveDesignTest, BudgetsWithoutAFitAreRefusedWithTheReasonNotThrown) {
  std::vector<moescope::Run> runs = coarse_grid(3);
  numerics::NumpyLegacyNormal normal(4);
  for (const double size : {4e6, 8e6, 1.6e7, 3.2e7})  // too few for 6 coefficients
    runs.push_back(draw(plan_run({3e16, size, 0.75}, design_simulation::planner()), normal));
  ActiveDesignOptions design_options = options(3);
  design_options.budgets = {1e17, 3e16, kBudget};
  const ActiveDesign design = propose_next_runs(runs, design_options);
  ASSERT_EQ(design.refused.size(), 2u);
  EXPECT_EQ(design.refused[0],
            "C=1e17: no finished runs at this budget; plan a coarse grid there first with --cell");
  EXPECT_EQ(design.refused[1].rfind("C=3e16: 4 runs: too few points: ", 0), 0u)
      << design.refused[1];
  EXPECT_NE(design.refused[1].find("plan a coarse grid there first with --cell"),
            std::string::npos);
  ASSERT_EQ(design.proposals.size(), 3u);
  for (const DesignProposal& proposal : design.proposals)
    EXPECT_EQ(proposal.run.cell.compute, kBudget);
  // Nothing at any budget: an empty design that says why, still no exception.
  design_options.budgets = {1e17};
  const ActiveDesign none = propose_next_runs(runs, design_options);
  EXPECT_TRUE(none.proposals.empty());
  EXPECT_EQ(none.refused.size(), 1u);
}

TEST(ActiveDesignTest, CandidatesThatRepeatTheCorpusAreLeftOutUnlessAllowed) {
  const std::vector<moescope::Run> runs = coarse_grid(5);
  ActiveDesignOptions design_options = options(kMaxProposals);
  design_options.corpus = CorpusSize{"small", 2e8, 1e6};
  const ActiveDesign limited = propose_next_runs(runs, design_options);
  for (const DesignProposal& proposal : limited.proposals)
    EXPECT_LE(static_cast<double>(proposal.run.steps) * 32 * 512, 4 * 2e8);
  ASSERT_FALSE(limited.notes.empty());
  EXPECT_NE(limited.notes[0].find("would repeat the corpus small more than 4 times"),
            std::string::npos)
      << limited.notes[0];
  design_options.allow_repeats = true;
  EXPECT_GT(propose_next_runs(runs, design_options).candidates, limited.candidates);
}

TEST(ActiveDesignTest, NStarHasOneReadOutPerSparsityLevel) {
  ActiveDesignOptions design_options = options(3);
  design_options.target = DesignTarget::kOptimalSize;
  design_options.reference_size.reset();
  const ActiveDesign design = propose_next_runs(coarse_grid(6), design_options);
  ASSERT_EQ(design.components.size(), 3u);
  for (std::size_t j = 0; j < 3; ++j) {
    const DesignComponent& component = design.components[j];
    EXPECT_EQ(component.sparsity, design_simulation::grid_sparsities()[j]);
    EXPECT_TRUE(component.interval.contains(component.estimate));
    EXPECT_NEAR(component.width, std::log(component.interval.hi / component.interval.lo), 1e-12);
    EXPECT_LE(component.expected_width, component.width);
  }
  ASSERT_EQ(design.proposals.size(), 3u);
  EXPECT_EQ(design.proposals[0].run.design.rfind("next: N* at C=1e16 S=", 0), 0u);
  EXPECT_NE(design.proposals[0].run.design.find("expected width of ln N* "), std::string::npos);
}

TEST(ActiveDesignTest, ValidateNamesEachBadField) {
  ActiveDesignOptions bad;
  bad.proposals = 0;
  bad.size_margin = 0.5;
  bad.size_tolerance = std::nan("");
  bad.reference_size = -1;
  bad.surface.bootstrap_replicates = 1;
  bad.surface.axis = SizeAxis::kActive;
  const std::vector<std::string> problems = bad.validate();
  for (const char* expected :
       {"budgets: at least one budget is needed", "proposals must lie in 1..1000, got 0",
        "reference_size must be finite and > 0, got -1",
        "size_margin must be finite and >= 1, got 0.5",
        "size_tolerance must be finite and > 0, got nan", "surface: the axis must be total N",
        "surface: bootstrap_replicates must be at least 2 (the criterion is their covariance), "
        "got 1"}) {
    EXPECT_NE(std::find(problems.begin(), problems.end(), expected), problems.end()) << expected;
  }
  ActiveDesignOptions n_star = options(1);
  n_star.target = DesignTarget::kOptimalSize;
  EXPECT_EQ(n_star.validate(),
            std::vector<std::string>{"reference_size is the size S* is read at; N* takes none"});
  n_star.budgets = {std::nan("")};
  n_star.reference_size.reset();
  EXPECT_EQ(n_star.validate(), std::vector<std::string>{"budgets: nan is not a finite budget > 0"});
  EXPECT_TRUE(options(kMaxProposals).validate().empty());
  EXPECT_THROW(propose_next_runs({}, bad), std::invalid_argument);
  EXPECT_EQ(parse_design_target("S*"), DesignTarget::kOptimalSparsity);
  EXPECT_EQ(parse_design_target("N*"), DesignTarget::kOptimalSize);
  EXPECT_FALSE(parse_design_target("L*"));
}

TEST(FamilyRunsTest, EveryShapeInTheRangeExactAndPlannable) {
  const PlannerOptions planner;
  const std::vector<PlannedRun> runs = family_runs(1e16, 0.75, 5e6, 5e7, planner);
  ASSERT_GT(runs.size(), 5u);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const PlannedRun& run = runs[i];
    EXPECT_GE(run.total_params, 5e6);
    EXPECT_LE(run.total_params, 5e7);
    EXPECT_EQ(run.cell.total_params, run.total_params);
    EXPECT_EQ(run.relative_error, 0);
    EXPECT_EQ(run.architecture.d_model % planner.head_size, 0);
    EXPECT_EQ(run.architecture.experts, 4);
    EXPECT_GE(run.steps, planner.min_steps);
    if (i > 0) {
      EXPECT_LE(runs[i - 1].total_params, run.total_params);
    }
    // The planner finds each of them for its own size.
    EXPECT_EQ(plan_run(run.cell, planner).total_params, run.total_params);
  }
  EXPECT_THROW(family_runs(1e16, 0.123, 5e6, 5e7, planner), PlanRefused);
  EXPECT_THROW(family_runs(1e16, 0.75, 5e7, 5e6, planner), PlanRefused);
  // A budget too small for min_steps at every size: no shape, no exception.
  EXPECT_TRUE(family_runs(1e9, 0.75, 5e6, 5e7, planner).empty());
}

// ---- In simulation: active design against a fixed grid ------------------------------------

// From a coarse grid (12 runs), 5 more runs chosen by propose_next_runs against 5 of a fixed
// grid, their losses drawn from the same law with the same noise stream, refitted: over 16 seeds
// the interval of S* comes out narrower after the designed runs (measured: mean width 0.0194
// against 0.0274, 29 % narrower; 32 seeds of active_design_benchmark give 0.0177 against
// 0.0245), and the width the design expected, 0.0218, is within 20 % of the one it got.
TEST(ActiveDesignSimulationTest, FiveDesignedRunsNarrowSStarMoreThanFiveOfAFixedGrid) {
  constexpr int kSeeds = 16;
  constexpr int kAdded = 5;
  std::vector<double> active, fixed, expected;
  for (int seed = 0; seed < kSeeds; ++seed) {
    const std::vector<moescope::Run> grid = coarse_grid(static_cast<std::uint32_t>(1000 + seed));
    const ActiveDesign design = propose_next_runs(grid, options(kAdded));
    ASSERT_EQ(design.proposals.size(), static_cast<std::size_t>(kAdded));
    expected.push_back(design.components.at(0).expected_width);
    numerics::NumpyLegacyNormal active_noise(static_cast<std::uint32_t>(5000 + seed));
    numerics::NumpyLegacyNormal fixed_noise(static_cast<std::uint32_t>(5000 + seed));
    std::vector<moescope::Run> with_active = grid, with_fixed = grid;
    for (const DesignProposal& proposal : design.proposals)
      with_active.push_back(draw(proposal.run, active_noise));
    for (const PlannedRun& run : fixed_grid(kAdded, grid))
      with_fixed.push_back(draw(run, fixed_noise));
    active.push_back(s_star_width(with_active));
    fixed.push_back(s_star_width(with_fixed));
  }
  std::cout << "mean width of S*'s interval after " << kAdded << " runs: active " << mean(active)
            << ", fixed grid " << mean(fixed) << ", expected by the design " << mean(expected)
            << '\n';
  EXPECT_LT(mean(active), mean(fixed));
  EXPECT_NEAR(mean(expected), mean(active), 0.2 * mean(active));
}

}  // namespace
}  // namespace moescope
