#include "moescope/io/fit_cache.h"

#include <cstdlib>
#include <ctime>

#include "moescope/io/atomic_file.h"
#include "moescope/io/json_file.h"
#include "moescope/io/number_format.h"
#include "moescope/io/utc_time.h"
#include "moescope/run/runs_hash.h"
#include "moescope/version.h"

namespace moescope {
namespace {

// Raised when what the cache holds changes meaning, so that older entries are refitted.
constexpr int kFitCacheFormat = 1;

}  // namespace

std::string fit_cache_key(const std::vector<Run>& runs, const std::string& holdout_rule,
                          const std::optional<LawForm>& form, const LawFitOptions& options) {
  ContentHash hash;
  hash.add("moescope-fit-cache");
  hash.add(std::to_string(kFitCacheFormat));
  hash.add(kVersion);
  hash.add(runs);
  hash.add(holdout_rule);
  hash.add(form ? to_string(*form) : "data");
  hash.add(to_string(options.form));
  hash.add(to_string(options.solver));
  hash.add(options.init_grid ? to_string(*options.init_grid) : "default");
  for (const auto& [coordinate, values] : options.grid_override) {
    hash.add(coordinate);
    for (const double value : values)
      hash.add(value);
  }
  hash.add("options");
  for (const double value :
       {options.huber_delta, static_cast<double>(options.max_iterations),
        options.function_tolerance, options.gradient_tolerance, options.refit_function_tolerance,
        options.refit_gradient_tolerance, static_cast<double>(options.bootstrap),
        static_cast<double>(options.bootstrap_minima),
        static_cast<double>(options.bootstrap_grid_starts)})
    hash.add(value);
  hash.add(std::to_string(options.seed));
  return hash.hex();
}

std::optional<std::filesystem::path> default_fit_cache_directory() {
  const auto set = [](const char* name) -> const char* {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : nullptr;
  };
  if (const char* directory = set("MOESCOPE_CACHE_DIR"))
    return std::filesystem::path(directory);
  if (const char* cache = set("XDG_CACHE_HOME"))
    return std::filesystem::path(cache) / "moescope" / "explorer";
  if (const char* home = set("HOME"))
    return std::filesystem::path(home) / ".cache" / "moescope" / "explorer";
  return std::nullopt;
}

std::filesystem::path FitCache::path(const std::string& key) const {
  return directory_ / ("fit-" + key + ".json");
}

std::optional<CachedFit> FitCache::read(const std::string& key, std::string* note) const {
  const std::filesystem::path file = path(key);
  std::error_code error;
  if (!std::filesystem::exists(file, error))
    return std::nullopt;
  try {
    const nlohmann::json json = read_json_file(file);
    const auto cache = json.find("cache");
    if (cache == json.end() || !cache->is_object() || cache->value("key", "") != key ||
        !cache->value("made", nlohmann::json()).is_string()) {
      *note = "ignored the cached fit " + file.string() +
              ": it was not written for these runs "
              "and settings";
      return std::nullopt;
    }
    return CachedFit{read_saved_law(json, file.string()), cache->at("made").get<std::string>()};
  } catch (const std::exception& unreadable) {
    *note = std::string("ignored the cached fit: ") + unreadable.what();
    return std::nullopt;
  }
}

void FitCache::write(const std::string& key, const RunLawFit& fit,
                     const FitDataSummary& data) const {
  std::filesystem::create_directories(directory_);
  nlohmann::ordered_json json = law_json(fit, data);
  json["cache"] = {{"key", key}, {"made", format_utc(std::time(nullptr), "%Y-%m-%dT%H:%M:%SZ")}};
  write_file_atomically(path(key), json.dump(1), 0600);
}

}  // namespace moescope
