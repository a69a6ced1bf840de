// Hill's method for the harmonic transfer functions of the periodically driven model: the
// internal solver of exact_point() (src/engines/exact.cpp; derivation in docs/EXACT.md).
#pragma once

#include <Eigen/Core>
#include <complex>
#include <vector>

#include "synctur/physics/model.hpp"
#include "synctur/physics/state_space.hpp"

namespace synctur {

using StateVecC = Eigen::Matrix<std::complex<double>, kStateDim, 1>;

/// The harmonic transfer functions at one frequency w: h_{k,n}(w) for |n| <= N.
struct HarmonicResponse {
  int N = 0;
  double w = 0.0;              ///< [frequency]
  std::vector<StateVecC> H1;   ///< channel xi_1; harmonic n at index n + N
  std::vector<StateVecC> dH2;  ///< channel xi_2 minus its static part (drive induced)
  StateVecC h0;                ///< static channel-2 response (gamma_1 -> 0 part, harmonic 0)
  /// Full channel-2 response h_{2,n} = h0 delta_{n0} + dH2[n + N].
  StateVecC H2(int n) const {
    StateVecC v = dH2[n + N];
    if (n == 0) v += h0;
    return v;
  }
};

/// Hill's method for the model's StateSpace (one instance per parameter point; thread safe
/// for concurrent solve() calls with distinct outputs).
class HillSolver {
 public:
  explicit HillSolver(const ModelParams& p);
  /// Solve the truncated Hill system (|n| <= N) at frequency w [frequency] for both channels.
  /// Block Thomas elimination with 5x5 partially pivoted LU blocks.  Channel 2 is solved for
  /// its drive-induced part dH2 (right-hand side A_{+-1} h0 in the blocks n = +-1), so that its
  /// static part h0 = [-i w - A_0]^{-1} B_0 e_2 is kept exactly (needed for J_2, see EXACT.md).
  ///
  /// The model's harmonics have a structure that solve() exploits when it is present (checked
  /// at construction, `structured()`): A_0 does not couple (x, v) to z, A_{+-1} couple only
  /// (x, v) <-> z, and the noise enters (x, v) only, xi_1 through B_{+-1} and xi_2 through B_0.
  /// Then (x, v)_n is eliminated with the 4x4 static resolvent, z lives on the harmonics of one
  /// parity per channel (half-period symmetry) and obeys a scalar tridiagonal system (solved by
  /// Gaussian elimination with partial pivoting).  Same truncation, same solution as
  /// solve_generic() up to round-off.
  void solve(double w, int N, HarmonicResponse& out) const;
  /// The responses at the shifted frequencies w - p Omega, |p| <= P, out[p + P] (what the
  /// fluctuation sum needs): the structured solver shares the static resolvents between shifts.
  void solve_shifts(double w, int N, int P, std::vector<HarmonicResponse>& out) const;
  /// The same as solve() by plain block-tridiagonal elimination (any A_n, B_n).
  void solve_generic(double w, int N, HarmonicResponse& out) const;
  bool structured() const { return structured_; }
  const StateSpace& state_space() const { return ss_; }

 private:
  StateSpace ss_;
  bool structured_ = false;
  Eigen::Matrix<std::complex<double>, 4, 4> A0uu_;  // A_0 restricted to u = (x_A, v_A, x_B, v_B)
  Eigen::Matrix<std::complex<double>, 4, 1> a_;     // A_1(u, z)
  Eigen::Matrix<std::complex<double>, 1, 4> b_;     // A_1(z, u)
  Eigen::Matrix<std::complex<double>, 4, 1> f1_;    // B_1(u, xi_1)
  Eigen::Matrix<std::complex<double>, 4, 1> f20_;   // B_0(u, xi_2)
  std::complex<double> azz_;                        // A_0(z, z)
};

}  // namespace synctur
