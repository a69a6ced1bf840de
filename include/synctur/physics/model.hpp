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
  double mass = 1.0;      ///< system.mass      m > 0            [mass]
  double omega_A = 1.0;   ///< system.omega_A   w_A > 0          [frequency]
  double omega_B = 0.6;   ///< system.omega_B   w_B > 0, != w_A  [frequency]
  double gamma_2 = 1.0;   ///< static_bath.gamma      gamma_2 > 0 (J_2 = m gamma_2 w) [frequency]
  double T_2 = 0.5;       ///< static_bath.temperature T_2 >= 0   [frequency]
  double gamma_1 = 0.01;  ///< driven_bath.gamma      gamma_1 > 0 [frequency]
  double cutoff = 1.2;    ///< driven_bath.cutoff     w_c > 0     [frequency]
  double T_1 = 0.5;       ///< driven_bath.temperature T_1 >= 0   [frequency]
  double Omega = 2.0;     ///< drive.Omega      Omega > 0         [frequency]
  double phi = 1.5707963267948966;  ///< drive.phi  relative phase of g_B [rad]
  double r = 0.0;                   ///< drive.r          r >= 0, f_B = (Omega/w_c)^r [1]
  /// system.statistics = "classical": the hbar -> 0 limit, noise spectra 2 T J(w)/w instead
  /// of J(w) coth(w/2T) and no commutator part of the fluctuations (D = D_sym).  Not in
  /// model_keys() (not a number, not sweepable); default "quantum".
  bool classical = false;
  /// system.quartic_A, system.quartic_B: lambda_l >= 0 of V_l = m w_l^2 x^2/2 + lambda_l x^4/4
  /// [energy/length^4]; only `simulate` integrates lambda != 0 (docs/CLASSICAL.md).  Not in
  /// model_keys(); default 0.
  double quartic_A = 0.0, quartic_B = 0.0;
  bool quartic() const { return quartic_A != 0.0 || quartic_B != 0.0; }

  /// Drive weights (paper, below Eq. 19): f_A = 1, f_B = (Omega/w_c)^r.
  double f_A() const { return 1.0; }
  double f_B() const;
  /// d f_B / d Omega (used by the generalized bound, Eq. 26).
  double df_B_dOmega() const;
  double period() const;  ///< 2 pi / Omega

  /// Driven couplings g_1^(l)(t) and their time derivatives (Eq. 2); l = 0 (A) or 1 (B).
  double g(int l, double t) const;
  double dg(int l, double t) const;

  /// All violated constraints as (toml key, message); empty when valid.  The rules are those
  /// of model_ranges() (one table, shared by every engine and by docs/INPUTS.md), plus
  /// omega_B != omega_A.
  std::vector<std::pair<std::string, std::string>> validate() const;
};

/// The valid range of one model key: lo <= v <= hi, with lo and hi multiplied by omega_A when
/// `relative` (frequencies, rates and temperatures: every engine is checked to be invariant
/// under a common rescaling of all of them, so only their ratios to omega_A are bounded);
/// `zero_allowed`: v = 0 is valid too (temperatures).  lo = -inf, hi = inf: only finiteness.
struct ParamRange {
  const char* key;    ///< TOML path
  double lo, hi;      ///< bounds (times omega_A when relative)
  bool relative;      ///< bounds scale with omega_A
  bool zero_allowed;  ///< 0 is valid in addition to [lo, hi]
  const char* why;    ///< what fails outside (for messages and docs/INPUTS.md)
};
/// The table of model_keys() order.  Plus one rule on a derived value, f_B = (Omega/w_c)^r
/// in [kFBMin, kFBMax] (ModelParams::validate reports it under drive.r).
const std::vector<ParamRange>& model_ranges();
inline constexpr double kFBMin = 1e-30;
inline constexpr double kFBMax = 1e4;
/// Upper bound of lambda / m^2 for system.quartic_A, quartic_B (the value in mass-scaled
/// coordinates, model.hpp): beyond it the kick lambda x^3 dt is not small at any resolvable dt.
inline constexpr double kQuarticMax = 1e6;
/// "[1e-06, 1000000] x system.omega_A" etc.: the rule text printed by validate() and
/// documented in docs/INPUTS.md (tests/test_config.cpp compares the two).
std::string describe_range(const ParamRange& r);

/// Mass scaling.  With the mass-scaled coordinates x~ = sqrt(m) x, v~ = sqrt(m) v,
/// z~ = sqrt(m) z and forces xi~ = xi / sqrt(m), the equations of motion (state_space.hpp) and
/// the noise spectra (J ~ m) become those of m = 1, and every energy, power, heat current, D,
/// ratio and Floquet rate is unchanged: m only sets the unit of length.  The engines (theory,
/// exact, simulate) therefore solve the model at m = 1 (with_unit_mass) and multiply their typed
/// values of dimension length^2 (keys with mass_exponent -1) by 1/m, so that the same physics gives
/// the same numbers at any mass (round-off at m = 1e-20 used to change exact's P_A by a factor 6).
/// At m = 1 nothing changes (bit-identical).
ModelParams with_unit_mass(const ModelParams& p);
/// The power k with which a result key scales, value(m) = value(1) m^k: -1 for the keys of
/// dimension length^2 (`cov_*`, `alpha_dia_*`, `dalpha_dia_*`, `dbeta_dia_*` and their twins
/// `_se`, `_exact`, `_theory`, `_bias`, `_uncorrected`, `_static`), 0 for every other key.
int mass_exponent(const std::string& key);

/// The one-line refusal of a linear engine ("theory", "exact") for lambda != 0:
/// "system.quartic_A: must be 0 for `theory` (got 0.1): ...".
std::string quartic_refusal(const std::string& engine, const ModelParams& p);

/// The (section.key) names of the model parameters, in output order, and accessors by name.
const std::vector<std::string>& model_keys();
double get_param(const ModelParams& p, const std::string& key);    ///< throws std::out_of_range
void set_param(ModelParams& p, const std::string& key, double v);  ///< throws std::out_of_range

}  // namespace synctur
