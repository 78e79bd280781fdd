#pragma once

#include <Eigen/Core>

namespace moescope::numerics {

// Non-negative least squares, min ||A x - b||_2 subject to x >= 0: the active-set algorithm of
// C. L. Lawson and R. J. Hanson, Solving Least Squares Problems (Prentice-Hall, 1974; SIAM
// reprint 1995), chapter 23, Algorithm NNLS (23.10).
//
// The columns are first scaled to unit norm (a positive scaling leaves the constraint x >= 0 as
// it is), so that columns of very different magnitudes (N^-alpha is ~1e-11 beside a constant
// column) are treated alike; where A has more rows than columns it is then reduced once by a
// Householder QR to the square problem min ||R x - Q'b||, on which every passive-set least
// squares of the algorithm is solved (by column-pivoting QR, so that a dependent column in the
// passive set does no harm). A column enters the passive set only where its gradient component
// exceeds kNnlsTolerance times ||b||: columns that are exact copies of passive ones (N^0 beside the
// constant) never enter.
inline constexpr double kNnlsTolerance = 1e-13;

struct NnlsResult {
  Eigen::VectorXd x;         // the solution, x >= 0 (exact zeros where a constraint binds)
  double residual_norm = 0;  // ||A x - b||_2
  int iterations = 0;        // columns moved into the passive set
  bool converged = false;    // false: the iteration limit (3 * columns) was reached
};

// A may have any shape; a column of zeros gets x = 0.
NnlsResult solve_nnls(const Eigen::MatrixXd& design, const Eigen::VectorXd& target);

}  // namespace moescope::numerics
