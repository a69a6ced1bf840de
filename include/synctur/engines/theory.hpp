// Lowest order in gamma_1 (all orders in gamma_2): the paper's frequency-domain formulas.
// Every formula and its convention is listed in docs/THEORY.md.
#pragma once

#include <optional>
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

/// The driven problem, lowest order in gamma_1 (Eqs. 14-20, 26; docs/THEORY.md).
struct TheoryDriven {
  double P_A = 0.0, P_B = 0.0,
         P = 0.0;  ///< powers P_l = P0_l + dP_l, P = P0_A + P0_B [energy/time]
  double P0_A = 0.0, dP_A = 0.0, P0_B = 0.0, dP_B = 0.0;  ///< Eq. 14 and Eq. 15 parts
  double J_1 = 0.0, J_2 = 0.0;                  ///< heat currents, J_2 = -P - J_1 [energy/time]
  double S_dot = 0.0;                           ///< -J_1/T_1 - J_2/T_2 (+-inf at T = 0) [1/time]
  double D_PA = 0.0, D_PB = 0.0, D_P = 0.0;     ///< fluctuations (Eq. 18) [energy^2/time]
  double Q_PA = 0.0, Q_PB = 0.0, Q_P = 0.0;     ///< S_dot D / O^2 (Eq. 7) [1]
  double V_PA = 0.0, V_PB = 0.0;                ///< 2 (1 - Omega dP/dOmega / P)^2 (Eq. 26) [1]
  double dP_A_dOmega = 0.0, dP_B_dOmega = 0.0;  ///< [energy]
  double eta = 0.0;                             ///< -P_A/P_B when P_A < 0 < P_B, else NaN [1]
};

/// The static problem (bath 2 only, exact at gamma_1 = 0): Eqs. 11, 12, 25.
struct TheoryStatic {
  double cov_xAxA = 0.0, cov_xBxB = 0.0, cov_xAxB = 0.0;  ///< [length^2]
  double pearson = 0.0, pearson_tilde = 0.0;              ///< C, C~ [1]
};

/// Appendix D coefficients and the asymptotic forms at this Omega (Eqs. 21-24, D5, D10).
struct TheoryAppendixD {
  double alpha_ad_A = 0.0, alpha_ad_B = 0.0, dalpha_ad_A = 0.0, dalpha_ad_B = 0.0;
  double Dcoef_ad_A = 0.0, Dcoef_ad_B = 0.0;
  double alpha_dia_A = 0.0, alpha_dia_B = 0.0, dalpha_dia_A = 0.0, dalpha_dia_B = 0.0;
  double dbeta_dia_A = 0.0, dbeta_dia_B = 0.0;
  double P_A_ad = 0.0, P_A_dia = 0.0, D_PA_ad = 0.0, D_PA_dia = 0.0;
  double Q_PA_ad = 0.0, Q_PA_dia = 0.0;
};

/// What theory_point() returns (in the units of the point: the length^2 values at its mass).
/// Without a steady state of the lowest order every value is NaN (f_B excepted).
struct TheoryResult {
  TheoryDriven driven;
  TheoryStatic stat;
  TheoryAppendixD appendix_d;
  double f_B = 1.0;                ///< (Omega/w_c)^r [1]
  bool classical = false;          ///< classical statistics (D = D_sym)
  std::optional<double> Omega_th;  ///< with TheoryOptions::omega_threshold [frequency]
  long evaluations = 0;            ///< integrand evaluations of both quadratures [count]
  bool quadrature_converged = false;
  bool steady_state = true;           ///< lowest_order_stability's verdict
  double floquet_slowest_rate = 0.0;  ///< its slowest rate [1/time]
};

/// All lowest-order results at one parameter point.  Throws std::invalid_argument when
/// p.validate() fails.  Computed at unit mass and rescaled (with_unit_mass, model.hpp).
/// *stability_message (if given) receives lowest_order_stability's verdict.
TheoryResult theory_point(const ModelParams& p, const TheoryOptions& opt = {},
                          std::string* stability_message = nullptr);

/// The key vocabulary (docs/KEYS.md) of a theory result, in output order:
/// P_A P_B P P0_A dP_A P0_B dP_B J_1 J_2 S_dot D_PA D_PB D_P Q_PA Q_PB Q_P V_PA V_PB
/// dP_A_dOmega dP_B_dOmega eta cov_xAxA cov_xBxB cov_xAxB pearson pearson_tilde, the Appendix D
/// coefficients, f_B, classical (classical statistics only), Omega_th (when computed),
/// evaluations, quadrature_converged (NaN without a steady state), and without a steady
/// state two more: steady_state = 0 and floquet_slowest_rate.
Results to_results(const TheoryResult& r);

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
