#include "fit/start_grid.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "fit/law_objective.h"

namespace moescope::law_fit_detail {
namespace {

// Epoch AI's "replicate exactly" grid (Besiroglu et al. 2024), in Chinchilla coordinates.
std::vector<std::vector<double>> epoch_axes() {
  const std::vector<double> coefficients = {0, 5, 10, 15, 20, 25};
  const std::vector<double> exponents = {0, 0.5, 1, 1.5, 2};
  return {coefficients, coefficients, {-1, -0.5, 0, 0.5, 1}, exponents, exponents};
}

// Abnar et al. Table 2, in the coordinates of `form`.
std::vector<std::vector<double>> table2_axes(LawForm form) {
  const std::vector<double> coefficients = {0, 10, 20};
  const std::vector<double> exponents = {0, 0.25, 0.5, 0.75, 1, 1.25};
  const std::vector<double> sparsity_exponents = {-1, -0.5, 0, 0.5, 1};
  const std::vector<double> floor = {1.5};
  if (form == LawForm::kChinchilla)
    return {coefficients, coefficients, floor, exponents, exponents};
  return {coefficients, coefficients, coefficients, coefficients,       floor,
          exponents,    exponents,    exponents,    sparsity_exponents, sparsity_exponents};
}

}  // namespace

bool grid_fits_form(InitGrid grid, LawForm form) {
  return grid == InitGrid::kAbnarTable2 || form == LawForm::kChinchilla;
}

StartGrid::StartGrid(LawForm form, InitGrid grid,
                     const std::vector<std::pair<std::string, std::vector<double>>>& overrides) {
  if (!grid_fits_form(grid, form))
    throw std::invalid_argument("StartGrid: the grid has no values for this form");
  axes_ = grid == InitGrid::kEpoch ? epoch_axes() : table2_axes(form);
  const std::vector<std::string>& names = coordinate_names(form);
  for (const auto& [name, values] : overrides) {
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end() || values.empty())
      throw std::invalid_argument("StartGrid: bad override for '" + name + "'");
    axes_[static_cast<std::size_t>(found - names.begin())] = values;
  }
  for (const auto& axis : axes_)
    size_ *= axis.size();
}

StartGrid::StartGrid(std::vector<std::vector<double>> axes) : axes_(std::move(axes)) {
  for (const auto& axis : axes_) {
    if (axis.empty())
      throw std::invalid_argument("StartGrid: an axis has no values");
    size_ *= axis.size();
  }
}

void StartGrid::start(std::size_t index, double* coordinates) const {
  for (std::size_t k = axes_.size(); k-- > 0;) {
    const std::vector<double>& axis = axes_[k];
    coordinates[k] = axis[index % axis.size()];
    index /= axis.size();
  }
}

}  // namespace moescope::law_fit_detail
