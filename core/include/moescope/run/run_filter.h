#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "moescope/run/run.h"

namespace moescope {

// A condition on runs: the paper's hold-out rule "S == 0.98" (Appendix E), a choice of stored
// runs to delete, or a choice of a file's rows to read. Comparisons joined by "&&":
//
//   S >= 0.9 && C < 1e21
//   label == "Optimizer tuning (no decay)" && dataset == "rw"
//
// Names are run fields: numbers N, N_active, S, D, unique_tokens, C, loss, lr, warmup,
// load_balance, best_of, experts, active, granularity, d_model, layers, heads, vocab, context;
// texts id, name, status, provenance, origin, loss_unit ("nats/token", ...), tokenizer. Where the
// rule chooses a file's rows (Scope::kFileColumns), any other name is a column of the file, mapped
// or not, so that a file of several experiments can be narrowed to one by a column MoEScope has no
// field for. A name that is not one word (letters, digits, '_', '.', '-') is written in backquotes:
// `Model Size` > 1e9. A field's name always means the field: its value after mapping, scaling and
// derivation.
//
// Values are numbers, or texts in double quotes (a '"' or '\' inside escaped with '\'). Numbers
// compare with == != < <= > >=, "==" and "!=" with a relative tolerance of 1e-9, so "S == 0.98"
// matches a sparsity computed as 49/50. Texts compare exactly, with == and != only. A column
// compared with a number matches where its cell reads as a number. A run that lacks a number the
// rule compares (no S, an empty cell) matches no comparison of it, "!=" included.
class RunFilter;

// A run's number field by the name a rule uses (the list above), or nullopt where the run lacks
// it or `field` names no number field.
std::optional<double> run_number_field(const Run& run, std::string_view field);

class RunFilter {
 public:
  enum class Scope {
    kRunFields,    // runs alone: a stored run, a hold-out rule
    kFileColumns,  // the rows of a file: fields and the file's other columns
  };

  // Throws InputError naming the offending part (unknown field, bad operator, not a number, a
  // text compared with < or with a number field). `role` names the rule in messages
  // ("hold-out rule 'Q == 1': unknown field 'Q'; fields: ...").
  static RunFilter parse(std::string_view rule, Scope scope = Scope::kRunFields,
                         std::string_view role = "hold-out rule");

  // An empty rule matches no run.
  bool matches(const Run& run) const;
  std::vector<bool> matches(const std::vector<Run>& runs) const;
  // `cells` holds the text of each column in columns() for one row of a file; a column missing
  // from it matches no comparison.
  bool matches(const Run& run, const std::map<std::string, std::string>& cells) const;

  // Whether the rule reads this field or column.
  bool reads(std::string_view name) const;
  // The names the rule reads that are not run fields (Scope::kFileColumns only), in order.
  std::vector<std::string> columns() const;
  // Text comparisons `name == "value"` by name, for a message listing the values a column holds
  // when no row matched.
  std::vector<std::string> compared_as_text() const;

  bool empty() const { return comparisons_.empty(); }
  const std::string& text() const { return text_; }

 private:
  enum class Op { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual };
  struct Comparison {
    std::string name;
    bool is_field = true;
    Op op = Op::kEqual;
    std::variant<double, std::string> value;
  };
  static bool holds(const Comparison& comparison, const std::optional<double>& number);
  static bool holds(const Comparison& comparison, const std::string& text);
  static bool holds_on_cell(const Comparison& comparison, const std::string& cell);

  std::string text_;
  std::vector<Comparison> comparisons_;
};

}  // namespace moescope
