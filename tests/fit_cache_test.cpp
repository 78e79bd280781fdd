// The explorer's fit cache (moescope/io/fit_cache.h): a key that changes with the runs and every
// setting that changes the fit (and not with the thread count), a law written and read back whole
// (replicates, minima, scope, form note), and a missing, corrupt or foreign entry ignored with a
// note rather than refused. Also: the saved-fit format's minima, which older files lack.
#include "moescope/io/fit_cache.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "moescope/io/json_file.h"
#include "moescope/synthetic/synthetic_grid.h"
#include "support/quick_law_fit.h"
#include "support/temporary_folder.h"

namespace moescope {
namespace {

using testing_support::TemporaryFolder;

LawFitOptions small_options() {
  LawFitOptions options = testing_support::quick_chinchilla_options();
  options.bootstrap = 3;
  return options;
}

const std::vector<moescope::Run>& runs() {
  static const std::vector<moescope::Run> grid = generate_synthetic_grid({});
  return grid;
}

const RunLawFit& fitted() {
  static const RunLawFit fit = fit_law_to_runs(runs(), RunFilter::parse(kDefaultHoldoutRule),
                                               LawForm::kChinchilla, small_options());
  return fit;
}

std::string key_of(const std::vector<moescope::Run>& data, const LawFitOptions& options,
                   const std::string& holdout = kDefaultHoldoutRule,
                   std::optional<LawForm> form = LawForm::kChinchilla) {
  return fit_cache_key(data, holdout, form, options);
}

FitDataSummary summary() {
  return {"synthetic grid", fitted().data.points.size(), 0, kDefaultHoldoutRule, kDefaultLossUnit,
          std::nullopt};
}

TEST(FitCacheKey, ChangesWithTheRunsAndEverySettingThatChangesTheFit) {
  const std::string key = key_of(runs(), small_options());
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(key_of(runs(), small_options()), key);

  LawFitOptions threads = small_options();
  threads.threads = 7;  // the result does not depend on it
  EXPECT_EQ(key_of(runs(), threads), key);

  std::vector<moescope::Run> changed = runs();
  changed[3].loss = *changed[3].loss + 1e-9;
  EXPECT_NE(key_of(changed, small_options()), key);
  std::vector<moescope::Run> fewer(runs().begin(), runs().end() - 1);
  EXPECT_NE(key_of(fewer, small_options()), key);
  // The bootstrap draws points by index: another order is another fit.
  std::vector<moescope::Run> reordered = runs();
  std::swap(reordered[0], reordered[1]);
  EXPECT_NE(key_of(reordered, small_options()), key);

  LawFitOptions bootstrap = small_options();
  bootstrap.bootstrap = 4;
  LawFitOptions seed = small_options();
  seed.seed = 2;
  LawFitOptions grid = small_options();
  grid.grid_override.back().second = {0, 0.25};
  LawFitOptions huber = small_options();
  huber.huber_delta = 1e-2;
  for (const LawFitOptions& other : {bootstrap, seed, grid, huber})
    EXPECT_NE(key_of(runs(), other), key);
  EXPECT_NE(key_of(runs(), small_options(), "S==0.5"), key);
  EXPECT_NE(key_of(runs(), small_options(), kDefaultHoldoutRule, std::nullopt), key);
}

TEST(FitCache, WritesTheLawAndReadsItBackWhole) {
  const TemporaryFolder folder("fit-cache");
  const FitCache cache(folder.path() / "explorer");  // created on the first write
  const std::string key = key_of(runs(), small_options());
  std::string note;
  EXPECT_FALSE(cache.read(key, &note));
  EXPECT_EQ(note, "");  // nothing cached yet is no problem

  cache.write(key, fitted(), summary());
  const std::optional<CachedFit> cached = cache.read(key, &note);
  ASSERT_TRUE(cached) << note;
  EXPECT_EQ(note, "");
  EXPECT_EQ(
      std::filesystem::status(cache.path(key)).permissions() & std::filesystem::perms::others_read,
      std::filesystem::perms::none);
  EXPECT_EQ(cached->made.size(), std::string("2026-12-07T00:41:09Z").size());
  EXPECT_EQ(cached->made.back(), 'Z');
  const SavedLaw& law = cached->law;
  EXPECT_EQ(law.law.parameters(), fitted().summary.law.parameters());  // exactly: JSON round-trips
  ASSERT_EQ(law.replicates.size(), fitted().summary.replicates.size());
  EXPECT_EQ(law.replicates.back().parameters(), fitted().summary.replicates.back().parameters());
  ASSERT_FALSE(fitted().summary.minima.empty());
  ASSERT_EQ(law.minima.size(), fitted().summary.minima.size());
  EXPECT_EQ(law.minima.front().parameters(), fitted().summary.minima.front().parameters());
  EXPECT_EQ(law.scope.form, LawForm::kChinchilla);
  ASSERT_TRUE(law.scope.range && fitted().scope.range);
  EXPECT_EQ(law.scope.range->budget.hi, fitted().scope.range->budget.hi);
}

TEST(FitCache, IgnoresACorruptOrForeignEntryWithANote) {
  const TemporaryFolder folder("fit-cache");
  const FitCache cache(folder.path());
  const std::string key = key_of(runs(), small_options());
  const std::string other = key_of(runs(), small_options(), "S==0.5");
  cache.write(other, fitted(), summary());
  // Another key's file under this key's name: not this fit.
  std::filesystem::copy_file(cache.path(other), cache.path(key));
  std::string note;
  EXPECT_FALSE(cache.read(key, &note));
  EXPECT_NE(note.find("not written for these runs and settings"), std::string::npos) << note;

  std::ofstream(cache.path(key), std::ios::trunc) << "{\"format\": \"moescope-fit\", trunc";
  note.clear();
  EXPECT_FALSE(cache.read(key, &note));
  EXPECT_NE(note.find(cache.path(key).string()), std::string::npos) << note;

  // Valid JSON, right key, a law that breaks the format: refused by the saved fit's reader.
  nlohmann::ordered_json broken = law_json(fitted(), summary());
  broken["params"]["alpha"] = "high";
  broken["cache"] = {{"key", key}, {"made", "2026-12-07T00:41:09Z"}};
  write_json_file(cache.path(key), broken);
  note.clear();
  EXPECT_FALSE(cache.read(key, &note));
  EXPECT_NE(note.find("params.alpha"), std::string::npos) << note;
}

TEST(FitCache, TheFolderFollowsTheEnvironment) {
  const auto set = [](const char* name, const char* value) {
    if (value != nullptr)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  };
  const char* home = std::getenv("HOME");
  const std::string saved_home = home != nullptr ? home : "";
  set("MOESCOPE_CACHE_DIR", "/somewhere/cache");
  EXPECT_EQ(default_fit_cache_directory(), std::filesystem::path("/somewhere/cache"));
  set("MOESCOPE_CACHE_DIR", nullptr);
  set("XDG_CACHE_HOME", "/xdg");
  EXPECT_EQ(default_fit_cache_directory(), std::filesystem::path("/xdg/moescope/explorer"));
  set("XDG_CACHE_HOME", nullptr);
  set("HOME", "/home/someone");
  EXPECT_EQ(default_fit_cache_directory(),
            std::filesystem::path("/home/someone/.cache/moescope/explorer"));
  set("HOME", nullptr);
  EXPECT_EQ(default_fit_cache_directory(), std::nullopt);
  set("HOME", home != nullptr ? saved_home.c_str() : nullptr);
}

TEST(SavedFit, AFileWithoutMinimaStillReads) {
  nlohmann::ordered_json file = law_json(fitted(), summary());
  ASSERT_TRUE(file.contains("minima"));
  EXPECT_EQ(file["minima"].size(), fitted().summary.minima.size());
  file.erase("minima");
  const SavedLaw law = read_saved_law(nlohmann::json::parse(file.dump()), "old.json");
  EXPECT_TRUE(law.minima.empty());
  EXPECT_EQ(law.replicates.size(), fitted().summary.replicates.size());
}

}  // namespace
}  // namespace moescope
