// The commutator (quantum) part of the power fluctuations, all orders in gamma_1 and gamma_2,
// in the time domain, from the engine's own noise-free step maps (propagator.hpp).
//
// The local powers P_l(t) = a_l(t) x_l(t) F_1(t), a_l = -g_l'(t) (l = A, B; paper B2), and
// P = P_A + P_B.  Every operator is linear in the Gaussian bath noises, so by Wick's theorem the
// quantum (anticommutator) fluctuation of Eq. (6) splits as
//
//   D_O = D_O,sym - D_O,comm,
//
// D_sym = the products of symmetrised correlations (what classical sampling of the symmetrised
// noise measures: simulation.hpp), and, with K_AB(t, t') = <[A(t), B(t')]> / 2i (a c-number),
//
//   D_comm = lim (1/t) int_0^t int_0^t ds du  sum_{l,l'} a_l(s) a_l'(u)
//            [ K_{x_l x_l'}(s, u) K_{F1 F1}(s, u) + K_{x_l F1}(s, u) K_{F1 x_l'}(s, u) ]
//
// (l = l' only for P_l; all four (l, l') for P).  D_comm does not depend on the temperatures.
//
// How the commutators are obtained (derivation with every sign: docs/FLUCTUATIONS.md).  With
// s~ = (x_A, v_A, x_B, v_B, -F_1/m) (the engine's state with z replaced by z - xi_1/m), the
// double integrals  int int U(t,t1) B(t1) L_a(t1 - t2) B(t2)^T U(t',t2)^T  over the noise
// commutator kernels L_a (Drude: exponential; Ohmic: m gamma_2 delta') collapse exactly to
//
//   K_{s~ s~}(t, t') = U(t, t') Kplus(t'),   t > t',
//
// U = the noise-free propagator of s' = A(t) s (the product of the engine's Phi_k), and
// Kplus(t') = K_{s~ s~}(t'^+, t') the equal-time commutators, known in closed form from the
// canonical commutation relations of the Caldeira-Leggett Hamiltonian (equal_time_commutator;
// tests/test_commutator.cpp re-derives them from the impulse responses and L_a).  The lag
// integral to infinity is summed exactly with the period structure U(t + pT, t') =
// U(t, t') M^p: sum_p M^p Q M^pT solves a 5x5 Stein equation, so no lag cut-off is needed and
// the cost does not grow with the relaxation time.
//
// Units: hbar = k_B = 1; D [energy^2 / time]; K [that of the product of the two operators].
#pragma once

#include <Eigen/Core>
#include <string>
#include <utility>
#include <vector>

#include "synctur/dynamics/propagator.hpp"
#include "synctur/physics/model.hpp"
#include "synctur/physics/state_space.hpp"

namespace synctur {

/// Options of commutator_fluctuations().
struct CommutatorOptions {
  /// 0 (default): the lag sum runs to infinity exactly (Stein equation per source phase).
  /// P > 0: truncate it after P drive periods (direct sum; for validation of the exact tail).
  int lag_periods = 0;
  /// Number of Gregory end-correction terms (forward differences) of the lag quadrature at
  /// tau = 0 and at the end of the refined window, 0..6 (0 = plain trapezoid, O(dt^2)).
  int gregory_order = 5;
  /// Refinement of the first lags: when rho dt > fast_resolution, rho = max(2 gamma_2, w_c)
  /// (the stiff rates: velocity relaxation, Drude memory), the first lags are integrated on a
  /// finer grid h = dt / r (r a power of two) with rho h <= fast_resolution [1] ...
  double fast_resolution = 0.1;
  /// ... over a window tau_c = L dt with rho tau_c >= fast_decay (e^-40 ~ 4e-18) [1].
  double fast_decay = 40.0;
  /// Also evaluate on the grid of every other phase and lag (n/2; n even) and report the
  /// difference as the discretisation error estimate (cost ~ +15%).
  bool error_estimate = true;
  /// Empty when valid, otherwise (option name, message).
  std::vector<std::pair<std::string, std::string>> validate() const;
};

/// D_comm of P_A, P_B and P at one model point (that of the Propagator), with diagnostics.
struct CommutatorResult {
  double D_PA_comm = 0.0;  ///< [energy^2/time]
  double D_PB_comm = 0.0;
  double D_P_comm = 0.0;      ///< = D_PA_comm + D_PB_comm + D_cross_comm
  double D_cross_comm = 0.0;  ///< the A-B cross terms of D_P_comm

  // --- error estimates (absolute, same units; NaN when not computed)
  /// Total error estimate = |D(n) - D(n/2)| + |D| map_error_rel.  The first term compares with
  /// the same maps on every other phase and lag: a conservative bound of the discretisation
  /// error of D(n) (whose own error is ~ that / 2^7 in the asymptotic regime); NaN for odd n or
  /// error_estimate = false.
  double D_PA_err = 0.0, D_PB_err = 0.0, D_P_err = 0.0;
  /// Bound of the relative error propagated from the step maps and the Stein solves:
  /// (n accuracy_estimate + stein_residual) / (1 - |mu_1|), mu_1 the slowest Floquet
  /// multiplier (the lag sum amplifies an error of M by up to 1/(1 - |mu_1|)).  Usually far
  /// from attained (docs/FLUCTUATIONS.md); the map part is omitted when the propagator's
  /// accuracy is unknown (fixed substeps).
  double map_error_rel = 0.0;
  /// Largest relative residual ||Y - M Y M^T - Q|| / ||Q|| of the Stein solves [1].
  double stein_residual = 0.0;
  /// Largest relative difference between the product of the refined sub-step maps over a grid
  /// step and the propagator's own Phi_k (0 when no refinement) [1].
  double refine_consistency = 0.0;
  /// The propagator's map accuracy (Propagator::accuracy_estimate) [1].
  double map_accuracy = 0.0;

  // --- what was done
  int steps_per_period = 0;       ///< n of the propagator [steps]
  int refine_factor = 1;          ///< r: sub-steps per grid step in the refined window
  int refine_steps = 0;           ///< L: grid steps covered by the refined window (0 = none)
  int lag_periods = 0;            ///< 0 = infinite (exact tail), else the truncation [periods]
  double slowest_rate = 0.0;      ///< slowest Floquet rate of the maps [frequency]
  double seconds = 0.0;           ///< wall time [s]
  long long matrix_products = 0;  ///< 5x5 matrix products in the lag chains [count]
  long long fine_maps = 0;        ///< refined sub-step maps computed (Magnus + expm) [count]
};

/// D_comm for P_A, P_B, P at the model point and on the grid of `prop`.  Throws
/// std::invalid_argument for invalid options, NoSteadyStateError (floquet.hpp) when a Floquet
/// mode of the maps does not decay (no periodic steady state: the lag sum diverges).
/// Pure function (no I/O).  OpenMP over the source phases and the refined maps (the default
/// team; the result does not depend on the thread count: contributions are summed in order).
CommutatorResult commutator_fluctuations(const Propagator& prop, const CommutatorOptions& opt = {});

/// Convenience: builds Propagator(p, steps_per_period) first.
CommutatorResult commutator_fluctuations(const ModelParams& p, int steps_per_period,
                                         const CommutatorOptions& opt = {});

/// Kplus(t) = K_{s~ s~}(t^+, t), s~ = (x_A, v_A, x_B, v_B, zeta), zeta = -F_1/m = z - xi_1/m:
///   K_{x_l v_l} = -K_{v_l x_l} = 1/(2m),
///   K_{v_l zeta} = -K_{zeta v_l} = -gamma_1 w_c g_l(t) / (2m),
///   K_{zeta zeta} = -gamma_1 w_c^2 / (2m)   (right limit: L_a^Drude(0^+) / m^2),
/// all other entries 0 [products of the component units / hbar].
StateMat equal_time_commutator(const ModelParams& p, double t);

/// The rows C of the observables o = (x_A, x_B, F_1) = C s~ (3 x 5).
Eigen::Matrix<double, 3, kStateDim> commutator_observables(const ModelParams& p);

/// The commutator functions K_oo(t_k + j dt, t_k), j = 0..lags, o = (x_A, x_B, F_1), on the
/// propagator's grid (phase k in [0, n)); entry (a, b) = <[o_a(t), o_b(t')]> / 2i.  For
/// diagnostics and tests.
std::vector<Eigen::Matrix3d> commutator_functions(const Propagator& prop, int k, int lags);

}  // namespace synctur
