// Exact periodic steady state (src/engines/exact.cpp, docs/EXACT.md): Hill transfer functions,
// first law, gamma_1 -> 0 limit against the lowest-order theory (linear approach), fluctuation-
// dissipation covariances, truncation convergence, refusal without a steady state, second law,
// fluctuations (Wick) against Eq. (18) and its commutator ("-1") term, the optional noise band
// (ExactOptions::noise_band_limit), and the CLI.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "engines/hill_solver.hpp"
#include "support.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/noise/noise.hpp"
#include "synctur/numerics/quadrature.hpp"
#include "synctur/physics/response.hpp"
#include "synctur/physics/spectra.hpp"

using namespace synctur;

namespace {
constexpr double kPi = std::numbers::pi;
using cplx = std::complex<double>;

using test::point;

ExactOptions means_only() {
  ExactOptions o;
  o.fluctuations = false;
  o.omega_derivative = false;
  return o;
}

/// 1/(2 pi m) int dw coth(w/2T_2) chi_2''(w): the fluctuation-dissipation covariances of the
/// static problem (computed here independently of theory.cpp).  With wb > 0, the noise band of
/// the time-domain engine: the integrand times W(|w|)^2 (noise_taper, noise.hpp; the static
/// bath's noise spectrum S_2 W^2, its friction unchanged).
std::array<double, 3> fdt_covariances(const ModelParams& p, double wb = 0.0, double taper = 0.25,
                                      TaperShape shape = TaperShape::Smooth) {
  auto f = [&](double w, double* o) {
    const Chi2 c = chi2(p, w);
    double cb = coth_half(w, p.T_2);
    if (wb > 0.0) cb *= std::pow(noise_taper(w, wb, taper, shape), 2);
    o[0] = cb * c.AA.imag();
    o[1] = cb * c.BB.imag();
    o[2] = cb * c.AB.imag();
  };
  std::vector<double> bp{0.0};
  for (const cplx& z : chi2_poles(p))
    for (double k : {0.0, 1.0, 4.0, 16.0, 64.0}) {
      bp.push_back(z.real() - k * std::abs(z.imag()));
      bp.push_back(z.real() + k * std::abs(z.imag()));
    }
  if (wb > 0.0)
    for (double e : {(1.0 - taper) * wb, wb}) {
      bp.push_back(e);
      bp.push_back(-e);
    }
  QuadOptions qo;
  auto I = integrate_real_line<3>(f, bp, qo);
  for (double& v : I) v /= 2.0 * kPi * p.mass;
  return I;
}
}  // namespace

// The Hill solution satisfies s' = A(t) s + B(t) e_k e^{-i w t} (state_space.hpp's A, B) at
// arbitrary times, up to the truncation at |n| = N.
TEST(exact, HillSolutionSolvesTheEquations) {
  for (const ModelParams& p : {point(1, 0.3, 0.5, 2.0), point(100, 0.01, 0.5, 0.3)}) {
    const HillSolver hs(p);
    const StateSpace& ss = hs.state_space();
    HarmonicResponse R;
    for (double w : {0.1, 0.82, 1.7, 13.0}) {
      hs.solve(w, 16, R);
      for (double t : {0.0, 0.37, 1.9, 4.4}) {
        for (int k = 0; k < 2; ++k) {
          StateVecC s = StateVecC::Zero(), ds = StateVecC::Zero();
          for (int n = -R.N; n <= R.N; ++n) {
            const StateVecC h = k == 0 ? StateVecC(R.H1[n + R.N]) : R.H2(n);
            const cplx e = std::exp(cplx(0.0, (n * p.Omega - w) * t));
            s += h * e;
            ds += cplx(0.0, n * p.Omega - w) * h * e;
          }
          const StateVecC rhs =
              ss.A(t).cast<cplx>() * s + ss.B(t).col(k).cast<cplx>() * std::exp(cplx(0.0, -w * t));
          EXPECT_LT((ds - rhs).norm(), 1e-12 * (ds.norm() + rhs.norm()))
              << "w=" << w << " t=" << t << " k=" << k;
        }
      }
    }
  }
}

// The structured solver (elimination of (x, v), scalar tridiagonal in z, shared resolvents for
// shifted frequencies) agrees with plain block-tridiagonal elimination.
TEST(exact, StructuredSolverMatchesGenericElimination) {
  for (const ModelParams& p : {point(1, 0.3, 0.5, 2.0), point(100, 0.01, 0.5, 0.3)}) {
    const HillSolver hs(p);
    ASSERT_TRUE(hs.structured());
    HarmonicResponse a, b;
    std::vector<HarmonicResponse> sh;
    for (double w : {0.0, 0.1, 0.82, 1.7, 13.0}) {
      for (int N : {1, 4, 9}) {
        hs.solve(w, N, a);
        hs.solve_generic(w, N, b);
        double num = (a.h0 - b.h0).norm(), den = b.h0.norm();
        for (int n = 0; n < 2 * N + 1; ++n) {
          num += (a.H1[n] - b.H1[n]).norm() + (a.dH2[n] - b.dH2[n]).norm();
          den += b.H1[n].norm() + b.dH2[n].norm();
        }
        EXPECT_LT(num, 1e-11 * den) << "w=" << w << " N=" << N;
        hs.solve_shifts(w, N, 3, sh);
        for (int q = -3; q <= 3; ++q) {
          hs.solve_generic(w - q * p.Omega, N, b);
          double nd = 0.0, dd = 0.0;
          for (int n = 0; n < 2 * N + 1; ++n) {
            nd += (sh[q + 3].H1[n] - b.H1[n]).norm() + (sh[q + 3].dH2[n] - b.dH2[n]).norm();
            dd += b.H1[n].norm() + b.dH2[n].norm();
          }
          EXPECT_LT(nd, 1e-11 * dd) << "w=" << w << " shift " << q;
        }
      }
    }
  }
}

// The static channel-2 response carries no net power: Re V0 = m gamma_2 |V0|^2 (V = v_A + v_B),
// the identity that removes the log-divergent part of J_2 (docs/EXACT.md).
TEST(exact, StaticEnergyIdentity) {
  const ModelParams p = point(100, 0.01, 0.5, 2.0);
  const HillSolver hs(p);
  HarmonicResponse R;
  for (double w : {0.01, 0.5, 0.8, 3.0, 1e3, 1e6}) {
    hs.solve(w, 2, R);
    const cplx V = R.h0(kVA) + R.h0(kVB);
    EXPECT_NEAR(V.real() / (p.mass * p.gamma_2 * std::norm(V)), 1.0, 1e-12) << "w=" << w;
  }
}

// First law P + J_1 + J_2 = 0, J_2 from its own integrand; all orders in gamma_1.
TEST(exact, FirstLaw) {
  for (const ModelParams& p : {point(1, 0.01, 0.5, 2.0), point(1, 0.3, 0.2, 0.7),
                               point(100, 0.01, 0.5, 2.0), point(100, 0.01, 0.1, 200.0),
                               point(10, 0.1, 1.0, 5.0, 1000.0), point(0.05, 0.02, 0.3, 1.3)}) {
    const Results r = to_results(exact_point(p, means_only()));
    ASSERT_EQ(r.get("steady_state"), 1.0);
    const double scale = std::abs(r.get("J_1")) + std::abs(r.get("J_2")) + std::abs(r.get("P"));
    EXPECT_LT(std::abs(r.get("P") + r.get("J_1") + r.get("J_2")), 1e-10 * scale)
        << "gamma_2=" << p.gamma_2 << " Omega=" << p.Omega;
    EXPECT_EQ(r.get("quadrature_converged"), 1.0);
    EXPECT_EQ(r.get("hill_converged"), 1.0);
  }
}

// gamma_1 -> 0: exact/gamma_1 -> theory/gamma_1 and the difference shrinks linearly.
TEST(exact, ApproachesTheoryLinearlyInGamma1) {
  struct Case {
    double g2, g1;
  };
  // gamma_2 = 100 needs a smaller gamma_1 to be in the linear regime (docs/EXACT.md).
  for (const Case c : {Case{1.0, 1e-3}, Case{100.0, 1e-4}}) {
    const ModelParams p1 = point(c.g2, c.g1, 0.5, 2.0), p2 = point(c.g2, c.g1 / 10, 0.5, 2.0);
    const Results th = to_results(theory_point(p1));  // theory/gamma_1 does not depend on gamma_1
    const Results e1 = to_results(exact_point(p1, means_only())),
                  e2 = to_results(exact_point(p2, means_only()));
    for (const char* k : {"P_A", "P_B", "J_1", "J_2"}) {
      const double t = th.get(k) / c.g1;
      const double d1 = std::abs(e1.get(k) / p1.gamma_1 - t);
      const double d2 = std::abs(e2.get(k) / p2.gamma_1 - t);
      EXPECT_NEAR(d1 / d2, 10.0, 0.8) << k << " gamma_2=" << c.g2;
      EXPECT_LT(d2, 0.02 * std::abs(t)) << k << " gamma_2=" << c.g2;
    }
  }
}

// dP_l/dOmega by central differences of the exact means (f_B(Omega) = (Omega/w_c)^r included)
// and V_Pl of Eq. 26: independent of the step (h = 1e-3 against 1e-2, O(h^2) = 1e-4 apart) and,
// at gamma_1 = 1e-4, equal to theory's analytic derivative under the integral to O(gamma_1).
TEST(exact, OmegaDerivativeAndVMatchTheory) {
  ModelParams p = point(1.0, 1e-4, 0.5, 2.0);
  p.r = 0.5;
  ExactOptions o = means_only();
  o.omega_derivative = true;
  const Results e = to_results(exact_point(p, o));
  o.omega_step = 1e-2;
  const Results e2 = to_results(exact_point(p, o));
  const Results th = to_results(theory_point(p));
  for (const char* l : {"A", "B"}) {
    const std::string d = std::string("dP_") + l + "_dOmega", v = std::string("V_P") + l;
    EXPECT_NEAR(e.get(d) / e2.get(d), 1.0, 2e-4) << d;
    EXPECT_NEAR(e.get(d) / th.get(d), 1.0, 3e-3)
        << d << " exact " << e.get(d) << " theory " << th.get(d);
    EXPECT_NEAR(e.get(v) / th.get(v), 1.0, 3e-3) << v;
    const double x = 1.0 - p.Omega * e.get(d) / e.get(std::string("P_") + l);
    EXPECT_DOUBLE_EQ(e.get(v), 2.0 * x * x) << v;
  }
}

// Covariances: exact period-averaged <x x> (true second moments) -> the fluctuation-
// dissipation values 1/(2 pi m) int coth chi'' as gamma_1 -> 0; theory's cov_* agree.
TEST(exact, CovariancesFluctuationDissipation) {
  for (const ModelParams& p : {point(1, 1e-7, 0.5, 2.0), point(100, 1e-8, 0.1, 2.0)}) {
    const Results r = to_results(exact_point(p, means_only()));
    const auto fdt = fdt_covariances(p);
    EXPECT_NEAR(r.get("cov_xAxA") / fdt[0], 1.0, 1e-5);
    EXPECT_NEAR(r.get("cov_xBxB") / fdt[1], 1.0, 1e-5);
    EXPECT_NEAR(r.get("cov_xAxB") / fdt[2], 1.0, 1e-4);
    const Results th = to_results(theory_point(p));
    EXPECT_NEAR(r.get("cov_xAxA") / th.get("cov_xAxA"), 1.0, 1e-5);
  }
}

// Hill truncation: the automatically chosen N agrees with a much larger one.
TEST(exact, HillTruncationConverged) {
  for (const ModelParams& p : {point(1, 0.3, 0.3, 2.0), point(100, 0.01, 0.1, 0.3)}) {
    const Results a = to_results(exact_point(p, means_only()));
    ASSERT_EQ(a.get("hill_converged"), 1.0);
    EXPECT_LE(a.get("hill_check"), 1e-11);
    ExactOptions big = means_only();
    big.hill_min = static_cast<int>(a.get("hill_N")) + 10;
    const Results b = to_results(exact_point(p, big));
    EXPECT_EQ(b.get("hill_N"), a.get("hill_N") + 10);
    for (const char* k : {"P_A", "P_B", "J_1", "J_2", "cov_xAxB"})
      EXPECT_NEAR(a.get(k), b.get(k), 1e-9 * std::abs(b.get(k))) << k;
  }
  // fluctuations: N and the range of frequency shifts |p| <= hill_P
  const ModelParams p = point(1, 0.3, 0.2, 0.7);
  const Results a = to_results(exact_point(p));
  ExactOptions big;
  big.hill_min = static_cast<int>(a.get("hill_N")) + 6;
  big.shifts = big.hill_min + 1;
  const Results b = to_results(exact_point(p, big));
  EXPECT_EQ(b.get("hill_P"), big.shifts);
  EXPECT_LT(a.get("hill_P"), b.get("hill_P"));
  for (const char* k : {"D_PA", "D_PB", "D_P", "D_P_comm"})
    EXPECT_NEAR(a.get(k), b.get(k), 1e-9 * std::abs(b.get(k))) << k;
}

// A known unstable point (physics notes section 6, PROPAGATOR.md table): refused.
TEST(exact, RefusesWithoutSteadyState) {
  const ModelParams p = point(300, 0.01, 0.5, 2.5);
  std::string msg;
  const Results r = to_results(exact_point(p, {}, &msg));
  EXPECT_EQ(r.get("steady_state"), 0.0);
  EXPECT_GT(r.get("floquet_slowest_rate"), 0.0);
  EXPECT_TRUE(std::isnan(r.get("P_A")));
  EXPECT_TRUE(std::isnan(r.get("D_PA")));
  EXPECT_NE(msg.find("no periodic steady state"), std::string::npos) << msg;
}

// Second law and Q_P >= 2 (Appendix C) on every random stable point.
TEST(exact, SecondLawOnRandomPoints) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto logu = [&](double a, double b) { return a * std::pow(b / a, u(rng)); };
  int checked = 0;
  for (int i = 0; i < 12; ++i) {
    ModelParams p;
    p.omega_B = logu(0.2, 0.9);
    p.gamma_2 = logu(1e-2, 30.0);
    p.gamma_1 = logu(1e-3, 0.3);
    p.cutoff = logu(0.3, 100.0);
    p.T_2 = logu(0.05, 2.0);
    p.T_1 = logu(0.05, 2.0);
    p.Omega = logu(0.1, 20.0);
    p.phi = 2.0 * kPi * u(rng);
    p.r = u(rng);
    const Results r = to_results(exact_point(p));
    if (r.get("steady_state") != 1.0) continue;
    ++checked;
    EXPECT_GE(r.get("S_dot"), 0.0) << "point " << i;
    EXPECT_LT(std::abs(r.get("first_law_residual_rel")), 1e-9) << "point " << i;
    EXPECT_GE(r.get("Q_P"), 2.0 * (1.0 - 1e-8)) << "point " << i;
  }
  EXPECT_GE(checked, 8);
}

// Fluctuations: gamma_1 -> 0 gives Eq. (18) (theory's D_PA, D_PB, D_P), the commutator part
// gives its "-1" term, D_comm = Omega^2 f_l^2/(4 pi m) int J_1(w + Omega) chi_ll''(w) dw, and the
// symmetrised part its "coth coth" term, D_sym = Omega^2 f_l^2/(4 pi m) int S_1(w + Omega)
// coth(w/2T_2) chi_ll''(w) dw (S_1 = J_1 coth: the symmetrised noise alone), each integral
// computed here from the public response and spectra functions.
TEST(exact, FluctuationsApproachEq18) {
  for (const ModelParams& p : {point(1, 1e-6, 0.5, 2.0), point(1, 1e-6, 0.1, 0.7)}) {
    const Results e = to_results(exact_point(p));
    const Results th = to_results(theory_point(p));
    for (const char* k : {"D_PA", "D_PB", "D_P"})
      EXPECT_NEAR(e.get(k) / th.get(k), 1.0, 1e-4) << k << " Omega=" << p.Omega;
    const BathSpectrum b1 = driven_bath(p);
    auto f = [&](double w, double* o) {
      const Chi2 c = chi2(p, w);
      const double j = b1.J(w + p.Omega), s = b1.S(w + p.Omega) * coth_half(w, p.T_2);
      o[0] = j * c.AA.imag();
      o[1] = j * c.BB.imag();
      o[2] = s * c.AA.imag();
      o[3] = s * c.BB.imag();
    };
    std::vector<double> bp{0.0, -p.Omega};
    for (const cplx& z : chi2_poles(p)) bp.push_back(z.real());
    const auto I = integrate_real_line<4>(f, bp, QuadOptions{});
    const double pre = p.Omega * p.Omega / (4.0 * kPi * p.mass), fB2 = p.f_B() * p.f_B();
    EXPECT_NEAR(e.get("D_PA_comm") / (pre * I[0]), 1.0, 1e-4);
    EXPECT_NEAR(e.get("D_PB_comm") / (pre * fB2 * I[1]), 1.0, 1e-4);
    EXPECT_NEAR(e.get("D_PA_sym") / (pre * I[2]), 1.0, 1e-4) << "Omega=" << p.Omega;
    EXPECT_NEAR(e.get("D_PB_sym") / (pre * fB2 * I[3]), 1.0, 1e-4) << "Omega=" << p.Omega;
  }
}

// The commutator part is state independent: it does not depend on the temperatures.
TEST(exact, CommutatorPartIndependentOfTemperature) {
  ModelParams p = point(1, 0.05, 0.5, 1.5);
  const Results a = to_results(exact_point(p));
  p.T_1 = 0.1;
  p.T_2 = 2.0;
  const Results b = to_results(exact_point(p));
  for (const char* k : {"D_PA_comm", "D_PB_comm", "D_P_comm"})
    EXPECT_NEAR(a.get(k), b.get(k), 1e-8 * std::abs(a.get(k))) << k;
  EXPECT_GT(std::abs(a.get("D_PA_sym") - b.get("D_PA_sym")), 1e-3 * std::abs(a.get("D_PA_sym")));
}

// ---- noise band (ExactOptions::noise_band_limit: the time-domain engine's band-limited noise)

// A band far above every scale changes nothing (to ~1/w_b^2 ~ 1e-8 here); J_2, with its static
// decomposition, is tapered consistently: the first law holds with a band that matters.
TEST(exact, NoiseBandFarAboveAllScalesChangesNothing) {
  const ModelParams p = point(1, 0.01, 0.5, 2.0);
  ExactOptions o;
  o.omega_derivative = false;
  const Results a = to_results(exact_point(p, o));
  o.noise_band_limit = 1e4;
  const Results b = to_results(exact_point(p, o));
  ASSERT_EQ(b.get("quadrature_converged"), 1.0);
  for (const char* k : {"P_A", "P_B", "J_1", "J_2", "cov_xAxA", "cov_xBxB", "cov_xAxB", "D_PA_sym",
                        "D_PB_sym", "D_P_sym", "D_PA_comm", "D_PA", "D_P"})
    EXPECT_NEAR(b.get(k) / a.get(k), 1.0, 1e-6) << k;
  o.noise_band_limit = 5.0;  // inside the thermal and drive scales: everything moves
  for (TaperShape s : {TaperShape::Smooth, TaperShape::Cosine}) {
    o.noise_taper_shape = s;
    const Results c = to_results(exact_point(p, o));
    EXPECT_EQ(c.get("quadrature_converged"), 1.0);
    EXPECT_LT(std::abs(c.get("first_law_residual_rel")), 1e-10);
    EXPECT_GT(std::abs(c.get("J_2") / a.get("J_2") - 1.0), 1e-5);
    EXPECT_GT(std::abs(c.get("cov_xAxA") / a.get("cov_xAxA") - 1.0), 1e-3);
  }
}

// Independent checks of the band-limited integrals as gamma_1 -> 0, by direct quadrature of
// the static susceptibility (response.hpp) with the taper W (noise.hpp):
//  - covariances: 1/(2 pi m) int coth(w/2T_2) chi''(w) W(w)^2 dw (the static bath's noise);
//  - symmetrised part of Eq. (18), the taper at BOTH frequencies of the Wick pair:
//    D_Pl_sym -> Omega^2 f_l^2/(4 pi m) int S_1(w + Omega) W(w + Omega)^2 coth(w/2T_2) chi_ll''(w)
//    W(w)^2 dw (S_1 = J_1 coth, the driven bath's symmetrised spectrum).
// The bands are chosen where they change the values by percent (the checks are at 1e-5 .. 1e-4).
TEST(exact, NoiseBandMatchesTaperedLowestOrderIntegrals) {
  struct Case {
    ModelParams p;
    double wb, taper;
    TaperShape shape;
  };
  for (const Case& c : {Case{point(1, 1e-7, 0.5, 2.0), 3.0, 0.25, TaperShape::Smooth},
                        Case{point(1, 1e-7, 0.5, 2.0), 4.0, 0.5, TaperShape::Cosine},
                        Case{point(100, 1e-8, 0.1, 2.0), 20.0, 0.25, TaperShape::Smooth}}) {
    const ModelParams& p = c.p;
    ExactOptions o = means_only();
    o.noise_band_limit = c.wb;
    o.noise_taper = c.taper;
    o.noise_taper_shape = c.shape;
    const Results r = to_results(exact_point(p, o));
    const auto fdt = fdt_covariances(p, c.wb, c.taper, c.shape);
    const auto full = fdt_covariances(p);
    EXPECT_GT(1.0 - fdt[0] / full[0], 3e-3)
        << "the band must matter (gamma_2 = " << p.gamma_2 << ")";
    EXPECT_NEAR(r.get("cov_xAxA") / fdt[0], 1.0, 1e-5) << "gamma_2=" << p.gamma_2;
    EXPECT_NEAR(r.get("cov_xBxB") / fdt[1], 1.0, 1e-5) << "gamma_2=" << p.gamma_2;
    EXPECT_NEAR(r.get("cov_xAxB") / fdt[2], 1.0, 1e-4) << "gamma_2=" << p.gamma_2;
  }
  // Fluctuations (gamma_1 = 1e-6, as FluctuationsApproachEq18).
  for (const Case& c : {Case{point(1, 1e-6, 0.5, 2.0), 4.0, 0.5, TaperShape::Cosine},
                        Case{point(1, 1e-6, 0.1, 0.7), 3.0, 0.25, TaperShape::Smooth}}) {
    const ModelParams& p = c.p;
    ExactOptions o;
    o.omega_derivative = false;
    const Results a = to_results(exact_point(p, o));
    o.noise_band_limit = c.wb;
    o.noise_taper = c.taper;
    o.noise_taper_shape = c.shape;
    const Results e = to_results(exact_point(p, o));
    const BathSpectrum b1 = driven_bath(p);
    auto W2 = [&](double w) { return std::pow(noise_taper(w, c.wb, c.taper, c.shape), 2); };
    auto f = [&](double w, double* out) {
      const Chi2 x = chi2(p, w);
      const double u = w + p.Omega;
      const double g = b1.S(u) * W2(u) * coth_half(w, p.T_2) * W2(w);
      out[0] = g * x.AA.imag();
      out[1] = g * x.BB.imag();
    };
    std::vector<double> bp{0.0, -p.Omega};
    for (const cplx& z : chi2_poles(p)) bp.push_back(z.real());
    for (double e : {(1.0 - c.taper) * c.wb, c.wb})
      for (double x : {e, -e, e - p.Omega, -e - p.Omega}) bp.push_back(x);
    const auto I = integrate_real_line<2>(f, bp, QuadOptions{});
    const double pre = p.Omega * p.Omega / (4.0 * kPi * p.mass);
    const double dA = pre * I[0], dB = pre * p.f_B() * p.f_B() * I[1];
    EXPECT_GT(std::abs(dA / a.get("D_PA_sym") - 1.0), 1e-2) << "the band must matter";
    EXPECT_NEAR(e.get("D_PA_sym") / dA, 1.0, 1e-4) << "Omega=" << p.Omega;
    EXPECT_NEAR(e.get("D_PB_sym") / dB, 1.0, 1e-4) << "Omega=" << p.Omega;
  }
}

// The band tapers the symmetrised noise only: D_X_comm (from the untapered commutator J J') is
// unchanged, D_X_sym changes, and D_X = D_X_sym - D_X_comm still holds.
TEST(exact, NoiseBandLeavesCommutatorPartUnchanged) {
  for (double T : {0.5, 0.0}) {
    ModelParams p = point(1, 0.05, T, 1.5);
    ExactOptions o;
    o.omega_derivative = false;
    const Results a = to_results(exact_point(p, o));
    o.noise_band_limit = 6.0;
    const Results b = to_results(exact_point(p, o));
    ASSERT_EQ(b.get("quadrature_converged"), 1.0);
    for (const char* l : {"PA", "PB", "P"}) {
      const std::string D = std::string("D_") + l, sym = D + "_sym", comm = D + "_comm";
      EXPECT_NEAR(b.get(comm) / a.get(comm), 1.0, 1e-12) << comm << " T=" << T;
      EXPECT_LT(b.get(sym) / a.get(sym), 1.0 - 1e-3) << sym << " T=" << T;
      EXPECT_NEAR(b.get(D), b.get(sym) - b.get(comm), 1e-14 * std::abs(b.get(sym))) << D;
    }
  }
}

// The band-limit part of the time-domain engine's systematic error at strong static damping
// (gamma_2 = 60, Omega = 0.4, T = 0.15, w_c = 1.2, r = 0; taper 0.25 smooth as the engine's
// default): the offset of every quantity shrinks as w_b grows.  Measured, (band - full)/|full|:
//   w_b      P_A      P_B      cov_xAxA  cov_xAxB  D_PA_sym  D_PB_sym
//   25    -2.962%  +1.135%  -0.641%   -1.176%   -3.32e-4  -2.05e-4
//   50    -1.974%  +0.756%  -0.403%   -0.739%   -1.25e-4  -7.74e-5
//   100   -1.005%  +0.385%  -0.201%   -0.369%   -3.63e-5  -2.25e-5
// (simulate gave -3.0%, -2.0%, -1.0% for P_A, band and time step together).  ~1/w_b while
// w_b <~ gamma_2 (overdamped static response), ~1/w_b^2 beyond (-1.8e-4 at w_b = 1000).
TEST(exact, NoiseBandOffsetShrinksWithBand) {
  ModelParams p = point(60, 0.01, 0.15, 0.4);
  ExactOptions o;
  o.omega_derivative = false;
  const Results a = to_results(exact_point(p, o));
  const char* keys[] = {"P_A", "P_B", "cov_xAxA", "cov_xAxB", "D_PA_sym", "D_PB_sym"};
  std::map<std::string, std::vector<double>> off;
  for (double wb : {25.0, 50.0, 100.0}) {
    o.noise_band_limit = wb;
    const Results b = to_results(exact_point(p, o));
    ASSERT_EQ(b.get("quadrature_converged"), 1.0);
    for (const char* k : keys) off[k].push_back((b.get(k) - a.get(k)) / std::abs(a.get(k)));
  }
  for (const char* k : keys) {
    const auto& d = off[k];
    EXPECT_GT(std::abs(d[0]), std::abs(d[1])) << k;
    EXPECT_GT(std::abs(d[1]), std::abs(d[2])) << k;
    EXPECT_GT(d[0] * d[2], 0.0) << k << ": same sign";
  }
  EXPECT_NEAR(off["P_A"][0], -0.0296, 0.002);
  EXPECT_NEAR(off["P_A"][1], -0.0197, 0.002);
  EXPECT_NEAR(off["P_A"][2], -0.0100, 0.001);
  EXPECT_NEAR(off["P_B"][2], +0.0038, 0.0005);
}

TEST(exact, NoiseBandOptionsValidated) {
  for (double wb :
       {-1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    ExactOptions o;
    o.noise_band_limit = wb;
    ASSERT_FALSE(o.validate().empty()) << wb;
    EXPECT_EQ(o.validate().front().first, "noise_band_limit");
    EXPECT_THROW(to_results(exact_point(point(1, 0.01, 0.5, 2.0), o)), std::invalid_argument);
  }
  for (double t : {0.0, -0.1, 1.5}) {
    ExactOptions o;
    o.noise_taper = t;
    ASSERT_FALSE(o.validate().empty()) << t;
    EXPECT_EQ(o.validate().front().first, "noise_taper");
  }
  ExactOptions o;
  o.noise_taper = 1.0;
  o.noise_band_limit = 30.0;
  EXPECT_TRUE(o.validate().empty());
}

// ---- CLI ----------------------------------------------------------------------------------
namespace {
namespace fs = std::filesystem;

}  // namespace

class exact_cli : public synctur::test::CliHarness {};

TEST_F(exact_cli, PointSweepThreadsAndRefusal) {
  using synctur::test::Outcome;
  const std::string point = quickstart();
  const std::string sweep = config(
      "[sweep]\nx = { key = \"static_bath.gamma\", values = [100.0, 300.0] }\n"
      "y = { key = \"drive.Omega\", values = [2.0, 2.5] }\n",
      "sweep.toml");
  Outcome r = run({"exact", point, "--no-fluctuations"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* k : {"\"P_A\"", "\"J_2\"", "\"cov_xAxB\"", "\"hill_N\"",
                        "\"floquet_slowest_rate\"", "\"steady_state_message\""})
    EXPECT_NE(r.out.find(k), std::string::npos) << k;

  // unstable point: exit 3, the Floquet verdict on stderr, nothing on stdout
  r = run({"exact", point, "--set", "static_bath.gamma=300", "--set", "drive.Omega=2.5"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("no periodic steady state"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());

  // sweep with two unstable points (gamma_2 = 300 at Omega = 2 and 2.5): not fatal, NaN rows,
  // the count on stderr; bit-identical for 1 and 2 threads
  const std::string t1 = (dir_ / "t1.csv").string(), t2 = (dir_ / "t2.csv").string();
  r = run({"exact", sweep, "--no-fluctuations", "--threads", "1", "-o", t1});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("2 of 4 sweep points"), std::string::npos) << r.err;
  r = run({"exact", sweep, "--no-fluctuations", "--threads", "2", "-o", t2});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string s1 = synctur::test::slurp(t1), s2 = synctur::test::slurp(t2);
  EXPECT_EQ(s1, s2);
  EXPECT_NE(s1.find("steady_state"), std::string::npos);
  EXPECT_NE(s1.find("nan"), std::string::npos);
}
