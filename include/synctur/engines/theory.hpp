// Lowest order in gamma_1 (all orders in gamma_2): the paper's frequency-domain formulas.
// Every formula and its convention is listed in docs/THEORY.md.
#pragma once

#include <string>

#include "synctur/dynamics/floquet.hpp"
#include "synctur/numerics/results.hpp"
#include "synctur/physics/model.hpp"

namespace synctur {

struct TheoryOptions {
  double rtol = 1e-10;           ///< relative tolerance of every frequency integral [1]
  bool omega_threshold = false;  ///< also compute Omega_th of Fig. 10 (costly: root finding)
  double omega_th_min = 1e-2;    ///< search range of Omega_th                   [frequency]
  double omega_th_max = 1e3;     ///< [frequency]
  /// Empty when valid, otherwise (toml key under [theory], message).
  std::vector<std::pair<std::string, std::string>> validate() const;
};

/// All lowest-order results at one parameter point, keys as in docs/KEYS.md:
/// P_A P_B P P0_A dP_A P0_B dP_B J_1 J_2 S_dot D_PA D_PB D_P Q_PA Q_PB Q_P V_PA V_PB eta
/// pearson pearson_tilde cov_xAxA cov_xBxB cov_xAxB, Appendix D coefficients, evaluations.
/// Throws std::invalid_argument when p.validate() fails.  Computed at unit mass and rescaled
/// (with_unit_mass, model.hpp).  Without a steady state of the lowest order
/// (lowest_order_stability) every key is NaN (f_B excepted) and two keys are added:
/// steady_state = 0 and floquet_slowest_rate; *stability_message (if given) receives the
/// verdict either way.
Results theory_point(const ModelParams& p, const TheoryOptions& opt = {},
                     std::string* stability_message = nullptr);

/// The steady state of the lowest order in gamma_1.  Its dynamics is the static problem
/// (gamma_1 -> 0), whose Floquet exponents are -i w_k for the four poles w_k of chi_2
/// (response.hpp) and -w_c (floquet.hpp): no numerical monodromy is needed.  The verdict and
/// its message are check_stability's (same marginal rate as exact and simulate), prefixed by
/// "lowest order in gamma_1 (static problem): ".  E.g. w_B = w_A (1 + 1e-12): the relative mode
/// x_A - x_B decouples from bath 2, its rate ~1e-24 is marginal, and the lowest order has no
/// meaning (exact and simulate find a growing mode there).
StabilityReport lowest_order_stability(const ModelParams& p);

/// C = c_AB / sqrt(c_AA c_BB) of a covariance matrix that is positive semidefinite by
/// construction (theory, exact: positive-weight quadrature of a pointwise PSD spectral
/// matrix), so |C| <= 1 holds up to the round-off of the sums; an excess |C| - 1 <= 1e-12
/// (about the number of evaluations times the double epsilon) is that round-off and is
/// clamped to +-1.  A larger excess is returned as it is (it would be a bug, not round-off).
double pearson_coefficient(double c_AB, double c_AA, double c_BB);

}  // namespace synctur
