#pragma once

// What the run store's tests share (run_store_test, run_store_file_test): a plain SQLite
// connection to the store's file, checks on StoreError's message, runs that exercise every field
// or none, and a store in a folder of the test's own.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "moescope/model/accounting.h"
#include "moescope/store/run_store.h"
#include "support/temporary_folder.h"

namespace moescope::testing_support {

// A plain SQLite connection, to look at or tamper with a store behind RunStore's back.
class RawDatabase {
 public:
  explicit RawDatabase(const std::filesystem::path& path) {
    if (sqlite3_open(path.string().c_str(), &db_) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~RawDatabase() { sqlite3_close(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  void execute(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (error ? error : "?");
    }
    sqlite3_free(error);
  }

  // The first column of the first row, as text.
  std::string query(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    } else if (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(statement, 0);
      if (text != nullptr)
        value = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(statement);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

inline ::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// The message of the StoreError `action` throws, or a test failure when it throws none.
template <typename Action>
std::string store_error_of(Action action) {
  try {
    action();
  } catch (const StoreError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no StoreError was thrown";
  return {};
}

// Every field set, with values that a lossy text or float conversion would change, yet a valid
// run: the store checks what it reads back (see StoredValuesThatBreakTheRunModelAreReported).
inline Run rich_run(const std::string& id) {
  Run run;
  run.id = id;
  run.name = "O'Brien \"sparse\"; DROP TABLE runs; -- ünïcode";
  run.provenance = Provenance::kRemote;
  run.origin = "gpu-host-7:/runs/" + id;
  run.status = RunStatus::kRunning;
  run.architecture = Architecture{.d_model = 1536,
                                  .n_layers = 24,
                                  .n_heads = 12,
                                  .vocab = 32000,
                                  .context = 4096,
                                  .experts = 64,
                                  .active = 8,
                                  .granularity = 2,
                                  .tied_embeddings = false};
  const ParameterCount count = count_parameters(*run.architecture);
  run.total_params = std::nextafter(count.total, 1e300);
  run.active_params = std::nextafter(count.active, 0.0);
  run.sparsity = 56.0 / 64.0;
  run.tokens = (0.1 + 0.2) * 1e11;
  run.unique_tokens = std::nextafter(*run.tokens / 3.0, 0.0);
  run.compute = 6.0 * *run.active_params * *run.tokens * std::nextafter(1.0, 2.0);
  run.loss = 2.718281828459045;
  run.derived.insert(Quantity::kCompute);
  run.derived.insert(Quantity::kActiveParams);
  run.hyper =
      HyperParameters{.learning_rate = 3e-4, .warmup_fraction = 0.01, .load_balance = 1.0 / 3.0};
  run.loss_curve = {{.step = 10, .tokens = 1e-300, .loss = 9.5},
                    {.step = 0, .tokens = 0.0, .loss = 11.0},
                    {.step = std::numeric_limits<std::int64_t>::max(),
                     .tokens = std::numeric_limits<double>::max(),
                     .loss = -0.5}};
  run.downstream = {{.task = "piqa", .kind = MetricKind::kError, .value = 0.31},
                    {.task = "arc_easy", .kind = MetricKind::kAccuracy, .value = 0.6},
                    {.task = "lambada", .kind = MetricKind::kLoss, .value = 2.5},
                    {.task = "", .kind = MetricKind::kOther, .value = -1e-9}};
  run.best_of = 7;
  run.loss_unit = LossUnit::kBitsPerToken;
  run.tokenizer = "GPT-NeoX \"20B\", ünïcode";
  run.extras = {{"epochs_seen", 0.1 + 0.2}, {"seed", -0.0}, {"z", 1e300}};
  return run;
}

// Only an id: no architecture, no optional value, empty curve and downstream.
inline Run bare_run(const std::string& id) {
  Run run;
  run.id = id;
  return run;
}

inline std::vector<std::string> ids_of(const std::vector<Run>& runs) {
  std::vector<std::string> ids;
  for (const Run& run : runs)
    ids.push_back(run.id);
  return ids;
}

class RunStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path store_path() const { return folder_.path() / "runs.sqlite"; }

  TemporaryFolder folder_{"moescope-run-store"};
};

}  // namespace moescope::testing_support
