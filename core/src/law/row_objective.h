#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "moescope/law/law_definition.h"

namespace moescope::law::detail {

// A parameter's change of coordinates (defined_law_fit.h): optimiser coordinate u to value.
struct ParameterTransform {
  enum class Bounds { kNone, kBoth, kLower, kUpper };
  Bounds bounds = Bounds::kNone;
  double lower = 0, upper = 0;  // in q: the value, or its log on the log scale
  bool log_scale = false;

  explicit ParameterTransform(const LawParameter& parameter);
  // The value at u, and d value / du.
  double value(double u, double* derivative) const;
  // The u of a start value (moved inside where it lies on a bound).
  double coordinate(double value) const;
};

// SUM over rows of weight * rho(log L - log L̂) and its gradient with respect to the optimiser's
// coordinates, the law's tape run over all rows at once (defined_law_fit.h). Each worker uses a
// copy of its own: evaluate() writes the copy's buffers; what the rows fix is shared.
class RowObjective {
 public:
  // `values`: rows x law.variables().size(), row-major; `losses` one per row.
  RowObjective(const LawDefinition& law, const std::vector<double>& values,
               const std::vector<double>& losses);

  int coordinates() const { return static_cast<int>(transforms_.size()); }
  std::size_t rows() const { return rows_; }
  void set_weights(const std::vector<double>& weights) { weights_ = weights; }
  const std::vector<ParameterTransform>& transforms() const { return transforms_; }
  // Parameter values at coordinates u.
  void values(const double* u, double* values) const;

  double evaluate(const double* u, double* gradient) const;

 private:
  // How an instruction's value varies: not at all, by row only, by parameters only, or both.
  enum class Kind : std::uint8_t { kConstant, kRow, kParameter, kMixed };
  struct Shared;

  std::shared_ptr<const Shared> shared_;
  std::vector<ParameterTransform> transforms_;
  LawObjectiveSpec spec_;
  std::size_t rows_ = 0;
  std::vector<double> weights_;
  // Buffers, written by evaluate(): scalar values and adjoints of every slot, a column per
  // column-valued slot (values, adjoints), three partial-derivative columns, the root column.
  mutable std::vector<double> scalar_, scalar_adjoint_, columns_, column_adjoints_, partials_,
      parameter_values_, parameter_derivatives_;
};

}  // namespace moescope::law::detail
