// The expression language's parser: text to tape instructions (expression.h has the grammar).
// Recursive descent, one function per precedence level, with an explicit depth count so that no
// input can exhaust the stack.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>
#include <system_error>

#include "moescope/law/expression.h"

namespace moescope::law {
namespace {

struct Function {
  std::string_view name;
  Op op;
  int arguments;
};

constexpr Function kFunctions[] = {
    {"exp", Op::kExp, 1}, {"log", Op::kLog, 1}, {"sqrt", Op::kSqrt, 1},
    {"min", Op::kMin, 2}, {"max", Op::kMax, 2}, {"if", Op::kIf, 3},
};

const Function* find_function(std::string_view name) {
  for (const Function& function : kFunctions) {
    if (function.name == name)
      return &function;
  }
  return nullptr;
}

bool identifier_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}

std::string printable(char c) {
  if (std::isprint(static_cast<unsigned char>(c)) != 0)
    return std::string("'") + c + "'";
  static const char* const kHex = "0123456789abcdef";
  const auto byte = static_cast<unsigned char>(c);
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 15];
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<NamedSlot>& names, Tape& tape,
         std::string_view source)
      : text_(text), names_(names), tape_(tape), source_(source) {}

  std::uint32_t parse() {
    skip_space();
    if (at_end())
      fail(ParseErrorKind::kEmpty, 0, "the expression is empty");
    const std::uint32_t value = comparison();
    skip_space();
    if (!at_end()) {
      const char c = text_[pos_];
      if (c == ')')
        fail(ParseErrorKind::kUnbalancedParenthesis, pos_, "')' without a matching '('");
      if (identifier_start(c) || digit(c) || c == '(' || c == '.')
        fail(ParseErrorKind::kTrailingInput, pos_,
             "unexpected input after a complete expression (an operator missing?)");
      fail(ParseErrorKind::kUnexpectedCharacter, pos_, "unexpected character " + printable(c));
    }
    return value;
  }

 private:
  // Counts one level of nesting for as long as it lives.
  class Nesting {
   public:
    Nesting(Parser& parser, std::size_t position) : parser_(parser) {
      if (++parser_.depth_ > kMaxExpressionDepth) {
        parser_.fail(ParseErrorKind::kTooDeep, position,
                     "nested more than " + std::to_string(kMaxExpressionDepth) +
                         " levels deep (parentheses, calls, signs and powers)");
      }
    }
    ~Nesting() { --parser_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    Parser& parser_;
  };

  [[noreturn]] void fail(ParseErrorKind kind, std::size_t position, const std::string& message) {
    throw ParseError(kind, position, message, source_);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  void skip_space() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0)
      ++pos_;
  }
  // Skips whitespace, then consumes `token` if it comes next.
  bool accept(std::string_view token) {
    skip_space();
    if (text_.substr(pos_, token.size()) != token)
      return false;
    pos_ += token.size();
    return true;
  }

  std::uint32_t comparison() {
    const std::uint32_t left = sum();
    static constexpr std::pair<std::string_view, Op> kComparisons[] = {
        {"<=", Op::kLessEqual}, {">=", Op::kGreaterEqual}, {"==", Op::kEqual},
        {"!=", Op::kNotEqual},  {"<", Op::kLess},          {">", Op::kGreater},
    };
    for (const auto& [token, op] : kComparisons) {
      if (accept(token))
        return tape_.append(op, left, sum());
    }
    return left;
  }

  std::uint32_t sum() {
    std::uint32_t value = product();
    for (;;) {
      if (accept("+"))
        value = tape_.append(Op::kAdd, value, product());
      else if (accept("-"))
        value = tape_.append(Op::kSubtract, value, product());
      else
        return value;
    }
  }

  std::uint32_t product() {
    std::uint32_t value = unary();
    for (;;) {
      if (accept("*"))
        value = tape_.append(Op::kMultiply, value, unary());
      else if (accept("/"))
        value = tape_.append(Op::kDivide, value, unary());
      else
        return value;
    }
  }

  std::uint32_t unary() {
    skip_space();
    const Nesting nesting(*this, pos_);
    if (accept("-"))
      return tape_.append(Op::kNegate, unary());
    const std::uint32_t base = primary();
    if (accept("^"))
      return tape_.append(Op::kPower, base, unary());
    return base;
  }

  std::uint32_t primary() {
    skip_space();
    if (at_end())
      fail(ParseErrorKind::kUnexpectedEnd, pos_, "the expression ends where a value is expected");
    const char c = text_[pos_];
    if (digit(c) || c == '.')
      return number();
    if (identifier_start(c))
      return name();
    if (c == '(') {
      const std::size_t open = pos_++;
      const std::uint32_t value = comparison();
      close(open);
      return value;
    }
    if (c == ')')
      fail(ParseErrorKind::kUnexpectedCharacter, pos_, "')' where a value is expected");
    fail(ParseErrorKind::kUnexpectedCharacter, pos_,
         "unexpected character " + printable(c) + " where a value is expected");
  }

  // Consumes the ")" matching the "(" at `open`.
  void close(std::size_t open) {
    skip_space();
    if (at_end())
      fail(ParseErrorKind::kUnbalancedParenthesis, open, "'(' is never closed");
    if (text_[pos_] != ')')
      fail(ParseErrorKind::kUnexpectedCharacter, pos_,
           "expected ')' or an operator, got " + printable(text_[pos_]));
    ++pos_;
  }

  std::uint32_t number() {
    const std::size_t start = pos_;
    std::size_t end = pos_;
    std::size_t digits = 0;
    while (end < text_.size() && digit(text_[end]))
      ++end, ++digits;
    if (end < text_.size() && text_[end] == '.') {
      ++end;
      while (end < text_.size() && digit(text_[end]))
        ++end, ++digits;
    }
    if (digits == 0)
      fail(ParseErrorKind::kBadNumber, start, "malformed number: '.' without digits");
    if (end < text_.size() && (text_[end] == 'e' || text_[end] == 'E')) {
      ++end;
      if (end < text_.size() && (text_[end] == '+' || text_[end] == '-'))
        ++end;
      std::size_t exponent_digits = 0;
      while (end < text_.size() && digit(text_[end]))
        ++end, ++exponent_digits;
      if (exponent_digits == 0)
        fail(ParseErrorKind::kBadNumber, start,
             "malformed number '" + std::string(text_.substr(start, end - start)) +
                 "': the exponent has no digits");
    }
    if (end < text_.size() && (identifier_char(text_[end]) || text_[end] == '.'))
      fail(ParseErrorKind::kBadNumber, start,
           "malformed number: '" + std::string(text_.substr(start, end + 1 - start)) + "'");
    double value = 0;
    const auto [stop, error] = std::from_chars(text_.data() + start, text_.data() + end, value);
    if (error == std::errc::result_out_of_range || stop != text_.data() + end)
      fail(ParseErrorKind::kBadNumber, start,
           "number '" + std::string(text_.substr(start, std::min<std::size_t>(end - start, 40))) +
               "' is out of a double's range");
    pos_ = end;
    return tape_.constant(value);
  }

  std::uint32_t name() {
    const std::size_t start = pos_;
    while (!at_end() && identifier_char(text_[pos_]))
      ++pos_;
    const std::string_view word = text_.substr(start, pos_ - start);
    skip_space();
    if (!at_end() && text_[pos_] == '(')
      return call(word, start);
    // The last of equal names wins: a law's own names shadow the caller's variables.
    for (auto named = names_.rbegin(); named != names_.rend(); ++named) {
      if (named->name == word)
        return named->slot;
    }
    std::string message = "unknown name '" + std::string(word) + "'";
    if (find_function(word) != nullptr) {
      message = "'" + std::string(word) + "' is a function: write " + std::string(word) + "(...)";
    } else {
      std::vector<std::string> candidates;
      for (const NamedSlot& named : names_)
        candidates.push_back(named.name);
      const std::string closest = closest_name(word, candidates);
      if (!closest.empty())
        message += " (did you mean '" + closest + "'?)";
    }
    fail(ParseErrorKind::kUnknownName, start, message);
  }

  std::uint32_t call(std::string_view word, std::size_t start) {
    const Function* function = find_function(word);
    if (function == nullptr) {
      std::vector<std::string> candidates;
      for (const Function& known : kFunctions)
        candidates.emplace_back(known.name);
      std::string message = "unknown function '" + std::string(word) + "'";
      const std::string closest = closest_name(word, candidates);
      message += closest.empty() ? " (functions: exp, log, sqrt, min, max, if)"
                                 : " (did you mean '" + closest + "'?)";
      fail(ParseErrorKind::kUnknownFunction, start, message);
    }
    const Nesting nesting(*this, start);
    const std::size_t open = pos_++;
    std::vector<std::uint32_t> arguments;
    skip_space();
    if (!at_end() && text_[pos_] == ')') {
      ++pos_;
    } else {
      for (;;) {
        arguments.push_back(comparison());
        if (accept(","))
          continue;
        close(open);
        break;
      }
    }
    if (static_cast<int>(arguments.size()) != function->arguments) {
      fail(ParseErrorKind::kWrongArgumentCount, start,
           std::string(word) + "() takes " + std::to_string(function->arguments) + " argument" +
               (function->arguments == 1 ? "" : "s") + ", got " + std::to_string(arguments.size()));
    }
    arguments.resize(3, 0);
    return tape_.append(function->op, arguments[0], arguments[1], arguments[2]);
  }

  std::string_view text_;
  const std::vector<NamedSlot>& names_;
  Tape& tape_;
  std::string_view source_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// Expressions are one line (a JSON string), so the line is always 1.
std::string located(std::string_view source, std::size_t position, const std::string& message) {
  return std::string(source) + ":1:" + std::to_string(position + 1) + ": " + message;
}

}  // namespace

std::string_view to_string(ParseErrorKind kind) {
  switch (kind) {
    case ParseErrorKind::kUnexpectedCharacter:
      return "unexpected character";
    case ParseErrorKind::kUnexpectedEnd:
      return "unexpected end";
    case ParseErrorKind::kUnbalancedParenthesis:
      return "unbalanced parenthesis";
    case ParseErrorKind::kUnknownName:
      return "unknown name";
    case ParseErrorKind::kUnknownFunction:
      return "unknown function";
    case ParseErrorKind::kWrongArgumentCount:
      return "wrong argument count";
    case ParseErrorKind::kTrailingInput:
      return "trailing input";
    case ParseErrorKind::kBadNumber:
      return "bad number";
    case ParseErrorKind::kEmpty:
      return "empty";
    case ParseErrorKind::kTooDeep:
      return "too deep";
  }
  return "unknown";
}

ParseError::ParseError(ParseErrorKind kind, std::size_t position, const std::string& message,
                       std::string_view source)
    : std::runtime_error(located(source, position, message)),
      kind_(kind),
      position_(position),
      detail_(message) {}

std::uint32_t compile_expression(std::string_view text, const std::vector<NamedSlot>& names,
                                 Tape& tape, std::string_view source) {
  return Parser(text, names, tape, source).parse();
}

Tape compile_expression(std::string_view text, const std::vector<std::string>& names) {
  Tape tape;
  std::vector<NamedSlot> slots;
  for (std::size_t i = 0; i < names.size(); ++i)
    slots.push_back({names[i], tape.input(static_cast<std::uint32_t>(i))});
  const std::uint32_t root = compile_expression(text, slots, tape);
  return tape.pruned(root);
}

bool is_identifier(std::string_view name) {
  return !name.empty() && identifier_start(name.front()) &&
         std::all_of(name.begin(), name.end(), identifier_char);
}

bool is_function_name(std::string_view name) {
  return find_function(name) != nullptr;
}

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance (Levenshtein plus swaps of neighbours, the commonest typo),
  // names capped in length so that hostile ones cost little.
  const std::size_t n = std::min<std::size_t>(name.size(), 64);
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(1, n / 3) + 1;
  std::vector<std::size_t> table;
  for (const std::string& candidate : candidates) {
    const std::size_t m = std::min<std::size_t>(candidate.size(), 64);
    table.assign((n + 1) * (m + 1), 0);
    const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& {
      return table[i * (m + 1) + j];
    };
    for (std::size_t i = 0; i <= n; ++i)
      at(i, 0) = i;
    for (std::size_t j = 0; j <= m; ++j)
      at(0, j) = j;
    for (std::size_t i = 1; i <= n; ++i) {
      for (std::size_t j = 1; j <= m; ++j) {
        const std::size_t cost = name[i - 1] == candidate[j - 1] ? 0 : 1;
        at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
        if (i > 1 && j > 1 && name[i - 1] == candidate[j - 2] && name[i - 2] == candidate[j - 1])
          at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
    if (at(n, m) < best_distance) {
      best_distance = at(n, m);
      best = candidate;
    }
  }
  return best;
}

}  // namespace moescope::law
