// Lowest order in gamma_1, all orders in gamma_2: paper Eqs. (9)-(18), (25), (26), (F1),
// Appendix D and the threshold Omega_th of Fig. 10.  Conventions: docs/THEORY.md.
#include "synctur/theory.hpp"

#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <limits>
#include <numbers>

#include "synctur/quadrature.hpp"
#include "synctur/response.hpp"
#include "synctur/spectra.hpp"

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

/// The driven bath seen through h(u) = J_1(u) coth(u / 2 T_1): smooth (even) across u = 0.
struct DrivenKernel {
  BathSpectrum bath;
  /// J(u), J'(u), h(u) = J(u) coth(u/2T), h'(u)
  void eval(double u, double& j, double& jp, double& h, double& hp) const {
    const double wc = bath.cutoff, mg = bath.mass * bath.gamma;
    const double q = 1.0 + (u / wc) * (u / wc);
    const double L = mg / q, Lp = -mg * 2.0 * u / (wc * wc * q * q);
    j = L * u;
    jp = Lp * u + L;
    double f, df;
    if (bath.T > 0.0) {
      xcothx(u / (2.0 * bath.T), f, df);
      f *= 2.0 * bath.T;  // u coth(u/2T)
    } else {
      f = std::abs(u);
      df = u > 0 ? 1.0 : (u < 0 ? -1.0 : 0.0);
    }
    h = L * f;
    hp = Lp * f + L * df;
  }
};

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
  kNAA, kNBB, kNAB,        // J_1(u) N chi''          -> P^(0)      (Eq. 14)
  kDelta,                  // Eq. (15) bracket        -> delta P
  kUAA, kUBB, kUAB,        // u J_1(u) N chi''        -> J_1        (Eq. 17)
  kCAA, kCBB, kCAB,        // J_1(u) N coth(lambda) chi'' = J_1 (coth a coth b - 1) chi''  (Eq. 18)
  kdNAA, kdNBB, kdNAB,     // d/dOmega of the first three
  kdDelta,                 // d/dOmega of kDelta
  kNDrv
};

/// Component indices of the static integrand (no Omega).
enum Sta {
  kCovAA, kCovBB, kCovAB,  // coth(w/2T_2) chi''     -> Eq. (12), alpha^dia (D7), delta alpha^dia (D9)
  kReAB,                   // chi^(AB)'              -> delta beta^dia (D9)
  kAdAA, kAdBB,            // Eq. (D2) bracket chi''
  kAdDelta,                // Eq. (D4) bracket
  kAdDAA, kAdDBB,          // Eq. (D5) integrand
  kNSta
};

struct Core {
  double P0_A, P0_B, dP_A, dP_B, J_1, D_PA, D_PB, D_P;
  double dPA_dOmega, dPB_dOmega;
  long evaluations;
  bool converged;
};

Core driven_integrals(const ModelParams& p, const TheoryOptions& opt) {
  const DrivenKernel K{driven_bath(p)};
  const double wc = p.cutoff, T2 = p.T_2, Om = p.Omega;
  auto f = [&](double w, double* o) {
    const double u = w + Om;
    double j, jp, h, hp;
    K.eval(u, j, jp, h, hp);
    const double cb = coth_half(w, T2);
    const Chi2 c = chi2(p, w);
    const double aa = c.AA.imag(), bb = c.BB.imag(), ab = c.AB.imag(), abr = c.AB.real();
    const double jN = h - j * cb;        // J_1(u) N(w, Omega)
    const double djN = hp - jp * cb;     // d/dOmega
    const double jC = h * cb - j;        // J_1(u) [coth a coth b - 1]
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
    o[kdDelta] = hp * abr - (j + u * jp) * cb * ab / wc;
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
  const double dP0B = r.P0_B / Om - Om * pre * (2.0 * fB * dfB * I[kNBB] + fB * fB * I[kdNBB] + cross);
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
  const DrivenKernel K{driven_bath(p)};
  const double wc = p.cutoff, T2 = p.T_2;
  auto f = [&](double w, double* o) {
    double j, jp, h, hp;
    K.eval(w, j, jp, h, hp);
    const double cb = coth_half(w, T2);
    const Chi2 c = chi2(p, w);
    const double aa = c.AA.imag(), bb = c.BB.imag(), ab = c.AB.imag(), abr = c.AB.real();
    o[kCovAA] = cb * aa;
    o[kCovBB] = cb * bb;
    o[kCovAB] = cb * ab;
    o[kReAB] = abr;
    // D2: J'(w) N(w,0) - J(w) / (2 T_1 sinh^2(w/2T_1)) = h'(w) - J'(w) coth(w/2T_2)
    o[kAdAA] = (hp - jp * cb) * aa;
    o[kAdBB] = (hp - jp * cb) * bb;
    o[kAdDelta] = h * abr - w * j * cb * ab / wc;
    o[kAdDAA] = (h * cb - j) * aa;
    o[kAdDBB] = (h * cb - j) * bb;
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

Results theory_point(const ModelParams& p, const TheoryOptions& opt) {
  const Core c = driven_integrals(p, opt);
  const Static s = static_integrals(p, opt);
  const double pre = 1.0 / (4.0 * kPi * p.mass);
  const double Om = p.Omega, fA = p.f_A(), fB = p.f_B();

  Results r;
  const double PA = c.P0_A + c.dP_A, PB = c.P0_B + c.dP_B, P = c.P0_A + c.P0_B;
  r.set("P_A", PA);
  r.set("P_B", PB);
  r.set("P", P);
  r.set("P0_A", c.P0_A);
  r.set("dP_A", c.dP_A);
  r.set("P0_B", c.P0_B);
  r.set("dP_B", c.dP_B);
  const double J2 = -P - c.J_1;
  r.set("J_1", c.J_1);
  r.set("J_2", J2);
  // S_dot = -J_1/T_1 - J_2/T_2; a zero temperature gives +-inf (reported as null).
  const double Sdot = -c.J_1 / p.T_1 - J2 / p.T_2;
  r.set("S_dot", Sdot);
  r.set("D_PA", c.D_PA);
  r.set("D_PB", c.D_PB);
  r.set("D_P", c.D_P);
  r.set("Q_PA", Sdot * c.D_PA / (PA * PA));
  r.set("Q_PB", Sdot * c.D_PB / (PB * PB));
  r.set("Q_P", Sdot * c.D_P / (P * P));
  const double VA = 2.0 * std::pow(1.0 - Om * c.dPA_dOmega / PA, 2);
  const double VB = 2.0 * std::pow(1.0 - Om * c.dPB_dOmega / PB, 2);
  r.set("V_PA", VA);
  r.set("V_PB", VB);
  r.set("dP_A_dOmega", c.dPA_dOmega);
  r.set("dP_B_dOmega", c.dPB_dOmega);
  r.set("eta", (PA < 0.0 && PB > 0.0) ? -PA / PB : kNaN);

  // Eq. (12) with the fluctuation-dissipation prefactor 1/(2 pi m) (twice the printed one).
  const double covAA = 2.0 * pre * s.I[kCovAA], covBB = 2.0 * pre * s.I[kCovBB],
               covAB = 2.0 * pre * s.I[kCovAB];
  r.set("cov_xAxA", covAA);
  r.set("cov_xBxB", covBB);
  r.set("cov_xAxB", covAB);
  r.set("pearson", covAB / std::sqrt(covAA * covBB));
  r.set("pearson_tilde", covAB / covAA);

  // Appendix D coefficients (printed 1/(4 pi m) convention, as the power formulas).
  const double alpha_ad_A = -pre * s.I[kAdAA], alpha_ad_B = -pre * s.I[kAdBB];
  const double dalpha_ad_A = -pre * s.I[kAdDelta];
  const double alpha_dia_A = pre * s.I[kCovAA], alpha_dia_B = pre * s.I[kCovBB];
  const double dalpha_dia_A = pre * s.I[kCovAB];
  const double dbeta_dia_A = -coth_half(Om, p.T_1) * pre * s.I[kReAB];
  r.set("alpha_ad_A", alpha_ad_A);
  r.set("alpha_ad_B", alpha_ad_B);
  r.set("dalpha_ad_A", dalpha_ad_A);
  r.set("dalpha_ad_B", -dalpha_ad_A);
  r.set("Dcoef_ad_A", pre * s.I[kAdDAA]);
  r.set("Dcoef_ad_B", pre * s.I[kAdDBB]);
  r.set("alpha_dia_A", alpha_dia_A);
  r.set("alpha_dia_B", alpha_dia_B);
  r.set("dalpha_dia_A", dalpha_dia_A);
  r.set("dalpha_dia_B", -dalpha_dia_A);
  r.set("dbeta_dia_A", dbeta_dia_A);
  r.set("dbeta_dia_B", -dbeta_dia_A);
  // Asymptotic forms evaluated at this Omega (Eqs. 21, 23, D5, D10, 22, 24).
  const double J1O = driven_bath(p).J(Om);
  const double PA_ad = Om * Om * fA * fA * alpha_ad_A + Om * fA * fB * dalpha_ad_A;
  const double PA_dia =
      Om * J1O * fA * fA * alpha_dia_A + Om * fA * fB * J1O * (dalpha_dia_A * Om / p.cutoff + dbeta_dia_A);
  r.set("P_A_ad", PA_ad);
  r.set("P_A_dia", PA_dia);
  r.set("D_PA_ad", Om * Om * fA * fA * pre * s.I[kAdDAA]);
  r.set("D_PA_dia", Om * Om * fA * fA * J1O * coth_half(Om, p.T_1) * alpha_dia_A);
  r.set("Q_PA_ad", 2.0 * Om * Om * (alpha_ad_A + fB * fB * alpha_ad_B) * alpha_ad_A /
                       (fB * fB * dalpha_ad_A * dalpha_ad_A));
  const double Ct = dalpha_dia_A / alpha_dia_A;
  r.set("Q_PA_dia", Om / p.T_1 * (1.0 + fB * fB * alpha_dia_B / alpha_dia_A) /
                        std::pow(1.0 + Ct * fB * Om / p.cutoff, 2));
  r.set("f_B", fB);

  if (opt.omega_threshold) r.set("Omega_th", omega_threshold(p, opt));
  r.set("evaluations", static_cast<double>(c.evaluations + s.evaluations));
  r.set("quadrature_converged", (c.converged && s.converged) ? 1.0 : 0.0);
  return r;
}

}  // namespace synctur
