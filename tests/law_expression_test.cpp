// The expression language of user-defined laws: values, exact gradients against central finite
// differences, one parse error per kind (kind and position), and hostile input.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "moescope/law/expression.h"

namespace moescope::law {
namespace {

const std::vector<std::string> kNames = {"x", "y", "z"};

double value_of(const std::string& text, std::vector<double> at) {
  const Tape tape = compile_expression(text, kNames);
  std::vector<double> workspace;
  return tape.evaluate(at.data(), nullptr, workspace);
}

TEST(LawExpression, EvaluatesWithPrecedenceAndAssociativity) {
  EXPECT_DOUBLE_EQ(value_of("1 + 2 * 3", {}), 7);
  EXPECT_DOUBLE_EQ(value_of("-x^2", {3, 0, 0}), -9);  // ^ binds tighter than unary minus
  EXPECT_DOUBLE_EQ(value_of("2^3^2", {}), 512);       // right-associative
  EXPECT_DOUBLE_EQ(value_of("2^-1", {}), 0.5);
  EXPECT_DOUBLE_EQ(value_of("8 / 4 / 2", {}), 1);  // left-associative
  EXPECT_DOUBLE_EQ(value_of("1e-3 * 2.5E+2", {}), 0.25);
  EXPECT_DOUBLE_EQ(value_of(".5 + x - y", {1, 2, 0}), -0.5);
  EXPECT_DOUBLE_EQ(value_of("min(x, y) + max(x, y)", {1, 4, 0}), 5);
  EXPECT_DOUBLE_EQ(value_of("if(x > y, 10, 20)", {1, 4, 0}), 20);
  EXPECT_DOUBLE_EQ(value_of("if(x <= 1, 10, 20) + (x == 1) + (x != 1) * 100", {1, 0, 0}), 11);
  EXPECT_DOUBLE_EQ(value_of("exp(log(x)) + sqrt(y)", {2.5, 16, 0}), 6.5);
  EXPECT_DOUBLE_EQ(value_of("2 * (x >= 1) + (x < 0)", {1, 0, 0}), 2);
}

// Central differences with step 1e-6 * max(1, |x|): their error is ~1e-9 relative for these
// smooth functions, so the exact gradient must agree to 1e-6 (relative to max(1, |g|)).
TEST(LawExpression, GradientMatchesFiniteDifferencesAtRandomPoints) {
  const std::vector<std::string> expressions = {
      "x + y * z - x / y",
      "-x^2 + y^3 - z^-1.5",
      "x^y",
      "exp(x * y) + log(z) * sqrt(x)",
      "min(x, y * z) + max(x^2, y)",
      "if(x > y, x * z, y / z)",
      "if(x < 1, 0, log(x))",
      "exp(0.5 - x*log(y)) + exp(1.5 - z*log(x + 2))",
      "-(x - y)^2 / (1 + z^2)",
      "sqrt(x^2 + y^2 + z^2) * 2^x",
      "x * (y > 0.5) + (x <= z) * y",
      "max(min(x, y), z) - min(max(x, y), z)",
  };
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> uniform(0.2, 2.5);
  std::vector<double> workspace;
  for (const std::string& text : expressions) {
    const Tape tape = compile_expression(text, kNames);
    for (int trial = 0; trial < 25; ++trial) {
      std::vector<double> at = {uniform(random), uniform(random), uniform(random)};
      std::vector<double> gradient(3, 0.0);
      tape.evaluate(at.data(), gradient.data(), workspace);
      for (std::size_t k = 0; k < 3; ++k) {
        const double h = 1e-6 * std::max(1.0, std::abs(at[k]));
        std::vector<double> up = at, down = at;
        up[k] += h;
        down[k] -= h;
        const double fd = (tape.evaluate(up.data(), nullptr, workspace) -
                           tape.evaluate(down.data(), nullptr, workspace)) /
                          (2 * h);
        // Skip points within one step of a kink (min, max, if switch there).
        std::vector<double> g_up(3), g_down(3);
        tape.evaluate(up.data(), g_up.data(), workspace);
        tape.evaluate(down.data(), g_down.data(), workspace);
        if (std::abs(g_up[k] - g_down[k]) > 1e-3 * std::max(1.0, std::abs(gradient[k])))
          continue;
        EXPECT_NEAR(gradient[k], fd, 1e-6 * std::max(1.0, std::abs(gradient[k])))
            << text << " d/d" << kNames[k] << " at (" << at[0] << ", " << at[1] << ", " << at[2]
            << ")";
      }
    }
  }
}

TEST(LawExpression, PowerDerivativesAtZeroAndNegativeBase) {
  const Tape tape = compile_expression("x^y", kNames);
  std::vector<double> workspace, gradient(3);
  std::vector<double> at = {0, 2, 0};
  EXPECT_EQ(tape.evaluate(at.data(), gradient.data(), workspace), 0);
  EXPECT_EQ(gradient[0], 0);  // 2 * 0^1
  EXPECT_EQ(gradient[1], 0);  // no y log x term where x <= 0
  at = {-2, 3, 0};
  EXPECT_EQ(tape.evaluate(at.data(), gradient.data(), workspace), -8);
  EXPECT_EQ(gradient[0], 12);
  EXPECT_EQ(gradient[1], 0);
  at = {0, 0, 0};
  EXPECT_EQ(tape.evaluate(at.data(), gradient.data(), workspace), 1);
  EXPECT_EQ(gradient[0], 0);  // y = 0: no 0 * inf
}

TEST(LawExpression, BranchNotTakenLeavesNoNaNInTheGradient) {
  const Tape tape = compile_expression("if(x > 0, sqrt(x), -x)", kNames);
  std::vector<double> workspace, gradient(3);
  std::vector<double> at = {-4, 0, 0};
  EXPECT_EQ(tape.evaluate(at.data(), gradient.data(), workspace), 4);
  EXPECT_EQ(gradient[0], -1);
}

TEST(LawExpression, NonFiniteValuesPropagate) {
  EXPECT_TRUE(std::isnan(value_of("log(x)", {-1, 0, 0})));
  EXPECT_TRUE(std::isnan(value_of("sqrt(x) + 1", {-1, 0, 0})));
  EXPECT_TRUE(std::isinf(value_of("1 / x", {0, 0, 0})));
  EXPECT_TRUE(std::isnan(value_of("min(log(x), 1)", {-1, 0, 0})));
  EXPECT_TRUE(std::isinf(value_of("exp(x)", {1000, 0, 0})));
}

TEST(LawExpression, ConstantsAreFoldedAndUnusedNamesPruned) {
  const Tape tape = compile_expression("x * (2 + 3) * exp(0)", kNames);
  for (const Instruction& instruction : tape.instructions()) {
    EXPECT_NE(instruction.op, Op::kAdd);  // 2 + 3 folded to 5
    EXPECT_NE(instruction.op, Op::kExp);  // exp(0) folded to 1
  }
  EXPECT_EQ(tape.instructions().back().op, Op::kMultiply);
  EXPECT_TRUE(tape.reads_input(0));
  EXPECT_FALSE(tape.reads_input(1));
}

struct ErrorCase {
  std::string text;
  ParseErrorKind kind;
  std::size_t position;
};

TEST(LawExpression, EachParseErrorKindWithItsPosition) {
  const std::vector<ErrorCase> cases = {
      {"x + $", ParseErrorKind::kUnexpectedCharacter, 4},
      {"x * ", ParseErrorKind::kUnexpectedEnd, 4},
      {"(x + y", ParseErrorKind::kUnbalancedParenthesis, 0},
      {"x + y)", ParseErrorKind::kUnbalancedParenthesis, 5},
      {"x + alpah", ParseErrorKind::kUnknownName, 4},
      {"x + foo(y)", ParseErrorKind::kUnknownFunction, 4},
      {"min(x)", ParseErrorKind::kWrongArgumentCount, 0},
      {"x y", ParseErrorKind::kTrailingInput, 2},
      {"1.5e + x", ParseErrorKind::kBadNumber, 0},
      {"   ", ParseErrorKind::kEmpty, 0},
      {std::string(300, '(') + "x" + std::string(300, ')'), ParseErrorKind::kTooDeep, 200},
  };
  for (const ErrorCase& error_case : cases) {
    try {
      compile_expression(error_case.text, kNames);
      ADD_FAILURE() << "no error for '" << error_case.text << "'";
    } catch (const ParseError& error) {
      EXPECT_EQ(error.kind(), error_case.kind) << error.what();
      EXPECT_EQ(error.position(), error_case.position) << error.what();
    }
  }
}

TEST(LawExpression, MessageNamesColumnAndSuggestion) {
  try {
    compile_expression("E + A / N^alpah", {"E", "A", "N", "alpha"});
    FAIL();
  } catch (const ParseError& error) {
    EXPECT_STREQ(error.what(), "expression:1:11: unknown name 'alpah' (did you mean 'alpha'?)");
  }
  try {
    compile_expression("exp + 1", kNames);
    FAIL();
  } catch (const ParseError& error) {
    EXPECT_EQ(error.kind(), ParseErrorKind::kUnknownName);
    EXPECT_NE(std::string(error.what()).find("is a function"), std::string::npos);
  }
}

// Hostile input: refused quickly, never a crash (stack overflow) or a hang.
TEST(LawExpression, HostileInputIsRefusedQuickly) {
  const auto began = std::chrono::steady_clock::now();
  const auto kind_of = [](const std::string& text) {
    try {
      compile_expression(text, kNames);
    } catch (const ParseError& error) {
      return error.kind();
    }
    ADD_FAILURE() << "accepted";
    return ParseErrorKind::kEmpty;
  };
  EXPECT_EQ(kind_of(std::string(100000, '(') + "x" + std::string(100000, ')')),
            ParseErrorKind::kTooDeep);
  EXPECT_EQ(kind_of(std::string(100000, '(')), ParseErrorKind::kTooDeep);
  EXPECT_EQ(kind_of(std::string(100000, '-') + "x"), ParseErrorKind::kTooDeep);
  EXPECT_EQ(kind_of("x" + std::string(50000, '^')), ParseErrorKind::kUnexpectedCharacter);
  EXPECT_EQ(kind_of(std::string(1 << 20, '+')), ParseErrorKind::kUnexpectedCharacter);
  EXPECT_EQ(kind_of("x" + std::string(1 << 20, '+')), ParseErrorKind::kUnexpectedCharacter);
  std::string power_tower = "x";
  for (int i = 0; i < 1000; ++i)
    power_tower += "^x";
  EXPECT_EQ(kind_of(power_tower), ParseErrorKind::kTooDeep);
  // Numbers no double holds are errors, never infinity.
  EXPECT_EQ(kind_of("1e99999"), ParseErrorKind::kBadNumber);
  EXPECT_EQ(kind_of("x * 1e-99999"), ParseErrorKind::kBadNumber);
  EXPECT_EQ(kind_of(std::string(std::string(1 << 16, '9'))), ParseErrorKind::kBadNumber);
  EXPECT_EQ(kind_of(std::string("x\0y", 3)), ParseErrorKind::kUnexpectedCharacter);
  // A long flat sum is fine (linear time and no recursion per term).
  std::string sum = "x";
  for (int i = 0; i < 100000; ++i)
    sum += "+y";
  const Tape tape = compile_expression(sum, kNames);
  std::vector<double> workspace, gradient(3);
  std::vector<double> at = {1, 2, 0};
  EXPECT_DOUBLE_EQ(tape.evaluate(at.data(), gradient.data(), workspace), 200001);
  EXPECT_DOUBLE_EQ(gradient[1], 100000);
  // NaN-producing input is no error: its value is NaN.
  EXPECT_TRUE(std::isnan(value_of("log(-1) + x", {1, 0, 0})));
  EXPECT_TRUE(std::isnan(value_of("sqrt(0 - 1)", {})));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(), 5.0);
}

}  // namespace
}  // namespace moescope::law
