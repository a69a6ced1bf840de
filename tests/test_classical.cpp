// Issue 16, part 1: system.statistics = "classical" in theory, exact and simulate.
//
// Classical statistics replace J(w) coth(w/2T) by its hbar -> 0 limit 2 T J(w)/w and drop the
// commutator part of the fluctuations (D = D_sym).  Checks: the three engines agree in the
// classical mode as they do in the quantum one; classical equilibrium (driven bath off) is
// equipartition with the bare frequencies, <x_l^2> = T/(m w_l^2), <v_l^2> = T/m,
// <x_A x_B> = 0; the quantum results approach the classical ones at high T at the derived rate:
//
//   coth(w/2T) = 2T/w + w/(6T) + O((w/T)^3)   =>   <x_l^2>_q - <x_l^2>_c = 1/(12 m T) + o(1/T)
//
// with the coefficient fixed by the f-sum rule (2/pi) int_0^inf w chi''_ll(w) dw = 1/m (the
// equal-time commutator [x, p] = i) in the static problem (gamma_1 -> 0); in the driven state
// the rate is the same 1/T with a gamma_1-dependent coefficient (see the test); the powers differ
// by a/T (N = coth(u/2T) - coth(w/2T) changes by Omega/(6T)), the D's by a constant (coth*coth - 1
// against (2T)^2/(u w)), i.e. relative O(1/T^2).  The next corrections are O(1/T^2) (absolute,
// for <x^2> and P), not O(1/T^3): the 1/T expansion of coth is not uniform in w and the Ohmic /
// Drude spectra decay too slowly for the w^3/T^3 term to be integrable (docs/CLASSICAL.md).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "noise/noise_stream.hpp"
#include "support.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/noise/noise.hpp"
#include "synctur/numerics/quadrature.hpp"
#include "synctur/physics/response.hpp"
#include "synctur/physics/spectra.hpp"

using namespace synctur;
constexpr double kPi = std::numbers::pi;

namespace {

ModelParams classical_point(double T, double Omega, double gamma_1 = 0.01) {
  ModelParams p;  // m = 1, w_A = 1, w_B = 0.6, gamma_2 = 1, w_c = 1.2, phi = pi/2
  p.T_1 = p.T_2 = T;
  p.Omega = Omega;
  p.gamma_1 = gamma_1;
  p.classical = true;
  return p;
}

SimulationOptions opts(int traj, long periods, unsigned seed = 11) {
  return test::sim_options(traj, periods, seed);
}

double z(const Results& r, const std::string& key, double ref) {
  return test::z_score(r, key, ref);
}

}  // namespace

// The classical spectrum: 2 T J(|w|)/|w| (even, finite at w = 0), zero at T = 0 (no noise),
// and the quantum one approaches it from above as J(w) w/(6T).
TEST(Classical, SpectrumIsTheHbarToZeroLimit) {
  ModelParams p = classical_point(0.5, 2.0);
  for (const BathSpectrum& b : {driven_bath(p), static_bath(p)}) {
    ASSERT_TRUE(b.classical);
    for (double w : {1e-3, 0.3, 2.0, 40.0}) {
      EXPECT_DOUBLE_EQ(b.S(w), 2.0 * b.T * b.J(w) / w);
      EXPECT_DOUBLE_EQ(b.S(-w), b.S(w));
    }
    EXPECT_NEAR(b.S(0.0), b.S(1e-9), 1e-12 * b.S(0.0));
    BathSpectrum q = b;
    q.classical = false;
    q.T = 50.0;
    BathSpectrum c = q;
    c.classical = true;
    const double w = 0.7;
    EXPECT_NEAR((q.S(w) - c.S(w)) / (q.J(w) * w / (6.0 * q.T)), 1.0, 1e-4);
  }
  p.T_1 = p.T_2 = 0.0;
  EXPECT_EQ(static_bath(p).S(1.3), 0.0);
  EXPECT_EQ(driven_bath(p).S(0.0), 0.0);
}

// Classical equilibrium of bath 2 alone (gamma_1 -> 0): theory's covariances are the
// equipartition values of the bare potential, whatever gamma_2 (the counter-term leaves no
// renormalised frequency and no A-B coupling), and exact agrees to O(gamma_1).
TEST(Classical, EquilibriumIsEquipartitionWithBareFrequencies) {
  for (double g2 : {0.1, 1.0, 30.0}) {
    ModelParams p = classical_point(0.7, 2.0, 1e-6);
    p.gamma_2 = g2;
    const Results th = to_results(theory_point(p));
    EXPECT_NEAR(th.get("cov_xAxA"), 0.7 / (p.omega_A * p.omega_A), 1e-7) << g2;
    EXPECT_NEAR(th.get("cov_xBxB"), 0.7 / (p.omega_B * p.omega_B), 1e-7) << g2;
    EXPECT_NEAR(th.get("cov_xAxB"), 0.0, 1e-7) << g2;
    EXPECT_EQ(th.get("classical"), 1.0);
  }
  // The paper's synchronisation measure (Pearson of bath 2 alone, Eq. 11) is a quantum effect
  // in this model: classically C = 0 identically, even where the quantum C is -0.54
  // (gamma_2 = 100, T = 0.1).
  {
    ModelParams p = classical_point(0.1, 2.0, 1e-6);
    p.gamma_2 = 100.0;
    EXPECT_NEAR(to_results(theory_point(p)).get("pearson"), 0.0, 1e-9);
    p.classical = false;
    EXPECT_LT(to_results(theory_point(p)).get("pearson"), -0.5);
  }
  ExactOptions eo;
  eo.fluctuations = false;
  eo.omega_derivative = false;
  const Results e = to_results(exact_point(classical_point(0.7, 2.0, 1e-5), eo));
  EXPECT_NEAR(e.get("cov_xAxA"), 0.7, 1e-4);
  EXPECT_NEAR(e.get("cov_xBxB"), 0.7 / 0.36, 1e-4);
  EXPECT_NEAR(e.get("cov_xAxB"), 0.0, 1e-4);
}

// The same in the time domain: the driven-bath-off run gives <x_l^2> = T/(m w_l^2) and
// <x_A x_B> = 0 within 4 standard errors.  <v_A^2> = T/m from trajectories marched with the
// engine's own plan (step maps and noise): the band-limited noise misses the part of the
// f-sum rule above w_b, so the reference is (T/pi m) int w chi''_AA(w) W(w)^2 dw, computed,
// whose unbanded value is exactly T/m (checked here too).
TEST(Classical, TimeDomainEquilibrium) {
  const double T = 0.5;
  const ModelParams p = classical_point(T, 2.0);
  const SimulationPlan plan(p, opts(8, 3000), /*driven_bath_off=*/true);
  const Results r = simulate(plan, ExecutionContext{2});
  EXPECT_EQ(r.get("band_limit"), plan.static_noise().band_limit());
  EXPECT_LT(std::abs(z(r, "cov_xAxA", T)), 4.0) << r.get("cov_xAxA");
  EXPECT_LT(std::abs(z(r, "cov_xBxB", T / 0.36)), 4.0) << r.get("cov_xBxB");
  EXPECT_LT(std::abs(z(r, "cov_xAxB", 0.0)), 4.0) << r.get("cov_xAxB");
  EXPECT_LT(r.get("cov_xAxA_se"), 0.03 * T);

  // <v_A^2>: the f-sum rule with and without the band.
  const double wb = plan.static_noise().band_limit();
  const NoiseOptions& no = plan.options().noise;
  auto f = [&](double w, double* o) {
    const double chi = chi2(p, w).AA.imag();
    const double W = noise_taper(std::abs(w), wb, no.taper, no.taper_shape);
    o[0] = w * chi;
    o[1] = w * chi * W * W;
  };
  std::vector<double> bp{0.0, wb, -wb};
  for (const cplx& c : chi2_poles(p)) bp.push_back(c.real());
  const auto I = integrate_real_line<2>(f, bp, QuadOptions{});
  EXPECT_NEAR(I[0] / kPi, 1.0 / p.mass, 1e-6);  // f-sum rule
  const double v2_band = T / (kPi * p.mass) * I[1];
  EXPECT_LT(v2_band, T / p.mass);
  // March trajectories (no drive coupling: gamma_1 = 0 in the plan) with the plan's maps.
  const Propagator& prop = plan.propagator();
  const int n = prop.steps_per_period();
  const std::int64_t warm = plan.warmup_periods() * n, steps = 3000LL * n;
  double sum = 0.0, sum2 = 0.0;
  const int units = 8;
  std::vector<double> per(units);
  for (int u = 0; u < units; ++u) {
    NoiseStream s2(plan.static_noise(), RngKey{99, static_cast<std::uint32_t>(u), 2});
    std::vector<double> xi(steps + warm + 1);
    s2.fill(xi.data(), xi.size());
    StateVec s = StateVec::Zero();
    double acc = 0.0;
    for (std::int64_t j = 0; j < warm + steps; ++j) {
      if (j >= warm) acc += s[kVA] * s[kVA];
      s = prop.step(static_cast<int>(j % n), s, NoiseVec(0.0, xi[j]), NoiseVec(0.0, xi[j + 1]));
    }
    per[u] = acc / static_cast<double>(steps);
    sum += per[u];
    sum2 += per[u] * per[u];
  }
  const double mean = sum / units;
  const double se = std::sqrt((sum2 / units - mean * mean) / (units - 1));
  EXPECT_LT(std::abs(mean - v2_band) / se, 4.0)
      << "<v_A^2> " << mean << " +- " << se << " vs " << v2_band << " (T/m = " << T << ")";
  EXPECT_LT(se, 0.02 * T);
}

// Classical T = 0: no noise at all; the steady state is x = 0, every mean vanishes.
TEST(Classical, ZeroTemperatureHasNoNoise) {
  const ModelParams p = classical_point(0.0, 2.0);
  const Results th = to_results(theory_point(p));
  EXPECT_EQ(th.get("P_A"), 0.0);
  EXPECT_EQ(th.get("cov_xAxA"), 0.0);
  const Results r = simulate(SimulationPlan(p, opts(2, 50)), ExecutionContext{1});
  EXPECT_EQ(r.get("P_A"), 0.0);
  EXPECT_EQ(r.get("cov_xBxB"), 0.0);
}

// theory vs exact in the classical mode at small gamma_1, as the quantum tests do: exact/gamma_1
// -> theory/gamma_1 linearly in gamma_1, D -> D (no "-1"), D_comm = 0 exactly.
TEST(Classical, TheoryAndExactAgreeAtSmallGamma1) {
  for (double T : {0.1, 0.5}) {
    const ModelParams p = classical_point(T, 2.0, 1e-5);
    const Results th = to_results(theory_point(p));
    const Results e = to_results(exact_point(p));
    for (const char* k : {"P_A", "P_B", "J_1", "D_PA", "D_PB", "D_P", "cov_xAxA", "cov_xBxB"})
      EXPECT_NEAR(e.get(k) / th.get(k), 1.0, 2e-4) << k << " T=" << T;
    for (const char* k : {"D_PA_comm", "D_PB_comm", "D_P_comm"}) EXPECT_EQ(e.get(k), 0.0) << k;
    EXPECT_EQ(e.get("D_PA"), e.get("D_PA_sym"));
    EXPECT_EQ(e.get("classical"), 1.0);
  }
  // No hbar, no scale but T: at gamma_1 -> 0 (isothermal) the means and covariances are
  // proportional to T, the D's to T^2, exactly; Q = S_dot D / P^2 is independent of T.
  const Results a = to_results(theory_point(classical_point(0.2, 2.0))),
                b = to_results(theory_point(classical_point(0.8, 2.0)));
  for (const char* k : {"P_A", "P_B", "J_1", "cov_xAxA", "cov_xBxB"})
    EXPECT_NEAR(b.get(k) / a.get(k), 4.0, 1e-8) << k;
  for (const char* k : {"D_PA", "D_PB", "D_P"}) EXPECT_NEAR(b.get(k) / a.get(k), 16.0, 1e-7) << k;
  EXPECT_NEAR(b.get("Q_PA") / a.get("Q_PA"), 1.0, 1e-7);
}

// simulate vs exact in the classical mode (all orders in gamma_1), z from the engine's se.
TEST(Classical, SimulateAgreesWithExact) {
  const ModelParams p = classical_point(0.5, 2.0);
  ExactOptions eo;
  eo.fluctuations = false;
  eo.omega_derivative = false;
  const Results e = to_results(exact_point(p, eo));
  SimulationOptions o = opts(8, 3000);
  o.commutator = false;
  const Results r = to_results(SimulationJob(p, o).run(ExecutionContext{2}));
  EXPECT_EQ(r.get("classical"), 1.0);
  for (const char* k : {"P_A", "P_B", "J_1", "cov_xAxA", "cov_xBxB", "cov_xAxB"})
    EXPECT_LT(std::abs(z(r, k, e.get(k))), 4.0)
        << k << ": " << r.get(k) << " +- " << r.get(std::string(k) + "_se") << " vs " << e.get(k);
  EXPECT_LT(r.get("P_A_se"), 0.1 * std::abs(e.get("P_A")));
}

// High T: quantum -> classical at the derived rate.  <x_l^2>: 12 m T (q - c) -> 1 with a
// residual O(1/T) (halving when T doubles); P_A: T (q - c) converges with differences shrinking
// like 1/T; D_PA: q - c tends to a constant while D_PA grows like T^2.  Theory (gamma_1 -> 0)
// and exact (all orders in gamma_1).
TEST(Classical, QuantumApproachesClassicalAtHighTemperature) {
  std::vector<double> res, tp, dd;
  for (double T : {10.0, 20.0, 40.0}) {
    ModelParams c = classical_point(T, 2.0);
    ModelParams q = c;
    q.classical = false;
    const Results tq = to_results(theory_point(q)), tc = to_results(theory_point(c));
    for (const char* k : {"cov_xAxA", "cov_xBxB"})
      EXPECT_NEAR(12.0 * q.mass * T * (tq.get(k) - tc.get(k)), 1.0, 0.25 / T) << k << " T=" << T;
    res.push_back(1.0 - 12.0 * T * (tq.get("cov_xAxA") - tc.get("cov_xAxA")));
    tp.push_back(T * (tq.get("P_A") - tc.get("P_A")));
    dd.push_back(tq.get("D_PA") - tc.get("D_PA"));
    EXPECT_LT(std::abs(dd.back()), 0.5 / (T * T) * tc.get("D_PA"));
  }
  EXPECT_NEAR(res[0] / res[1], 2.0, 0.2);
  EXPECT_NEAR(res[1] / res[2], 2.0, 0.2);
  EXPECT_NEAR((tp[1] - tp[0]) / (tp[2] - tp[1]), 2.0, 0.3);
  EXPECT_NEAR(dd[2] / dd[1], 1.0, 0.05);
  // exact: at gamma_1 -> 0 the same 1/(12 m T); in the driven state (gamma_1 = 0.05) the rate
  // is still 1/T, but the coefficient is larger: the noise of bath 1 reaches x at the sideband
  // w +- Omega, and the difference is weighted by the bath frequency w, the f-sum rule by the
  // system frequency w +- Omega (measured 12 T (q - c) = 1.267 for x_A, 1.305 for x_B).
  ExactOptions eo;
  eo.fluctuations = false;
  eo.omega_derivative = false;
  for (double g1 : {1e-4, 0.05}) {
    std::vector<double> c12;
    for (double T : {20.0, 40.0}) {
      ModelParams c = classical_point(T, 2.0, g1);
      ModelParams q = c;
      q.classical = false;
      const Results eq = to_results(exact_point(q, eo)), ec = to_results(exact_point(c, eo));
      for (const char* k : {"cov_xAxA", "cov_xBxB"}) {
        c12.push_back(12.0 * T * (eq.get(k) - ec.get(k)));
        if (g1 < 1e-3) {
          EXPECT_NEAR(c12.back(), 1.0, 0.25 / T) << k << " T=" << T;
        }
      }
    }
    EXPECT_NEAR(c12[0] / c12[2], 1.0, 0.01) << "x_A, gamma_1 = " << g1;
    EXPECT_NEAR(c12[1] / c12[3], 1.0, 0.01) << "x_B, gamma_1 = " << g1;
    if (g1 > 1e-3) {
      EXPECT_GT(c12[2], 1.1);
    }
  }
}
