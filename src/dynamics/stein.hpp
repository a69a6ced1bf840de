// Internal: the 5x5 Stein (discrete Lyapunov) equation Y = Q + M Y M^T, solved by one LU
// factorisation of I - M (x) M (25 x 25), reused for any number of right-hand sides.  Used for
// the exact infinite lag sums of the commutator part (commutator.cpp) and for the free tail
// of the scheme's deterministic expectation (scheme_expectation.cpp).
#pragma once

#include <Eigen/Core>
#include <Eigen/LU>

#include "synctur/physics/state_space.hpp"

namespace synctur::detail {

/// Y = sum_{p >= 0} M^p Q M^pT (spectral radius of M < 1): (I - M (x) M) vec Y = vec Q.
struct SteinSolver {
  using Kron = Eigen::Matrix<double, kStateDim * kStateDim, kStateDim * kStateDim>;
  using KronVec = Eigen::Matrix<double, kStateDim * kStateDim, 1>;
  Eigen::PartialPivLU<Kron> lu;
  explicit SteinSolver(const StateMat& M) {
    Kron K;
    for (int j = 0; j < kStateDim; ++j)
      for (int i = 0; i < kStateDim; ++i)
        for (int b = 0; b < kStateDim; ++b)
          for (int a = 0; a < kStateDim; ++a)
            K(i + kStateDim * j, a + kStateDim * b) = -M(i, a) * M(j, b);
    K.diagonal().array() += 1.0;
    lu.compute(K);
  }
  StateMat solve(const StateMat& Q) const {
    const KronVec q = Eigen::Map<const KronVec>(Q.data());
    const KronVec y = lu.solve(q);
    StateMat Y = Eigen::Map<const StateMat>(y.data());
    return 0.5 * (Y + Y.transpose());  // Q is symmetric, so is Y (remove round-off asymmetry)
  }
};

}  // namespace synctur::detail
