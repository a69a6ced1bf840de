// Lowest order in gamma_1, all orders in gamma_2: paper Eqs. (9)-(18), (25), (26), (F1),
// Appendix D and the threshold Omega_th of Fig. 10.  Conventions: docs/THEORY.md.
#include "synctur/engines/theory.hpp"

#include <algorithm>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "synctur/engines/simulation_options.hpp"
#include "synctur/numerics/quadrature.hpp"
#include "synctur/physics/response.hpp"
#include "synctur/physics/spectra.hpp"

namespace synctur {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = std::numbers::pi;

/// x coth(x), even and smooth; value and derivative, series near 0.
inline void xcothx(double x, double& f, double& df) {
  const double ax = std::abs(x);
  if (ax < 1e-3) {
    const double x2 = x * x;
    f = 1.0 + x2 / 3.0 - x2 * x2 / 45.0;
    df = x * (2.0 / 3.0 - 4.0 * x2 / 45.0);
  } else if (ax > 20.0) {
    f = ax;  // coth(x) = 1 to double precision beyond ~19
    df = x > 0 ? 1.0 : -1.0;
  } else {
    const double c = 1.0 / std::tanh(x), s = std::sinh(x);
    f = x * c;
    df = c - x / (s * s);
  }
}

/// The driven bath J_1 (Drude) and the two temperatures, with the constants of every
/// evaluation precomputed.  J_1(u) coth(u/2T_1) is evaluated as the smooth even function
/// h(u) = (J/u) (u coth(u/2T_1)), so nothing is singular at u = 0.
struct Kernel {
  double mg, inv_wc2;  ///< m gamma_1, 1 / w_c^2
  double T1, T2;       ///< temperatures (0 allowed)
  double r1, r2;       ///< 1 / 2T_1, 1 / 2T_2 (unused at T = 0)
  bool classical;      ///< coth(w/2T) -> 2T/w, no commutator "-1" (ModelParams::classical)

  explicit Kernel(const ModelParams& p) {
    classical = p.classical;
    const BathSpectrum b = driven_bath(p);
    mg = b.mass * b.gamma;
    inv_wc2 = 1.0 / (b.cutoff * b.cutoff);
    T1 = b.T;
    T2 = p.T_2;
    r1 = T1 > 0.0 ? 0.5 / T1 : 0.0;
    r2 = T2 > 0.0 ? 0.5 / T2 : 0.0;
  }

  /// J(u), J'(u), d(u J)/du and the Lorentzian L = J/u, L' = dL/du.  The derivatives are in
  /// closed form: J' = L' u + L and (uJ)' = J + u J' cancel for u >> w_c (both terms
  /// ~ m gamma w_c^2 / u^2 while the sums decay faster).
  void spectral(double u, double& j, double& jp, double& ujp, double& L, double& Lp) const {
    const double x2 = u * u * inv_wc2, iq = 1.0 / (1.0 + x2);
    L = mg * iq;
    Lp = -2.0 * L * u * inv_wc2 * iq;
    j = L * u;
    jp = L * (1.0 - x2) * iq;
    ujp = 2.0 * j * iq;
  }
  /// J(u), J'(u), d(uJ)/du, h(u) = J(u) coth(u/2T_1), h'(u)
  void eval(double u, double& j, double& jp, double& ujp, double& h, double& hp) const {
    double L, Lp;
    spectral(u, j, jp, ujp, L, Lp);
    double f, df;
    const double x = u * r1;
    if (T1 > 0.0 && std::isfinite(x)) {
      xcothx(x, f, df);
      f *= 2.0 * T1;  // u coth(u/2T)
    } else {
      // T_1 = 0, or |u|/2T_1 beyond the double range: u coth(u/2T_1) = |u| exactly
      f = std::abs(u);
      df = u > 0 ? 1.0 : (u < 0 ? -1.0 : 0.0);
    }
    h = L * f;
    hp = Lp * f + L * df;
  }
};

/// coth(x) - sign(x) = 2 sign(x) y / (1 - y), y = exp(-2|x|), for |x| >= 1 (where 1 - y >= 0.86
/// is exact enough; 0 at |x| = inf, i.e. T = 0): the thermal excess over +-1, to full relative
/// precision however small it is.
inline double coth_excess(double x) {
  const double ax = std::abs(x);
  if (ax > 350.0) return 0.0;  // < 1e-303; also keeps exp() off its slow underflow path
  const double y = std::exp(-2.0 * ax);
  const double e = 2.0 * y / (1.0 - y);
  return x > 0.0 ? e : -e;
}

/// The thermal factors of every integrand, with u = w + Omega (driven) or u = w (static):
///   jN  = J(u) N,  N = coth(a) - coth(b),  a = u / 2T_1,  b = w / 2T_2      (Eqs. 14, 17, D2)
///   djN = d/du [J(u) coth(a)] - J'(u) coth(b)  (= d jN / dOmega)            (Eq. 26, D2)
///   jC  = J(u) [coth(a) coth(b) - 1]                                        (Eqs. 18, D5)
/// plus the pieces the other components need.  Where u and w have the same sign and
/// |a|, |b| >= 1, both coth are within 0.32 of the same +-1 and the direct differences
/// h - J coth(b), h coth(b) - J cancel: their rounding error ~1e-16 J(u) would swamp the true,
/// exponentially small value (e^{-|u|/T_1} - e^{-|w|/T_2}).  Integrated against chi'' over the
/// resonances or the wide 1/w range of strong gamma_2, that noise is an error floor the
/// adaptive bisection cannot lower (docs/THEORY.md, "Quadrature").  There the factors are
/// written with the excesses e = coth - sign, which contain no cancellation.
struct Thermal {
  double j, jp, ujp;  ///< J(u), J'(u), d(u J)/du
  double h, hp;       ///< J(u) coth(a), d/du of it
  double cb;          ///< coth(b)
  double jN, djN, jC;
};

inline Thermal thermal(const Kernel& K, double u, double w) {
  Thermal t;
  if (K.classical) {
    // hbar -> 0: coth(a) -> 1/a, so J(u) coth(u/2T_1) -> 2 T_1 J(u)/u = 2 T_1 L(u) (smooth),
    // and the commutator "-1" of coth a coth b - 1 is absent (D = D_sym).
    double L, Lp;
    K.spectral(u, t.j, t.jp, t.ujp, L, Lp);
    t.h = 2.0 * K.T1 * L;
    t.hp = 2.0 * K.T1 * Lp;
    t.cb = thermal_factor(w, K.T2, true);
    t.jN = t.h - t.j * t.cb;
    t.djN = t.hp - t.jp * t.cb;
    t.jC = t.h * t.cb;
    return t;
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const double a = K.T1 > 0.0 ? u * K.r1 : std::copysign(kInf, u);
  const double b = K.T2 > 0.0 ? w * K.r2 : std::copysign(kInf, w);
  if (u * w > 0.0 && std::abs(a) >= 1.0 && std::abs(b) >= 1.0) {
    double L, Lp;
    K.spectral(u, t.j, t.jp, t.ujp, L, Lp);
    const double s = u > 0.0 ? 1.0 : -1.0;
    const double ea = coth_excess(a), eb = coth_excess(b);
    // d/du coth(a) = -(coth^2 a - 1) / 2T_1 = -(2 s ea + ea^2) / 2T_1
    const double dca = -(2.0 * s * ea + ea * ea) * K.r1;
    t.h = t.j * (s + ea);
    t.hp = t.jp * (s + ea) + t.j * dca;
    t.cb = s + eb;
    t.jN = t.j * (ea - eb);
    t.djN = t.jp * (ea - eb) + t.j * dca;
    t.jC = t.j * (s * (ea + eb) + ea * eb);
  } else {
    K.eval(u, t.j, t.jp, t.ujp, t.h, t.hp);
    t.cb = coth_half(w, K.T2);
    t.jN = t.h - t.j * t.cb;
    t.djN = t.hp - t.jp * t.cb;
    t.jC = t.h * t.cb - t.j;
  }
  return t;
}

/// Breakpoints shared by every integrand of a parameter point.
std::vector<double> breakpoints(const ModelParams& p, bool with_drive) {
  std::vector<double> b{0.0};
  for (const cplx& z : chi2_poles(p)) {
    const double re = z.real(), wdt = std::abs(z.imag());
    for (double k : {0.0, 1.0, 4.0, 16.0, 64.0}) {
      b.push_back(re - k * wdt);
      b.push_back(re + k * wdt);
    }
  }
  for (double k : {1.0, 5.0, 20.0, 60.0}) {
    if (p.T_2 > 0) {
      b.push_back(-k * p.T_2);
      b.push_back(k * p.T_2);
    }
    if (p.T_1 > 0) {
      b.push_back(-k * p.T_1);
      b.push_back(k * p.T_1);
    }
  }
  for (double k : {0.25, 1.0, 4.0, 16.0}) {
    b.push_back(-k * p.cutoff);
    b.push_back(k * p.cutoff);
  }
  if (with_drive) {
    const double s = -p.Omega;
    b.push_back(s);
    for (double k : {1.0, 5.0, 20.0, 60.0})
      if (p.T_1 > 0) {
        b.push_back(s - k * p.T_1);
        b.push_back(s + k * p.T_1);
      }
    for (double k : {0.25, 1.0, 4.0, 16.0}) {
      b.push_back(s - k * p.cutoff);
      b.push_back(s + k * p.cutoff);
    }
    for (double k : {0.5, 2.0}) b.push_back(-k * p.Omega);
  }
  return b;
}

/// Component indices of the driven integrand (u = w + Omega, N = coth(u/2T_1) - coth(w/2T_2)).
enum Drv {
  kNAA,
  kNBB,
  kNAB,    // J_1(u) N chi''          -> P^(0)      (Eq. 14)
  kDelta,  // Eq. (15) bracket        -> delta P
  kUAA,
  kUBB,
  kUAB,  // u J_1(u) N chi''        -> J_1        (Eq. 17)
  kCAA,
  kCBB,
  kCAB,  // J_1(u) N coth(lambda) chi'' = J_1 (coth a coth b - 1) chi''  (Eq. 18)
  kdNAA,
  kdNBB,
  kdNAB,    // d/dOmega of the first three
  kdDelta,  // d/dOmega of kDelta
  kNDrv
};

/// Component indices of the static integrand (no Omega).
enum Sta {
  kCovAA,
  kCovBB,
  kCovAB,  // coth(w/2T_2) chi''     -> Eq. (12), alpha^dia (D7), delta alpha^dia (D9)
  kReAB,   // chi^(AB)'              -> delta beta^dia (D9)
  kAdAA,
  kAdBB,     // Eq. (D2) bracket chi''
  kAdDelta,  // Eq. (D4) bracket
  kAdDAA,
  kAdDBB,  // Eq. (D5) integrand
  kNSta
};

struct Core {
  double P0_A, P0_B, dP_A, dP_B, J_1, D_PA, D_PB, D_P;
  double dPA_dOmega, dPB_dOmega;
  long evaluations;
  bool converged;
};

Core driven_integrals(const ModelParams& p, const TheoryOptions& opt) {
  const Kernel K(p);
  const double wc = p.cutoff, Om = p.Omega;
  auto f = [&](double w, double* o) {
    const double u = w + Om;
    const Thermal t = thermal(K, u, w);
    const double j = t.j, h = t.h, hp = t.hp, cb = t.cb;
    const Chi2 c = chi2(p, w);
    const double aa = c.AA.imag(), bb = c.BB.imag(), ab = c.AB.imag(), abr = c.AB.real();
    const double jN = t.jN;    // J_1(u) N(w, Omega)
    const double djN = t.djN;  // d/dOmega
    const double jC = t.jC;    // J_1(u) [coth a coth b - 1]
    o[kNAA] = jN * aa;
    o[kNBB] = jN * bb;
    o[kNAB] = jN * ab;
    o[kDelta] = h * abr - u * j * cb * ab / wc;
    o[kUAA] = u * o[kNAA];
    o[kUBB] = u * o[kNBB];
    o[kUAB] = u * o[kNAB];
    o[kCAA] = jC * aa;
    o[kCBB] = jC * bb;
    o[kCAB] = jC * ab;
    o[kdNAA] = djN * aa;
    o[kdNBB] = djN * bb;
    o[kdNAB] = djN * ab;
    o[kdDelta] = hp * abr - t.ujp * cb * ab / wc;  // t.ujp = j + u jp
  };
  QuadOptions qo;
  qo.rtol = opt.rtol;
  QuadStats st;
  const auto I = integrate_real_line<kNDrv>(f, breakpoints(p, true), qo, &st);

  const double pre = 1.0 / (4.0 * kPi * p.mass);
  const double fA = p.f_A(), fB = p.f_B(), dfB = p.df_B_dOmega();
  const double cp = std::cos(p.phi), sp = std::sin(p.phi);
  Core r{};
  r.P0_A = -Om * pre * (fA * fA * I[kNAA] + cp * fA * fB * I[kNAB]);
  r.P0_B = -Om * pre * (fB * fB * I[kNBB] + cp * fA * fB * I[kNAB]);
  r.dP_A = -Om * sp * fA * fB * pre * I[kDelta];
  r.dP_B = -r.dP_A;
  r.J_1 = pre * (fA * fA * I[kUAA] + fB * fB * I[kUBB] + 2.0 * cp * fA * fB * I[kUAB]);
  r.D_PA = Om * Om * fA * fA * pre * I[kCAA];
  r.D_PB = Om * Om * fB * fB * pre * I[kCBB];
  r.D_P = Om * Om * pre * (fA * fA * I[kCAA] + fB * fB * I[kCBB] + 2.0 * cp * fA * fB * I[kCAB]);
  // d/dOmega by the product rule (f_A = 1 is constant; f_B' = r f_B / Omega).
  const double cross = cp * fA * (dfB * I[kNAB] + fB * I[kdNAB]);
  const double dP0A = r.P0_A / Om - Om * pre * (fA * fA * I[kdNAA] + cross);
  const double dP0B =
      r.P0_B / Om - Om * pre * (2.0 * fB * dfB * I[kNBB] + fB * fB * I[kdNBB] + cross);
  const double ddPA = r.dP_A / Om - Om * sp * fA * pre * (dfB * I[kDelta] + fB * I[kdDelta]);
  r.dPA_dOmega = dP0A + ddPA;
  r.dPB_dOmega = dP0B - ddPA;
  r.evaluations = st.evaluations;
  r.converged = st.converged;
  return r;
}

struct Static {
  std::array<double, kNSta> I;
  long evaluations;
  bool converged;
};

Static static_integrals(const ModelParams& p, const TheoryOptions& opt) {
  const Kernel K(p);
  const double wc = p.cutoff;
  auto f = [&](double w, double* o) {
    const Thermal t = thermal(K, w, w);
    const double j = t.j, h = t.h, cb = t.cb;
    const Chi2 c = chi2(p, w);
    const double aa = c.AA.imag(), bb = c.BB.imag(), ab = c.AB.imag(), abr = c.AB.real();
    o[kCovAA] = cb * aa;
    o[kCovBB] = cb * bb;
    o[kCovAB] = cb * ab;
    o[kReAB] = abr;
    // D2: J'(w) N(w,0) - J(w) / (2 T_1 sinh^2(w/2T_1)) = h'(w) - J'(w) coth(w/2T_2)
    o[kAdAA] = t.djN * aa;
    o[kAdBB] = t.djN * bb;
    o[kAdDelta] = h * abr - w * j * cb * ab / wc;
    o[kAdDAA] = t.jC * aa;
    o[kAdDBB] = t.jC * bb;
  };
  QuadOptions qo;
  qo.rtol = opt.rtol;
  QuadStats st;
  Static s{};
  s.I = integrate_real_line<kNSta>(f, breakpoints(p, false), qo, &st);
  s.evaluations = st.evaluations;
  s.converged = st.converged;
  return s;
}

double q_pa(const ModelParams& p, const TheoryOptions& opt) {
  const Core c = driven_integrals(p, opt);
  const double P = c.P0_A + c.P0_B, J2 = -P - c.J_1;
  const double Sdot = -c.J_1 / p.T_1 - J2 / p.T_2;
  const double PA = c.P0_A + c.dP_A;
  return Sdot * c.D_PA / (PA * PA);
}

/// Omega_th of Fig. 10: the Omega above which Q_PA < 2 up to omega_th_max (log scan, then
/// bracketing root on log Omega).  NaN when Q_PA >= 2 at omega_th_max (no threshold in range),
/// omega_th_min when Q_PA < 2 on the whole range.
double omega_threshold(ModelParams p, const TheoryOptions& opt) {
  const int n = 64;
  const double l0 = std::log(opt.omega_th_min), l1 = std::log(opt.omega_th_max);
  auto g = [&](double lw) {
    p.Omega = std::exp(lw);
    return q_pa(p, opt) - 2.0;
  };
  std::vector<double> v(n + 1);
  for (int i = 0; i <= n; ++i) v[i] = g(l0 + (l1 - l0) * i / n);
  if (!(v[n] < 0.0)) return kNaN;
  int k = n;
  while (k > 0 && v[k - 1] < 0.0) --k;
  if (k == 0) return opt.omega_th_min;
  double a = l0 + (l1 - l0) * (k - 1) / n, b = l0 + (l1 - l0) * k / n;
  boost::uintmax_t iters = 100;
  auto tol = boost::math::tools::eps_tolerance<double>(40);
  auto root = boost::math::tools::toms748_solve(g, a, b, v[k - 1], v[k], tol, iters);
  return std::exp(0.5 * (root.first + root.second));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> TheoryOptions::validate() const {
  std::vector<std::pair<std::string, std::string>> bad;
  if (!(rtol >= 1e-14 && rtol <= 1e-3)) bad.emplace_back("theory.rtol", "must be in [1e-14, 1e-3]");
  if (!(omega_th_min > 0.0)) bad.emplace_back("theory.omega_th_min", "must be > 0");
  if (!(omega_th_max > omega_th_min))
    bad.emplace_back("theory.omega_th_max", "must be > theory.omega_th_min");
  return bad;
}

StabilityReport lowest_order_stability(const ModelParams& p) {
  FloquetSpectrum fs;
  fs.period = p.period();
  std::array<std::complex<double>, kStateDim> lambda;
  const auto poles = chi2_poles(p);
  for (int k = 0; k < 4; ++k) lambda[k] = {poles[k].imag(), -poles[k].real()};  // -i w_k
  lambda[4] = {-p.cutoff, 0.0};
  std::sort(lambda.begin(), lambda.end(),
            [](const std::complex<double>& a, const std::complex<double>& b) {
              return a.real() > b.real();
            });
  for (int j = 0; j < kStateDim; ++j) {
    fs.exponents[j] = lambda[j];
    fs.multipliers[j] = std::exp(lambda[j] * fs.period);
  }
  fs.slowest_rate = lambda[0].real();
  StabilityReport st = check_stability(fs);
  st.message = "lowest order in gamma_1 (static problem): " + st.message;
  return st;
}

double pearson_coefficient(double c_AB, double c_AA, double c_BB) {
  const double C = c_AB / std::sqrt(c_AA * c_BB);
  if (std::abs(C) > 1.0 && std::abs(C) - 1.0 <= 1e-12) return C > 0.0 ? 1.0 : -1.0;
  return C;
}

namespace {

/// The driven problem's values: powers, currents, S_dot, D, Q, V, dP/dOmega, eta (Eqs. 14-20).
TheoryDriven driven_values(const ModelParams& p, const Core& c) {
  const double Om = p.Omega;
  TheoryDriven d;
  const double PA = c.P0_A + c.dP_A, PB = c.P0_B + c.dP_B, P = c.P0_A + c.P0_B;
  d.P_A = PA;
  d.P_B = PB;
  d.P = P;
  d.P0_A = c.P0_A;
  d.dP_A = c.dP_A;
  d.P0_B = c.P0_B;
  d.dP_B = c.dP_B;
  const double J2 = -P - c.J_1;
  d.J_1 = c.J_1;
  d.J_2 = J2;
  // S_dot = -J_1/T_1 - J_2/T_2; a zero temperature gives +-inf (reported as null).
  const double Sdot = -c.J_1 / p.T_1 - J2 / p.T_2;
  d.S_dot = Sdot;
  d.D_PA = c.D_PA;
  d.D_PB = c.D_PB;
  d.D_P = c.D_P;
  d.Q_PA = Sdot * c.D_PA / (PA * PA);
  d.Q_PB = Sdot * c.D_PB / (PB * PB);
  d.Q_P = Sdot * c.D_P / (P * P);
  d.V_PA = 2.0 * std::pow(1.0 - Om * c.dPA_dOmega / PA, 2);
  d.V_PB = 2.0 * std::pow(1.0 - Om * c.dPB_dOmega / PB, 2);
  d.dP_A_dOmega = c.dPA_dOmega;
  d.dP_B_dOmega = c.dPB_dOmega;
  d.eta = (PA < 0.0 && PB > 0.0) ? -PA / PB : kNaN;
  return d;
}

/// The static problem's covariances and correlation coefficients (Eqs. 11, 12, 25).
TheoryStatic static_values(const Static& s, double pre) {
  // Eq. (12) with the fluctuation-dissipation prefactor 1/(2 pi m) (twice the printed one).
  TheoryStatic t;
  t.cov_xAxA = 2.0 * pre * s.I[kCovAA];
  t.cov_xBxB = 2.0 * pre * s.I[kCovBB];
  t.cov_xAxB = 2.0 * pre * s.I[kCovAB];
  t.pearson = pearson_coefficient(t.cov_xAxB, t.cov_xAxA, t.cov_xBxB);
  t.pearson_tilde = t.cov_xAxB / t.cov_xAxA;
  return t;
}

/// The asymptotic forms at this Omega (Eqs. 21, 23, D5, D10, 22, 24) from the coefficients.
void appendix_d_asymptotics(const ModelParams& p, const Static& s, double pre, TheoryAppendixD& a) {
  const double Om = p.Omega, fA = p.f_A(), fB = p.f_B();
  const double J1O = driven_bath(p).J(Om);
  a.P_A_ad = Om * Om * fA * fA * a.alpha_ad_A + Om * fA * fB * a.dalpha_ad_A;
  a.P_A_dia = Om * J1O * fA * fA * a.alpha_dia_A +
              Om * fA * fB * J1O * (a.dalpha_dia_A * Om / p.cutoff + a.dbeta_dia_A);
  a.D_PA_ad = Om * Om * fA * fA * pre * s.I[kAdDAA];
  a.D_PA_dia = Om * Om * fA * fA * J1O * thermal_factor(Om, p.T_1, p.classical) * a.alpha_dia_A;
  a.Q_PA_ad = 2.0 * Om * Om * (a.alpha_ad_A + fB * fB * a.alpha_ad_B) * a.alpha_ad_A /
              (fB * fB * a.dalpha_ad_A * a.dalpha_ad_A);
  const double Ct = a.dalpha_dia_A / a.alpha_dia_A;
  a.Q_PA_dia = Om / p.T_1 * (1.0 + fB * fB * a.alpha_dia_B / a.alpha_dia_A) /
               std::pow(1.0 + Ct * fB * Om / p.cutoff, 2);
}

/// Appendix D coefficients (printed 1/(4 pi m) convention, as the power formulas) and the
/// asymptotic forms at this Omega (Eqs. 21-24, D5, D10).
TheoryAppendixD appendix_d_values(const ModelParams& p, const Static& s, double pre) {
  TheoryAppendixD a;
  a.alpha_ad_A = -pre * s.I[kAdAA];
  a.alpha_ad_B = -pre * s.I[kAdBB];
  a.dalpha_ad_A = -pre * s.I[kAdDelta];
  a.dalpha_ad_B = -a.dalpha_ad_A;
  a.Dcoef_ad_A = pre * s.I[kAdDAA];
  a.Dcoef_ad_B = pre * s.I[kAdDBB];
  a.alpha_dia_A = pre * s.I[kCovAA];
  a.alpha_dia_B = pre * s.I[kCovBB];
  a.dalpha_dia_A = pre * s.I[kCovAB];
  a.dalpha_dia_B = -a.dalpha_dia_A;
  a.dbeta_dia_A = -thermal_factor(p.Omega, p.T_1, p.classical) * pre * s.I[kReAB];
  a.dbeta_dia_B = -a.dbeta_dia_A;
  appendix_d_asymptotics(p, s, pre, a);
  return a;
}

/// The unit-mass result -> mass m: the values of dimension length^2 (mass_exponent -1,
/// model.hpp: cov_*, alpha_dia_*, dalpha_dia_*, dbeta_dia_*) divided by m.
void to_mass(TheoryResult& r, double m) {
  for (double* v :
       {&r.stat.cov_xAxA, &r.stat.cov_xBxB, &r.stat.cov_xAxB, &r.appendix_d.alpha_dia_A,
        &r.appendix_d.alpha_dia_B, &r.appendix_d.dalpha_dia_A, &r.appendix_d.dalpha_dia_B,
        &r.appendix_d.dbeta_dia_A, &r.appendix_d.dbeta_dia_B})
    *v = *v / m;
}

}  // namespace

TheoryResult theory_point(const ModelParams& p, const TheoryOptions& opt,
                          std::string* stability_message) {
  if (const auto bad = p.validate(); !bad.empty())
    throw std::invalid_argument("theory: " + bad.front().first + " " + bad.front().second);
  if (p.quartic()) throw InputRefusedError(quartic_refusal("theory", p));
  if (p.mass != 1.0) {  // mass-scaled coordinates (model.hpp): solve at m = 1, rescale
    TheoryResult r = theory_point(with_unit_mass(p), opt, stability_message);
    to_mass(r, p.mass);
    return r;
  }
  const StabilityReport st = lowest_order_stability(p);
  if (stability_message) *stability_message = st.message;
  // Without a steady state every integral is NaN, and so is every value built from them.
  Core c{};
  Static s{};
  if (st.stable) {
    c = driven_integrals(p, opt);
    s = static_integrals(p, opt);
  } else {
    c = Core{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, 0, false};
    s.I.fill(kNaN);
  }
  const double pre = 1.0 / (4.0 * kPi * p.mass);

  TheoryResult r;
  r.driven = driven_values(p, c);
  r.stat = static_values(s, pre);
  r.appendix_d = appendix_d_values(p, s, pre);
  r.f_B = p.f_B();
  r.classical = p.classical;  // D = D_sym: no commutator part
  if (opt.omega_threshold) r.Omega_th = st.stable ? omega_threshold(p, opt) : kNaN;
  r.evaluations = c.evaluations + s.evaluations;
  r.quadrature_converged = c.converged && s.converged;
  r.steady_state = st.stable;
  r.floquet_slowest_rate = st.slowest_rate;
  return r;
}

}  // namespace synctur
