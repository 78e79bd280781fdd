#include "moescope/store/run_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <system_error>
#include <thread>
#include <utility>

#include "moescope/io/number_format.h"
#include "moescope/run/run_identity.h"
#include "store/run_rows.h"
#include "store/store_schema.h"

namespace moescope {
namespace {

using store::bind_run_fields;
using store::ChildRowWriter;
using store::Connection;
using store::kInsertRunSql;
using store::kUpdateRunSql;
using store::read_checked;
using store::refuse_nan;
using store::select_rows;
using store::Statement;
using store::StoredRow;
using store::throw_store_error;
using store::Transaction;

// Writers queue on SQLite's lock instead of failing; a long import in another process holds it
// for seconds at most, so a minute only runs out when something is truly stuck.
constexpr int kBusyTimeoutMs = 60'000;

// An unset variable and an empty one both give an empty path.
std::filesystem::path path_from_env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::filesystem::path() : std::filesystem::path(value);
}

[[noreturn]] void throw_invalid(Connection connection, const std::vector<InvalidRun>& invalid) {
  constexpr std::size_t kListed = 10;
  std::string message = std::to_string(invalid.size()) + " stored run" +
                        (invalid.size() == 1 ? " no longer satisfies" : "s no longer satisfy") +
                        " the run model (edited by another tool?):";
  std::string ids;
  for (std::size_t i = 0; i < invalid.size(); ++i) {
    if (i < kListed)
      message += "\n  " + invalid[i].describe();
    ids += " " + invalid[i].run.id;
  }
  if (invalid.size() > kListed)
    message += "\n  ... and " + std::to_string(invalid.size() - kListed) + " more";
  throw_store_error(connection, message + "\nFix them, or delete them: moescope runs delete" + ids);
}

// A run in a message that must tell two runs with one id apart.
std::string run_summary(const Run& run) {
  std::string text = run.name.empty() ? "unnamed" : "'" + run.name + "'";
  if (!run.origin.empty())
    text += " from " + run.origin;
  const auto number = [](const std::optional<double>& value) {
    return value ? format_brief(*value) : std::string("-");
  };
  return text + " (N " + number(run.total_params) + ", D " + number(run.tokens) + ", loss " +
         number(run.loss) + ")";
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

void refuse_missing(const std::filesystem::path& path) {
  if (path.empty())
    throw StoreError("run store: the path is empty");
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    throw StoreError("run store " + path.string() +
                     " does not exist (moescope import creates one; check the path)");
  }
}

// Whether the first read of the file works; SQLite opens a WAL store's -shm only then.
bool can_read(sqlite3* db) {
  return sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) ==
         SQLITE_OK;
}

// A file: URI naming `path` (absolute), for SQLITE_OPEN_URI: the characters a URI gives a meaning
// to, and any that are not printable ASCII, percent-encoded.
std::string file_uri(const std::filesystem::path& path) {
  std::string uri = "file:";
  for (const char c : std::filesystem::absolute(path).string()) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '%' || byte == '?' || byte == '#' || byte <= 0x20 || byte >= 0x7f) {
      constexpr const char* kHex = "0123456789ABCDEF";
      uri += '%';
      uri += kHex[byte >> 4];
      uri += kHex[byte & 0xf];
    } else {
      uri += c;
    }
  }
  return uri;
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

std::string InvalidRun::describe() const {
  std::string text = "run " + run.id + (run.name.empty() ? "" : " (" + run.name + ")") + ":";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    text += (i == 0 ? " " : "; ");
    if (!problems[i].field.empty())
      text += "field " + problems[i].field + ": ";
    text += problems[i].message;
  }
  return text;
}

RunStore RunStore::open_existing(const std::filesystem::path& path) {
  refuse_missing(path);
  return open(path);
}

RunStore RunStore::open_read_only(const std::filesystem::path& path) {
  refuse_missing(path);
  // Where the store can be written, an ordinary connection, as before: one that can write is the
  // one that removes the -wal and -shm files as it closes, and migrates an older schema.
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
  if (::access(path.c_str(), W_OK) == 0 && ::access(folder.c_str(), W_OK) == 0)
    return open(path);
  constexpr int kReadOnly = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
  RunStore store = connect(path, path.string(), kReadOnly);
  if (!can_read(store.db_)) {
    const int code = sqlite3_errcode(store.db_) & 0xff;
    // Anything else (not a database, say) is named by the reads below, as open() names it.
    if (code == SQLITE_CANTOPEN || code == SQLITE_READONLY) {
      const std::filesystem::path log = path.string() + "-wal";
      std::error_code error;
      if (std::filesystem::exists(log, error) && std::filesystem::file_size(log, error) > 0) {
        throw StoreError("run store " + path.string() + ": its write-ahead log " + log.string() +
                         " holds changes not yet in the store, and SQLite cannot create " +
                         path.string() +
                         "-shm beside it to read them (a read-only folder or filesystem?): open "
                         "the store once where it can be written");
      }
      store = connect(path, file_uri(path) + "?immutable=1", kReadOnly | SQLITE_OPEN_URI);
    }
  }
  const Connection connection{store.db_, store.path_};
  if (!store::schema_is_current(connection)) {
    throw StoreError("run store " + path.string() + " has schema version " +
                     std::to_string(store::stored_schema_version(connection)) +
                     ", older than this MoEScope's (" + std::to_string(current_schema_version()) +
                     "), and cannot be brought up to date where it cannot be written: open it "
                     "once where it can be");
  }
  return store;
}

RunStore RunStore::connect(const std::filesystem::path& path, const std::string& target,
                           int flags) {
  sqlite3* db = nullptr;
  const int opened = sqlite3_open_v2(target.c_str(), &db, flags, nullptr);
  // Owns the handle from here, also when opening failed: SQLite allocates one for the message.
  RunStore store(path, db);
  const Connection connection{store.db_, store.path_};
  if (opened != SQLITE_OK)
    store::throw_sqlite_error(connection, "opening");
  sqlite3_busy_timeout(store.db_, kBusyTimeoutMs);
  store::execute(connection, "enabling foreign keys", "PRAGMA foreign_keys = ON");
  return store;
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
  RunStore store = connect(path, path.string(),
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  const Connection connection{store.db_, store.path_};
  try {
    // Before the journal switch, which writes to the file: a foreign file is refused untouched.
    store::prepare_schema(connection);
    switch_to_wal(connection);
  } catch (const StoreError& error) {
    // SQLite says only "unable to open database file" where it cannot create the WAL files.
    const int code = sqlite3_errcode(store.db_) & 0xff;
    const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
    if ((code == SQLITE_CANTOPEN || code == SQLITE_READONLY) &&
        ::access(folder.c_str(), W_OK) != 0) {
      throw StoreError(std::string(error.what()) + " (" + folder.string() +
                       " cannot be written: a read-only filesystem? Changing the store needs its "
                       "-wal and -shm files beside it; the commands that only read work there)");
    }
    throw;
  }
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
  std::string conflicts;
  Transaction transaction(connection, Transaction::Mode::kImmediate);
  Statement insert_run(connection, "storing a run", kInsertRunSql);
  ChildRowWriter children(connection);
  const std::string none_stored =
      "none of the " + std::to_string(runs.size()) + " runs of this batch were stored";
  for (const Run& run : runs) {
    try {
      insert_run.reset();
      insert_run.bind_text(":id", run.id);
      bind_run_fields(insert_run, run);
      insert_run.step();
      // ON CONFLICT DO NOTHING changes no row when the id is stored already, by an earlier
      // batch or earlier in this one. The same content is the same run; other content under
      // the id is another run, which must not be dropped as if it were this one.
      if (sqlite3_changes(db_) == 0) {
        const Run stored = select_rows(connection, run.id).at(0).run;
        if (content_identity(stored) != content_identity(run)) {
          conflicts +=
              "\n  id " + run.id + ": stored " + run_summary(stored) + ", new " + run_summary(run);
        }
        summary.duplicate_ids.push_back(run.id);
        continue;
      }
      children.write(sqlite3_last_insert_rowid(db_), run);
      ++summary.inserted;
    } catch (const StoreError& error) {
      throw StoreError(std::string(error.what()) + " (run '" + run.id + "'; " + none_stored + ")");
    }
  }
  if (!conflicts.empty()) {
    throw_store_error(connection, "ids already stored with other content (" + none_stored +
                                      "):" + conflicts +
                                      "\nGive the new runs other ids (or none: an id then "
                                      "follows from the content), or delete the stored ones");
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
       {"DELETE FROM loss_curve WHERE run = :run", "DELETE FROM downstream WHERE run = :run",
        "DELETE FROM extras WHERE run = :run"}) {
    Statement remove_children(connection, "updating run '" + run.id + "'", sql);
    remove_children.bind_integer(":run", seq);
    remove_children.step();
  }
  ChildRowWriter(connection).write(seq, run);
  transaction.commit();
}

std::vector<Run> RunStore::remove(const std::vector<std::string>& ids) {
  const Connection connection{db_, path_};
  Transaction transaction(connection, Transaction::Mode::kImmediate);
  std::vector<Run> removed;
  std::string unknown;
  for (const std::string& id : ids) {
    const auto listed = [&](const Run& run) { return run.id == id; };
    if (std::any_of(removed.begin(), removed.end(), listed))
      continue;
    std::vector<StoredRow> rows = select_rows(connection, id);
    if (rows.empty()) {
      unknown += (unknown.empty() ? "" : ", ") + id;
      continue;
    }
    removed.push_back(std::move(rows.front().run));
  }
  if (!unknown.empty())
    throw_store_error(connection, "no run with id " + unknown + "; nothing was deleted");
  Statement remove_run(connection, "deleting a run", "DELETE FROM runs WHERE id = :id");
  for (const Run& run : removed) {
    remove_run.reset();
    remove_run.bind_text(":id", run.id);
    remove_run.step();
  }
  transaction.commit();
  return removed;
}

std::vector<Run> RunStore::remove_matching(const RunFilter& filter) {
  const Connection connection{db_, path_};
  Transaction transaction(connection, Transaction::Mode::kImmediate);
  Statement remove_run(connection, "deleting a run", "DELETE FROM runs WHERE id = :id");
  std::vector<Run> removed;
  for (StoredRow& row : select_rows(connection, std::nullopt)) {
    if (!filter.matches(row.run))
      continue;
    remove_run.reset();
    remove_run.bind_text(":id", row.run.id);
    remove_run.step();
    removed.push_back(std::move(row.run));
  }
  transaction.commit();
  return removed;
}

StoredRuns RunStore::read() const {
  return read_checked({db_, path_}, std::nullopt);
}

std::vector<Run> RunStore::runs() const {
  StoredRuns stored = read();
  if (!stored.invalid.empty())
    throw_invalid({db_, path_}, stored.invalid);
  return std::move(stored.runs);
}

std::optional<Run> RunStore::find(const std::string& id) const {
  StoredRuns found = read_checked({db_, path_}, id);
  if (!found.invalid.empty())
    throw_invalid({db_, path_}, found.invalid);
  if (found.runs.empty())
    return std::nullopt;
  return std::move(found.runs.front());
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
