#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "moescope/run/run.h"
#include "moescope/store/run_store.h"
#include "store/store_schema.h"

// A run and its rows: the runs table's SQL, a run's fields and child rows (loss curve, downstream
// metrics, extras) written, and rows read back into runs, with the problems that make a stored run
// invalid. RunStore's operations are built from these.
namespace moescope::store {

inline constexpr std::string_view kInsertRunSql = R"sql(
INSERT INTO runs (id, name, provenance, origin, status, d_model, n_layers, n_heads, vocab, context,
                  experts, active, granularity, tied_embeddings, total_params, active_params,
                  sparsity, tokens, compute, loss, learning_rate, warmup_fraction, load_balance,
                  derived, best_of, loss_unit, tokenizer, unique_tokens)
VALUES (:id, :name, :provenance, :origin, :status, :d_model, :n_layers, :n_heads, :vocab, :context,
        :experts, :active, :granularity, :tied_embeddings, :total_params, :active_params,
        :sparsity, :tokens, :compute, :loss, :learning_rate, :warmup_fraction, :load_balance,
        :derived, :best_of, :loss_unit, :tokenizer, :unique_tokens)
ON CONFLICT (id) DO NOTHING
)sql";

inline constexpr std::string_view kUpdateRunSql = R"sql(
UPDATE runs SET name = :name, provenance = :provenance, origin = :origin, status = :status,
                d_model = :d_model, n_layers = :n_layers, n_heads = :n_heads, vocab = :vocab,
                context = :context, experts = :experts, active = :active,
                granularity = :granularity, tied_embeddings = :tied_embeddings,
                total_params = :total_params, active_params = :active_params,
                sparsity = :sparsity, tokens = :tokens, compute = :compute, loss = :loss,
                learning_rate = :learning_rate, warmup_fraction = :warmup_fraction,
                load_balance = :load_balance, derived = :derived, best_of = :best_of,
                loss_unit = :loss_unit, tokenizer = :tokenizer, unique_tokens = :unique_tokens
WHERE seq = :seq
)sql";

[[noreturn]] void throw_store_error(Connection connection, std::string_view message);

// SQLite stores a NaN as NULL, so a NaN would read back as an absent value, or fail a NOT NULL
// column with a message that does not say which number was wrong.
void refuse_nan(Connection connection, const Run& run);

// Everything but the id, which an update keeps; shared by insert and update.
void bind_run_fields(Statement& statement, const Run& run);

// Writes a run's loss curve, downstream metrics and extras, the first two numbered so that they
// read back in order (extras read back sorted by name, as a run keeps them).
class ChildRowWriter {
 public:
  explicit ChildRowWriter(Connection connection);
  void write(std::int64_t seq, const Run& run);

 private:
  Statement insert_point_;
  Statement insert_metric_;
  Statement insert_extra_;
};

// A run as read from its row, with the problems that make it invalid (see InvalidRun).
struct StoredRow {
  Run run;
  std::vector<FieldProblem> problems;
};

// All rows in insertion order, or the one with `only_id`; the caller holds a transaction.
std::vector<StoredRow> select_rows(Connection connection, std::optional<std::string_view> only_id);

// The runs (or the one with `only_id`) read in one snapshot, the invalid ones apart.
StoredRuns read_checked(Connection connection, std::optional<std::string_view> only_id);

}  // namespace moescope::store
