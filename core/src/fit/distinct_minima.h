#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "numerics/lbfgs.h"

namespace moescope::law_fit_detail {

// One start of a multi-start fit and where its L-BFGS ended, for the compiled forms (law_fit.cpp)
// and the user-defined laws (law/defined_law_fit.cpp) alike. `Coordinates` is a fixed-size array
// of the optimiser's coordinates.
template <typename Coordinates>
struct StartOutcome {
  double objective = std::numeric_limits<double>::infinity();
  std::size_t start = std::numeric_limits<std::size_t>::max();
  Coordinates coordinates{};
  numerics::LbfgsResult result;

  // Lower objective wins; equal objectives go to the lower start index, so that the result does
  // not depend on which worker ran which start.
  bool improves_on(const StartOutcome& other) const {
    return objective < other.objective || (objective == other.objective && start < other.start);
  }
};

// Two converged starts that end within this distance (largest coordinate difference) found the
// same minimum.
inline constexpr double kSameMinimum = 1e-3;

// The lowest distinct minima seen, best first, at most `capacity`; the first `dimension`
// coordinates tell minima apart.
template <typename Coordinates>
class DistinctMinima {
 public:
  using Outcome = StartOutcome<Coordinates>;

  explicit DistinctMinima(std::size_t capacity = 0, int dimension = 0)
      : capacity_(capacity), dimension_(dimension) {}

  void offer(const Outcome& outcome) {
    for (Outcome& kept : kept_) {
      if (same_minimum(kept, outcome)) {
        if (outcome.improves_on(kept))
          kept = outcome;
        sort();
        return;
      }
    }
    if (kept_.size() < capacity_) {
      kept_.push_back(outcome);
    } else if (!kept_.empty() && outcome.improves_on(kept_.back())) {
      kept_.back() = outcome;
    } else {
      return;
    }
    sort();
  }
  const std::vector<Outcome>& best_first() const { return kept_; }

 private:
  bool same_minimum(const Outcome& x, const Outcome& y) const {
    for (int k = 0; k < dimension_; ++k) {
      const auto index = static_cast<std::size_t>(k);
      if (std::abs(x.coordinates[index] - y.coordinates[index]) > kSameMinimum)
        return false;
    }
    return true;
  }
  void sort() {
    std::sort(kept_.begin(), kept_.end(),
              [](const Outcome& x, const Outcome& y) { return x.improves_on(y); });
  }

  std::size_t capacity_;
  int dimension_;
  std::vector<Outcome> kept_;
};

// How many starts ended each way, indexed by numerics::LbfgsTermination.
using TerminationCounts = std::array<std::size_t, 6>;

// "4498 converged: ..., 2 not converged: ...": the counts that are not zero, for a refusal.
inline std::string describe_terminations(const TerminationCounts& counts) {
  std::string text;
  for (std::size_t kind = 0; kind < counts.size(); ++kind) {
    if (counts[kind] == 0)
      continue;
    text += (text.empty() ? "" : ", ") + std::to_string(counts[kind]) + " " +
            std::string(numerics::describe(static_cast<numerics::LbfgsTermination>(kind)));
  }
  return text;
}

// What one worker of a multi-start grid has seen: how each start ended, and the best distinct
// converged minima. Aligned to a cache line of its own, so that workers recording their results
// do not slow each other down; merged into one at the end.
template <typename Coordinates>
struct alignas(64) StartTally {
  DistinctMinima<Coordinates> minima;
  std::size_t converged = 0;
  TerminationCounts terminations{};

  StartTally(std::size_t minima_kept, int dimension) : minima(minima_kept, dimension) {}

  // A start whose L-BFGS has run: counted, and kept among the minima where it converged to a
  // finite objective.
  void record(const StartOutcome<Coordinates>& outcome) {
    ++terminations[static_cast<std::size_t>(outcome.result.termination)];
    if (!outcome.result.converged() || !std::isfinite(outcome.objective))
      return;
    ++converged;
    minima.offer(outcome);
  }
  void merge(const StartTally& other) {
    converged += other.converged;
    for (std::size_t kind = 0; kind < terminations.size(); ++kind)
      terminations[kind] += other.terminations[kind];
    for (const StartOutcome<Coordinates>& outcome : other.minima.best_first())
      minima.offer(outcome);
  }
};

}  // namespace moescope::law_fit_detail
