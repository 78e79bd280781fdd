#include "moescope/run_store.h"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <system_error>
#include <thread>
#include <utility>

#include "store_schema.h"

namespace moescope {
namespace {

using store::Connection;
using store::Statement;
using store::Transaction;

// Writers queue on SQLite's lock instead of failing; a long import in another process holds it
// for seconds at most, so a minute only runs out when something is truly stuck.
constexpr int kBusyTimeoutMs = 60'000;

constexpr std::string_view kInsertRunSql = R"sql(
INSERT INTO runs (id, name, provenance, origin, status, d_model, n_layers, n_heads, vocab, context,
                  experts, active, granularity, tied_embeddings, total_params, active_params,
                  sparsity, tokens, compute, loss, learning_rate, warmup_fraction, load_balance,
                  derived)
VALUES (:id, :name, :provenance, :origin, :status, :d_model, :n_layers, :n_heads, :vocab, :context,
        :experts, :active, :granularity, :tied_embeddings, :total_params, :active_params,
        :sparsity, :tokens, :compute, :loss, :learning_rate, :warmup_fraction, :load_balance,
        :derived)
ON CONFLICT (id) DO NOTHING
)sql";

constexpr std::string_view kUpdateRunSql = R"sql(
UPDATE runs SET name = :name, provenance = :provenance, origin = :origin, status = :status,
                d_model = :d_model, n_layers = :n_layers, n_heads = :n_heads, vocab = :vocab,
                context = :context, experts = :experts, active = :active,
                granularity = :granularity, tied_embeddings = :tied_embeddings,
                total_params = :total_params, active_params = :active_params,
                sparsity = :sparsity, tokens = :tokens, compute = :compute, loss = :loss,
                learning_rate = :learning_rate, warmup_fraction = :warmup_fraction,
                load_balance = :load_balance, derived = :derived
WHERE seq = :seq
)sql";

// RunReader::read takes these columns by position, in this order.
constexpr std::string_view kSelectRunsSql = R"sql(
SELECT seq, id, name, provenance, origin, status, d_model, n_layers, n_heads, vocab, context,
       experts, active, granularity, tied_embeddings, total_params, active_params, sparsity,
       tokens, compute, loss, learning_rate, warmup_fraction, load_balance, derived
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

[[noreturn]] void throw_store_error(Connection connection, std::string_view message) {
  throw StoreError("run store " + connection.path.string() + ": " + std::string(message));
}

// SQLite stores a NaN as NULL, so a NaN would read back as an absent value, or fail a NOT NULL
// column with a message that does not say which number was wrong.
void refuse_nan(Connection connection, const Run& run) {
  const auto refuse = [&](std::string_view field) {
    throw_store_error(connection, "run '" + run.id + "': " + std::string(field) +
                                      " is NaN, which the store cannot hold");
  };
  const std::array<std::pair<std::string_view, const std::optional<double>*>, 9> optionals{{
      {"total_params", &run.total_params},
      {"active_params", &run.active_params},
      {"sparsity", &run.sparsity},
      {"tokens", &run.tokens},
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
}

// Everything but the id, which an update keeps; shared by insert and update.
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
}

// Writes a run's loss curve and downstream metrics, numbered so that they read back in order.
class ChildRowWriter {
 public:
  explicit ChildRowWriter(Connection connection)
      : insert_point_(connection, "storing a loss curve point",
                      "INSERT INTO loss_curve (run, position, step, tokens, loss) "
                      "VALUES (:run, :position, :step, :tokens, :loss)"),
        insert_metric_(connection, "storing a downstream metric",
                       "INSERT INTO downstream (run, position, task, kind, value) "
                       "VALUES (:run, :position, :task, :kind, :value)") {}

  void write(std::int64_t seq, const Run& run) {
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
  }

 private:
  Statement insert_point_;
  Statement insert_metric_;
};

// A name this build cannot parse means the file was edited by hand or by something else.
template <typename Parse>
auto parse_or_throw(Connection connection, Parse parse, const std::string& run_id,
                    std::string_view field, const std::string& text) {
  auto value = parse(text);
  if (!value) {
    throw_store_error(connection, "run '" + run_id + "' has an unknown " + std::string(field) +
                                      " '" + text + "'");
  }
  return *value;
}

// Turns rows of kSelectRunsSql, with their curves and metrics, back into runs.
class RunReader {
 public:
  explicit RunReader(Connection connection)
      : connection_(connection),
        select_points_(connection, "reading a loss curve",
                       "SELECT step, tokens, loss FROM loss_curve WHERE run = :run "
                       "ORDER BY position"),
        select_metrics_(connection, "reading downstream metrics",
                        "SELECT task, kind, value FROM downstream WHERE run = :run "
                        "ORDER BY position") {}

  Run read(const Statement& row) {
    int column = 0;
    const std::int64_t seq = row.integer(column++);
    Run run;
    run.id = row.text(column++);
    run.name = row.text(column++);
    run.provenance =
        parse_or_throw(connection_, parse_provenance, run.id, "provenance", row.text(column++));
    run.origin = row.text(column++);
    run.status =
        parse_or_throw(connection_, parse_run_status, run.id, "status", row.text(column++));
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
        parse_or_throw(connection_, parse_quantity_set, run.id, "derived", row.text(column++));

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
                     .kind = parse_or_throw(connection_, parse_metric_kind, run.id,
                                            "downstream kind", select_metrics_.text(1)),
                     .value = select_metrics_.real(2)});
    }
    return run;
  }

 private:
  Connection connection_;
  Statement select_points_;
  Statement select_metrics_;
};

// An unset variable and an empty one both give an empty path.
std::filesystem::path path_from_env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::filesystem::path() : std::filesystem::path(value);
}

// All runs in insertion order, or the one with `only_id`.
std::vector<Run> read_runs(Connection connection, std::optional<std::string_view> only_id) {
  // One snapshot: another process's update between two queries must not mix old and new rows.
  Transaction transaction(connection, Transaction::Mode::kDeferred);
  Statement select_runs(
      connection, "reading runs",
      std::string(kSelectRunsSql) + (only_id ? "WHERE id = :id" : "ORDER BY seq"));
  if (only_id)
    select_runs.bind_text(":id", *only_id);
  RunReader reader(connection);
  std::vector<Run> runs;
  while (select_runs.step())
    runs.push_back(reader.read(select_runs));
  transaction.commit();
  return runs;
}

void switch_to_wal(Connection connection) {
  // Switching a new file to WAL upgrades a read lock to a write lock. When another process opening
  // the same new file does the same, SQLite answers SQLITE_BUSY at once rather than waiting (two
  // waiters would deadlock), so the busy timeout does not cover it and the retry is ours to do.
  const auto give_up_at =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  std::string mode;
  const auto keep_mode = [](void* out, int, char** values, char**) {
    *static_cast<std::string*>(out) = values[0] != nullptr ? values[0] : "";
    return 0;
  };
  while (sqlite3_exec(connection.db, "PRAGMA journal_mode = WAL", keep_mode, &mode, nullptr) !=
         SQLITE_OK) {
    if (sqlite3_errcode(connection.db) != SQLITE_BUSY ||
        std::chrono::steady_clock::now() >= give_up_at) {
      store::throw_sqlite_error(connection, "switching to the WAL journal");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (mode != "wal") {
    throw_store_error(connection, "cannot use the WAL journal (journal mode stays '" + mode +
                                      "'); WAL needs shared memory, which this file system may "
                                      "lack");
  }
}

}  // namespace

std::filesystem::path RunStore::default_path() {
  if (auto store = path_from_env("MOESCOPE_STORE"); !store.empty())
    return store;
  const std::filesystem::path in_data_home = std::filesystem::path("moescope") / "runs.sqlite";
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (auto data_home = path_from_env("XDG_DATA_HOME"); data_home.is_absolute()) {
    return data_home / in_data_home;
  }
  if (auto home = path_from_env("HOME"); !home.empty()) {
    return home / ".local" / "share" / in_data_home;
  }
  throw StoreError("no place for the run store: neither MOESCOPE_STORE nor HOME is set");
}

RunStore RunStore::open(const std::filesystem::path& path) {
  if (path.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) {
      throw StoreError("run store " + path.string() +
                       ": cannot create its folder: " + error.message());
    }
  }
  sqlite3* db = nullptr;
  const int opened =
      sqlite3_open_v2(path.string().c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // Owns the handle from here, also when opening failed: SQLite allocates one for the message.
  RunStore store(path, db);
  const Connection connection{store.db_, store.path_};
  if (opened != SQLITE_OK)
    store::throw_sqlite_error(connection, "opening");
  sqlite3_busy_timeout(store.db_, kBusyTimeoutMs);
  store::execute(connection, "enabling foreign keys", "PRAGMA foreign_keys = ON");
  // Before the journal switch, which writes to the file: a foreign file is refused untouched.
  store::prepare_schema(connection);
  switch_to_wal(connection);
  // In WAL mode NORMAL may lose the last commits on power loss; a finished training run must not.
  store::execute(connection, "setting synchronous mode", "PRAGMA synchronous = FULL");
  return store;
}

RunStore::RunStore(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}

RunStore::RunStore(RunStore&& other) noexcept
    : path_(std::move(other.path_)), db_(std::exchange(other.db_, nullptr)) {}

RunStore& RunStore::operator=(RunStore&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    path_ = std::move(other.path_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

RunStore::~RunStore() {
  sqlite3_close_v2(db_);
}

InsertSummary RunStore::insert(const std::vector<Run>& runs) {
  const Connection connection{db_, path_};
  for (const Run& run : runs)
    refuse_nan(connection, run);

  InsertSummary summary;
  Transaction transaction(connection, Transaction::Mode::kImmediate);
  Statement insert_run(connection, "storing a run", kInsertRunSql);
  ChildRowWriter children(connection);
  for (const Run& run : runs) {
    try {
      insert_run.reset();
      insert_run.bind_text(":id", run.id);
      bind_run_fields(insert_run, run);
      insert_run.step();
      // ON CONFLICT DO NOTHING changes no row when the id is stored already, by an earlier
      // batch or earlier in this one.
      if (sqlite3_changes(db_) == 0) {
        summary.duplicate_ids.push_back(run.id);
        continue;
      }
      children.write(sqlite3_last_insert_rowid(db_), run);
      ++summary.inserted;
    } catch (const StoreError& error) {
      throw StoreError(std::string(error.what()) + " (run '" + run.id + "'; none of the " +
                       std::to_string(runs.size()) + " runs of this batch were stored)");
    }
  }
  transaction.commit();
  return summary;
}

void RunStore::update(const Run& run) {
  const Connection connection{db_, path_};
  refuse_nan(connection, run);

  Transaction transaction(connection, Transaction::Mode::kImmediate);
  Statement find_seq(connection, "looking up a run", "SELECT seq FROM runs WHERE id = :id");
  find_seq.bind_text(":id", run.id);
  if (!find_seq.step())
    throw_store_error(connection, "cannot update run '" + run.id + "': no such run");
  const std::int64_t seq = find_seq.integer(0);

  Statement update_run(connection, "updating run '" + run.id + "'", kUpdateRunSql);
  bind_run_fields(update_run, run);
  update_run.bind_integer(":seq", seq);
  update_run.step();
  for (const char* sql :
       {"DELETE FROM loss_curve WHERE run = :run", "DELETE FROM downstream WHERE run = :run"}) {
    Statement remove_children(connection, "updating run '" + run.id + "'", sql);
    remove_children.bind_integer(":run", seq);
    remove_children.step();
  }
  ChildRowWriter(connection).write(seq, run);
  transaction.commit();
}

std::vector<Run> RunStore::runs() const {
  return read_runs({db_, path_}, std::nullopt);
}

std::optional<Run> RunStore::find(const std::string& id) const {
  std::vector<Run> found = read_runs({db_, path_}, id);
  if (found.empty())
    return std::nullopt;
  return std::move(found.front());
}

std::size_t RunStore::size() const {
  Statement count(Connection{db_, path_}, "counting runs", "SELECT count(*) FROM runs");
  count.step();
  return static_cast<std::size_t>(count.integer(0));
}

int RunStore::schema_version() const {
  return store::stored_schema_version({db_, path_});
}

int RunStore::current_schema_version() {
  return store::current_schema_version();
}

}  // namespace moescope
