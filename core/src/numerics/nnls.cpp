#include "numerics/nnls.h"

#include <Eigen/QR>
#include <cmath>
#include <vector>

namespace moescope::numerics {
namespace {

// The least-squares solution of `design` x = `target` on the columns marked passive, zero on the
// others (Lawson and Hanson's step 6 / 9).
Eigen::VectorXd passive_solution(const Eigen::MatrixXd& design, const Eigen::VectorXd& target,
                                 const std::vector<bool>& passive) {
  std::vector<Eigen::Index> columns;
  for (Eigen::Index j = 0; j < design.cols(); ++j) {
    if (passive[static_cast<std::size_t>(j)])
      columns.push_back(j);
  }
  Eigen::MatrixXd sub(design.rows(), static_cast<Eigen::Index>(columns.size()));
  for (std::size_t k = 0; k < columns.size(); ++k)
    sub.col(static_cast<Eigen::Index>(k)) = design.col(columns[k]);
  const Eigen::VectorXd z = Eigen::ColPivHouseholderQR<Eigen::MatrixXd>(sub).solve(target);
  Eigen::VectorXd full = Eigen::VectorXd::Zero(design.cols());
  for (std::size_t k = 0; k < columns.size(); ++k)
    full[columns[k]] = z[static_cast<Eigen::Index>(k)];
  return full;
}

}  // namespace

NnlsResult solve_nnls(const Eigen::MatrixXd& design, const Eigen::VectorXd& target) {
  const Eigen::Index n = design.cols();
  NnlsResult result;
  result.x = Eigen::VectorXd::Zero(n);
  // Unit columns; a zero column stays out (its scale is left at 1 and it never enters).
  Eigen::VectorXd scale = design.colwise().norm().transpose();
  std::vector<bool> usable(static_cast<std::size_t>(n));
  for (Eigen::Index j = 0; j < n; ++j) {
    usable[static_cast<std::size_t>(j)] = scale[j] > 0 && std::isfinite(scale[j]);
    if (!usable[static_cast<std::size_t>(j)])
      scale[j] = 1;
  }
  Eigen::MatrixXd a = design * scale.cwiseInverse().asDiagonal();
  for (Eigen::Index j = 0; j < n; ++j) {
    if (!usable[static_cast<std::size_t>(j)])
      a.col(j).setZero();
  }
  Eigen::VectorXd b = target;
  double discarded = 0;  // ||b||^2 outside the range of Q, after the reduction
  if (design.rows() > n) {
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    const Eigen::VectorXd qtb = qr.householderQ().adjoint() * target;
    a = qr.matrixQR().topRows(n).triangularView<Eigen::Upper>();
    b = qtb.head(n);
    discarded = qtb.tail(design.rows() - n).squaredNorm();
  }
  const double tolerance = kNnlsTolerance * std::max(target.norm(), 1e-300);

  std::vector<bool> passive(static_cast<std::size_t>(n), false);
  Eigen::VectorXd& x = result.x;
  const int max_iterations = 3 * static_cast<int>(n);
  for (;;) {
    const Eigen::VectorXd w = a.transpose() * (b - a * x);
    // Step 5: the zero-constrained column whose gradient component is largest.
    Eigen::Index entering = -1;
    std::vector<bool> refused(static_cast<std::size_t>(n), false);
    for (;;) {
      entering = -1;
      for (Eigen::Index j = 0; j < n; ++j) {
        const auto jj = static_cast<std::size_t>(j);
        if (!passive[jj] && usable[jj] && !refused[jj] && w[j] > tolerance &&
            (entering < 0 || w[j] > w[entering]))
          entering = j;
      }
      if (entering < 0)
        break;
      // Lawson and Hanson's guard against round-off: a column whose least-squares coefficient
      // would not be positive does not enter (its w is set to 0 for this pass).
      passive[static_cast<std::size_t>(entering)] = true;
      if (passive_solution(a, b, passive)[entering] > 0)
        break;
      passive[static_cast<std::size_t>(entering)] = false;
      refused[static_cast<std::size_t>(entering)] = true;
    }
    if (entering < 0) {
      result.converged = true;
      break;
    }
    if (++result.iterations > max_iterations)
      break;
    // Steps 6-11: solve on the passive set; while that leaves a coefficient not positive, move
    // back towards x until the first one reaches zero and drop every zero.
    for (;;) {
      const Eigen::VectorXd z = passive_solution(a, b, passive);
      double step = 1.0;
      Eigen::Index blocking = -1;
      for (Eigen::Index j = 0; j < n; ++j) {
        if (passive[static_cast<std::size_t>(j)] && z[j] <= 0) {
          const double ratio = x[j] / (x[j] - z[j]);
          if (blocking < 0 || ratio < step) {
            step = ratio;
            blocking = j;
          }
        }
      }
      if (blocking < 0) {
        x = z;
        break;
      }
      x += step * (z - x);
      x[blocking] = 0;
      for (Eigen::Index j = 0; j < n; ++j) {
        if (passive[static_cast<std::size_t>(j)] && x[j] <= 0) {
          passive[static_cast<std::size_t>(j)] = false;
          x[j] = 0;
        }
      }
    }
  }
  result.residual_norm = std::sqrt((b - a * x).squaredNorm() + discarded);
  x = x.cwiseQuotient(scale);
  return result;
}

}  // namespace moescope::numerics
