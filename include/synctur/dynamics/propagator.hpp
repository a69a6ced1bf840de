// Exact one-step maps of the periodic state-space system s' = A(t) s + B(t) xi(t)
// (state_space.hpp) on a grid of n steps per drive period, dt = period / n, t_k = k dt:
//
//   s_{k+1} = Phi_k s_k + G0_k xi_k + G1_k xi_{k+1}.
//
// INPUT RULE.  xi_k = xi(t_k) are POINT SAMPLES of the (band-limited, smooth) noise, and inside
// each step the noise is taken as the linear interpolant of the two end samples,
//   xi(t_k + tau) = xi_k (1 - tau/dt) + xi_{k+1} tau/dt,   0 <= tau <= dt.
// For this piecewise-linear input the maps are exact (to the accuracy reported below):
//   Phi_k = U(t_{k+1}, t_k)                                     (U: propagator of A(t))
//   G0_k  = int_0^dt U(t_{k+1}, t_k + tau) B(t_k + tau) (1 - tau/dt) dtau
//   G1_k  = int_0^dt U(t_{k+1}, t_k + tau) B(t_k + tau) tau/dt dtau
// so the only discretisation error of a trajectory is the interpolation of the noise: O(dt^2)
// for a smooth input (the interpolant of point samples passes the band with power transfer
// sinc^4(w dt / 2) = 1 - (w dt)^2 / 6 + ..., plus spectral images beyond 2 pi/dt - w_b; see
// docs/PROPAGATOR.md).  An input that is affine in t is propagated exactly.
//
// Computation (once per run): each step is split into m equal sub-steps, each propagated with
// the 6th-order Gauss-Legendre Magnus integrator of the 9x9 augmented system
//   d/dt (s, p, q) = [[A(t), B(t), 0], [0, 0, I/dt], [0, 0, 0]] (s, p, q)
// (p = interpolated noise, q = xi_{k+1} - xi_k: Van Loan's construction), whose step
// propagator is [[Phi, G0 + G1, G1], [0, I, I], [0, 0, I]].  m is chosen automatically: starting
// from h max(2 gamma_2, w_c, Omega, w_A, w_B) <= 2 (h = dt/m), m is doubled until the maps at
// probe phases computed with m and 2m agree to PropagatorOptions::tol (block- and row-wise
// relative difference, observed convergence order 6).  The stiff constant part (gamma_2, w_c)
// sits inside the matrix exponential, so the maps are stable for any gamma_2 and dt; the cost
// grows roughly in proportion to the stiffness per period, (2 gamma_2 + w_c) T (measured
// setup times in docs/PROPAGATOR.md).  Only half of the phases are integrated when n is even: the
// other half follows from the half-period symmetry g_l(t + T/2) = -g_l(t).  Setup runs the phases
// in parallel with OpenMP (results do not depend on the thread count).
//
// Units: dt, t [time]; Phi [state/state] (entries mix component units); G0, G1 [state/force].
#pragma once

#include <Eigen/Core>
#include <vector>

#include "synctur/physics/model.hpp"
#include "synctur/physics/state_space.hpp"

namespace synctur {

/// The 5x9 row-major step map [Phi_k | G0_k | G1_k] of one phase: with u = (s_k, xi_k,
/// xi_{k+1}) (9 entries), s_{k+1} = M u.
using StepMatrix = Eigen::Matrix<double, kStateDim, kStateDim + 2 * kNoiseDim, Eigen::RowMajor>;
static_assert(sizeof(StepMatrix) == sizeof(double) * kStateDim * (kStateDim + 2 * kNoiseDim),
              "StepMatrix must be a plain 45-double array (flat row-major storage)");

/// Options of the step-map computation.
struct PropagatorOptions {
  /// Target accuracy of the step maps: largest block- and row-wise relative difference between
  /// the maps computed with m and 2m sub-steps at the probe phases [1].
  double tol = 1e-12;
  /// Fixed number of sub-steps per grid step; 0 = automatic (doubling until tol is met or the
  /// difference stops decreasing below 1e-10, i.e. round-off is reached) [sub-steps].
  int substeps = 0;
  /// Cap of the automatic choice [sub-steps]; when it binds, accuracy_estimate() > tol.
  int max_substeps = 4096;
  /// Number of grid phases probed by the automatic choice (spread over the period) [1].
  int probe_phases = 8;
};

/// The per-phase step maps of one model on one grid.  Immutable after construction; shareable
/// between threads.
class Propagator {
 public:
  /// steps_per_period = n >= 1 [steps]; dt = (2 pi / Omega) / n.  Throws std::invalid_argument
  /// for n < 1 or invalid options, std::runtime_error if a map is not finite.
  Propagator(const ModelParams& p, int steps_per_period, const PropagatorOptions& opt = {});

  const StateSpace& state_space() const { return ss_; }
  const ModelParams& params() const { return ss_.params(); }
  int steps_per_period() const { return n_; }   ///< n [steps]
  double dt() const { return dt_; }             ///< period / n [time]
  double period() const { return period_; }     ///< 2 pi / Omega [time]
  double time(int k) const { return k * dt_; }  ///< t_k = k dt [time]

  /// Step map of phase k in [0, n): s_{k+1} = M_k (s_k, xi_k, xi_{k+1}).  The step from
  /// t_j to t_{j+1} for any integer j uses phase k = j mod n.
  const StepMatrix& step_matrix(int k) const { return maps_[k]; }
  StateMat Phi(int k) const { return maps_[k].leftCols<kStateDim>(); }
  InputMat G0(int k) const { return maps_[k].middleCols<kNoiseDim>(kStateDim); }
  InputMat G1(int k) const { return maps_[k].rightCols<kNoiseDim>(); }
  /// All maps as one flat row-major array: phase k occupies [45 k, 45 k + 45), row i of M_k at
  /// offset 45 k + 9 i, columns (x_A, v_A, x_B, v_B, z, xi1_k, xi2_k, xi1_{k+1}, xi2_{k+1}).
  const double* data() const { return maps_.front().data(); }

  /// Drive g_l, g_l' at grid time t_k (phase k in [0, n)), precomputed.
  const DriveSample& drive(int k) const { return drive_[k]; }

  /// One step from t_k to t_{k+1} (phase k in [0, n)).  xi_k, xi_k1: the noise samples at t_k
  /// and t_{k+1} [force].  The hot-loop form; no bounds check.
  StateVec step(int k, const StateVec& s, const NoiseVec& xi_k, const NoiseVec& xi_k1) const {
    const StepMatrix& M = maps_[k];
    return M.leftCols<kStateDim>() * s + M.middleCols<kNoiseDim>(kStateDim) * xi_k +
           M.rightCols<kNoiseDim>() * xi_k1;
  }
  /// The same for many trajectories at once: column j of S (5 x N), Xk, Xk1 (2 x N) is one
  /// trajectory; S is overwritten by the state at t_{k+1}.
  void step_many(
      int k, Eigen::Ref<Eigen::Matrix<double, kStateDim, Eigen::Dynamic>> S,
      const Eigen::Ref<const Eigen::Matrix<double, kNoiseDim, Eigen::Dynamic>>& Xk,
      const Eigen::Ref<const Eigen::Matrix<double, kNoiseDim, Eigen::Dynamic>>& Xk1) const;

  /// The noise-free propagator over one period from t_0 = 0: Phi_{n-1} ... Phi_0 [state/state].
  StateMat monodromy() const;

  // --- diagnostics of the computation
  int substeps() const { return substeps_; }  ///< sub-steps per grid step used [sub-steps]
  /// Estimated relative error of the maps: the m-vs-2m difference at the probe phases, an
  /// upper estimate for the m used [1] (NaN when substeps were fixed by the options; compare
  /// with tol to detect a binding max_substeps).
  double accuracy_estimate() const { return accuracy_; }
  double setup_seconds() const { return setup_seconds_; }  ///< wall time of the setup [s]

 private:
  struct SubstepChoice {
    int m;            // Magnus sub-steps per grid step
    double accuracy;  // the m/2-vs-m (or m-vs-2m) step-map difference that accepted it
  };
  /// Doubles the sub-steps at probe phases until the step maps meet opt.tol (or the round-off
  /// floor, or opt.max_substeps).
  SubstepChoice choose_substeps(const ModelParams& p, const PropagatorOptions& opt) const;
  StateSpace ss_;
  int n_;
  double dt_, period_;
  int substeps_ = 0;
  double accuracy_ = 0.0, setup_seconds_ = 0.0;
  std::vector<StepMatrix> maps_;
  std::vector<DriveSample> drive_;
};

/// The step map [Phi | G0 | G1] of the interval [t0, t0 + dt] computed with `substeps` Magnus-6
/// sub-steps (exposed for tests and the exact solver).  t0, dt [time]; substeps >= 1.
StepMatrix compute_step_matrix(const StateSpace& ss, double t0, double dt, int substeps);

/// Noise-free propagator U(t0 + T, t0) of A(t) alone with `substeps` Magnus-6 steps of
/// length T / substeps (5x5 exponentials only).  t0, T [time].
StateMat propagate_homogeneous(const StateSpace& ss, double t0, double T, int substeps);

/// Block- and row-wise relative difference between two step maps, the accuracy measure of
/// PropagatorOptions::tol: max over the blocks Phi, G0, G1 and their rows i of
/// max_j |a_ij - b_ij| / max_j |b_ij| (0/0 = 0) [1].
double step_matrix_difference(const StepMatrix& a, const StepMatrix& b);

}  // namespace synctur
