// Lowest order in gamma_1 (all orders in gamma_2): the paper's frequency-domain formulas.
// Every formula and its convention is listed in docs/THEORY.md.
#pragma once

#include "synctur/model.hpp"
#include "synctur/results.hpp"

namespace synctur {

struct TheoryOptions {
  double rtol = 1e-10;            ///< relative tolerance of every frequency integral [1]
  bool omega_threshold = false;   ///< also compute Omega_th of Fig. 10 (costly: root finding)
  double omega_th_min = 1e-2;     ///< search range of Omega_th                   [frequency]
  double omega_th_max = 1e3;      ///< [frequency]
  /// Empty when valid, otherwise (toml key under [theory], message).
  std::vector<std::pair<std::string, std::string>> validate() const;
};

/// All lowest-order results at one parameter point, keys as in docs/KEYS.md:
/// P_A P_B P P0_A dP_A P0_B dP_B J_1 J_2 S_dot D_PA D_PB D_P Q_PA Q_PB Q_P V_PA V_PB eta
/// pearson pearson_tilde cov_xAxA cov_xBxB cov_xAxB, Appendix D coefficients, evaluations.
Results theory_point(const ModelParams& p, const TheoryOptions& opt = {});

}  // namespace synctur
