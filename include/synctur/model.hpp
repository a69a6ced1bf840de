// The physical model, defined once: two oscillators, a static strictly Ohmic bath (nu = 2)
// and a periodically coupled Drude-Lorentz bath (nu = 1).  Units: hbar = k_B = 1; every
// frequency, rate and temperature is in the same unit (omega_A = 1 in the shipped inputs).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace synctur {

/// Parameters of the model.  Names follow the TOML keys (section.key in comments).
struct ModelParams {
  double mass = 1.0;     ///< system.mass      m > 0            [mass]
  double omega_A = 1.0;  ///< system.omega_A   w_A > 0          [frequency]
  double omega_B = 0.6;  ///< system.omega_B   w_B > 0, != w_A  [frequency]
  double gamma_2 = 1.0;  ///< static_bath.gamma      gamma_2 > 0 (J_2 = m gamma_2 w) [frequency]
  double T_2 = 0.5;      ///< static_bath.temperature T_2 >= 0   [frequency]
  double gamma_1 = 0.01; ///< driven_bath.gamma      gamma_1 > 0 [frequency]
  double cutoff = 1.2;   ///< driven_bath.cutoff     w_c > 0     [frequency]
  double T_1 = 0.5;      ///< driven_bath.temperature T_1 >= 0   [frequency]
  double Omega = 2.0;    ///< drive.Omega      Omega > 0         [frequency]
  double phi = 1.5707963267948966;  ///< drive.phi  relative phase of g_B [rad]
  double r = 0.0;        ///< drive.r          r >= 0, f_B = (Omega/w_c)^r [1]

  /// Drive weights (paper, below Eq. 19): f_A = 1, f_B = (Omega/w_c)^r.
  double f_A() const { return 1.0; }
  double f_B() const;
  /// d f_B / d Omega (used by the generalized bound, Eq. 26).
  double df_B_dOmega() const;
  double period() const;  ///< 2 pi / Omega

  /// Driven couplings g_1^(l)(t) and their time derivatives (Eq. 2); l = 0 (A) or 1 (B).
  double g(int l, double t) const;
  double dg(int l, double t) const;

  /// All violated constraints as (toml key, message); empty when valid.
  std::vector<std::pair<std::string, std::string>> validate() const;
};

/// The (section.key) names of the model parameters, in output order, and accessors by name.
const std::vector<std::string>& model_keys();
double get_param(const ModelParams& p, const std::string& key);  ///< throws std::out_of_range
void set_param(ModelParams& p, const std::string& key, double v);  ///< throws std::out_of_range

}  // namespace synctur
