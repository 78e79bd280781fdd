#include "store/run_rows.h"

#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "moescope/io/number_format.h"
#include "moescope/run/derive.h"

namespace moescope::store {
namespace {

// RunReader::read takes these columns by position, in this order.
constexpr std::string_view kSelectRunsSql = R"sql(
SELECT seq, id, name, provenance, origin, status, d_model, n_layers, n_heads, vocab, context,
       experts, active, granularity, tied_embeddings, total_params, active_params, sparsity,
       tokens, compute, loss, learning_rate, warmup_fraction, load_balance, derived, best_of,
       loss_unit, tokenizer, unique_tokens
FROM runs
)sql";

// The integer architecture fields, by parameter name; tied_embeddings is the one boolean.
constexpr std::array<std::pair<const char*, int Architecture::*>, 8> kArchitectureIntegers{{
    {":d_model", &Architecture::d_model},
    {":n_layers", &Architecture::n_layers},
    {":n_heads", &Architecture::n_heads},
    {":vocab", &Architecture::vocab},
    {":context", &Architecture::context},
    {":experts", &Architecture::experts},
    {":active", &Architecture::active},
    {":granularity", &Architecture::granularity},
}};

// A name this build cannot parse means the file was edited by hand or by something else: the
// row is reported as invalid, with the field's default value in the run read.
template <typename Value>
Value parse_or_note(std::optional<Value> (*parse)(std::string_view), std::string_view field,
                    const std::string& text, Value fallback, std::vector<FieldProblem>& problems) {
  auto value = parse(text);
  if (value)
    return *value;
  problems.push_back({std::string(field), "unknown " + std::string(field) + " '" + text + "'"});
  return fallback;
}

// Turns rows of kSelectRunsSql, with their curves and metrics, back into runs.
class RunReader {
 public:
  explicit RunReader(Connection connection)
      : select_points_(connection, "reading a loss curve",
                       "SELECT step, tokens, loss FROM loss_curve WHERE run = :run "
                       "ORDER BY position"),
        select_metrics_(connection, "reading downstream metrics",
                        "SELECT task, kind, value FROM downstream WHERE run = :run "
                        "ORDER BY position"),
        select_extras_(connection, "reading extras",
                       "SELECT name, value FROM extras WHERE run = :run ORDER BY name") {}

  StoredRow read(const Statement& row) {
    int column = 0;
    const std::int64_t seq = row.integer(column++);
    StoredRow stored;
    Run& run = stored.run;
    std::vector<FieldProblem>& problems = stored.problems;
    run.id = row.text(column++);
    run.name = row.text(column++);
    run.provenance = parse_or_note(parse_provenance, "provenance", row.text(column++),
                                   Provenance::kImported, problems);
    run.origin = row.text(column++);
    run.status =
        parse_or_note(parse_run_status, "status", row.text(column++), RunStatus::kDone, problems);
    if (row.is_null(column)) {
      column += static_cast<int>(kArchitectureIntegers.size()) + 1;
    } else {
      Architecture architecture;
      for (const auto& [parameter, member] : kArchitectureIntegers) {
        architecture.*member = static_cast<int>(row.integer(column++));
      }
      architecture.tied_embeddings = row.integer(column++) != 0;
      run.architecture = architecture;
    }
    run.total_params = row.optional_real(column++);
    run.active_params = row.optional_real(column++);
    run.sparsity = row.optional_real(column++);
    run.tokens = row.optional_real(column++);
    run.compute = row.optional_real(column++);
    run.loss = row.optional_real(column++);
    run.hyper.learning_rate = row.optional_real(column++);
    run.hyper.warmup_fraction = row.optional_real(column++);
    run.hyper.load_balance = row.optional_real(column++);
    run.derived =
        parse_or_note(parse_quantity_set, "derived", row.text(column++), QuantitySet{}, problems);
    run.best_of = static_cast<int>(row.integer(column++));
    run.loss_unit =
        parse_or_note(parse_loss_unit, "loss_unit", row.text(column++), kDefaultLossUnit, problems);
    run.tokenizer = row.text(column++);
    run.unique_tokens = row.optional_real(column++);

    select_points_.reset();
    select_points_.bind_integer(":run", seq);
    while (select_points_.step()) {
      run.loss_curve.push_back(LossPoint{.step = select_points_.integer(0),
                                         .tokens = select_points_.real(1),
                                         .loss = select_points_.real(2)});
    }
    select_metrics_.reset();
    select_metrics_.bind_integer(":run", seq);
    while (select_metrics_.step()) {
      run.downstream.push_back(
          TaskMetric{.task = select_metrics_.text(0),
                     .kind = parse_or_note(parse_metric_kind, "downstream kind",
                                           select_metrics_.text(1), MetricKind::kOther, problems),
                     .value = select_metrics_.real(2)});
    }
    select_extras_.reset();
    select_extras_.bind_integer(":run", seq);
    while (select_extras_.step())
      run.extras.emplace_back(select_extras_.text(0), select_extras_.real(1));
    for (FieldProblem& problem : check_run(run))
      problems.push_back(std::move(problem));
    return stored;
  }

 private:
  Statement select_points_;
  Statement select_metrics_;
  Statement select_extras_;
};

}  // namespace

[[noreturn]] void throw_store_error(Connection connection, std::string_view message) {
  throw StoreError("run store " + connection.path.string() + ": " + std::string(message));
}

void refuse_nan(Connection connection, const Run& run) {
  const auto refuse = [&](std::string_view field) {
    throw_store_error(connection, "run '" + run.id + "': " + std::string(field) +
                                      " is NaN, which the store cannot hold");
  };
  const std::array<std::pair<std::string_view, const std::optional<double>*>, 10> optionals{{
      {"total_params", &run.total_params},
      {"active_params", &run.active_params},
      {"sparsity", &run.sparsity},
      {"tokens", &run.tokens},
      {"unique_tokens", &run.unique_tokens},
      {"compute", &run.compute},
      {"loss", &run.loss},
      {"learning_rate", &run.hyper.learning_rate},
      {"warmup_fraction", &run.hyper.warmup_fraction},
      {"load_balance", &run.hyper.load_balance},
  }};
  for (const auto& [field, value] : optionals) {
    if (*value && std::isnan(**value))
      refuse(field);
  }
  for (const LossPoint& point : run.loss_curve) {
    if (std::isnan(point.tokens) || std::isnan(point.loss)) {
      refuse("the loss curve point at step " + std::to_string(point.step));
    }
  }
  for (const TaskMetric& metric : run.downstream) {
    if (std::isnan(metric.value))
      refuse("downstream metric '" + metric.task + "'");
  }
  for (const auto& [name, value] : run.extras) {
    if (std::isnan(value))
      refuse("extra '" + name + "'");
  }
}

void bind_run_fields(Statement& statement, const Run& run) {
  statement.bind_text(":name", run.name);
  statement.bind_text(":provenance", to_string(run.provenance));
  statement.bind_text(":origin", run.origin);
  statement.bind_text(":status", to_string(run.status));
  for (const auto& [parameter, member] : kArchitectureIntegers) {
    if (run.architecture) {
      statement.bind_integer(parameter, (*run.architecture).*member);
    } else {
      statement.bind_null(parameter);
    }
  }
  if (run.architecture) {
    statement.bind_integer(":tied_embeddings", run.architecture->tied_embeddings ? 1 : 0);
  } else {
    statement.bind_null(":tied_embeddings");
  }
  statement.bind_optional_real(":total_params", run.total_params);
  statement.bind_optional_real(":active_params", run.active_params);
  statement.bind_optional_real(":sparsity", run.sparsity);
  statement.bind_optional_real(":tokens", run.tokens);
  statement.bind_optional_real(":compute", run.compute);
  statement.bind_optional_real(":loss", run.loss);
  statement.bind_optional_real(":learning_rate", run.hyper.learning_rate);
  statement.bind_optional_real(":warmup_fraction", run.hyper.warmup_fraction);
  statement.bind_optional_real(":load_balance", run.hyper.load_balance);
  statement.bind_text(":derived", format_quantity_set(run.derived));
  statement.bind_integer(":best_of", run.best_of);
  statement.bind_text(":loss_unit", to_string(run.loss_unit));
  statement.bind_text(":tokenizer", run.tokenizer);
  statement.bind_optional_real(":unique_tokens", run.unique_tokens);
}

ChildRowWriter::ChildRowWriter(Connection connection)
    : insert_point_(connection, "storing a loss curve point",
                    "INSERT INTO loss_curve (run, position, step, tokens, loss) "
                    "VALUES (:run, :position, :step, :tokens, :loss)"),
      insert_metric_(connection, "storing a downstream metric",
                     "INSERT INTO downstream (run, position, task, kind, value) "
                     "VALUES (:run, :position, :task, :kind, :value)"),
      insert_extra_(connection, "storing an extra",
                    "INSERT INTO extras (run, name, value) VALUES (:run, :name, :value)") {}

void ChildRowWriter::write(std::int64_t seq, const Run& run) {
  std::int64_t position = 0;
  for (const LossPoint& point : run.loss_curve) {
    insert_point_.reset();
    insert_point_.bind_integer(":run", seq);
    insert_point_.bind_integer(":position", position++);
    insert_point_.bind_integer(":step", point.step);
    insert_point_.bind_real(":tokens", point.tokens);
    insert_point_.bind_real(":loss", point.loss);
    insert_point_.step();
  }
  position = 0;
  for (const TaskMetric& metric : run.downstream) {
    insert_metric_.reset();
    insert_metric_.bind_integer(":run", seq);
    insert_metric_.bind_integer(":position", position++);
    insert_metric_.bind_text(":task", metric.task);
    insert_metric_.bind_text(":kind", to_string(metric.kind));
    insert_metric_.bind_real(":value", metric.value);
    insert_metric_.step();
  }
  for (const auto& [name, value] : run.extras) {
    insert_extra_.reset();
    insert_extra_.bind_integer(":run", seq);
    insert_extra_.bind_text(":name", name);
    insert_extra_.bind_real(":value", value);
    insert_extra_.step();
  }
}

std::vector<StoredRow> select_rows(Connection connection, std::optional<std::string_view> only_id) {
  Statement select_runs(
      connection, "reading runs",
      std::string(kSelectRunsSql) + (only_id ? "WHERE id = :id" : "ORDER BY seq"));
  if (only_id)
    select_runs.bind_text(":id", *only_id);
  RunReader reader(connection);
  std::vector<StoredRow> rows;
  while (select_runs.step())
    rows.push_back(reader.read(select_runs));
  return rows;
}

StoredRuns read_checked(Connection connection, std::optional<std::string_view> only_id) {
  // One snapshot: another process's update between two queries must not mix old and new rows.
  Transaction transaction(connection, Transaction::Mode::kDeferred);
  StoredRuns stored;
  for (StoredRow& row : select_rows(connection, only_id)) {
    if (row.problems.empty())
      stored.runs.push_back(std::move(row.run));
    else
      stored.invalid.push_back({std::move(row.run), std::move(row.problems)});
  }
  transaction.commit();
  return stored;
}

}  // namespace moescope::store
