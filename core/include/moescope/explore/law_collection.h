#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "moescope/explore/explorer_data.h"
#include "moescope/explore/figure.h"
#include "moescope/law/defined_law_fit.h"
#include "moescope/law/law_definition.h"
#include "moescope/run/run.h"

namespace moescope {

// The explorer's several fits of one data set (issue 18), as plain values: the main fit (the
// compiled Eq. 6 or Chinchilla-form law of ExplorerData, refitted with the runs) and the
// user-defined laws fitted in the law editor, each with a name, a colour and whether the figures
// draw it. What each fit gives the views: its curves in Figures 2b and 2c (over the main fit's)
// and its residuals per run (the residual figure).

// A user-defined law (law/law_definition.h) and its fit (law/defined_law_fit.h).
struct UserLawFit {
  std::string name;
  law::DefinedLawFitSummary summary;
  // An index into the explorer's palette of fits: the lowest not in use when the fit was added.
  int colour = 0;
  bool visible = true;  // drawn over Figures 2b and 2c
};

class LawCollection {
 public:
  const std::vector<UserLawFit>& fits() const { return fits_; }
  std::size_t size() const { return fits_.size(); }
  bool empty() const { return fits_.empty(); }
  const UserLawFit& at(std::size_t index) const { return fits_.at(index); }

  // Adds a fit, visible, in the lowest colour no other fit has; returns its index (the last).
  // An empty name becomes the law's name, and a name another fit has gains " (2)", " (3)", ...
  std::size_t add(law::DefinedLawFitSummary summary, std::string name = {});
  // Throw std::out_of_range for an index beyond size().
  void remove(std::size_t index);
  void set_visible(std::size_t index, bool visible);
  void clear() { fits_.clear(); }

 private:
  std::vector<UserLawFit> fits_;
};

// ---- Curves -----------------------------------------------------------------------------------

// Figures 2b and 2c draw the loss of the figure's family of models (fit/active_parameter_model.h:
// K = 1 active expert of E = 1 / (1 - S), granularity 1) at a budget C, as the main law's curves
// do (law_curves.cpp): N_active = family.active(N, S) and D = C / (6 N_active). A defined law is
// evaluated there on N, N_active, D, C, S, E = 1 / (1 - S), K = 1 and G = 1.
//
// Why `law` cannot be drawn so, one line ("uses U (unique tokens), which a curve at fixed C does
// not give"); nullopt where it can.
std::optional<std::string> curve_problem(const law::LawDefinition& law);

// The law's variables (law.variables() order) at total parameters `total`, sparsity `sparsity`
// and budget `budget` on the family; nullopt where curve_problem() says it cannot.
std::optional<std::vector<double>> family_variables(const law::LawDefinition& law, double total,
                                                    double sparsity, double budget);

// The fit's loss against size (total parameters, or active ones where !total_axis) at one budget
// and sparsity, over `totals`; points where the law is not finite are left out. Labelled with the
// fit's name, carrying its colour (Series::fit_colour), kind kOther. Empty where curve_problem().
Series user_law_size_curve(const UserLawFit& fit, double budget, double sparsity,
                           const std::vector<double>& totals, bool total_axis);

// Adds the visible fits' curves to Figure 2b or 2c (any other figure is left alone): one per
// curve of the main law there (kind kLaw: its budget, its sparsity or else `level`, the data's
// one sparsity), or, where the main law draws none, one per data sparsity at state.budget; over
// the sizes the runs span, a factor kSizeMargin either side, as the main law's. Returns one line
// per fit left out: "name: reason".
std::vector<std::string> overlay_user_laws(Figure& figure, const LawCollection& fits,
                                           const ExplorerData& data, const ExplorerState& state,
                                           const std::vector<double>& data_sparsities);

// ---- Residuals --------------------------------------------------------------------------------

struct LawResidual {
  std::size_t run = 0;  // index into the runs
  double predicted = 0, observed = 0;
  double log_residual = 0;  // ln(observed / predicted)
  double total_params = 0;
  std::optional<double> budget, sparsity;  // the run's C and S, where it has them
};

struct FitResiduals {
  std::string name;  // the fit's
  std::vector<LawResidual> residuals;
  // Finished runs with a loss that the fit could not be evaluated at (a variable missing, a
  // prediction not finite).
  std::size_t left_out = 0;
  // Why there are none at all ("no law: ..."); empty otherwise.
  std::string absent;
  // sqrt(mean log_residual^2); NaN without residuals.
  double rms() const;
};

// The main fit's residuals at the runs it can be evaluated at (done, with N, D, S and a loss);
// `absent` says why there are none where the law was refused.
FitResiduals main_fit_residuals(const ExplorerData& data);
// A user fit's at the runs that are done, with a finite positive loss and every variable the law
// uses (run_variable(), run/run_variables.h).
FitResiduals user_fit_residuals(const UserLawFit& fit, const std::vector<Run>& runs);

enum class ResidualColouring { kBudget, kSparsity };

// The residual figure (FigureId::kResiduals): ln(L / L̂) against N (log axis), one set of markers
// per budget (the data's binning) or per sparsity, a zero line, the RMS in the title. Where
// `residuals` is null (no fit chosen) or has none, the figure's message says why.
Figure residual_figure(const FitResiduals* residuals, ResidualColouring colouring,
                       const BudgetBinning& binning);

}  // namespace moescope
