#pragma once

// Private to the run store: its schema and migrations, and the thin RAII layer over the SQLite C
// API that both the store and the migrations use. Every error thrown from here is a StoreError
// that names the store's file, since a user may keep several stores and needs to know which one.

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace moescope::store {

// An open connection and the file it belongs to, the pair every error message needs.
struct Connection {
  sqlite3* db;
  const std::filesystem::path& path;
};

// Throws "run store PATH: ACTION: SQLITE MESSAGE", taking the message from the connection's
// latest error.
[[noreturn]] void throw_sqlite_error(Connection connection, std::string_view action);

// For SQL without values: pragmas, transaction control, schema changes.
void execute(Connection connection, std::string_view action, const char* sql);

// A prepared statement, finalized on destruction. Values are always bound, never spliced into SQL.
class Statement {
 public:
  // `action` says what the statement is for, in error messages ("reading runs").
  Statement(Connection connection, std::string action, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are named (":id") so that a long column list cannot silently shift by one.
  void bind_text(const char* parameter, std::string_view value);
  void bind_real(const char* parameter, double value);
  void bind_optional_real(const char* parameter, const std::optional<double>& value);
  void bind_integer(const char* parameter, std::int64_t value);
  void bind_null(const char* parameter);

  // Runs the statement to its next row: true when a row is ready, false when it has finished.
  bool step();
  // Makes the statement ready to run again with new bindings.
  void reset();

  bool is_null(int column) const;
  std::string text(int column) const;
  double real(int column) const;
  std::optional<double> optional_real(int column) const;
  std::int64_t integer(int column) const;

 private:
  int parameter_index(const char* parameter) const;
  void check_bound(int result_code, const char* parameter) const;

  Connection connection_;
  std::string action_;
  sqlite3_stmt* statement_ = nullptr;
};

// A transaction that rolls back on destruction unless committed, so that an exception anywhere
// inside it leaves the store as it was.
class Transaction {
 public:
  // kImmediate takes the write lock at once, queueing on the busy timeout; a deferred transaction
  // that writes later could instead fail with SQLITE_BUSY once another process has written.
  // kDeferred is for reads that must see one snapshot across several queries.
  enum class Mode { kDeferred, kImmediate };

  Transaction(Connection connection, Mode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Connection connection_;
  bool committed_ = false;
};

// The schema version this build writes: the number of migrations it knows.
int current_schema_version();

// The schema version recorded in the file (PRAGMA user_version).
int stored_schema_version(Connection connection);

// Refuses a file that is not a MoEScope store or was written by a newer MoEScope, then applies
// every pending migration. Safe when several processes open a new file at once: each migration
// runs under BEGIN IMMEDIATE and re-reads the version inside it, so it is applied exactly once.
void prepare_schema(Connection connection);

// Refuses a file as prepare_schema() does, changing nothing: true when its schema is this build's,
// false when migrations are pending (an empty file included). For a store opened read-only.
bool schema_is_current(Connection connection);

}  // namespace moescope::store
