#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "moescope/fit/law_fit.h"
#include "moescope/fit/law_fit_runs.h"
#include "moescope/io/saved_fit.h"
#include "moescope/run/run.h"

// The explorer's fit cache: the last law fitted to a data set with given settings, so that opening
// the same runs again shows their fit at once instead of refitting Table 2's grid (45-100 s on two
// cores). One file per data set and settings, named by their key, in the saved-fit format
// (saved_fit.h: law_json and read_saved_law) with a "cache" object {"key", "made"} added.
namespace moescope {

// What a law's fit depends on: the runs (each by its content, content_identity(), in order: the
// bootstrap draws points by index, so the same runs in another order give other replicates), the
// hold-out rule, the form asked for and every option that changes the result (LawFitOptions less
// `threads`), and MoEScope's version. 32 hex digits.
std::string fit_cache_key(const std::vector<Run>& runs, const std::string& holdout_rule,
                          const std::optional<LawForm>& form, const LawFitOptions& options);

// The folder of the explorer's cache: $MOESCOPE_CACHE_DIR where set (tests, or another disk),
// else $XDG_CACHE_HOME/moescope/explorer, else ~/.cache/moescope/explorer; nullopt where none of
// these variables is set.
std::optional<std::filesystem::path> default_fit_cache_directory();

// A law read back from the cache.
struct CachedFit {
  SavedLaw law;
  std::string made;  // when it was fitted, UTC, "2026-12-07T00:41:09Z"
};

class FitCache {
 public:
  explicit FitCache(std::filesystem::path directory) : directory_(std::move(directory)) {}

  const std::filesystem::path& directory() const { return directory_; }
  std::filesystem::path path(const std::string& key) const;

  // The fit cached under `key`; nullopt where there is none. A file that cannot be read, breaks
  // the saved-fit format or was written for another key is ignored, with a sentence saying so
  // in `note` (a cache never stops the explorer from fitting).
  std::optional<CachedFit> read(const std::string& key, std::string* note) const;
  // Writes `fit` under `key` atomically (the folder is created, the file is the owner's alone).
  // Throws std::runtime_error naming the file when it cannot be written.
  void write(const std::string& key, const RunLawFit& fit, const FitDataSummary& data) const;

 private:
  std::filesystem::path directory_;
};

}  // namespace moescope
