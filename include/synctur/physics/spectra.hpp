// Bath spectral densities and the quantum noise spectra built on them.  Pure evaluators.
//
// Conventions (hbar = k_B = 1):
//   J(w)      spectral density, odd in w, J(w) >= 0 for w >= 0              [mass * frequency^2]
//   S(w)      two-sided symmetrised noise spectrum  S(w) = J(|w|) coth(|w|/2T),
//             <xi(t) xi(0)>_sym = int dw/(2 pi) S(w) e^{-i w t}             (paper Eq. B3)
//   Gamma(t)  friction kernel  (2/pi) int_0^inf dw J(w)/w cos(w t)           (paper Eq. 3 times m)
//   L_a(t)    antisymmetric kernel  -(1/pi) int_0^inf dw J(w) sin(w t)
//             (the paper's Eq. B4 carries an extra factor i: L_a^paper = i L_a here).
#pragma once

#include <limits>

#include "synctur/physics/model.hpp"

namespace synctur {

/// coth(w / 2T) with the T = 0 limit sign(w).  At w = 0 returns 0 (the odd principal value);
/// every integrand that contains it multiplies it by something that vanishes there.
double coth_half(double w, double T);

/// The thermal factor of the symmetrised noise spectrum: coth(w/2T) (quantum) or its
/// hbar -> 0 limit 2T/w (classical; 0 at T = 0: a classical bath at T = 0 has no noise).  At
/// w = 0 both return 0 (the odd principal value, as coth_half).
double thermal_factor(double w, double T, bool classical);

/// 1 / (2T sinh^2(w/2T)) = -d/dw coth(w/2T) ... times 1, i.e. d/dw coth(w/2T) = -this.
/// Zero for T = 0 (away from w = 0).
double coth_half_dw_neg(double w, double T);

/// One bath.  Adding a bath shape = one enum value plus its formulas below.
struct BathSpectrum {
  enum class Kind { Ohmic, Drude } kind = Kind::Ohmic;
  double mass = 1.0;   ///< system mass m (J is proportional to m)          [mass]
  double gamma = 1.0;  ///< damping rate                                    [frequency]
  double cutoff = std::numeric_limits<double>::infinity();  ///< w_c (Drude) [frequency]
  double T = 0.0;  ///< temperature                                     [frequency]
  /// Classical statistics (ModelParams::classical): S(w) = 2 T J(|w|)/|w| instead of
  /// J(|w|) coth(|w|/2T).  J, Gamma, L_a (response) are the same.
  bool classical = false;

  double J(double w) const;   ///< spectral density (odd in w)
  double dJ(double w) const;  ///< dJ/dw
  double S(double w) const;   ///< J(|w|) coth(|w|/2T) (classical: 2T J(|w|)/|w|), two-sided
  /// Friction kernel Gamma(t) for t > 0 (Drude: m gamma w_c e^{-w_c t}; Ohmic: a delta,
  /// 2 m gamma delta(t), returned here as NaN: use gamma directly).
  double Gamma(double t) const;
  /// Antisymmetric kernel L_a(t) (Drude: -(m gamma w_c^2 / 2) sgn(t) e^{-w_c |t|}; Ohmic:
  /// m gamma delta'(t), NaN here).
  double L_a(double t) const;
  /// Imaginary part of the Fourier-transformed damping kernel times m w (paper Eq. 15):
  /// m w gamma''(w) = w J(w) / w_c for Drude, 0 for Ohmic.
  double m_w_gamma_imag(double w) const;
};

BathSpectrum static_bath(const ModelParams& p);  ///< nu = 2: strictly Ohmic, gamma_2, T_2
BathSpectrum driven_bath(const ModelParams& p);  ///< nu = 1: Drude-Lorentz, gamma_1, w_c, T_1

}  // namespace synctur
