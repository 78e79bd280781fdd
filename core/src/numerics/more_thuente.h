#pragma once

namespace moescope::numerics {

// The Moré-Thuente line search (J. J. Moré and D. J. Thuente, "Line search algorithms with
// guaranteed sufficient decrease", ACM TOMS 20(3), 286-307 (1994); MINPACK-2's dcsrch and dcstep,
// as scipy's L-BFGS-B uses them):
// finds a step satisfying the strong Wolfe conditions
//   f(step) <= f(0) + ftol * step * f'(0)  and  |f'(step)| <= gtol * |f'(0)|
// by safeguarded cubic and quadratic interpolation. Reverse communication: the caller evaluates
// the function wherever step() says until next() stops asking.
class MoreThuenteSearch {
 public:
  struct Options {
    double ftol = 1e-3;  // sufficient decrease (scipy's values)
    double gtol = 0.9;   // curvature
    double xtol = 0.1;   // relative width of the bracketing interval at which the search ends
    double min_step = 0;
    double max_step = 1e10;
  };

  enum class Status {
    kEvaluate,   // evaluate f and f' at step() and call next()
    kConverged,  // step() satisfies both conditions
    kWarning,    // rounding errors or the step bounds stopped the search; step() decreases f
    kError,      // the search cannot start (f'(0) >= 0 or a step out of bounds)
  };

  // f0 and slope0 = f'(0) < 0 at step 0; `first_step` is the first step to try.
  Status start(double f0, double slope0, double first_step, const Options& options);
  // f and f' at step(). A non-finite value shrinks the step towards the last good one (the
  // interpolation cannot use it) and lowers the largest step the search may try.
  Status next(double f, double slope);
  double step() const { return step_; }

 private:
  // dcstep: updates the interval of uncertainty [best_, other_] with the trial at step_ and
  // picks the next trial step.
  void take_step(double& best_step, double& best_f, double& best_slope, double& other_step,
                 double& other_f, double& other_slope, double f, double slope);

  Options options_;
  double step_ = 0;
  bool bracketed_ = false;
  int stage_ = 1;
  double f0_ = 0, slope0_ = 0, slope_test_ = 0;
  double width_ = 0, previous_width_ = 0;
  double best_step_ = 0, best_f_ = 0, best_slope_ = 0;     // stx, fx, gx
  double other_step_ = 0, other_f_ = 0, other_slope_ = 0;  // sty, fy, gy
  double low_ = 0, high_ = 0;                              // stmin, stmax
};

}  // namespace moescope::numerics
