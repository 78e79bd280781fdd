#pragma once

#include <Eigen/Core>
#include <optional>

namespace moescope::numerics {

// Ordinary least squares for the small dense designs of the IsoFLOP fitters, with a rank check:
// QR with column pivoting (Golub and Van Loan, Matrix Computations, 4th ed., Section 5.4.2).
//
// Columns are first scaled to unit largest magnitude, so that a column's units (ln N is ~20, its
// fourth power ~2e5) do not decide which columns count as independent; then a column-pivoting
// Householder QR solves the problem. Returns nothing when there are fewer rows than columns or
// when the design is rank-deficient: a pivot below kRankTolerance times the largest one.
//
// kRankTolerance sits five decades above what an exactly dependent column leaves (~1e-16, such as
// Sh at a single sparsity level beside the constant) and five below the smallest relative pivot
// of any Eq. 8 design of degrees up to (4, 4, 4) on the default synthetic grid (~2e-6).
inline constexpr double kRankTolerance = 1e-11;

std::optional<Eigen::VectorXd> solve_least_squares(const Eigen::MatrixXd& design,
                                                   const Eigen::VectorXd& target);

}  // namespace moescope::numerics
