#include "moescope/numerics/akima_interpolation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace moescope::numerics {

AkimaInterpolant::AkimaInterpolant(std::vector<double> x, std::vector<double> y)
    : x_(std::move(x)), y_(std::move(y)) {
  const std::size_t count = x_.size();
  if (count != y_.size())
    throw std::invalid_argument("AkimaInterpolant: x and y differ in length");
  if (count < 3)
    throw std::invalid_argument("AkimaInterpolant: needs at least three points");
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(x_[i]) || !std::isfinite(y_[i]))
      throw std::invalid_argument("AkimaInterpolant: x and y must be finite");
    if (i > 0 && !(x_[i] > x_[i - 1]))
      throw std::invalid_argument("AkimaInterpolant: x must increase strictly");
  }

  // secant[k + 2] is s_k, the slope from point k to k + 1, for k = -2 .. count; the two on each
  // side beyond the data are Akima's extrapolated ones.
  std::vector<double> secant(count + 3);
  for (std::size_t k = 0; k + 1 < count; ++k)
    secant[k + 2] = (y_[k + 1] - y_[k]) / (x_[k + 1] - x_[k]);
  secant[1] = 2.0 * secant[2] - secant[3];
  secant[0] = 2.0 * secant[1] - secant[2];
  secant[count + 1] = 2.0 * secant[count] - secant[count - 1];
  secant[count + 2] = 2.0 * secant[count + 1] - secant[count];

  // Weights of point i: right = |s_{i+1} - s_i| multiplies s_{i-1}, left = |s_{i-1} - s_{i-2}|
  // multiplies s_i.
  std::vector<double> right(count), left(count);
  double largest = 0;
  for (std::size_t i = 0; i < count; ++i) {
    right[i] = std::abs(secant[i + 3] - secant[i + 2]);
    left[i] = std::abs(secant[i + 1] - secant[i]);
    largest = std::max(largest, right[i] + left[i]);
  }
  slopes_.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const double sum = right[i] + left[i];
    slopes_[i] = sum > 1e-9 * largest ? (right[i] * secant[i + 1] + left[i] * secant[i + 2]) / sum
                                      : 0.5 * (secant[i + 1] + secant[i + 2]);
  }
}

// The cubic Hermite piece on [x_i, x_{i+1}] with the end values and slopes.
double AkimaInterpolant::piece(std::size_t i, double at) const {
  const double h = x_[i + 1] - x_[i];
  const double u = (at - x_[i]) / h;
  const double secant = (y_[i + 1] - y_[i]) / h;
  // y_i + t_i (x - x_i) + c2 (x - x_i)^2 + c3 (x - x_i)^3, Akima's Eq. 4 to 6.
  const double c2 = (3.0 * secant - 2.0 * slopes_[i] - slopes_[i + 1]) / h;
  const double c3 = (slopes_[i] + slopes_[i + 1] - 2.0 * secant) / (h * h);
  const double d = u * h;
  return y_[i] + d * (slopes_[i] + d * (c2 + d * c3));
}

double AkimaInterpolant::operator()(double at) const {
  if (!(at >= x_.front() && at <= x_.back()))
    throw std::out_of_range("AkimaInterpolant: outside the data's range");
  // The piece whose left end is the last x not above `at` (the last piece for at == x.back()).
  const auto upper = std::upper_bound(x_.begin(), x_.end(), at);
  const auto i = static_cast<std::size_t>(std::max<std::ptrdiff_t>(upper - x_.begin() - 1, 0));
  return piece(std::min(i, x_.size() - 2), at);
}

std::vector<double> AkimaInterpolant::at_sorted(const std::vector<double>& sorted) const {
  std::vector<double> values;
  values.reserve(sorted.size());
  std::size_t i = 0;
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    const double at = sorted[k];
    if (!(at >= x_.front() && at <= x_.back()))
      throw std::out_of_range("AkimaInterpolant: outside the data's range");
    if (k > 0 && at < sorted[k - 1])
      throw std::invalid_argument("AkimaInterpolant::at_sorted: values must not decrease");
    while (i + 2 < x_.size() && at >= x_[i + 1])
      ++i;
    values.push_back(piece(i, at));
  }
  return values;
}

}  // namespace moescope::numerics
