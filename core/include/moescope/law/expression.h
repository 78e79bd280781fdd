#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace moescope::law {

// The expression language of user-defined laws (law_definition.h), compiled to a flat tape.
//
// Grammar (whitespace between tokens is ignored):
//   expression := comparison
//   comparison := sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum ]   (not chained)
//   sum        := product { ("+" | "-") product }
//   product    := unary { ("*" | "/") unary }
//   unary      := "-" unary | power
//   power      := primary [ "^" unary ]            (right-associative: 2^3^2 = 2^9)
//   primary    := number | name | name "(" arguments ")" | "(" expression ")"
//   number     := digits [ "." digits ] [ ("e" | "E") [ "+" | "-" ] digits ]   (also ".5")
// So "^" binds tighter than unary minus: -x^2 = -(x^2), and 2^-1 = 0.5. Functions: exp, log
// (natural), sqrt (one argument each), min(a, b), max(a, b), if(condition, a, b). A comparison is
// 1 where it holds and 0 where not; it may stand anywhere a value may (2 * (x > 1) is 2 or 0),
// but is meant for if's first argument: if(c, a, b) is a where c != 0, else b.
//
// A name resolves against the caller's list (variables, parameters, earlier definitions); an
// unknown name, a function name used as a value, a wrong argument count or anything else the
// grammar does not allow throws ParseError. Numbers that overflow a double ("1e99999") are
// refused (kBadNumber), never made infinite. Nesting (parentheses, unary minus, exponents,
// function calls) deeper than kMaxExpressionDepth is refused (kTooDeep) before the parser's
// recursion could exhaust the stack, so hostile text can neither crash nor hang it: parsing is
// linear in the text's length.
//
// Why a tape: a law is evaluated a few million times per fit (every start, every L-BFGS step,
// every row), so it is compiled once into a flat list of instructions in evaluation order (SSA:
// instruction i writes slot i and reads only earlier slots). Evaluating is a loop over that list,
// with no tree walking, virtual calls or allocation; the fitter (defined_law_fit.h) runs each
// instruction over all rows at once.
//
// Why reverse mode: the fitter needs the gradient of one value (log L̂, then the objective) with
// respect to every parameter. One backward sweep over the tape, accumulating adjoints
// (d output / d slot) from the last instruction to the first, gives all of them exactly, at a
// cost of about one evaluation whatever the number of parameters; forward mode or finite
// differences would cost one evaluation per parameter, and differences are inexact.
//
// Derivatives: the usual ones; min and max take the derivative of the argument they return
// (the first where both are equal), if() that of the branch it takes, comparisons have none.
// For x^y: d/dx = y x^(y-1), d/dy = x^y log x where x > 0 and 0 elsewhere (where x <= 0 the
// value is defined only for integer y, and is constant in y). Non-finite values (log of a
// negative, overflow) propagate as NaN or infinity; the fitter takes them as failure.

inline constexpr int kMaxExpressionDepth = 200;

enum class ParseErrorKind {
  kUnexpectedCharacter,    // a character that starts no token, or a token where none fits
  kUnexpectedEnd,          // the text ends inside an expression
  kUnbalancedParenthesis,  // a ")" without "(" or a "(" without ")"
  kUnknownName,            // a name not in the caller's list
  kUnknownFunction,        // name( with a name that is no function
  kWrongArgumentCount,     // min(1), exp(1, 2), ...
  kTrailingInput,          // a complete expression followed by more
  kBadNumber,              // a malformed number ("1e", "1.2.3") or one no double holds
  kEmpty,                  // nothing but whitespace
  kTooDeep,                // nested deeper than kMaxExpressionDepth
};

std::string_view to_string(ParseErrorKind kind);

// "expression:1:14: unknown name 'alpah' (did you mean 'alpha'?)": `source` (default
// "expression"), line 1, the 1-based column, the problem. position() is the 0-based offset.
class ParseError : public std::runtime_error {
 public:
  ParseError(ParseErrorKind kind, std::size_t position, const std::string& message,
             std::string_view source = "expression");
  ParseErrorKind kind() const { return kind_; }
  std::size_t position() const { return position_; }
  // The problem alone, without source and column: "unknown name 'alpah' (...)".
  const std::string& detail() const { return detail_; }

 private:
  ParseErrorKind kind_;
  std::size_t position_;
  std::string detail_;
};

enum class Op : std::uint8_t {
  kInput,     // input `a`
  kConstant,  // `value`
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kPower,
  kNegate,
  kExp,
  kLog,
  kSqrt,
  kMin,
  kMax,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kEqual,
  kNotEqual,
  kIf,  // a != 0 ? b : c
};

// Operands a, b, c are slots (indices of earlier instructions), except kInput's a (an input
// index) and kConstant's value.
struct Instruction {
  Op op = Op::kConstant;
  std::uint32_t a = 0, b = 0, c = 0;
  double value = 0;
};

// Number of operand slots the instruction reads (0 to 3).
int operand_count(Op op);

class Tape {
 public:
  // Appends an instruction and returns its slot.
  std::uint32_t input(std::uint32_t index);
  std::uint32_t constant(double value);
  std::uint32_t append(Op op, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0);

  const std::vector<Instruction>& instructions() const { return instructions_; }
  std::size_t size() const { return instructions_.size(); }
  // One more than the largest input index read; 0 without inputs.
  std::size_t inputs() const;

  // The instructions `root` depends on, in their order (so `root` last), slots renumbered, and
  // constant subexpressions folded. Inputs keep their indices.
  Tape pruned(std::uint32_t root) const;
  // Whether the tape reads input `index` anywhere.
  bool reads_input(std::uint32_t index) const;
  // The same tape with every input index i replaced by map[i].
  void renumber_inputs(const std::vector<std::uint32_t>& map);

  // The last instruction's value at `inputs` (inputs() values). Where `gradient` is not null it
  // receives d value / d input for every input (inputs() values), by one reverse sweep.
  // `workspace` is resized as needed (2 * size() doubles), so a caller that keeps it allocates
  // nothing after the first call.
  double evaluate(const double* inputs, double* gradient, std::vector<double>& workspace) const;

 private:
  std::vector<Instruction> instructions_;
};

// The value of a single instruction, given its operands' values (unused ones ignored).
double apply(Op op, double a, double b, double c);

// Partial derivatives of instruction `op` with value `out` with respect to its operands a, b and
// c, as described above; written to d[0..2].
void partials(Op op, double a, double b, double c, double out, double* d);

// A name the parser may use and the slot holding its value.
struct NamedSlot {
  std::string name;
  std::uint32_t slot = 0;
};

// Parses `text` and appends its instructions to `tape`, names resolving to the given slots;
// returns the slot of its value. Throws ParseError (its message prefixed with `source`).
std::uint32_t compile_expression(std::string_view text, const std::vector<NamedSlot>& names,
                                 Tape& tape, std::string_view source = "expression");

// Convenience: `text` over inputs named `names` (input i is names[i]), pruned so that its value
// is the last instruction.
Tape compile_expression(std::string_view text, const std::vector<std::string>& names);

// Whether `name` is an identifier ([A-Za-z_][A-Za-z0-9_]*) and a function's name.
bool is_identifier(std::string_view name);
bool is_function_name(std::string_view name);

// The candidate closest to `name` by edit distance, where close enough to be a likely typo
// (distance <= max(1, length / 3)); empty otherwise.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace moescope::law
