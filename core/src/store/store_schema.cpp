#include "store/store_schema.h"

#include <array>
#include <stdexcept>
#include <utility>

#include "moescope/store/run_store.h"

namespace moescope::store {
namespace {

// PRAGMA application_id of every MoEScope store ("MoES"): it tells our file apart from another
// program's SQLite database, whatever that program keeps in user_version.
constexpr std::int64_t kApplicationId = 0x4D6F4553;

struct Migration {
  std::string_view purpose;
  const char* sql;
};

// Migration i brings the schema from version i to version i + 1. Append only: a migration that
// has shipped is never edited, since stores out there have already applied it.
constexpr std::array kMigrations{
    Migration{"creating the runs, loss_curve and downstream tables",
              // `seq` is AUTOINCREMENT so that insertion order survives any future deletion: plain
              // rowids may be reused. The architecture columns are all NULL (no architecture) or
              // all set. Enum names are not constrained here: run.cpp owns them, and a name this
              // build cannot parse is reported when read.
              R"sql(
CREATE TABLE runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE CHECK (id <> ''),
  name TEXT NOT NULL,
  provenance TEXT NOT NULL,
  origin TEXT NOT NULL,
  status TEXT NOT NULL,
  d_model INTEGER,
  n_layers INTEGER,
  n_heads INTEGER,
  vocab INTEGER,
  context INTEGER,
  experts INTEGER,
  active INTEGER,
  granularity INTEGER,
  tied_embeddings INTEGER CHECK (tied_embeddings IN (0, 1)),
  total_params REAL,
  active_params REAL,
  sparsity REAL,
  tokens REAL,
  compute REAL,
  loss REAL,
  learning_rate REAL,
  warmup_fraction REAL,
  load_balance REAL,
  derived TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK ((d_model IS NULL) = (n_layers IS NULL) AND (d_model IS NULL) = (n_heads IS NULL) AND
         (d_model IS NULL) = (vocab IS NULL) AND (d_model IS NULL) = (context IS NULL) AND
         (d_model IS NULL) = (experts IS NULL) AND (d_model IS NULL) = (active IS NULL) AND
         (d_model IS NULL) = (granularity IS NULL) AND
         (d_model IS NULL) = (tied_embeddings IS NULL))
);
CREATE TABLE loss_curve (
  run INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  step INTEGER NOT NULL,
  tokens REAL NOT NULL,
  loss REAL NOT NULL,
  PRIMARY KEY (run, position)
) WITHOUT ROWID;
CREATE TABLE downstream (
  run INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  task TEXT NOT NULL,
  kind TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (run, position)
) WITHOUT ROWID;
)sql"},
    Migration{"recording how many rows a run stands for (--best-of)",
              // Every run stored before stands for its one row. No CHECK: a value another tool
              // writes is reported when read, with the run's id, like any other invalid value.
              "ALTER TABLE runs ADD COLUMN best_of INTEGER NOT NULL DEFAULT 1;"},
    Migration{"recording the unit of each loss and the tokenizer",
              // Runs stored before were read as nats/token (the default of an import) unless
              // MoEScope's trainer made them: it is byte-level, so its losses are nats/byte.
              R"sql(
ALTER TABLE runs ADD COLUMN loss_unit TEXT NOT NULL DEFAULT 'nats/token';
ALTER TABLE runs ADD COLUMN tokenizer TEXT NOT NULL DEFAULT '';
UPDATE runs SET loss_unit = 'nats/byte', tokenizer = 'bytes (UTF-8)'
WHERE provenance IN ('local', 'remote');
)sql"},
    Migration{"recording unique tokens (U) and extra numbers of runs",
              // NULL: a run stored before gave no U. Extras are child rows, as curves and
              // metrics are: one value per row, typed, and unique per run by the key. Their names
              // are checked on the way out (check_run), as every other value is.
              R"sql(
ALTER TABLE runs ADD COLUMN unique_tokens REAL;
CREATE TABLE extras (
  run INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (run, name)
) WITHOUT ROWID;
)sql"},
};

struct StoreState {
  std::int64_t application_id = 0;
  int schema_version = 0;
  std::int64_t schema_objects = 0;  // tables, indexes, views and triggers of whoever wrote it
};

StoreState read_state(Connection connection) {
  // One statement, so one snapshot: read piecemeal, a migration committed by another process in
  // between would show its tables without its application id, as if the file were foreign.
  Statement statement(connection, "reading the store's identity",
                      "SELECT (SELECT application_id FROM pragma_application_id), "
                      "(SELECT user_version FROM pragma_user_version), "
                      "(SELECT count(*) FROM sqlite_master)");
  statement.step();
  return StoreState{.application_id = statement.integer(0),
                    .schema_version = static_cast<int>(statement.integer(1)),
                    .schema_objects = statement.integer(2)};
}

void refuse_unless_ours(Connection connection, const StoreState& state) {
  const bool empty_database =
      state.application_id == 0 && state.schema_version == 0 && state.schema_objects == 0;
  if (state.application_id != kApplicationId && !empty_database) {
    throw StoreError(connection.path.string() +
                     " is not a MoEScope run store: it is an SQLite database of another "
                     "application (application_id " +
                     std::to_string(state.application_id) + ", user_version " +
                     std::to_string(state.schema_version) + ")");
  }
  // user_version is any 32-bit number; a negative one indexed the migrations before the first
  // (a crash, or std::bad_alloc for -1).
  if (state.schema_version < 0) {
    throw StoreError(connection.path.string() + " has schema version " +
                     std::to_string(state.schema_version) +
                     " (PRAGMA user_version), which no MoEScope writes (0 to " +
                     std::to_string(current_schema_version()) + "): edited by another tool?");
  }
  if (state.schema_version > current_schema_version()) {
    throw StoreError(connection.path.string() + " was written by a newer MoEScope (schema " +
                     std::to_string(state.schema_version) + " > " +
                     std::to_string(current_schema_version()) + ")");
  }
}

void apply_migration(Connection connection, int from_version) {
  const Migration& migration = kMigrations[static_cast<std::size_t>(from_version)];
  const std::string action = "migrating the schema to version " + std::to_string(from_version + 1) +
                             " (" + std::string(migration.purpose) + ")";
  execute(connection, action, migration.sql);
  // Pragmas take no bound parameters; both values come from this file, never from input.
  const std::string stamp = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                            "; PRAGMA user_version = " + std::to_string(from_version + 1) + ";";
  execute(connection, action, stamp.c_str());
}

}  // namespace

void throw_sqlite_error(Connection connection, std::string_view action) {
  // A text file, or any other non-database, shows up as SQLITE_NOTADB on the first query.
  if ((sqlite3_errcode(connection.db) & 0xff) == SQLITE_NOTADB) {
    throw StoreError(connection.path.string() +
                     " is not a MoEScope run store: " + sqlite3_errmsg(connection.db));
  }
  throw StoreError("run store " + connection.path.string() + ": " + std::string(action) + ": " +
                   sqlite3_errmsg(connection.db));
}

void execute(Connection connection, std::string_view action, const char* sql) {
  if (sqlite3_exec(connection.db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw_sqlite_error(connection, action);
  }
}

Statement::Statement(Connection connection, std::string action, std::string_view sql)
    : connection_(connection), action_(std::move(action)) {
  if (sqlite3_prepare_v2(connection_.db, sql.data(), static_cast<int>(sql.size()), &statement_,
                         nullptr) != SQLITE_OK) {
    throw_sqlite_error(connection_, action_);
  }
}

Statement::~Statement() {
  sqlite3_finalize(statement_);
}

int Statement::parameter_index(const char* parameter) const {
  const int index = sqlite3_bind_parameter_index(statement_, parameter);
  if (index == 0) {
    throw std::logic_error(std::string("no parameter ") + parameter + " in the SQL for " + action_);
  }
  return index;
}

void Statement::check_bound(int result_code, const char* parameter) const {
  if (result_code != SQLITE_OK) {
    throw_sqlite_error(connection_, action_ + ": binding " + parameter);
  }
}

void Statement::bind_text(const char* parameter, std::string_view value) {
  check_bound(sqlite3_bind_text64(statement_, parameter_index(parameter), value.data(),
                                  value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
              parameter);
}

void Statement::bind_real(const char* parameter, double value) {
  check_bound(sqlite3_bind_double(statement_, parameter_index(parameter), value), parameter);
}

void Statement::bind_optional_real(const char* parameter, const std::optional<double>& value) {
  if (value) {
    bind_real(parameter, *value);
  } else {
    bind_null(parameter);
  }
}

void Statement::bind_integer(const char* parameter, std::int64_t value) {
  check_bound(sqlite3_bind_int64(statement_, parameter_index(parameter), value), parameter);
}

void Statement::bind_null(const char* parameter) {
  check_bound(sqlite3_bind_null(statement_, parameter_index(parameter)), parameter);
}

bool Statement::step() {
  const int result = sqlite3_step(statement_);
  if (result == SQLITE_ROW)
    return true;
  if (result == SQLITE_DONE)
    return false;
  throw_sqlite_error(connection_, action_);
}

void Statement::reset() {
  // The result of sqlite3_reset repeats the last step's error, which step() has already thrown.
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

std::string Statement::text(int column) const {
  const auto* characters = sqlite3_column_text(statement_, column);
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
  if (characters == nullptr)
    return {};
  return std::string(reinterpret_cast<const char*>(characters), size);
}

double Statement::real(int column) const {
  return sqlite3_column_double(statement_, column);
}

std::optional<double> Statement::optional_real(int column) const {
  if (is_null(column))
    return std::nullopt;
  return real(column);
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

Transaction::Transaction(Connection connection, Mode mode) : connection_(connection) {
  if (mode == Mode::kImmediate) {
    execute(connection_, "starting a write transaction", "BEGIN IMMEDIATE");
  } else {
    execute(connection_, "starting a read transaction", "BEGIN DEFERRED");
  }
}

Transaction::~Transaction() {
  // Some errors (a full disk, an I/O error) already ended the transaction; ROLLBACK would fail.
  if (!committed_ && sqlite3_get_autocommit(connection_.db) == 0) {
    sqlite3_exec(connection_.db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  execute(connection_, "committing", "COMMIT");
  committed_ = true;
}

int current_schema_version() {
  return static_cast<int>(kMigrations.size());
}

int stored_schema_version(Connection connection) {
  Statement statement(connection, "reading the schema version", "PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.integer(0));
}

bool schema_is_current(Connection connection) {
  const StoreState state = read_state(connection);
  refuse_unless_ours(connection, state);
  return state.schema_version == current_schema_version();
}

void prepare_schema(Connection connection) {
  // Checked before taking the write lock, so a foreign file is neither locked nor written.
  StoreState state = read_state(connection);
  refuse_unless_ours(connection, state);
  while (state.schema_version < current_schema_version()) {
    Transaction transaction(connection, Transaction::Mode::kImmediate);
    // Another process may have migrated between our read and our lock.
    state = read_state(connection);
    refuse_unless_ours(connection, state);
    if (state.schema_version == current_schema_version())
      return;
    apply_migration(connection, state.schema_version);
    transaction.commit();
    ++state.schema_version;
  }
}

}  // namespace moescope::store
