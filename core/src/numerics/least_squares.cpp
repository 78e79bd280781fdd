#include "numerics/least_squares.h"

#include <Eigen/QR>

namespace moescope::numerics {

std::optional<Eigen::VectorXd> solve_least_squares(const Eigen::MatrixXd& design,
                                                   const Eigen::VectorXd& target) {
  if (design.rows() < design.cols())
    return std::nullopt;
  const Eigen::VectorXd column_scale = design.cwiseAbs().colwise().maxCoeff().transpose();
  if ((column_scale.array() == 0.0).any())
    return std::nullopt;
  const Eigen::MatrixXd scaled = design * column_scale.cwiseInverse().asDiagonal();
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(scaled);
  qr.setThreshold(kRankTolerance);
  if (qr.rank() < design.cols())
    return std::nullopt;
  Eigen::VectorXd solution = qr.solve(target);
  return solution.cwiseQuotient(column_scale);
}

}  // namespace moescope::numerics
