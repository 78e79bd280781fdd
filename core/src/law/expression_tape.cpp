// The expression language's tape: building, pruning and folding, and evaluation with the exact
// gradient by one reverse sweep (expression.h explains the design).
#include <algorithm>
#include <cmath>
#include <limits>

#include "moescope/law/expression.h"

namespace moescope::law {

int operand_count(Op op) {
  switch (op) {
    case Op::kInput:
    case Op::kConstant:
      return 0;
    case Op::kNegate:
    case Op::kExp:
    case Op::kLog:
    case Op::kSqrt:
      return 1;
    case Op::kIf:
      return 3;
    default:
      return 2;
  }
}

double apply(Op op, double a, double b, double c) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  switch (op) {
    case Op::kInput:
    case Op::kConstant:
      return kNaN;  // not computed from operands
    case Op::kAdd:
      return a + b;
    case Op::kSubtract:
      return a - b;
    case Op::kMultiply:
      return a * b;
    case Op::kDivide:
      return a / b;
    case Op::kPower:
      return std::pow(a, b);
    case Op::kNegate:
      return -a;
    case Op::kExp:
      return std::exp(a);
    case Op::kLog:
      return std::log(a);
    case Op::kSqrt:
      return std::sqrt(a);
    // NaN in either argument gives NaN (std::fmin would drop it).
    case Op::kMin:
      return std::isnan(a) || std::isnan(b) ? kNaN : (a <= b ? a : b);
    case Op::kMax:
      return std::isnan(a) || std::isnan(b) ? kNaN : (a >= b ? a : b);
    case Op::kLess:
      return a < b ? 1.0 : 0.0;
    case Op::kLessEqual:
      return a <= b ? 1.0 : 0.0;
    case Op::kGreater:
      return a > b ? 1.0 : 0.0;
    case Op::kGreaterEqual:
      return a >= b ? 1.0 : 0.0;
    case Op::kEqual:
      return a == b ? 1.0 : 0.0;
    case Op::kNotEqual:
      return a != b ? 1.0 : 0.0;
    case Op::kIf:
      return std::isnan(a) ? kNaN : (a != 0 ? b : c);
  }
  return kNaN;
}

void partials(Op op, double a, double b, double c, double out, double* d) {
  (void)c;
  d[0] = d[1] = d[2] = 0;
  switch (op) {
    case Op::kAdd:
      d[0] = 1;
      d[1] = 1;
      return;
    case Op::kSubtract:
      d[0] = 1;
      d[1] = -1;
      return;
    case Op::kMultiply:
      d[0] = b;
      d[1] = a;
      return;
    case Op::kDivide:
      d[0] = 1 / b;
      d[1] = -out / b;
      return;
    case Op::kPower:
      // y x^(y-1), written so that y = 0 gives 0 even at x = 0; x^y log x only where x > 0.
      d[0] = b == 0 ? 0.0 : b * std::pow(a, b - 1);
      d[1] = a > 0 ? out * std::log(a) : 0.0;
      return;
    case Op::kNegate:
      d[0] = -1;
      return;
    case Op::kExp:
      d[0] = out;
      return;
    case Op::kLog:
      d[0] = 1 / a;
      return;
    case Op::kSqrt:
      d[0] = 0.5 / out;
      return;
    case Op::kMin:
      (a <= b ? d[0] : d[1]) = 1;
      return;
    case Op::kMax:
      (a >= b ? d[0] : d[1]) = 1;
      return;
    case Op::kIf:
      (a != 0 ? d[1] : d[2]) = 1;
      return;
    default:
      return;  // inputs, constants and comparisons
  }
}

std::uint32_t Tape::input(std::uint32_t index) {
  instructions_.push_back({Op::kInput, index, 0, 0, 0});
  return static_cast<std::uint32_t>(instructions_.size() - 1);
}

std::uint32_t Tape::constant(double value) {
  instructions_.push_back({Op::kConstant, 0, 0, 0, value});
  return static_cast<std::uint32_t>(instructions_.size() - 1);
}

std::uint32_t Tape::append(Op op, std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  const std::uint32_t operands[3] = {a, b, c};
  const int count = operand_count(op);
  bool constant_operands = true;
  for (int k = 0; k < count; ++k)
    constant_operands = constant_operands && instructions_[operands[k]].op == Op::kConstant;
  if (constant_operands && count > 0) {
    // Folded now: a constant subexpression is computed once, at compile time.
    const auto value_of = [&](int k) { return k < count ? instructions_[operands[k]].value : 0.0; };
    return constant(apply(op, value_of(0), value_of(1), value_of(2)));
  }
  instructions_.push_back({op, a, b, c, 0});
  return static_cast<std::uint32_t>(instructions_.size() - 1);
}

std::size_t Tape::inputs() const {
  std::size_t count = 0;
  for (const Instruction& instruction : instructions_) {
    if (instruction.op == Op::kInput)
      count = std::max<std::size_t>(count, instruction.a + 1);
  }
  return count;
}

bool Tape::reads_input(std::uint32_t index) const {
  for (const Instruction& instruction : instructions_) {
    if (instruction.op == Op::kInput && instruction.a == index)
      return true;
  }
  return false;
}

void Tape::renumber_inputs(const std::vector<std::uint32_t>& map) {
  for (Instruction& instruction : instructions_) {
    if (instruction.op == Op::kInput)
      instruction.a = map.at(instruction.a);
  }
}

Tape Tape::pruned(std::uint32_t root) const {
  std::vector<char> needed(instructions_.size(), 0);
  needed.at(root) = 1;
  for (std::size_t i = root + 1; i-- > 0;) {
    if (needed[i] == 0)
      continue;
    const Instruction& instruction = instructions_[i];
    const std::uint32_t operands[3] = {instruction.a, instruction.b, instruction.c};
    for (int k = 0; k < operand_count(instruction.op); ++k)
      needed[operands[k]] = 1;
  }
  Tape kept;
  std::vector<std::uint32_t> renumbered(instructions_.size(), 0);
  for (std::size_t i = 0; i <= root; ++i) {
    if (needed[i] == 0)
      continue;
    Instruction instruction = instructions_[i];
    if (instruction.op == Op::kInput) {
      renumbered[i] = kept.input(instruction.a);
    } else if (instruction.op == Op::kConstant) {
      renumbered[i] = kept.constant(instruction.value);
    } else {
      renumbered[i] = kept.append(instruction.op, renumbered[instruction.a],
                                  renumbered[instruction.b], renumbered[instruction.c]);
    }
  }
  // The root last, even where it is an input or a constant used earlier.
  if (renumbered[root] != kept.size() - 1) {
    const Instruction& last = kept.instructions_[renumbered[root]];
    kept.instructions_.push_back(last);
  }
  return kept;
}

double Tape::evaluate(const double* input_values, double* gradient,
                      std::vector<double>& workspace) const {
  const std::size_t n = instructions_.size();
  if (n == 0)
    return std::numeric_limits<double>::quiet_NaN();
  if (workspace.size() < 2 * n)
    workspace.resize(2 * n);
  double* value = workspace.data();
  double* adjoint = value + n;
  for (std::size_t i = 0; i < n; ++i) {
    const Instruction& in = instructions_[i];
    switch (in.op) {
      case Op::kInput:
        value[i] = input_values[in.a];
        break;
      case Op::kConstant:
        value[i] = in.value;
        break;
      default:
        value[i] = apply(in.op, value[in.a], value[in.b], value[in.c]);
    }
  }
  if (gradient == nullptr)
    return value[n - 1];
  for (std::size_t k = 0, count = inputs(); k < count; ++k)
    gradient[k] = 0;
  std::fill(adjoint, adjoint + n, 0.0);
  adjoint[n - 1] = 1;
  for (std::size_t i = n; i-- > 0;) {
    // A slot whose value does not matter passes nothing on, even where its partials are not
    // finite (the branch if() did not take, say).
    if (adjoint[i] == 0)
      continue;
    const Instruction& in = instructions_[i];
    if (in.op == Op::kInput) {
      gradient[in.a] += adjoint[i];
      continue;
    }
    double d[3];
    partials(in.op, value[in.a], value[in.b], value[in.c], value[i], d);
    const std::uint32_t operands[3] = {in.a, in.b, in.c};
    for (int k = 0; k < operand_count(in.op); ++k) {
      if (d[k] != 0)
        adjoint[operands[k]] += adjoint[i] * d[k];
    }
  }
  return value[n - 1];
}

}  // namespace moescope::law
