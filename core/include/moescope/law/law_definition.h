#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "moescope/law/expression.h"

namespace moescope::law {

// A scaling law a user writes in a file (issue 18), fitted by defined_law_fit.h. The file:
//
//   { "format": "moescope-law", "version": 1,          (both optional; if present, these)
//     "name": "chinchilla-user",
//     "citation": "Hoffmann et al. 2022, Eq. 10",       (optional free text)
//     "description": "...",                              (optional)
//     "expression": "E + A / N^alpha + B / D^beta",      (expression.h has the language)
//     "predicts": "loss",           ("loss", the default, or "log_loss": the expression is log L)
//     "definitions": { "Dp": "U + U*Rd*(1-exp(-(D/U-1)/Rd))" },   (optional, in file order)
//     "parameters": { "A": {"init": [1, 148.4, 22026], "lower": 0, "upper": 1e12,
//                           "scale": "log"},
//                     "alpha": {"init": [0, 0.5, 1]} },
//     "fixed": { "E": 1.69 },                            (optional constants)
//     "objective": { "loss": "huber", "delta": 1e-3 },   (default; or {"loss": "squared"})
//     "fit_to": "runs" }                                 ("runs", default, or "budget_optima")
//
// Names: parameters, fixed values and definitions are identifiers, not function names and not
// one another's; one that is also a variable's name shadows the variable (E, the loss floor,
// hides E, the run's expert count). A definition may use the variables, the
// parameters, the fixed values and the definitions before it. Every other name in an expression
// must be one of the caller's variables (for runs: run_variables(), plus any extra names the
// caller allows); the ones the law uses are variables(), in the caller's order.
//
// Parameters: `init` lists start values (the fit's start grid is the product of all parameters'
// lists); `lower` and `upper` are optional bounds, which the fitter enforces by a smooth change
// of coordinates (defined_law_fit.h); `scale: "log"` fits ln(value) instead of the value, so the
// value stays positive: then `lower` must be positive, or 0 (the same as absent), and every
// start value positive. Start values must lie within the bounds.
//
// The objective is the sum over the fitted rows of rho(log L - log L̂), rho = Huber with threshold
// `delta` (default 1e-3, as Hoffmann et al., Epoch AI and Abnar et al. fit) or the square.
// `fit_to` is stored for the caller, which chooses the rows: every run, or one per compute budget
// (its lowest loss).

enum class Predicts { kLoss, kLogLoss };
enum class ParameterScale { kLinear, kLog };
enum class ObjectiveLoss { kHuber, kSquared };
enum class FitTo { kRuns, kBudgetOptima };

struct LawObjectiveSpec {
  ObjectiveLoss loss = ObjectiveLoss::kHuber;
  double delta = 1e-3;  // Huber's threshold, on log-loss residuals; unused for kSquared
};

struct LawParameter {
  std::string name;
  std::vector<double> init;
  std::optional<double> lower, upper;
  ParameterScale scale = ParameterScale::kLinear;
};

struct FixedValue {
  std::string name;
  double value = 0;
};

struct NamedExpression {
  std::string name;
  std::string expression;
};

// The run fields a law may use: N, N_active, D, C, S, E, K, G, U; the list is
// law_run_variables() (run/run_variables.h), which also says what each name reads of a run.
const std::vector<std::string>& run_variables();

// The most free parameters a law may have (the L-BFGS is compiled for each count up to this).
inline constexpr std::size_t kMaxLawParameters = 16;
// The most starts a law's grid may have (the product of its init lists' lengths).
inline constexpr std::size_t kMaxLawStarts = 5'000'000;

class LawDefinition {
 public:
  const std::string& name() const { return name_; }
  const std::string& citation() const { return citation_; }
  const std::string& description() const { return description_; }
  const std::string& expression() const { return expression_; }
  Predicts predicts() const { return predicts_; }
  const std::vector<NamedExpression>& definitions() const { return definitions_; }
  // The free parameters, in file order: the fitter's unknowns.
  const std::vector<LawParameter>& parameters() const { return parameters_; }
  const std::vector<FixedValue>& fixed() const { return fixed_; }
  const LawObjectiveSpec& objective() const { return objective_; }
  FitTo fit_to() const { return fit_to_; }
  // The variables the law uses, in the order of the caller's list.
  const std::vector<std::string>& variables() const { return variables_; }
  // The product of the parameters' init list lengths.
  std::size_t start_count() const;

  // log L̂ at the given variables (variables() order) and parameter values (parameters() order);
  // where `gradient` is not null it receives d log L̂ / d value for each parameter, exact (one
  // reverse sweep of the tape). Non-finite where the law is (log of a negative prediction, say).
  double log_prediction(const double* variable_values, const double* parameter_values,
                        double* gradient) const;
  // exp(log_prediction(...)): L̂ in loss units.
  double predict_loss(const double* variable_values, const double* parameter_values) const;

  // The compiled law: inputs are variables() then parameters(); the last instruction is log L̂.
  const Tape& tape() const { return tape_; }

 private:
  friend LawDefinition parse_law_definition(const nlohmann::ordered_json&, std::string,
                                            const std::vector<std::string>&);
  std::string name_, citation_, description_, expression_;
  Predicts predicts_ = Predicts::kLoss;
  std::vector<NamedExpression> definitions_;
  std::vector<LawParameter> parameters_;
  std::vector<FixedValue> fixed_;
  LawObjectiveSpec objective_;
  FitTo fit_to_ = FitTo::kRuns;
  std::vector<std::string> variables_;
  Tape tape_;
};

// The law in `json`, checked against the rules above; `variables` are the names the law may use
// besides its own. Throws InputError (io/diagnostic.h) listing every problem, each located in
// `source_name` as "law.json: parameters.alpha.init[2]: must be a finite number, got \"x\"", or
// "law.json: expression:1:14: unknown name 'alpah' (did you mean 'alpha'?)". Takes
// ordered_json because the order of definitions and parameters matters (nlohmann::json sorts
// keys).
LawDefinition parse_law_definition(const nlohmann::ordered_json& json, std::string source_name,
                                   const std::vector<std::string>& variables);

// The file at `path`, checked as io/json_limits.h requires before parsing (depth, NUL bytes),
// then parsed (refusing keys given twice in one object) and checked as above. Throws InputError
// naming the file.
LawDefinition read_law_file(const std::filesystem::path& path,
                            const std::vector<std::string>& variables);

// The same text, checked the same way; `source_name` names it in messages.
LawDefinition parse_law_text(const std::string& text, const std::string& source_name,
                             const std::vector<std::string>& variables);

// The law as its file: parse_law_definition(to_json(law), ...) gives the same law. Defaults are
// written out (predicts, objective, fit_to, scale) and empty optional parts left out.
nlohmann::ordered_json to_json(const LawDefinition& law);

}  // namespace moescope::law
