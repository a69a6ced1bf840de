// The exact periodic steady state, all orders in gamma_1 (and gamma_2), no sampling.
//
// The model in state-space form s' = A(t) s + B(t) xi(t) (state_space.hpp) has only the
// harmonics 0 and +-1 of Omega.  The periodic response to a unit input e^{-i w t} in noise
// channel k (k = 0: xi_1, driven Drude bath; k = 1: xi_2, static Ohmic bath) is
//
//   s(t) = h_k(t, w) e^{-i w t},    h_k(t, w) = sum_n h_{k,n}(w) e^{i n Omega t},
//
// and the h_{k,n} solve Hill's block-tridiagonal system (|n| <= N)
//
//   [i (n Omega - w) - A_0] h_n - A_1 h_{n-1} - A_{-1} h_{n+1} = B_n e_k.
//
// Every symmetrised second moment of the Gaussian steady state is then a frequency integral
// over the two-sided spectra S_k(w) = J_k(|w|) coth(|w| / 2 T_k) (spectra.hpp), period-averaged
// as a sum over harmonics; the fluctuations D (paper Eq. 6) follow from Wick's theorem.
// Derivation, conventions, truncation and quadrature control: docs/EXACT.md.
//
// Units: hbar = k_B = 1; w, Omega [frequency]; h_{k,n} [state component / force].
#pragma once

#include <Eigen/Core>
#include <complex>
#include <string>
#include <utility>
#include <vector>

#include "synctur/noise/noise.hpp"  // TaperShape (ExactOptions::noise_taper_shape)
#include "synctur/numerics/results.hpp"
#include "synctur/physics/model.hpp"
#include "synctur/physics/state_space.hpp"

namespace synctur {

struct ExactOptions {
  double rtol = 1e-10;  ///< relative tolerance of the frequency integrals, per component [1]
  /// Absolute floor of the quadrature tolerance, relative to int |integrand| per component [1].
  /// Near a Floquet resonance of width a the integrand is only known to ~eps * scale / a
  /// (~1e-10 relative at gamma_2 = 100): a tighter floor cannot be met there (EXACT.md).
  double atol_rel = 1e-10;
  int max_panels = 20000;  ///< bisection budget of the quadrature (quadrature_converged = 0 beyond)
  double hill_tol = 1e-11;   ///< accept Hill truncation N when the integrand at the probe
                             ///< frequencies changes by less than this (relative) from N to N + 6
  int hill_min = 2;          ///< smallest N tried [harmonics]
  int hill_max = 400;        ///< largest N tried (hill_converged = 0 beyond) [harmonics]
  int hill_check = 6;        ///< N is checked against N + hill_check [harmonics]
  bool fluctuations = true;  ///< also compute D_PA, D_PB, D_P (Wick) and the Q's (costlier)
  /// Also dP_l/dOmega (central difference of two means-only solves at Omega (1 +- omega_step),
  /// f_B(Omega) included, as in theory) and V_Pl = 2 (1 - Omega dP_l/dOmega / P_l)^2 (Eq. 26).
  bool omega_derivative = true;
  double omega_step = 1e-3;  ///< relative step h of that difference [1], 0 < h <= 0.1
  /// Range |p| <= shifts of the frequency shifts w - p Omega in the fluctuation sum (at most
  /// N + 1); -1: the smallest range whose neglected terms are below hill_tol at the probes.
  int shifts = -1;
  /// Optional band limit of the noise, as in the time-domain engine (noise.hpp, NoiseOptions):
  /// every symmetrised spectrum S_k(w) of the integrands (means; the S S' part of the
  /// fluctuations, at w and at w - p Omega) is replaced by S_k(w) W(|w|)^2 with
  /// W = noise_taper(w, noise_band_limit, noise_taper, noise_taper_shape); the commutator part
  /// (J J', D_X_comm) is not tapered.  exact(band) - exact(no band) is the band-limit part of
  /// the time-domain engine's systematic error, D_X_sym included (EXACT.md, section 8).
  /// 0 = no band limit (the continuum result) [frequency], >= 0.
  double noise_band_limit = 0.0;
  double noise_taper = 0.25;  ///< taper width as a fraction of noise_band_limit, (0, 1] [1]
  TaperShape noise_taper_shape = TaperShape::Smooth;  ///< shape of the taper (noise.hpp)
  /// Empty when valid, otherwise (option name, message).
  std::vector<std::pair<std::string, std::string>> validate() const;
};

/// The result keys of exact_point() in output order (all of them, whether or not a steady
/// state exists; fluctuation keys only when `fluctuations`, dP_l_dOmega and V_Pl only when
/// `omega_derivative`).
std::vector<std::string> exact_keys(bool fluctuations, bool omega_derivative = true);

/// All exact results at one parameter point (keys: exact_keys(); docs/EXACT.md):
///   steady_state (1/0), floquet_slowest_rate, P_A P_B P J_1 J_2 S_dot eta
///   cov_xAxA cov_xBxB cov_xAxB pearson_driven pearson_tilde_driven first_law_residual_rel,
///   D_PA D_PA_sym D_PA_comm D_PB ... D_P ... Q_PA Q_PB Q_P (with opt.fluctuations),
///   dP_A_dOmega dP_B_dOmega V_PA V_PB (with opt.omega_derivative: two more means-only solves),
///   hill_N hill_check hill_converged hill_P (with fluctuations) evaluations panels
///   quadrature_converged quadrature_worst_ratio.
/// Without a periodic steady state (check_stability, floquet.hpp) steady_state = 0, every
/// physical key is NaN and *stability_message (if given) receives check_stability's message;
/// with one it receives that message too.  Throws std::invalid_argument for invalid options.
Results exact_point(const ModelParams& p, const ExactOptions& opt = {},
                    std::string* stability_message = nullptr);

}  // namespace synctur
