// Floquet analysis of the noise-free periodic system s' = A(t) s (state_space.hpp): does a
// periodic steady state exist, and how long does the slowest transient take to die out?
//
// The monodromy matrix U(T, 0) (T = 2 pi / Omega) has eigenvalues mu_j, the Floquet
// multipliers.  Each defines a Floquet exponent lambda_j = ln(mu_j) / T (principal branch, so
// Im lambda in (-Omega/2, Omega/2]: frequencies are defined modulo Omega) whose real part
// Re lambda_j = ln|mu_j| / T is the decay (< 0) or growth (> 0) rate of the mode.  The
// noise-driven system has a periodic steady state iff every rate is negative; the slowest
// rate max_j Re lambda_j sets the relaxation time.  For the static pair (gamma_1 -> 0) the
// exponents are -i w_k for the four roots w_k of D(w) (response.hpp) and -w_c for z.
//
// Units: rates and exponents [frequency] (omega_A units in the shipped inputs); times [time].
#pragma once

#include <array>
#include <complex>
#include <stdexcept>
#include <string>

#include "synctur/dynamics/propagator.hpp"
#include "synctur/physics/model.hpp"
#include "synctur/physics/state_space.hpp"

namespace synctur {

/// The Floquet spectrum of one model.
struct FloquetSpectrum {
  double period = 0.0;  ///< T = 2 pi / Omega [time]
  StateMat monodromy;   ///< U(T, 0) [state/state]
  /// mu_j, sorted by decreasing |mu| (slowest mode first) [1].
  std::array<std::complex<double>, kStateDim> multipliers;
  /// lambda_j = ln(mu_j) / T, same order; real part = rate (-inf for mu = 0) [frequency].
  std::array<std::complex<double>, kStateDim> exponents;
  /// max_j ln|mu_j| / T: the slowest decay rate (< 0: stable) [frequency].
  double slowest_rate = 0.0;
};

/// Spectrum of a given monodromy matrix over a period T [time].
FloquetSpectrum floquet_spectrum(const StateMat& monodromy, double period);
/// Spectrum from a propagator's step maps (product of its Phi_k).
FloquetSpectrum floquet_spectrum(const Propagator& prop);
/// Spectrum of a model from monodromy_matrix(p, tol).
FloquetSpectrum floquet_spectrum(const ModelParams& p, double tol = 1e-12);

/// The monodromy matrix U(T, 0) of a model computed directly (no step maps, 5x5 exponentials
/// only): Magnus-6 over the half period with N equal steps, U(T, 0) = S U(T/2, 0) S U(T/2, 0)
/// (half-period symmetry, S = diag(1,1,1,1,-1)), N doubled from h max(2 gamma_2, w_c, Omega,
/// w_A, w_B) <= 2 until the row-wise relative change of U(T, 0) is below tol [1] (or stops
/// decreasing below 1e-10: round-off).  *accuracy receives that last change [1], *steps the
/// final N [steps] (either may be null).
StateMat monodromy_matrix(const ModelParams& p, double tol = 1e-12, double* accuracy = nullptr,
                          int* steps = nullptr);

/// Thrown by solvers that need a periodic steady state when check_stability says there is
/// none; what() is the StabilityReport message (names the rate).
class NoSteadyStateError : public std::runtime_error {
 public:
  NoSteadyStateError(const std::string& message, double slowest_rate)
      : std::runtime_error(message), rate_(slowest_rate) {}
  double slowest_rate() const { return rate_; }  ///< [frequency]

 private:
  double rate_;
};

/// Outcome of the steady-state check.
struct StabilityReport {
  bool stable = false;        ///< true iff slowest_rate < -marginal_rate
  double slowest_rate = 0.0;  ///< [frequency]
  std::string message;        ///< human-readable verdict, names the rate (see check_stability)
};

/// Verdict on the existence of a periodic steady state.  stable iff slowest_rate <
/// -marginal_rate [frequency] (>= 0; rates within it of zero cannot be told from a marginal
/// mode at the precision of the monodromy, ~1e-15 / T).  Messages, e.g.:
///   "no periodic steady state: Floquet mode grows at rate +3.1e-04 (omega units; e-folding
///    time 3.2e+03), multiplier |mu| = 1.0008 per drive period T = 2.51"
///   "periodic steady state: slowest Floquet mode decays at rate -1.2e-04 (omega units;
///    relaxation time 8.3e+03, suggested warm-up 1.5e+05)"
StabilityReport check_stability(const FloquetSpectrum& fs, double marginal_rate = 1e-12);

/// Warm-up time for the slowest mode to decay by the factor `decay` (0 < decay < 1):
///   t_w = ln(1/decay) / |slowest_rate|, rounded up to a whole number of periods [time];
/// default decay 1e-8 (t_w = 18.4 relaxation times).  +infinity when slowest_rate >= 0.
/// The initial transient of the noise-free dynamics is a combination of Floquet modes, so
/// after t_w every initial-condition memory is below decay times its initial size (up to the
/// non-normality of the mode basis).
double suggested_warmup(const FloquetSpectrum& fs, double decay = 1e-8);

}  // namespace synctur
