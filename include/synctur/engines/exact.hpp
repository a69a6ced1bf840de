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
#include <array>
#include <complex>
#include <optional>
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

/// The fluctuations of one power O (P_A, P_B or P) by Wick's theorem (paper Eq. 6).
struct ExactFluctuation {
  double D = 0.0;       ///< D_O = D_O_sym - D_O_comm             [energy^2/time]
  double D_sym = 0.0;   ///< D_O_sym: the symmetrised part         [energy^2/time]
  double D_comm = 0.0;  ///< D_O_comm: the commutator part (0 classical) [energy^2/time]
  double Q = 0.0;       ///< Q_O = S_dot D_O / O^2 (Eq. 7)         [1]
};

/// Eq. 26 by central differences of two means-only solves at Omega (1 +- omega_step): A, B.
/// NaN when either shifted point has no steady state.
struct ExactOmegaDerivative {
  std::array<double, 2> dP_dOmega{};  ///< dP_A_dOmega, dP_B_dOmega   [energy]
  std::array<double, 2> V_P{};        ///< V_PA, V_PB = 2 (1 - Omega dP/dOmega / P)^2 [1]
};

/// How the solve went: Hill truncation, fluctuation shifts, quadrature (docs/EXACT.md).
struct ExactNumerics {
  int hill_N = 0;               ///< Hill truncation N [harmonics]
  double hill_check = 0.0;      ///< relative change of the probes from N to N + hill_check
  bool hill_converged = false;  ///< hill_check <= hill_tol
  std::optional<int> hill_P;    ///< fluctuation shifts |p| <= hill_P (with fluctuations)
  long evaluations = 0;         ///< integrand evaluations of the quadrature [count]
  int panels = 0;               ///< its panels [count]
  bool quadrature_converged = false;
  double quadrature_worst_ratio = 0.0;  ///< worst error / tolerance of a panel
};

/// The periodic steady state's values (in the units of the point: cov_* at its mass).
struct ExactSteadyState {
  double P_A = 0.0, P_B = 0.0, P = 0.0;  ///< powers, P = P_A + P_B  [energy/time]
  double J_1 = 0.0, J_2 = 0.0;           ///< heat currents into the baths [energy/time]
  double S_dot = 0.0;                    ///< -J_1/T_1 - J_2/T_2 (+-inf at T = 0) [1/time]
  double eta = 0.0;                      ///< -P_A/P_B when P_A < 0 < P_B, else NaN [1]
  double first_law_residual_rel = 0.0;   ///< (P + J_1 + J_2) / max|.| [1]
  /// P_A, P_B, P (with ExactOptions::fluctuations).
  std::optional<std::array<ExactFluctuation, 3>> fluctuations;
  std::optional<ExactOmegaDerivative> omega;              ///< with ExactOptions::omega_derivative
  double cov_xAxA = 0.0, cov_xBxB = 0.0, cov_xAxB = 0.0;  ///< [length^2]
  double pearson_driven = 0.0;        ///< C of the driven state (Eq. 11's form) [1]
  double pearson_tilde_driven = 0.0;  ///< C~ = cov_xAxB / cov_xAxA (Eq. 25's form) [1]
  ExactNumerics numerics;
};

/// What exact_point() returns.  Its keys (to_results) are exact_keys(fluctuations,
/// omega_derivative), NaN without a steady state, then "classical" for classical statistics.
struct ExactResult {
  bool fluctuations = true;  ///< the options it was computed with (which keys exist)
  bool omega_derivative = true;
  double floquet_slowest_rate = 0.0;       ///< check_stability's rate (floquet.hpp) [1/time]
  double f_B = 1.0;                        ///< (Omega/w_c)^r [1]
  bool classical = false;                  ///< classical statistics (D = D_sym)
  std::optional<ExactSteadyState> steady;  ///< none: no periodic steady state
};

/// The result keys of exact_point() in output order (all of them, whether or not a steady
/// state exists; fluctuation keys only when `fluctuations`, dP_l_dOmega and V_Pl only when
/// `omega_derivative`).
std::vector<std::string> exact_keys(bool fluctuations, bool omega_derivative = true);

/// The key vocabulary (docs/KEYS.md, docs/EXACT.md) of an exact result, in output order:
///   steady_state (1/0), floquet_slowest_rate, P_A P_B P J_1 J_2 S_dot eta
///   first_law_residual_rel, D_PA D_PA_sym D_PA_comm D_PB ... D_P ... Q_PA Q_PB Q_P (with
///   fluctuations), dP_A_dOmega dP_B_dOmega V_PA V_PB (with omega_derivative), cov_xAxA
///   cov_xBxB cov_xAxB pearson_driven pearson_tilde_driven f_B, hill_N hill_check
///   hill_converged hill_P (with fluctuations) evaluations panels quadrature_converged
///   quadrature_worst_ratio, classical (classical statistics only).
/// Without a steady state every key but steady_state, floquet_slowest_rate, f_B is NaN.
Results to_results(const ExactResult& r);

class ExactCache;

/// The exact steady state at one parameter point (docs/EXACT.md).  The Omega derivative
/// (opt.omega_derivative) costs two more means-only solves.
/// Without a periodic steady state (check_stability, floquet.hpp) `steady` is empty and
/// *stability_message (if given) receives check_stability's message; with one it receives
/// that message too.  Throws std::invalid_argument for invalid options.  With a cache, every
/// solve (the unit-mass one, the shifted ones of the Omega derivative) is looked up there
/// first and stored there.
ExactResult exact_point(const ModelParams& p, const ExactOptions& opt = {},
                        std::string* stability_message = nullptr, ExactCache* cache = nullptr);

/// A memo of exact_point() solves shared by the parts of one computation that need the same
/// exact steady state (at a simulate point: the engine's scheme offsets and band offsets, the
/// references exact_* of the output; validate's exact column).  exact_point is a pure function
/// of (p, opt): a hit returns bit for bit what a new solve would (the key compares every field
/// of both bitwise).  Not thread safe; keep one per point.
class ExactCache {
 public:
  /// exact_point(p, opt, stability_message, this), solved at most once per (p, opt).
  ExactResult get(const ModelParams& p, const ExactOptions& opt = {},
                  std::string* stability_message = nullptr);
  int solves() const { return solves_; }  ///< misses (solves done) [count]
  int hits() const { return hits_; }      ///< lookups answered from the memo [count]

 private:
  struct Entry {
    ModelParams p;
    ExactOptions opt;
    ExactResult result;
    std::string message;
  };
  std::vector<Entry> entries_;
  int solves_ = 0, hits_ = 0;
};

}  // namespace synctur
