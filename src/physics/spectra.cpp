#include "synctur/physics/spectra.hpp"

#include <cmath>

namespace synctur {

double coth_half(double w, double T) {
  if (w == 0.0) return 0.0;
  if (T == 0.0) return w > 0.0 ? 1.0 : -1.0;
  const double x = w / (2.0 * T);
  if (std::abs(x) > 20.0)
    return x > 0.0 ? 1.0 + 2.0 * std::exp(-2.0 * x) : -1.0 - 2.0 * std::exp(2.0 * x);
  return 1.0 / std::tanh(x);
}

double thermal_factor(double w, double T, bool classical) {
  if (!classical) return coth_half(w, T);
  if (w == 0.0) return 0.0;
  return 2.0 * T / w;
}

double coth_half_dw_neg(double w, double T) {
  if (T == 0.0) return 0.0;
  const double x = w / (2.0 * T);
  if (std::abs(x) > 350.0) return 0.0;
  const double s = std::sinh(x);
  return 1.0 / (2.0 * T * s * s);
}

double BathSpectrum::J(double w) const {
  switch (kind) {
    case Kind::Ohmic:
      return mass * gamma * w;
    case Kind::Drude:
      return mass * gamma * w / (1.0 + (w / cutoff) * (w / cutoff));
  }
  return 0.0;
}

double BathSpectrum::dJ(double w) const {
  switch (kind) {
    case Kind::Ohmic:
      return mass * gamma;
    case Kind::Drude: {
      const double u = (w / cutoff) * (w / cutoff);
      return mass * gamma * (1.0 - u) / ((1.0 + u) * (1.0 + u));
    }
  }
  return 0.0;
}

double BathSpectrum::S(double w) const {
  const double a = std::abs(w);
  if (a == 0.0) {
    // limit w -> 0 of J(w) coth(w/2T) = 2 T J'(0)
    return 2.0 * T * dJ(0.0);
  }
  if (classical) return kind == Kind::Ohmic ? 2.0 * T * mass * gamma : 2.0 * T * J(a) / a;
  return J(a) * coth_half(a, T);
}

double BathSpectrum::Gamma(double t) const {
  if (kind == Kind::Drude) return mass * gamma * cutoff * std::exp(-cutoff * std::abs(t));
  return std::numeric_limits<double>::quiet_NaN();
}

double BathSpectrum::L_a(double t) const {
  if (kind == Kind::Drude) {
    if (t == 0.0) return 0.0;
    const double s = t > 0.0 ? 1.0 : -1.0;
    return -0.5 * mass * gamma * cutoff * cutoff * s * std::exp(-cutoff * std::abs(t));
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double BathSpectrum::m_w_gamma_imag(double w) const {
  return kind == Kind::Drude ? w * J(w) / cutoff : 0.0;
}

BathSpectrum static_bath(const ModelParams& p) {
  BathSpectrum b;
  b.kind = BathSpectrum::Kind::Ohmic;
  b.mass = p.mass;
  b.gamma = p.gamma_2;
  b.T = p.T_2;
  b.classical = p.classical;
  return b;
}

BathSpectrum driven_bath(const ModelParams& p) {
  BathSpectrum b;
  b.kind = BathSpectrum::Kind::Drude;
  b.mass = p.mass;
  b.gamma = p.gamma_1;
  b.cutoff = p.cutoff;
  b.T = p.T_1;
  b.classical = p.classical;
  return b;
}

}  // namespace synctur
