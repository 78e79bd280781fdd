#include "numerics/more_thuente.h"

#include <algorithm>
#include <cmath>

namespace moescope::numerics {
namespace {

// Extrapolation limits for the next trial while no minimum is bracketed (dcsrch's xtrapl, xtrapu).
constexpr double kExtrapolateLow = 1.1;
constexpr double kExtrapolateHigh = 4.0;

// dcstep's gamma (and theta) for the cubic through (a, fa, ga) and (b, fb, gb), from which each
// case takes the cubic's minimiser.
double cubic_gamma(double a, double fa, double ga, double b, double fb, double gb, double& theta) {
  theta = 3.0 * (fa - fb) / (b - a) + ga + gb;
  const double s = std::max({std::abs(theta), std::abs(ga), std::abs(gb)});
  return s * std::sqrt(std::max(0.0, (theta / s) * (theta / s) - (ga / s) * (gb / s)));
}

}  // namespace

MoreThuenteSearch::Status MoreThuenteSearch::start(double f0, double slope0, double first_step,
                                                   const Options& options) {
  options_ = options;
  step_ = first_step;
  if (!(slope0 < 0) || step_ < options_.min_step || step_ > options_.max_step)
    return Status::kError;
  bracketed_ = false;
  stage_ = 1;
  f0_ = f0;
  slope0_ = slope0;
  slope_test_ = options_.ftol * slope0;
  width_ = options_.max_step - options_.min_step;
  previous_width_ = 2.0 * width_;
  best_step_ = other_step_ = 0;
  best_f_ = other_f_ = f0;
  best_slope_ = other_slope_ = slope0;
  low_ = 0;
  high_ = step_ + kExtrapolateHigh * step_;
  return Status::kEvaluate;
}

MoreThuenteSearch::Status MoreThuenteSearch::next(double f, double slope) {
  if (!std::isfinite(f) || !std::isfinite(slope)) {
    // Overflow: no step this long (or longer) is tried again; halve the way back to the best.
    options_.max_step = std::min(options_.max_step, step_);
    high_ = std::min(high_, step_);
    step_ = best_step_ + 0.5 * (step_ - best_step_);
    return step_ != best_step_ ? Status::kEvaluate : Status::kWarning;
  }
  const double f_test = f0_ + step_ * slope_test_;
  if (stage_ == 1 && f <= f_test && slope >= 0)
    stage_ = 2;

  if (f <= f_test && std::abs(slope) <= options_.gtol * -slope0_)
    return Status::kConverged;
  if ((bracketed_ && (step_ <= low_ || step_ >= high_)) ||
      (bracketed_ && high_ - low_ <= options_.xtol * high_) ||
      (step_ == options_.max_step && f <= f_test && slope <= slope_test_) ||
      (step_ == options_.min_step && (f > f_test || slope >= slope_test_)))
    return Status::kWarning;

  // In the first stage, while the sufficient decrease test fails but f has not risen above the
  // best value, interpolate the modified function f(step) - f0 - step * slope_test.
  if (stage_ == 1 && f <= best_f_ && f > f_test) {
    double best_f = best_f_ - best_step_ * slope_test_;
    double other_f = other_f_ - other_step_ * slope_test_;
    double best_slope = best_slope_ - slope_test_;
    double other_slope = other_slope_ - slope_test_;
    take_step(best_step_, best_f, best_slope, other_step_, other_f, other_slope,
              f - step_ * slope_test_, slope - slope_test_);
    best_f_ = best_f + best_step_ * slope_test_;
    other_f_ = other_f + other_step_ * slope_test_;
    best_slope_ = best_slope + slope_test_;
    other_slope_ = other_slope + slope_test_;
  } else {
    take_step(best_step_, best_f_, best_slope_, other_step_, other_f_, other_slope_, f, slope);
  }

  // Bisect when the interval has not shrunk enough over two trials.
  if (bracketed_) {
    if (std::abs(other_step_ - best_step_) >= 0.66 * previous_width_)
      step_ = best_step_ + 0.5 * (other_step_ - best_step_);
    previous_width_ = width_;
    width_ = std::abs(other_step_ - best_step_);
    low_ = std::min(best_step_, other_step_);
    high_ = std::max(best_step_, other_step_);
  } else {
    low_ = step_ + kExtrapolateLow * (step_ - best_step_);
    high_ = step_ + kExtrapolateHigh * (step_ - best_step_);
  }
  step_ = std::min(std::max(step_, options_.min_step), options_.max_step);
  // Where no further progress is possible, fall back to the best step so far.
  if ((bracketed_ && (step_ <= low_ || step_ >= high_)) ||
      (bracketed_ && high_ - low_ <= options_.xtol * high_))
    step_ = best_step_;
  return Status::kEvaluate;
}

void MoreThuenteSearch::take_step(double& best_step, double& best_f, double& best_slope,
                                  double& other_step, double& other_f, double& other_slope,
                                  double f, double slope) {
  const double step = step_;
  const double direction = slope * (best_slope / std::abs(best_slope));
  double theta = 0;
  double next_step = 0;
  if (f > best_f) {
    // Higher function value: the minimum is bracketed. Take the cubic step if it is closer to
    // the best step than the quadratic one, else their average.
    double gamma = cubic_gamma(best_step, best_f, best_slope, step, f, slope, theta);
    if (step < best_step)
      gamma = -gamma;
    const double p = (gamma - best_slope) + theta;
    const double q = ((gamma - best_slope) + gamma) + slope;
    const double cubic = best_step + p / q * (step - best_step);
    const double quadratic =
        best_step + ((best_slope / ((best_f - f) / (step - best_step) + best_slope)) / 2.0) *
                        (step - best_step);
    next_step = std::abs(cubic - best_step) < std::abs(quadratic - best_step)
                    ? cubic
                    : cubic + (quadratic - cubic) / 2.0;
    bracketed_ = true;
  } else if (direction < 0) {
    // Lower value, slopes of opposite sign: bracketed. Take the step farther from the trial.
    double gamma = cubic_gamma(best_step, best_f, best_slope, step, f, slope, theta);
    if (step > best_step)
      gamma = -gamma;
    const double p = (gamma - slope) + theta;
    const double q = ((gamma - slope) + gamma) + best_slope;
    const double cubic = step + p / q * (best_step - step);
    const double secant = step + (slope / (slope - best_slope)) * (best_step - step);
    next_step = std::abs(cubic - step) > std::abs(secant - step) ? cubic : secant;
    bracketed_ = true;
  } else if (std::abs(slope) < std::abs(best_slope)) {
    // Lower value, same-sign slopes, slope magnitude decreasing. The cubic step is used only if
    // it tends to infinity in the step's direction or its minimum lies beyond the trial.
    double gamma = cubic_gamma(best_step, best_f, best_slope, step, f, slope, theta);
    if (step > best_step)
      gamma = -gamma;
    const double p = (gamma - slope) + theta;
    const double q = (gamma + (best_slope - slope)) + gamma;
    const double r = p / q;
    double cubic;
    if (r < 0 && gamma != 0)
      cubic = step + r * (best_step - step);
    else
      cubic = step > best_step ? high_ : low_;
    const double secant = step + (slope / (slope - best_slope)) * (best_step - step);
    if (bracketed_) {
      next_step = std::abs(cubic - step) < std::abs(secant - step) ? cubic : secant;
      next_step = step > best_step ? std::min(step + 0.66 * (other_step - step), next_step)
                                   : std::max(step + 0.66 * (other_step - step), next_step);
    } else {
      next_step = std::abs(cubic - step) > std::abs(secant - step) ? cubic : secant;
      next_step = std::max(low_, std::min(high_, next_step));
    }
  } else {
    // Lower value, same-sign slopes, slope not decreasing: step to the bound or the cubic
    // minimiser between the trial and the other end.
    if (bracketed_) {
      double gamma = cubic_gamma(step, f, slope, other_step, other_f, other_slope, theta);
      if (step > other_step)
        gamma = -gamma;
      const double p = (gamma - slope) + theta;
      const double q = ((gamma - slope) + gamma) + other_slope;
      next_step = step + p / q * (other_step - step);
    } else {
      next_step = step > best_step ? high_ : low_;
    }
  }

  if (f > best_f) {
    other_step = step;
    other_f = f;
    other_slope = slope;
  } else {
    if (direction < 0) {
      other_step = best_step;
      other_f = best_f;
      other_slope = best_slope;
    }
    best_step = step;
    best_f = f;
    best_slope = slope;
  }
  step_ = next_step;
}

}  // namespace moescope::numerics
