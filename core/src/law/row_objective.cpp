// The objective of a user-defined law over all rows (row_objective.h, defined_law_fit.h).
#include "law/row_objective.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "numerics/vector_math.h"

// GCC reports the vector ABI note at the end of the file; vector_math.h says why it does not
// apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace moescope::law::detail {
namespace {

namespace simd = numerics::simd;

// exp and log over a column, several rows at a time (vector_math.h's polynomials, ~3e-16
// relative), the rows the polynomials do not cover (exp's argument beyond [-708, 709], log's
// outside the positive normal numbers, NaN) recomputed by the C library so that overflow, log of
// a negative and NaN give what std::exp and std::log give.
template <typename V, bool kExp>
void column_function(const double* a, double* out, std::size_t n) {
  constexpr std::size_t kLanes = simd::kLanesOf<V>;
  std::size_t r = 0;
  for (; r + kLanes <= n; r += kLanes) {
    const V x = simd::load<V>(a + r);
    const V y = kExp ? simd::exp(x) : simd::log(x);
    std::memcpy(out + r, &y, sizeof y);
  }
  if (r < n) {
    double tail[kLanes];
    for (std::size_t k = 0; k < kLanes; ++k)
      tail[k] = r + k < n ? a[r + k] : 1.0;
    const V x = simd::load<V>(tail);
    const V y = kExp ? simd::exp(x) : simd::log(x);
    std::memcpy(tail, &y, sizeof y);
    std::copy(tail, tail + (n - r), out + r);
  }
  for (std::size_t k = 0; k < n; ++k) {
    const double x = a[k];
    const bool covered =
        kExp ? (x >= -708.0 && x <= 709.0)
             : (x >= std::numeric_limits<double>::min() && x <= std::numeric_limits<double>::max());
    if (!covered)
      out[k] = kExp ? std::exp(x) : std::log(x);
  }
}

using ColumnFunction = void (*)(const double*, double*, std::size_t);

#define MOESCOPE_DEFINE_COLUMN_FUNCTIONS(suffix, target_attribute, lanes)           \
  target_attribute void exp_##suffix(const double* a, double* out, std::size_t n) { \
    column_function<simd::Vec<lanes>, true>(a, out, n);                             \
  }                                                                                 \
  target_attribute void log_##suffix(const double* a, double* out, std::size_t n) { \
    column_function<simd::Vec<lanes>, false>(a, out, n);                            \
  }
MOESCOPE_DEFINE_COLUMN_FUNCTIONS(baseline, , 2)
#if defined(__x86_64__)
MOESCOPE_DEFINE_COLUMN_FUNCTIONS(avx2, __attribute__((target("avx2"))), 4)
MOESCOPE_DEFINE_COLUMN_FUNCTIONS(avx512, __attribute__((target("avx512f,avx512dq"))), 8)
#endif
#undef MOESCOPE_DEFINE_COLUMN_FUNCTIONS

struct ColumnFunctions {
  ColumnFunction exp, log;
};

// The widest the CPU has, chosen once.
const ColumnFunctions& column_functions() {
  static const ColumnFunctions functions = [] {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
      return ColumnFunctions{exp_avx512, log_avx512};
    if (__builtin_cpu_supports("avx2"))
      return ColumnFunctions{exp_avx2, log_avx2};
#endif
    return ColumnFunctions{exp_baseline, log_baseline};
  }();
  return functions;
}

constexpr double kInsideBound = 0.01;

double huber(double r, double delta) {
  const double m = std::abs(r);
  return m <= delta ? 0.5 * r * r : delta * (m - 0.5 * delta);
}

double huber_slope(double r, double delta) {
  return std::abs(r) <= delta ? r : (r > 0 ? delta : -delta);
}

}  // namespace

ParameterTransform::ParameterTransform(const LawParameter& parameter)
    : log_scale(parameter.scale == ParameterScale::kLog) {
  const auto q = [&](double value) { return log_scale ? std::log(value) : value; };
  if (parameter.lower && parameter.upper) {
    bounds = Bounds::kBoth;
    lower = q(*parameter.lower);
    upper = q(*parameter.upper);
  } else if (parameter.lower) {
    bounds = Bounds::kLower;
    lower = q(*parameter.lower);
  } else if (parameter.upper) {
    bounds = Bounds::kUpper;
    upper = q(*parameter.upper);
  }
}

double ParameterTransform::value(double u, double* derivative) const {
  double q = u;
  double dq = 1;
  switch (bounds) {
    case Bounds::kNone:
      break;
    case Bounds::kBoth:
      q = lower + (upper - lower) * (std::sin(u) + 1) / 2;
      dq = (upper - lower) * std::cos(u) / 2;
      break;
    case Bounds::kLower: {
      const double root = std::sqrt(u * u + 1);
      q = lower - 1 + root;
      dq = u / root;
      break;
    }
    case Bounds::kUpper: {
      const double root = std::sqrt(u * u + 1);
      q = upper + 1 - root;
      dq = -u / root;
      break;
    }
  }
  if (!log_scale) {
    *derivative = dq;
    return q;
  }
  const double value = std::exp(q);
  *derivative = value * dq;
  return value;
}

double ParameterTransform::coordinate(double value) const {
  double q = log_scale ? std::log(value) : value;
  switch (bounds) {
    case Bounds::kNone:
      return q;
    case Bounds::kBoth: {
      const double inside = kInsideBound * (upper - lower);
      q = std::clamp(q, lower + inside, upper - inside);
      return std::asin(std::clamp(2 * (q - lower) / (upper - lower) - 1, -1.0, 1.0));
    }
    case Bounds::kLower: {
      q = std::max(q, lower + kInsideBound);
      const double shifted = q - lower + 1;
      return std::sqrt(shifted * shifted - 1);
    }
    case Bounds::kUpper: {
      q = std::min(q, upper - kInsideBound);
      const double shifted = upper - q + 1;
      return std::sqrt(shifted * shifted - 1);
    }
  }
  return q;
}

struct RowObjective::Shared {
  std::vector<Instruction> code;
  std::vector<Kind> kind;
  std::uint32_t root = 0;
  std::size_t variables = 0;
  std::vector<std::uint32_t> parameter_slots;  // kParameter instructions, in order
  std::vector<std::uint32_t> mixed_slots;      // kMixed instructions, in order
  std::vector<std::uint32_t> broadcast_slots;  // kParameter slots read as columns
  // Per slot: its column, in fixed_columns (kRow, kConstant) or the worker's columns_.
  std::vector<std::size_t> column;
  std::vector<double> fixed_columns;
  std::size_t worker_columns = 0;
  std::vector<double> constants;  // per slot: a kConstant's value
  std::vector<double> log_loss;
};

RowObjective::RowObjective(const LawDefinition& law, const std::vector<double>& values,
                           const std::vector<double>& losses)
    : spec_(law.objective()), rows_(losses.size()), weights_(losses.size(), 1.0) {
  auto shared = std::make_shared<Shared>();
  const Tape& tape = law.tape();
  shared->code = tape.instructions();
  shared->root = static_cast<std::uint32_t>(shared->code.size() - 1);
  shared->variables = law.variables().size();
  for (const LawParameter& parameter : law.parameters())
    transforms_.emplace_back(parameter);
  const std::size_t n = shared->code.size();
  shared->kind.assign(n, Kind::kConstant);
  shared->constants.assign(n, 0.0);
  shared->column.assign(n, 0);
  std::vector<char> read_as_column(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Instruction& in = shared->code[i];
    Kind kind = Kind::kConstant;
    if (in.op == Op::kInput) {
      kind = in.a < shared->variables ? Kind::kRow : Kind::kParameter;
    } else if (in.op == Op::kConstant) {
      shared->constants[i] = in.value;
    } else {
      bool row = false;
      bool parameter = false;
      const std::uint32_t operands[3] = {in.a, in.b, in.c};
      for (int k = 0; k < operand_count(in.op); ++k) {
        const Kind operand = shared->kind[operands[k]];
        row = row || operand == Kind::kRow || operand == Kind::kMixed;
        parameter = parameter || operand == Kind::kParameter || operand == Kind::kMixed;
      }
      kind = row && parameter ? Kind::kMixed
             : row            ? Kind::kRow
             : parameter      ? Kind::kParameter
                              : Kind::kConstant;
      if (kind == Kind::kMixed) {
        for (int k = 0; k < operand_count(in.op); ++k)
          read_as_column[operands[k]] = 1;
      }
    }
    shared->kind[i] = kind;
  }
  read_as_column[shared->root] = 1;
  // Columns: rows' and constants' fixed now; the worker's for kMixed and parameter broadcasts.
  std::size_t fixed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Kind kind = shared->kind[i];
    if (kind == Kind::kRow || (kind == Kind::kConstant && read_as_column[i] != 0)) {
      shared->column[i] = fixed++;
    } else if (kind == Kind::kMixed || (kind == Kind::kParameter && read_as_column[i] != 0)) {
      shared->column[i] = shared->worker_columns++;
      if (kind == Kind::kParameter)
        shared->broadcast_slots.push_back(static_cast<std::uint32_t>(i));
    }
    if (kind == Kind::kParameter)
      shared->parameter_slots.push_back(static_cast<std::uint32_t>(i));
    if (kind == Kind::kMixed)
      shared->mixed_slots.push_back(static_cast<std::uint32_t>(i));
  }
  shared->fixed_columns.assign(fixed * rows_, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const Kind kind = shared->kind[i];
    const Instruction& in = shared->code[i];
    double* out = shared->fixed_columns.data() + shared->column[i] * rows_;
    if (kind == Kind::kConstant && read_as_column[i] != 0) {
      std::fill(out, out + rows_, shared->constants[i]);
    } else if (kind == Kind::kRow) {
      for (std::size_t r = 0; r < rows_; ++r) {
        if (in.op == Op::kInput) {
          out[r] = values[r * shared->variables + in.a];
          continue;
        }
        const auto operand = [&](std::uint32_t slot) {
          return shared->kind[slot] == Kind::kRow
                     ? shared->fixed_columns[shared->column[slot] * rows_ + r]
                     : shared->constants[slot];
        };
        const int count = operand_count(in.op);
        out[r] = apply(in.op, operand(in.a), count > 1 ? operand(in.b) : 0.0,
                       count > 2 ? operand(in.c) : 0.0);
      }
    }
  }
  for (const double loss : losses)
    shared->log_loss.push_back(std::log(loss));
  shared_ = shared;
  scalar_ = shared->constants;
  scalar_adjoint_.assign(n, 0.0);
  columns_.assign(shared->worker_columns * rows_, 0.0);
  column_adjoints_.assign(shared->worker_columns * rows_, 0.0);
  partials_.assign(4 * rows_, 0.0);
  parameter_values_.assign(transforms_.size(), 0.0);
  parameter_derivatives_.assign(transforms_.size(), 0.0);
}

void RowObjective::values(const double* u, double* values) const {
  double derivative = 0;
  for (std::size_t k = 0; k < transforms_.size(); ++k)
    values[k] = transforms_[k].value(u[k], &derivative);
}

double RowObjective::evaluate(const double* u, double* gradient) const {
  const Shared& s = *shared_;
  const std::size_t n = rows_;
  const std::size_t parameters = transforms_.size();
  for (std::size_t k = 0; k < parameters; ++k)
    parameter_values_[k] = transforms_[k].value(u[k], &parameter_derivatives_[k]);
  const auto column = [&](std::uint32_t slot) -> const double* {
    const Kind kind = s.kind[slot];
    return (kind == Kind::kRow || kind == Kind::kConstant ? s.fixed_columns.data()
                                                          : columns_.data()) +
           s.column[slot] * n;
  };
  // Parameter-only instructions, once.
  for (const std::uint32_t slot : s.parameter_slots) {
    const Instruction& in = s.code[slot];
    scalar_[slot] = in.op == Op::kInput ? parameter_values_[in.a - s.variables]
                                        : apply(in.op, scalar_[in.a], scalar_[in.b], scalar_[in.c]);
  }
  for (const std::uint32_t slot : s.broadcast_slots) {
    double* out = columns_.data() + s.column[slot] * n;
    std::fill(out, out + n, scalar_[slot]);
  }
  // Row-and-parameter instructions, each over every row.
  const ColumnFunctions& functions = column_functions();
  for (const std::uint32_t slot : s.mixed_slots) {
    const Instruction& in = s.code[slot];
    double* out = columns_.data() + s.column[slot] * n;
    const double* a = column(in.a);
    const int count = operand_count(in.op);
    const double* b = count > 1 ? column(in.b) : a;
    const double* c = count > 2 ? column(in.c) : a;
    switch (in.op) {
      case Op::kAdd:
        for (std::size_t r = 0; r < n; ++r)
          out[r] = a[r] + b[r];
        break;
      case Op::kSubtract:
        for (std::size_t r = 0; r < n; ++r)
          out[r] = a[r] - b[r];
        break;
      case Op::kMultiply:
        for (std::size_t r = 0; r < n; ++r)
          out[r] = a[r] * b[r];
        break;
      case Op::kDivide:
        for (std::size_t r = 0; r < n; ++r)
          out[r] = a[r] / b[r];
        break;
      case Op::kNegate:
        for (std::size_t r = 0; r < n; ++r)
          out[r] = -a[r];
        break;
      case Op::kExp:
        functions.exp(a, out, n);
        break;
      case Op::kLog:
        functions.log(a, out, n);
        break;
      default:
        for (std::size_t r = 0; r < n; ++r)
          out[r] = apply(in.op, a[r], b[r], c[r]);
    }
  }
  // The objective, and its derivative with respect to log L̂ of each row.
  const LawObjectiveSpec& objective = spec_;
  const double* predicted = column(s.root);
  double* root_adjoint = s.kind[s.root] == Kind::kMixed
                             ? column_adjoints_.data() + s.column[s.root] * n
                             : partials_.data() + 3 * n;
  std::fill(column_adjoints_.begin(), column_adjoints_.end(), 0.0);
  double total = 0;
  const bool squared = objective.loss == ObjectiveLoss::kSquared;
  for (std::size_t r = 0; r < n; ++r) {
    const double w = weights_[r];
    if (w == 0) {
      root_adjoint[r] = 0;
      continue;
    }
    const double residual = s.log_loss[r] - predicted[r];
    total += w * (squared ? residual * residual : huber(residual, objective.delta));
    root_adjoint[r] = -w * (squared ? 2 * residual : huber_slope(residual, objective.delta));
  }
  if (gradient == nullptr)
    return total;
  for (const std::uint32_t slot : s.parameter_slots)
    scalar_adjoint_[slot] = 0;
  if (s.kind[s.root] == Kind::kParameter) {
    double sum = 0;
    for (std::size_t r = 0; r < n; ++r)
      sum += root_adjoint[r];
    scalar_adjoint_[s.root] = sum;
  }
  // Reverse sweep over the row-and-parameter instructions, column by column.
  double* d[3] = {partials_.data(), partials_.data() + n, partials_.data() + 2 * n};
  for (auto at = s.mixed_slots.rbegin(); at != s.mixed_slots.rend(); ++at) {
    const std::uint32_t slot = *at;
    const Instruction& in = s.code[slot];
    const double* adjoint = column_adjoints_.data() + s.column[slot] * n;
    const double* out = columns_.data() + s.column[slot] * n;
    const double* a = column(in.a);
    const int count = operand_count(in.op);
    const double* b = count > 1 ? column(in.b) : a;
    const double* c = count > 2 ? column(in.c) : a;
    switch (in.op) {
      case Op::kAdd:
        std::fill(d[0], d[0] + n, 1.0);
        std::fill(d[1], d[1] + n, 1.0);
        break;
      case Op::kSubtract:
        std::fill(d[0], d[0] + n, 1.0);
        std::fill(d[1], d[1] + n, -1.0);
        break;
      case Op::kMultiply:
        std::copy(b, b + n, d[0]);
        std::copy(a, a + n, d[1]);
        break;
      case Op::kNegate:
        std::fill(d[0], d[0] + n, -1.0);
        break;
      case Op::kExp:
        std::copy(out, out + n, d[0]);
        break;
      case Op::kLog:
        for (std::size_t r = 0; r < n; ++r)
          d[0][r] = 1 / a[r];
        break;
      default:
        for (std::size_t r = 0; r < n; ++r) {
          double partial[3];
          partials(in.op, a[r], b[r], c[r], out[r], partial);
          d[0][r] = partial[0];
          d[1][r] = partial[1];
          d[2][r] = partial[2];
        }
    }
    const std::uint32_t operands[3] = {in.a, in.b, in.c};
    for (int k = 0; k < count; ++k) {
      const std::uint32_t operand = operands[k];
      const Kind kind = s.kind[operand];
      const double* partial = d[k];
      if (kind == Kind::kMixed) {
        double* target = column_adjoints_.data() + s.column[operand] * n;
        for (std::size_t r = 0; r < n; ++r)
          target[r] += adjoint[r] == 0 ? 0.0 : adjoint[r] * partial[r];
      } else if (kind == Kind::kParameter) {
        double sum = 0;
        for (std::size_t r = 0; r < n; ++r)
          sum += adjoint[r] == 0 ? 0.0 : adjoint[r] * partial[r];
        scalar_adjoint_[operand] += sum;
      }
    }
  }
  // Reverse sweep over the parameter-only instructions.
  for (std::size_t k = 0; k < parameters; ++k)
    gradient[k] = 0;
  for (auto at = s.parameter_slots.rbegin(); at != s.parameter_slots.rend(); ++at) {
    const std::uint32_t slot = *at;
    const double adjoint = scalar_adjoint_[slot];
    if (adjoint == 0)
      continue;
    const Instruction& in = s.code[slot];
    if (in.op == Op::kInput) {
      gradient[in.a - s.variables] += adjoint;
      continue;
    }
    double partial[3];
    partials(in.op, scalar_[in.a], scalar_[in.b], scalar_[in.c], scalar_[slot], partial);
    const std::uint32_t operands[3] = {in.a, in.b, in.c};
    for (int k = 0; k < operand_count(in.op); ++k) {
      if (s.kind[operands[k]] == Kind::kParameter && partial[k] != 0)
        scalar_adjoint_[operands[k]] += adjoint * partial[k];
    }
  }
  for (std::size_t k = 0; k < parameters; ++k)
    gradient[k] *= parameter_derivatives_[k];
  return total;
}

}  // namespace moescope::law::detail
