#include "moescope/explore/explorer_fit_cache.h"

#include <utility>

namespace moescope {

CachedFitLookup look_up_cached_fit(const FitCache& cache, const std::vector<Run>& runs,
                                   ExplorerLoadOptions& options) {
  CachedFitLookup lookup;
  if (options.saved_fit)
    return lookup;
  lookup.key = fit_cache_key(runs, options.holdout_rule, options.form, options.law);
  if (std::optional<CachedFit> cached = cache.read(lookup.key, &lookup.note)) {
    options.cached_law = std::move(cached->law);
    lookup.made = std::move(cached->made);
  }
  return lookup;
}

void keep_fitted_law(const FitCache& cache, const std::string& key, const ExplorerLoad& load,
                     const std::string& source, const std::string& holdout_rule) {
  if (key.empty() || !load.law_fit)
    return;
  FitDataSummary summary;
  summary.source = source;
  summary.points = load.law_fit->data.points.size();
  summary.left_out = load.law_fit->data.left_out.size();
  summary.holdout_rule = holdout_rule;
  summary.loss_unit = load.law_fit->scope.loss_unit;
  cache.write(key, *load.law_fit, summary);
}

}  // namespace moescope
