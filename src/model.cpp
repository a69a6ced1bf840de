#include "synctur/model.hpp"

#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace synctur {

double ModelParams::f_B() const { return r == 0.0 ? 1.0 : std::pow(Omega / cutoff, r); }
double ModelParams::df_B_dOmega() const { return r == 0.0 ? 0.0 : r * f_B() / Omega; }
double ModelParams::period() const { return 2.0 * std::numbers::pi / Omega; }

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

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}
}  // namespace

std::vector<std::pair<std::string, std::string>> ModelParams::validate() const {
  std::vector<std::pair<std::string, std::string>> bad;
  for (const auto& f : kFields) {
    const double v = this->*(f.member);
    if (!std::isfinite(v)) {
      bad.emplace_back(f.key, "must be finite (got " + fmt(v) + ")");
    } else if (f.rule == Field::Positive && !(v > 0.0)) {
      bad.emplace_back(f.key, "must be > 0 (got " + fmt(v) + ")");
    } else if (f.rule == Field::NonNegative && !(v >= 0.0)) {
      bad.emplace_back(f.key, "must be >= 0 (got " + fmt(v) + ")");
    }
  }
  if (std::isfinite(omega_A) && omega_A == omega_B) {
    bad.emplace_back("system.omega_B",
                     "must differ from system.omega_A (the relative mode is undamped otherwise: "
                     "no steady state)");
  }
  return bad;
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

}  // namespace synctur
