#include "moescope/model/architecture.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace moescope {
namespace {

// The most experts a token is routed to that experts_for_sparsity() considers (the paper's K <= 8).
constexpr int kMaxActiveExperts = 8;
// Depth grows with width at about GPT-3's aspect ratio (d_model / n_layers ~ 100).
constexpr int kWidthPerLayer = 96;

}  // namespace

std::vector<FieldProblem> validate(const Architecture& arch) {
  std::vector<FieldProblem> problems;
  auto require_positive = [&](const char* name, int value) {
    if (value <= 0)
      problems.push_back({name, std::string(name) + "=" + std::to_string(value) + " must be > 0"});
  };
  require_positive("d_model", arch.d_model);
  require_positive("layers", arch.n_layers);
  require_positive("heads", arch.n_heads);
  require_positive("vocab", arch.vocab);
  require_positive("context", arch.context);
  require_positive("experts", arch.experts);
  require_positive("active", arch.active);
  require_positive("granularity", arch.granularity);
  if (arch.active > arch.experts && arch.experts > 0) {
    problems.push_back({"active", "K=" + std::to_string(arch.active) + " active experts exceed E=" +
                                      std::to_string(arch.experts) + " experts"});
  }
  if (arch.d_model > 0 && arch.n_heads > 0 && arch.d_model % arch.n_heads != 0) {
    problems.push_back({"heads", "d_model=" + std::to_string(arch.d_model) +
                                     " is not divisible by heads=" + std::to_string(arch.n_heads)});
  }
  if (arch.d_model > 0 && arch.granularity > 0 && (4 * arch.d_model) % arch.granularity != 0) {
    problems.push_back(
        {"granularity", "granularity G=" + std::to_string(arch.granularity) +
                            " does not divide 4*d_model=" + std::to_string(4 * arch.d_model)});
  }
  return problems;
}

int expert_hidden_width(const Architecture& arch) {
  return 4 * arch.d_model / arch.granularity;
}

double sparsity(const Architecture& arch) {
  return static_cast<double>(arch.experts - arch.active) / arch.experts;
}

ExpertChoice experts_for_sparsity(double sparsity) {
  for (int active = 1; active <= kMaxActiveExperts; ++active) {
    const double experts = active / (1.0 - sparsity);
    const double rounded = std::round(experts);
    if (std::abs(experts - rounded) < 1e-6 && rounded >= active) {
      return {static_cast<int>(rounded), active};
    }
  }
  return {};
}

Architecture family_shape(int d_model, const ExpertChoice& experts) {
  Architecture arch;
  arch.d_model = d_model;
  arch.n_layers = std::max(2, static_cast<int>(std::lround(double(d_model) / kWidthPerLayer)));
  arch.n_heads = d_model / kFamilyHeadDim;
  arch.experts = experts.experts;
  arch.active = experts.active;
  return arch;
}

}  // namespace moescope
