// The criterion of active design on an explicit ensemble (active_design.h): greedy choice by the
// expected fall of the components' variances, with the serial ensemble square-root update.
#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "moescope/plan/active_design.h"

namespace moescope {
namespace {

// Scores at or below this (fractions of the components' variances) are round-off of a zero: a
// candidate the conditioning has made uncorrelated with every component.
constexpr double kLeastScore = 1e-12;

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    sum += a[i] * b[i];
  return sum;
}

// One component's ensemble: the anomalies (deviations from the mean) of the component and of its
// block's candidates on the replicates where the component has a value.
struct ComponentState {
  std::size_t block = 0;
  std::vector<double> component;
  std::vector<std::vector<double>> candidates;  // by position in the block's candidate list
  double degrees = 0;                           // replicates - 1; 0: no covariance
  double prior = 0;
};

std::vector<double> anomalies(const std::vector<double>& row,
                              const std::vector<std::size_t>& kept) {
  double mean = 0;
  for (const std::size_t b : kept)
    mean += row[b];
  mean /= static_cast<double>(kept.size());
  std::vector<double> out;
  out.reserve(kept.size());
  for (const std::size_t b : kept)
    out.push_back(row[b] - mean);
  return out;
}

// The replicates of each block (the blocks numbered 0 .. the largest used), checking that every
// row of a block has them and that the sizes agree.
std::vector<std::size_t> block_lengths(const DesignEnsemble& ensemble) {
  auto fail = [](const std::string& message) {
    throw std::invalid_argument("design ensemble: " + message);
  };
  if (ensemble.component_blocks.size() != ensemble.components.size())
    fail("one block per component is needed");
  if (ensemble.candidate_blocks.size() != ensemble.predictions.size() ||
      ensemble.noise_variances.size() != ensemble.predictions.size())
    fail("one block and one noise variance per candidate are needed");
  if (!(std::isfinite(ensemble.covariance_scale) && ensemble.covariance_scale > 0))
    fail("covariance_scale must be finite and > 0");
  std::vector<std::optional<std::size_t>> lengths;
  auto expect = [&](std::size_t block, std::size_t length, const std::string& row) {
    if (block >= lengths.size())
      lengths.resize(block + 1);
    if (!lengths[block])
      lengths[block] = length;
    else if (*lengths[block] != length)
      fail(row + " has " + std::to_string(length) + " replicates, its block " +
           std::to_string(*lengths[block]));
  };
  for (std::size_t j = 0; j < ensemble.components.size(); ++j)
    expect(ensemble.component_blocks[j], ensemble.components[j].size(),
           "component " + std::to_string(j));
  for (std::size_t i = 0; i < ensemble.predictions.size(); ++i) {
    const std::string row = "candidate " + std::to_string(i);
    const std::vector<double>& y = ensemble.predictions[i];
    expect(ensemble.candidate_blocks[i], y.size(), row);
    if (std::any_of(y.begin(), y.end(), [](double value) { return !std::isfinite(value); }))
      fail(row + " has a prediction that is not finite");
    const double noise = ensemble.noise_variances[i];
    if (!(std::isfinite(noise) && noise >= 0))
      fail(row + ": the noise variance must be finite and >= 0");
  }
  std::vector<std::size_t> out;
  for (const std::optional<std::size_t>& length : lengths)
    out.push_back(length.value_or(0));
  return out;
}

}  // namespace

GreedyDesign choose_greedily(const DesignEnsemble& ensemble, int picks,
                             const std::function<bool(std::size_t, std::size_t)>& fills) {
  const std::size_t blocks = block_lengths(ensemble).size();
  std::vector<std::vector<std::size_t>> members(blocks);  // candidates of each block
  std::vector<std::size_t> position(ensemble.predictions.size());
  for (std::size_t i = 0; i < ensemble.predictions.size(); ++i) {
    position[i] = members[ensemble.candidate_blocks[i]].size();
    members[ensemble.candidate_blocks[i]].push_back(i);
  }
  const double scale = ensemble.covariance_scale;
  std::vector<ComponentState> states;
  GreedyDesign design;
  for (std::size_t j = 0; j < ensemble.components.size(); ++j) {
    const std::vector<double>& values = ensemble.components[j];
    std::vector<std::size_t> kept;
    for (std::size_t b = 0; b < values.size(); ++b) {
      if (std::isfinite(values[b]))
        kept.push_back(b);
    }
    ComponentState state;
    state.block = ensemble.component_blocks[j];
    if (kept.size() >= 2) {
      state.degrees = static_cast<double>(kept.size() - 1);
      state.component = anomalies(values, kept);
      for (const std::size_t i : members[state.block])
        state.candidates.push_back(anomalies(ensemble.predictions[i], kept));
      state.prior = scale * dot(state.component, state.component) / state.degrees;
    }
    design.prior_variances.push_back(state.prior);
    states.push_back(std::move(state));
  }

  std::vector<bool> available(ensemble.predictions.size(), true);
  for (int pick = 0; pick < picks; ++pick) {
    std::optional<std::size_t> best;
    double best_score = kLeastScore;
    for (std::size_t i = 0; i < available.size(); ++i) {
      if (!available[i])
        continue;
      double score = 0;
      for (const ComponentState& state : states) {
        if (state.block != ensemble.candidate_blocks[i] || state.prior <= 0)
          continue;
        const std::vector<double>& y = state.candidates[position[i]];
        const double covariance = scale * dot(state.component, y) / state.degrees;
        const double total = scale * dot(y, y) / state.degrees + ensemble.noise_variances[i];
        if (total > 0)
          score += covariance * covariance / total / state.prior;
      }
      if (score > best_score) {
        best_score = score;
        best = i;
      }
    }
    if (!best)
      break;
    const std::size_t chosen = *best;
    const double noise = ensemble.noise_variances[chosen];
    // The serial square-root update: anomalies x -= alpha K h, with K = P h / (p + R) and
    // alpha = 1 / (1 + sqrt(R / (p + R))), leaves the sample covariance at P - P h h' P / (p + R).
    for (ComponentState& state : states) {
      if (state.block != ensemble.candidate_blocks[chosen] || state.degrees == 0)
        continue;
      const std::vector<double> h = state.candidates[position[chosen]];
      const double total = scale * dot(h, h) / state.degrees + noise;
      if (total <= 0)
        continue;
      const double alpha = 1.0 / (1.0 + std::sqrt(noise / total));
      auto update = [&](std::vector<double>& x) {
        const double gain = scale * dot(x, h) / state.degrees / total;
        for (std::size_t b = 0; b < x.size(); ++b)
          x[b] -= alpha * gain * h[b];
      };
      update(state.component);
      for (std::vector<double>& y : state.candidates)
        update(y);
    }
    std::vector<double> variances;
    for (const ComponentState& state : states) {
      variances.push_back(
          state.degrees == 0 ? 0.0 : scale * dot(state.component, state.component) / state.degrees);
    }
    design.chosen.push_back(chosen);
    design.scores.push_back(best_score);
    design.variances.push_back(std::move(variances));
    available[chosen] = false;
    for (std::size_t k = 0; k < available.size(); ++k) {
      if (available[k] && fills && fills(chosen, k))
        available[k] = false;
    }
  }
  return design;
}

}  // namespace moescope
