#pragma once

#include <string>
#include <vector>

#include "moescope/explore/explorer_loader.h"
#include "moescope/io/fit_cache.h"
#include "moescope/run/run.h"

// How the explorer uses the fit cache (io/fit_cache.h), the same way with a window and without a
// display: look the runs and settings up before a fit, keep the law after one.
namespace moescope {

struct CachedFitLookup {
  // The runs' and settings' key (fit_cache_key); empty where the cache was not consulted.
  std::string key;
  // When the fit found was made, UTC; empty where none was found.
  std::string made;
  // Why an entry found was ignored (fit_cache.h); empty otherwise.
  std::string note;
};

// Looks the law's fit to `runs` with `options` up in `cache` and, where it is there, sets
// options.cached_law so that the law is not fitted again. A saved fit is shown as it is: the cache
// is not consulted for one.
CachedFitLookup look_up_cached_fit(const FitCache& cache, const std::vector<Run>& runs,
                                   ExplorerLoadOptions& options);

// Keeps the law `load` fitted now under `key`, its data described by `source` and the hold-out
// rule; nothing where `key` is empty or the law was not fitted now (read from a saved fit or the
// cache, or refused). Throws std::runtime_error naming the file when it cannot be written.
void keep_fitted_law(const FitCache& cache, const std::string& key, const ExplorerLoad& load,
                     const std::string& source, const std::string& holdout_rule);

}  // namespace moescope
