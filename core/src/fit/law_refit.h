#pragma once

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "fit/law_objective.h"
#include "fit/start_grid.h"
#include "numerics/lbfgs.h"

namespace moescope::law_fit_detail {

// Refits of a law to reweighted points, shared by the bootstrap (LawFitOptions::bootstrap) and
// the validation across budgets (law_validation.h): each is a genuine fit of its own, minimised
// to the refit tolerances from several starts, so that it can leave the full fit's basin.

using Coordinates = std::array<double, kMaxCoordinates>;

// splitmix64: a small, fully specified generator, so that resamples and start draws are the
// same on every platform (std::uniform_int_distribution is not).
std::uint64_t next_random(std::uint64_t& state);

// The random stream of refit number `index` under `seed`.
std::uint64_t refit_stream(std::uint64_t seed, std::size_t index);

// How often each of `points` is drawn in n draws with replacement: a bootstrap resample.
std::vector<double> bootstrap_weights(std::size_t points, std::uint64_t& state);

struct RefitStarts {
  // The full fit's distinct local minima, best first.
  std::vector<Coordinates> minima;
  // Grid points drawn at random (from the refit's stream) besides them.
  const StartGrid* grid = nullptr;
  std::size_t grid_starts = 0;
};

// Minimises from each of `from` in turn (minimize(point) overwrites the point and returns its
// LbfgsResult) and returns the converged one of lowest objective, the first of equals; nullopt
// where none converged. refit() below, and user-defined laws' refits (law/defined_law_fit.h).
template <typename Point, typename Minimize>
std::optional<Point> best_converged(std::vector<Point>& from, Minimize&& minimize) {
  std::optional<Point> best;
  double best_objective = std::numeric_limits<double>::infinity();
  for (Point& point : from) {
    const numerics::LbfgsResult result = minimize(point);
    if (result.converged() && std::isfinite(result.objective) &&
        result.objective < best_objective) {
      best_objective = result.objective;
      best = point;
    }
  }
  return best;
}

// The best converged minimum of `objective` over the starts; nullopt where none converged.
std::optional<Coordinates> refit(const LawObjective& objective, const RefitStarts& starts,
                                 const numerics::LbfgsOptions& options, std::uint64_t& state,
                                 const std::atomic<bool>& stop);

// L-BFGS of the objective's dimension from `coordinates`, which it overwrites.
numerics::LbfgsResult minimize(const LawObjective& objective, double* coordinates,
                               const numerics::LbfgsOptions& options,
                               const std::atomic<bool>& stop);

}  // namespace moescope::law_fit_detail
