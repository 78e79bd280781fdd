#include "fit/law_refit.h"

#include <cmath>
#include <limits>

namespace moescope::law_fit_detail {

std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t refit_stream(std::uint64_t seed, std::size_t index) {
  return seed ^ (0xd1b54a32d192ed03ULL * (index + 1));
}

std::vector<double> bootstrap_weights(std::size_t points, std::uint64_t& state) {
  std::vector<double> weights(points, 0.0);
  for (std::size_t draw = 0; draw < points; ++draw)
    weights[next_random(state) % points] += 1.0;
  return weights;
}

numerics::LbfgsResult minimize(const LawObjective& objective, double* coordinates,
                               const numerics::LbfgsOptions& options,
                               const std::atomic<bool>& stop) {
  return objective.coordinates() == 5
             ? numerics::minimize_lbfgs<5>(objective, coordinates, options, stop)
             : numerics::minimize_lbfgs<10>(objective, coordinates, options, stop);
}

std::optional<Coordinates> refit(const LawObjective& objective, const RefitStarts& starts,
                                 const numerics::LbfgsOptions& options, std::uint64_t& state,
                                 const std::atomic<bool>& stop) {
  std::vector<Coordinates> from = starts.minima;
  for (std::size_t k = 0; k < starts.grid_starts && starts.grid != nullptr; ++k) {
    Coordinates start{};
    starts.grid->start(next_random(state) % starts.grid->size(), start.data());
    from.push_back(start);
  }
  return best_converged(from, [&](Coordinates& coordinates) {
    return minimize(objective, coordinates.data(), options, stop);
  });
}

}  // namespace moescope::law_fit_detail
