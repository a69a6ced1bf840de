#include "synctur/physics/model.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace synctur {

double ModelParams::f_B() const {
  return r == 0.0 ? 1.0 : std::pow(Omega / cutoff, r);
}
double ModelParams::df_B_dOmega() const {
  return r == 0.0 ? 0.0 : r * f_B() / Omega;
}
double ModelParams::period() const {
  return 2.0 * std::numbers::pi / Omega;
}

double ModelParams::g(int l, double t) const {
  return l == 0 ? f_A() * std::cos(Omega * t) : f_B() * std::cos(Omega * t + phi);
}
double ModelParams::dg(int l, double t) const {
  return l == 0 ? -Omega * f_A() * std::sin(Omega * t) : -Omega * f_B() * std::sin(Omega * t + phi);
}

namespace {
struct Field {
  const char* key;
  double ModelParams::*member;
  enum Rule { Positive, NonNegative, Finite } rule;
};
const Field kFields[] = {
    {"system.mass", &ModelParams::mass, Field::Positive},
    {"system.omega_A", &ModelParams::omega_A, Field::Positive},
    {"system.omega_B", &ModelParams::omega_B, Field::Positive},
    {"static_bath.gamma", &ModelParams::gamma_2, Field::Positive},
    {"static_bath.temperature", &ModelParams::T_2, Field::NonNegative},
    {"driven_bath.gamma", &ModelParams::gamma_1, Field::Positive},
    {"driven_bath.cutoff", &ModelParams::cutoff, Field::Positive},
    {"driven_bath.temperature", &ModelParams::T_1, Field::NonNegative},
    {"drive.Omega", &ModelParams::Omega, Field::Positive},
    {"drive.phi", &ModelParams::phi, Field::Finite},
    {"drive.r", &ModelParams::r, Field::NonNegative},
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// The magnitude ranges, same order as kFields.  Where the bounds come from: docs/INPUTS.md
// ("Valid ranges") and the probe table of issue 17; outside them an engine either overflowed,
// lost the result to round-off, or could not resolve the time scales (and none of the three
// engines has been validated there).
const std::vector<ParamRange> kRanges = {
    {"system.mass", 1e-100, 1e100, false, false,
     "the engines work at m = 1 and rescale (covariances ~ 1/m)"},
    {"system.omega_A", 1e-6, 1e4, false, false,
     "the frequency unit; the engines are scale invariant over this range (exact's monodromy "
     "loses it at 1e6)"},
    {"system.omega_B", 1e-3, 1e3, true, false, "frequency ratio w_B/w_A"},
    {"static_bath.gamma", 1e-4, 1e4, true, false,
     "the synchronised peak (width ~ w_A^2/gamma_2) and the relaxation times ~ gamma_2 must be "
     "resolvable"},
    {"static_bath.temperature", 1e-100, 1e6, true, true,
     "below 1e-100 w_A the thermal factors are those of T = 0 but S_dot = -J/T overflows: "
     "use 0"},
    {"driven_bath.gamma", 1e-30, 1e4, true, false,
     "the driven bath's damping rate; P ~ gamma_1 and P^2 must stay a normal double"},
    {"driven_bath.cutoff", 1e-4, 1e5, true, false,
     "the Drude memory time 1/w_c must be resolvable"},
    {"driven_bath.temperature", 1e-100, 1e6, true, true,
     "below 1e-100 w_A the thermal factors are those of T = 0 but S_dot = -J/T overflows: "
     "use 0"},
    {"drive.Omega", 1e-4, 1e4, true, false, "drive period against the oscillator periods"},
    {"drive.phi", -1e3, 1e3, false, false,
     "the phase enters as cos(Omega t + phi): beyond |phi| = 1000 the rounding of Omega t + phi "
     "costs more than 1e-13 rad (at 1e300 it erased Omega t, exact and simulate gave P_B = 0); "
     "reduce phi mod 2 pi"},
    {"drive.r", 0.0, kInf, false, true, "f_B = (Omega/w_c)^r is bounded separately"},
};

/// Shortest text that reads back to v ("1e-320", "-1", "nan").
std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}
std::string bound(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

const std::vector<ParamRange>& model_ranges() {
  return kRanges;
}

std::string describe_range(const ParamRange& r) {
  if (!std::isfinite(r.lo) && !std::isfinite(r.hi)) return "finite";
  std::string s;
  if (!std::isfinite(r.hi))
    s = ">= " + bound(r.lo);
  else
    s = std::string(r.zero_allowed ? "0 or in [" : "in [") + bound(r.lo) + ", " + bound(r.hi) + "]";
  if (r.relative) s += " x system.omega_A";
  return s;
}

std::vector<std::pair<std::string, std::string>> ModelParams::validate() const {
  std::vector<std::pair<std::string, std::string>> bad;
  bool scale_ok = true;  // omega_A valid: the relative ranges can be checked
  for (std::size_t i = 0; i < std::size(kFields); ++i) {
    const Field& f = kFields[i];
    const ParamRange& rg = kRanges[i];
    const double v = this->*(f.member);
    const std::size_t before = bad.size();
    if (!std::isfinite(v)) {
      bad.emplace_back(f.key, "must be finite (got " + fmt(v) + ")");
    } else if (f.rule == Field::Positive && !(v > 0.0)) {
      bad.emplace_back(f.key, "must be > 0 (got " + fmt(v) + ")");
    } else if (f.rule == Field::NonNegative && !(v >= 0.0)) {
      bad.emplace_back(f.key, "must be >= 0 (got " + fmt(v) + ")");
    } else if (!(rg.relative && !scale_ok) && !(rg.zero_allowed && v == 0.0)) {
      const double s = rg.relative ? omega_A : 1.0;
      if (!(v >= rg.lo * s && v <= rg.hi * s)) {
        std::string m = "must be " + describe_range(rg);
        if (rg.relative) m += " = [" + bound(rg.lo * s) + ", " + bound(rg.hi * s) + "]";
        bad.emplace_back(f.key, m + " (got " + fmt(v) + "): " + rg.why);
      }
    }
    if (i == 1 && bad.size() != before) scale_ok = false;  // omega_A
  }
  if (std::isfinite(omega_A) && omega_A == omega_B) {
    bad.emplace_back("system.omega_B",
                     "must differ from system.omega_A (the relative mode is undamped otherwise: "
                     "no steady state)");
  }
  for (const auto& [key, lam] : {std::pair<const char*, double>{"system.quartic_A", quartic_A},
                                 std::pair<const char*, double>{"system.quartic_B", quartic_B}})
    if (!(lam >= 0.0 && lam / (mass * mass) <= kQuarticMax))
      bad.emplace_back(key, "must be >= 0 with lambda / m^2 <= " + bound(kQuarticMax) + " (got " +
                                fmt(lam) + "): lambda x^4/4 is a confining quartic term");
  if (bad.empty()) {
    const double fb = f_B();
    if (!(fb >= kFBMin && fb <= kFBMax))
      bad.emplace_back("drive.r", "f_B = (drive.Omega/driven_bath.cutoff)^r = " + fmt(fb) +
                                      " must be in [" + bound(kFBMin) + ", " + bound(kFBMax) +
                                      "] (got r = " + fmt(r) + ")");
  }
  return bad;
}

std::string quartic_refusal(const std::string& engine, const ModelParams& p) {
  const bool a = p.quartic_A != 0.0;
  return std::string(a ? "system.quartic_A" : "system.quartic_B") + ": must be 0 for `" + engine +
         "` (got " + fmt(a ? p.quartic_A : p.quartic_B) + "): " + engine +
         " solves the linear model only; the quartic oscillators are integrated by `synctur "
         "simulate` alone (docs/CLASSICAL.md)";
}

const std::vector<std::string>& model_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& f : kFields) k.emplace_back(f.key);
    return k;
  }();
  return keys;
}

double get_param(const ModelParams& p, const std::string& key) {
  for (const auto& f : kFields)
    if (key == f.key) return p.*(f.member);
  throw std::out_of_range("unknown model parameter '" + key + "'");
}

void set_param(ModelParams& p, const std::string& key, double v) {
  for (const auto& f : kFields)
    if (key == f.key) {
      p.*(f.member) = v;
      return;
    }
  throw std::out_of_range("unknown model parameter '" + key + "'");
}

ModelParams with_unit_mass(const ModelParams& p) {
  ModelParams q = p;
  q.mass = 1.0;
  // lambda x^4/4 = (lambda / m^2) x~^4/4 with x~ = sqrt(m) x
  q.quartic_A = p.quartic_A / (p.mass * p.mass);
  q.quartic_B = p.quartic_B / (p.mass * p.mass);
  return q;
}

int mass_exponent(const std::string& key) {
  for (const char* prefix : {"cov_", "alpha_dia_", "dalpha_dia_", "dbeta_dia_"})
    if (key.rfind(prefix, 0) == 0) return -1;
  return 0;
}

}  // namespace synctur
