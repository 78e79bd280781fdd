// The explorer's several fits (law_collection.h): the collection's names and colours, a defined
// law's curves in Figures 2b and 2c on the figures' family of models, and residuals per run.
#include "moescope/explore/law_collection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "moescope/fit/active_parameter_model.h"
#include "moescope/law/law_definition.h"
#include "moescope/run/run_variables.h"

namespace moescope {
namespace {

constexpr double kE0 = 1.7, kA = 400.0, kAlpha = 0.3, kB = 1200.0, kBeta = 0.3;

law::DefinedLawFitSummary fitted(const std::string& text, std::vector<law::FittedValue> values) {
  law::DefinedLawFitSummary summary;
  summary.law = law::parse_law_text(text, "test law", law_run_variables());
  summary.parameters = std::move(values);
  summary.objective = 0.01;
  return summary;
}

// Chinchilla's form with known coefficients.
law::DefinedLawFitSummary chinchilla() {
  return fitted(R"({"name": "chin", "expression": "E0 + A / N^alpha + B / D^beta",
      "parameters": {"E0": {"init": [1]}, "A": {"init": [1]}, "alpha": {"init": [0.3]},
                     "B": {"init": [1]}, "beta": {"init": [0.3]}}})",
                {{"E0", kE0}, {"A", kA}, {"alpha", kAlpha}, {"B", kB}, {"beta", kBeta}});
}

double chinchilla_loss(double n, double d) {
  return kE0 + kA / std::pow(n, kAlpha) + kB / std::pow(d, kBeta);
}

Run run_at(double n, double d, double s, double loss) {
  Run run;
  run.id = "r" + std::to_string(static_cast<long long>(n / 1e6)) + "-" +
           std::to_string(static_cast<int>(s * 100));
  run.total_params = n;
  run.active_params = n * (1 - s * 0.5);
  run.sparsity = s;
  run.tokens = d;
  run.compute = 6 * *run.active_params * d;
  run.loss = loss;
  return run;
}

TEST(LawCollection, NamesAndColoursStayDistinct) {
  LawCollection fits;
  EXPECT_EQ(fits.add(chinchilla()), 0u);
  EXPECT_EQ(fits.add(chinchilla()), 1u);
  EXPECT_EQ(fits.add(chinchilla(), "mine"), 2u);
  EXPECT_EQ(fits.at(0).name, "chin");
  EXPECT_EQ(fits.at(1).name, "chin (2)");
  EXPECT_EQ(fits.at(2).colour, 2);
  fits.remove(0);
  // The freed colour is the next fit's.
  EXPECT_EQ(fits.at(fits.add(chinchilla())).colour, 0);
  fits.set_visible(0, false);
  EXPECT_FALSE(fits.at(0).visible);
  EXPECT_THROW(fits.remove(9), std::out_of_range);
}

TEST(LawCollection, CurveOnTheFamilyOfModels) {
  const law::DefinedLawFitSummary summary = chinchilla();
  EXPECT_FALSE(curve_problem(summary.law).has_value());
  const double n = 1e9, s = 0.75, c = 1e20;
  const double active = ActiveParameterModel::paper_family().active(n, s);
  const std::vector<double> variables = *family_variables(summary.law, n, s, c);
  ASSERT_EQ(variables.size(), 2u);  // N and D, in that order
  EXPECT_DOUBLE_EQ(variables[0], n);
  EXPECT_DOUBLE_EQ(variables[1], c / (6 * active));

  LawCollection fits;
  fits.add(summary);
  const Series curve = user_law_size_curve(fits.at(0), c, s, {1e8, 1e9}, true);
  ASSERT_EQ(curve.y.size(), 2u);
  EXPECT_NEAR(curve.y[1], chinchilla_loss(n, c / (6 * active)), 1e-12);
  EXPECT_EQ(curve.fit_colour, 0);
  const Series active_curve = user_law_size_curve(fits.at(0), c, s, {1e9}, false);
  EXPECT_DOUBLE_EQ(active_curve.x[0], active);

  // E, K and G on the family: one active expert of 1 / (1 - S).
  const law::DefinedLawFitSummary experts = fitted(
      R"({"name": "e", "expression": "a * E^0 + K + G - 2 + 0 * N",
          "parameters": {"a": {"init": [1]}}})",
      {{"a", 2.0}});
  EXPECT_EQ(*family_variables(experts.law, n, s, c),
            (std::vector<double>{n, 1.0 / (1.0 - s), 1.0, 1.0}));
}

TEST(LawCollection, LawNeedingUniqueTokensHasNoCurve) {
  const law::DefinedLawFitSummary repeated = fitted(
      R"({"name": "rep", "expression": "E0 + B / (D / U)^beta",
          "parameters": {"E0": {"init": [1]}, "B": {"init": [1]}, "beta": {"init": [1]}}})",
      {{"E0", 1.0}, {"B", 1.0}, {"beta", 0.5}});
  const std::optional<std::string> problem = curve_problem(repeated.law);
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("U (unique tokens)"), std::string::npos) << *problem;
  EXPECT_FALSE(family_variables(repeated.law, 1e9, 0.5, 1e20).has_value());

  LawCollection fits;
  fits.add(chinchilla());
  fits.add(repeated);
  ExplorerData data;
  data.runs = {run_at(1e8, 1e10, 0.5, 3.0), run_at(1e9, 1e10, 0.5, 2.8)};
  Figure figure;
  figure.id = FigureId::kLossVsParams;
  Series main;
  main.kind = SeriesKind::kLaw;
  main.budget = 1e20;
  main.sparsity = 0.5;
  figure.curves.push_back(main);
  const std::vector<std::string> notes =
      overlay_user_laws(figure, fits, data, ExplorerState{}, {0.5});
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].rfind("rep: uses U (unique tokens)", 0), 0u) << notes[0];
  ASSERT_EQ(figure.curves.size(), 2u);  // the main law's and chinchilla's at its place
  EXPECT_EQ(figure.curves[1].budget, 1e20);
  EXPECT_EQ(figure.curves[1].sparsity, 0.5);
  EXPECT_EQ(figure.curves[1].x.size(), static_cast<std::size_t>(kCurvePoints));
  EXPECT_EQ(figure.title, " + 1 user law");  // the one drawn

  // A hidden fit draws nothing; another figure is left alone.
  fits.set_visible(0, false);
  figure.curves.resize(1);
  overlay_user_laws(figure, fits, data, ExplorerState{}, {0.5});
  EXPECT_EQ(figure.curves.size(), 1u);
  figure.id = FigureId::kFlopRatio;
  fits.set_visible(0, true);
  EXPECT_TRUE(overlay_user_laws(figure, fits, data, ExplorerState{}, {0.5}).empty());
  EXPECT_EQ(figure.curves.size(), 1u);
}

TEST(LawCollection, ResidualsPerRunAndTheirFigure) {
  LawCollection fits;
  fits.add(chinchilla());
  std::vector<moescope::Run> runs;
  for (const double s : {0.0, 0.5})
    for (const double n : {1e8, 3e8, 1e9})
      for (const double d : {1e10, 1e11}) {
        // 2 % above the law: every log residual is ln 1.02.
        runs.push_back(run_at(n, d, s, 1.02 * chinchilla_loss(n, d)));
      }
  moescope::Run no_tokens = run_at(1e9, 1e10, 0.5, 3.0);
  no_tokens.tokens.reset();
  runs.push_back(no_tokens);
  moescope::Run failed = run_at(1e9, 1e10, 0.5, 3.0);
  failed.status = RunStatus::kFailed;
  runs.push_back(failed);

  const FitResiduals residuals = user_fit_residuals(fits.at(0), runs);
  ASSERT_EQ(residuals.residuals.size(), 12u);
  EXPECT_EQ(residuals.left_out, 1u);  // the run without D; the failed one is no candidate
  for (const LawResidual& residual : residuals.residuals) {
    EXPECT_NEAR(residual.log_residual, std::log(1.02), 1e-12);
    EXPECT_NEAR(residual.observed / residual.predicted, 1.02, 1e-12);
  }
  EXPECT_NEAR(residuals.rms(), std::log(1.02), 1e-12);

  // By sparsity: two groups of six; by budget: one group per distinct C.
  const Figure by_sparsity =
      residual_figure(&residuals, ResidualColouring::kSparsity, BudgetBinning{});
  EXPECT_EQ(by_sparsity.id, FigureId::kResiduals);
  ASSERT_EQ(by_sparsity.points.size(), 2u);
  EXPECT_EQ(by_sparsity.points[0].x.size(), 6u);
  EXPECT_EQ(by_sparsity.points[1].sparsity, 0.5);
  ASSERT_EQ(by_sparsity.curves.size(), 1u);  // the zero line
  EXPECT_EQ(by_sparsity.curves[0].y, (std::vector<double>{0.0, 0.0}));
  EXPECT_NE(by_sparsity.title.find("RMS"), std::string::npos);
  EXPECT_TRUE(by_sparsity.log_x);
  const Figure by_budget = residual_figure(&residuals, ResidualColouring::kBudget, BudgetBinning{});
  std::size_t points = 0;
  for (const Series& group : by_budget.points) {
    EXPECT_TRUE(group.budget.has_value());
    points += group.x.size();
  }
  EXPECT_EQ(points, 12u);
  EXPECT_GT(by_budget.points.size(), 2u);  // the data budgets (C within 2 % of one another)

  const Figure none = residual_figure(nullptr, ResidualColouring::kBudget, BudgetBinning{});
  EXPECT_TRUE(none.points.empty());
  EXPECT_FALSE(none.message.empty());
}

TEST(LawCollection, MainFitWithoutLawHasNoResiduals) {
  ExplorerData data;
  data.law_refused = "too few runs";
  const FitResiduals residuals = main_fit_residuals(data);
  EXPECT_TRUE(residuals.residuals.empty());
  EXPECT_NE(residuals.absent.find("too few runs"), std::string::npos);
  const Figure figure = residual_figure(&residuals, ResidualColouring::kBudget, BudgetBinning{});
  EXPECT_NE(figure.message.find("too few runs"), std::string::npos);
}

}  // namespace
}  // namespace moescope
