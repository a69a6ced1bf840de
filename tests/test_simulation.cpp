// Tests of the time-domain engine (simulation.hpp).  Statistical comparisons use fixed seeds and
// tolerances of 4 standard errors taken from the engine's own batch-means/jackknife errors
// (for a correct engine a single comparison fails with probability 6e-5; the seeds are fixed,
// so the outcome is deterministic).  References: the lowest-order theory (theory.hpp) where it
// is accurate (gamma_2 = 1, gamma_1 <= 1e-2: higher orders are ~2e-3 relative, far below the
// errors here), classical equipartition, exact identities.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "support.hpp"
#include "synctur/dynamics/commutator.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/theory.hpp"

using namespace synctur;
using synctur::test::expect_bitwise;

namespace {

ModelParams quick(double T, double Omega) {
  return test::isothermal_point(1.0, T, Omega);
}

SimulationOptions opts(int traj, long periods, unsigned seed = 7) {
  return test::sim_options(traj, periods, seed);
}

double z(const Results& r, const std::string& key, double ref) {
  return test::z_score(r, key, ref);
}

}  // namespace

// Driven bath off: the stationary state of bath 2 alone is the fluctuation-dissipation state,
// <x_l x_l'> = (1/2 pi m) int coth(w/2T) chi''_ll'(w) dw (theory.hpp cov_*, exact in gamma_2).
TEST(Simulation, StaticCovariancesMatchFluctuationDissipation) {
  for (double T : {0.1, 0.5}) {
    const ModelParams p = quick(T, 2.0);
    const Results th = to_results(theory_point(p));
    const SimulationPlan plan(p, opts(8, 3000), /*driven_bath_off=*/true);
    const Results r = simulate(plan, ExecutionContext{2});
    for (const char* k : {"cov_xAxA", "cov_xBxB", "cov_xAxB"}) {
      EXPECT_LT(std::abs(z(r, k, th.get(k))), 4.0)
          << "T=" << T << " " << k << ": " << r.get(k) << " +- " << r.get(std::string(k) + "_se")
          << " vs " << th.get(k);
      EXPECT_LT(r.get(std::string(k) + "_se"),
                0.05 * std::sqrt(th.get("cov_xAxA") * th.get("cov_xBxB")));
    }
    EXPECT_LT(std::abs(z(r, "pearson", th.get("pearson"))), 4.0);
  }
}

// High T: classical equipartition with the bare frequencies (the counter-term makes the
// bath-2 potential renormalisation vanish): <x_l^2> = T/(m w_l^2), <x_A x_B> = 0.  Quantum
// corrections are (w/T)^2/12 ~ 1e-3 at T = 10, below the 4-sigma band (~2%).
TEST(Simulation, ClassicalEquipartitionAtHighTemperature) {
  const double T = 10.0;
  const ModelParams p = quick(T, 2.0);
  const SimulationPlan plan(p, opts(8, 2000), /*driven_bath_off=*/true);
  const Results r = simulate(plan, ExecutionContext{2});
  EXPECT_LT(std::abs(z(r, "cov_xAxA", T / (p.omega_A * p.omega_A))), 4.0) << r.get("cov_xAxA");
  EXPECT_LT(std::abs(z(r, "cov_xBxB", T / (p.omega_B * p.omega_B))), 4.0) << r.get("cov_xBxB");
  EXPECT_LT(std::abs(z(r, "cov_xAxB", 0.0)), 4.0) << r.get("cov_xAxB");
}

// Mean powers and heat current vs the lowest-order formulas (Eqs. 14-17) at gamma_2 = 1,
// gamma_1 = 0.01, at two temperatures and two drive frequencies.
TEST(Simulation, MeanPowersMatchTheoryAtWeakCoupling) {
  struct Case {
    double T, Omega;
  };
  for (const Case c : {Case{0.5, 2.0}, Case{0.1, 2.0}, Case{0.5, 0.7}}) {
    const ModelParams p = quick(c.T, c.Omega);
    const Results th = to_results(theory_point(p));
    const Results r =
        simulate(SimulationPlan(p, opts(8, c.Omega < 1 ? 1500 : 3000)), ExecutionContext{2});
    for (const char* k : {"P_A", "P_B", "J_1", "P", "J_2", "S_dot"}) {
      EXPECT_LT(std::abs(z(r, k, th.get(k))), 4.0)
          << "T=" << c.T << " Omega=" << c.Omega << " " << k << ": " << r.get(k) << " +- "
          << r.get(std::string(k) + "_se") << " vs theory " << th.get(k);
    }
    // The errors are small enough for the comparison to mean something (<= 10% of |P_A|).
    EXPECT_LT(r.get("P_A_se"), 0.1 * std::abs(th.get("P_A")));
    // Batches are long compared with the correlation time.  (The directly measured J_2 is
    // dominated by the noise near the band limit, where the in-step interpolation distorts it:
    // it is a diagnostic only, J_2 = -P - J_1 is the estimate; docs/SIMULATION.md.)
    EXPECT_GT(r.get("batch_over_tau"), 5.0);
  }
}

// The same seed gives bit-identical results for any thread count; another seed does not.
TEST(Simulation, BitIdenticalAcrossThreadCounts) {
  const ModelParams p = quick(0.5, 2.0);
  const SimulationPlan plan(p, opts(6, 200));
  const Results r1 = simulate(plan, ExecutionContext{1}), r2 = simulate(plan, ExecutionContext{2});
  expect_bitwise(r1, r2, "1 vs 2 threads");
  const Results r3 = simulate(SimulationPlan(p, opts(6, 200, 8)), ExecutionContext{2});
  EXPECT_NE(r1.get("P_A"), r3.get("P_A"));
  EXPECT_LT(std::abs(r1.get("P_A") - r3.get("P_A")),
            4.0 * std::hypot(r1.get("P_A_se"), r3.get("P_A_se")));
}

// Units in SIMD lanes (unit_runner.hpp): one unit at a time, groups of up to 3 (lane width 4
// with an idle lane) and of up to 8, on 1 and 2 threads, give the same bits, with and without
// antithetic pairs, with Simpson's and the grid-point rule, linear and quartic.  11 trajectories
// without pairs = 11 units: groups 8 + 3 on one thread, 6 + 5 on two.
TEST(Simulation, BitIdenticalAcrossLaneWidths) {
  for (const bool anti : {true, false})
    for (const char* rule : {"simpson", "left"})
      for (const double lambda : {0.0, 0.3}) {
        ModelParams p = quick(0.5, 2.0);
        p.quartic_A = lambda;
        SimulationOptions o = opts(anti ? 10 : 11, 60);
        o.antithetic = anti;
        o.quadrature = rule;
        const SimulationPlan plan(p, o);
        const std::string what =
            std::string(anti ? "pairs " : "single ") + rule + (lambda > 0 ? " quartic" : " linear");
        ExecutionContext one{1};
        one.max_lanes = 1;
        const Results r1 = simulate(plan, one);
        for (const int lanes : {3, 8})
          for (const int threads : {1, 2}) {
            ExecutionContext c{threads};
            c.max_lanes = lanes;
            expect_bitwise(r1, simulate(plan, c),
                           what + ", " + std::to_string(lanes) + " lanes, " +
                               std::to_string(threads) + " threads");
          }
      }
}

// A known unstable case is refused with the Floquet message; a stable strongly damped case is
// accepted with the warm-up from its slowest rate.
TEST(Simulation, RefusesParametersWithoutSteadyState) {
  ModelParams p = quick(0.5, 2.5);
  p.gamma_2 = 300.0;
  try {
    SimulationPlan plan(p, opts(2, 10));
    FAIL() << "unstable case accepted";
  } catch (const NoSteadyStateError& e) {
    EXPECT_GT(e.slowest_rate(), 1e-4);
    EXPECT_NE(std::string(e.what()).find("grows at rate +1.5"), std::string::npos) << e.what();
  }
  p.gamma_2 = 100.0;
  p.Omega = 2.0;
  SimulationOptions o = opts(2, 10);
  o.warmup_decay = 1e-6;
  const SimulationPlan plan(p, o);
  const double rate = plan.floquet().slowest_rate;
  EXPECT_NEAR(rate, -1.1976e-4, 2e-7);
  EXPECT_NEAR(plan.warmup_periods() * p.period(), std::log(1e6) / -rate, p.period());
}

// Convergence in dt at a fixed noise realisation: noise synthesised on the finest grid and
// decimated (simulation.noise_decimation) so that runs with n, 2n, 4n steps per period see the
// same noise.  The differences shrink by 4 per halving: second order, as the interpolation of
// the noise inside a step predicts (docs/PROPAGATOR.md).
// Both in-step quadratures, each fixed along the sequence ("auto" would switch rule between
// n = 24 (w_c dt = 0.16) and n = 48).
TEST(Simulation, SecondOrderConvergenceInDtWithCommonRandomNumbers) {
  const ModelParams p = quick(0.5, 2.0);
  for (const char* rule : {"left", "simpson"}) {
    double v[4][2];
    const int n0 = 24;
    for (int i = 0; i < 4; ++i) {
      SimulationOptions o = opts(2, 200);
      o.steps_per_period = n0 << i;
      o.noise_decimation = 8 >> i;
      o.noise.band_limit = 10.6;
      o.quadrature = rule;
      const Results r = simulate(SimulationPlan(p, o), ExecutionContext{2});
      v[i][0] = r.get("P_A");
      v[i][1] = r.get("cov_xAxA");
    }
    for (int q = 0; q < 2; ++q) {
      const double d1 = v[0][q] - v[1][q], d2 = v[1][q] - v[2][q], d3 = v[2][q] - v[3][q];
      EXPECT_NEAR(d1 / d2, 4.0, 0.6) << rule << " quantity " << q << ": " << d1 << " " << d2;
      EXPECT_NEAR(d2 / d3, 4.0, 0.6) << rule << " quantity " << q << ": " << d2 << " " << d3;
    }
  }
}

// Convergence in the band limit at a fixed seed: the white inputs are keyed by their global
// index, so runs that differ only in w_b filter the same white noise.  The missing noise above
// w_b changes <x_A^2> by ~ c / w_b^2: the changes shrink monotonically, and the widest bands
// agree far within the statistical error.
TEST(Simulation, ConvergesInTheNoiseBandLimitWithCommonRandomNumbers) {
  const ModelParams p = quick(0.5, 2.0);
  std::vector<double> cov, pa, se;
  for (double wb : {12.0, 24.0, 48.0}) {
    SimulationOptions o = opts(2, 300);
    o.steps_per_period = 192;
    o.noise.band_limit = wb;
    const Results r = simulate(SimulationPlan(p, o), ExecutionContext{2});
    cov.push_back(r.get("cov_xAxA"));
    pa.push_back(r.get("P_A"));
    se.push_back(r.get("cov_xAxA_se"));
  }
  const double d1 = std::abs(cov[0] - cov[1]), d2 = std::abs(cov[1] - cov[2]);
  EXPECT_LT(d2, d1);
  EXPECT_LT(d2, 0.1 * se[2]);
  EXPECT_LT(std::abs(pa[1] - pa[2]), std::abs(pa[0] - pa[1]) + 1e-12);
}

// Antithetic pairs cancel the odd-in-xi_1 part of the mean powers: at gamma_2 = 1 the
// variance of P_A drops by a large factor (~1/gamma_1 scale), and the estimate agrees with a
// run without pairs.
TEST(Simulation, AntitheticPairsReduceVariance) {
  const ModelParams p = quick(0.5, 2.0);
  const Results a = simulate(SimulationPlan(p, opts(8, 1000)), ExecutionContext{2});
  EXPECT_GT(a.get("antithetic_vrf_P_A"), 3.0);
  SimulationOptions o = opts(8, 1000);
  o.antithetic = false;
  const Results b = simulate(SimulationPlan(p, o), ExecutionContext{2});
  EXPECT_FALSE(b.has("antithetic_vrf_P_A"));
  EXPECT_LT(std::abs(a.get("P_A") - b.get("P_A")),
            4.0 * std::hypot(a.get("P_A_se"), b.get("P_A_se")));
  EXPECT_GT(b.get("P_A_se"), 1.5 * a.get("P_A_se"));
}

// The symmetrised fluctuation D_sym from the streaming autocovariance of the period-averaged
// powers agrees with the batch-means estimate (batches >> correlation time) within errors, and
// is positive and precise.
TEST(Simulation, FluctuationEstimatorsAgree) {
  const ModelParams p = quick(0.5, 2.0);
  const Results r = simulate(SimulationPlan(p, opts(8, 20000)), ExecutionContext{2});
  for (const char* k : {"D_PA_sym", "D_PB_sym", "D_P_sym"}) {
    const std::string K(k);
    EXPECT_GT(r.get(K), 0.0);
    EXPECT_LT(r.get(K + "_se"), 0.03 * r.get(K)) << K;
    EXPECT_LT(std::abs(r.get(K) - r.get(K + "_batch")),
              4.0 * std::hypot(r.get(K + "_se"), r.get(K + "_batch_se")))
        << K << " " << r.get(K) << " vs batch " << r.get(K + "_batch");
  }
}

// dP_l/dOmega from paired runs at Omega (1 +- h) with common random numbers, and the bound
// V_Pl = 2 (1 - Omega dP_l/dOmega / P_l)^2 of Eq. 26, against the theory (analytic derivative
// under the integral), with jackknife errors over the three runs together.
TEST(Simulation, OmegaDerivativeAndGeneralizedBound) {
  const ModelParams p = quick(0.5, 2.0);
  const Results th = to_results(theory_point(p));
  SimulationOptions o = opts(8, 8000);
  o.omega_derivative = true;
  const Results r = simulate(p, o, ExecutionContext{2});
  for (const char* k : {"dP_A_dOmega", "dP_B_dOmega", "V_PA", "V_PB"}) {
    EXPECT_LT(std::abs(z(r, k, th.get(k))), 4.0)
        << k << ": " << r.get(k) << " +- " << r.get(std::string(k) + "_se") << " vs " << th.get(k);
    EXPECT_GT(r.get(std::string(k) + "_se"), 0.0);
  }
  EXPECT_LT(r.get("dP_A_dOmega_se"), 0.5 * std::abs(th.get("dP_A_dOmega")));
}

// The quantum fluctuation D = D_sym - D_comm against Eq. (18) where the lowest order holds
// (gamma_2 = 1, gamma_1 = 1e-3: higher orders ~0.3%, T = 0.1 where the "-1" term is ~8% of D):
// the full D agrees with Eq. (18) and excludes Eq. (18) without its "-1" term; the classical
// sampling D_sym alone does the opposite.  The "-1" term is D_comm at lowest order
// (tests/test_commutator.cpp): Eq. 18 without it = Eq. 18 + D_comm.
TEST(Simulation, QuantumFluctuationsNeedTheCommutatorTerm) {
  ModelParams p = quick(0.1, 2.0);
  p.gamma_1 = 1e-3;
  const Results th = to_results(theory_point(p));
  const Results r = simulate(p, opts(32, 60000), ExecutionContext{2});
  const double eq18 = th.get("D_PA");
  const double without = eq18 + r.get("D_PA_comm");
  const double se = r.get("D_PA_se"), se_sym = r.get("D_PA_sym_se");
  EXPECT_LT(std::abs(r.get("D_PA") - eq18), 4.0 * se) << r.get("D_PA") << " vs " << eq18;
  EXPECT_GT(std::abs(r.get("D_PA") - without), 4.0 * se) << r.get("D_PA") << " vs " << without;
  EXPECT_GT(std::abs(r.get("D_PA_sym") - eq18), 4.0 * se_sym);
  EXPECT_LT(std::abs(r.get("D_PA_sym") - without), 4.0 * se_sym)
      << r.get("D_PA_sym") << " vs " << without;
  EXPECT_LT(r.get("D_PA_comm"), 0.0);  // the quantum correction increases D here
}

// TUR ratios: Q_P >= 2 (Appendix C) holds within errors, far above 2 at Omega/T = 20; the
// adiabatic violation Q_PA < 2 predicted at Omega = 0.3, T = 0.1 (theory 0.25) is found with
// Q_PA + 4 se < 2.
TEST(Simulation, TurRatios) {
  {
    const Results r = simulate(quick(0.1, 2.0), opts(32, 2500), ExecutionContext{2});
    EXPECT_GT(r.get("Q_P") - 4.0 * r.get("Q_P_se"), 2.0) << r.get("Q_P");
  }
  const ModelParams p = quick(0.1, 0.3);
  const Results th = to_results(theory_point(p));
  ASSERT_LT(th.get("Q_PA"), 0.5);
  const Results r = simulate(p, opts(32, 3000), ExecutionContext{2});
  EXPECT_LT(r.get("Q_PA") + 4.0 * r.get("Q_PA_se"), 2.0)
      << r.get("Q_PA") << " +- " << r.get("Q_PA_se");
  EXPECT_GT(r.get("Q_P") + 4.0 * r.get("Q_P_se"), 2.0) << r.get("Q_P");
  EXPECT_LT(std::abs(z(r, "P_A", th.get("P_A"))), 4.0);
}

// Bad options give one message naming the key.
TEST(Simulation, InvalidOptionsNameTheKey) {
  SimulationOptions o = opts(3, 100);  // odd with antithetic pairs
  try {
    SimulationPlan plan(quick(0.5, 2.0), o);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("simulation.trajectories"), std::string::npos);
  }
}

TEST(Simulation, QuadratureAndCutoffBandOptions) {
  SimulationOptions o;
  o.quadrature = "trapezoid";
  o.cutoff_band = -1.0;
  const auto bad = o.validate();
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].first, "simulation.cutoff_band");
  EXPECT_EQ(bad[1].first, "simulation.quadrature");
  // cutoff_band = 6: the automatic step resolves the Drude cutoff, band max_band_fraction
  // pi/dt >= 6 w_c ("auto" with bias = "correct" drops it here: test_simulation_options.cpp).
  ModelParams p = quick(0.5, 2.0);
  p.cutoff = 1000.0;
  SimulationOptions d;
  d.cutoff_band = 6.0;
  const double dt = simulation_dt(p, d);
  EXPECT_GE(d.noise.max_band_fraction * 3.14159265358979 / dt, 6.0 * p.cutoff * (1 - 1e-9));
  EXPECT_LE(p.cutoff * dt, 3.14159265358979 / 12.0 * (1 + 1e-9));
  d.cutoff_band = 0.0;  // w_c ignored: the step follows the oscillators and the drive only
  EXPECT_GT(simulation_dt(p, d), 80.0 * dt);  // 0.02575 vs 2.62e-4
  // "auto": Simpson iff w_c dt > 0.1.
  EXPECT_TRUE(uses_simpson(p, SimulationOptions{}, dt));                      // 1000 x 2.6e-4
  EXPECT_FALSE(uses_simpson(quick(0.5, 2.0), SimulationOptions{}, 0.02575));  // 1.2 x 0.026
  SimulationOptions s;
  s.quadrature = "simpson";
  EXPECT_TRUE(uses_simpson(quick(0.5, 2.0), s, 0.02575));
  s.quadrature = "left";
  EXPECT_FALSE(uses_simpson(p, s, dt));
}

// Batches must span >= 20 relaxation times; a run with fewer than 8 of them per unit says that
// its errors are uncertain (they came out 1.35x too small at the Fig. 4 point with 3 per unit).
TEST(Simulation, WarnsWhenFewBatchesPerUnit) {
  auto warnings = [](const Results& r) {
    for (const auto& [k, v] : r.texts())
      if (k == "warnings") return v;
    return std::string();
  };
  const Results short_run =
      simulate(SimulationPlan(quick(0.5, 2.0), opts(4, 300)), ExecutionContext{2});
  EXPECT_LT(short_run.get("n_batches") / short_run.get("jackknife_units"), 8.0);
  EXPECT_NE(warnings(short_run).find("batches per unit"), std::string::npos);
  const Results long_run =
      simulate(SimulationPlan(quick(0.5, 2.0), opts(4, 8000)), ExecutionContext{2});
  EXPECT_GE(long_run.get("n_batches") / long_run.get("jackknife_units"), 8.0);
  EXPECT_EQ(warnings(long_run).find("batches per unit"), std::string::npos);
}

// D_*_sym_window_tail is what the lags out to 8 relaxation times add to D_*_sym on the same
// data: a run with simulation.D_window = 8 reports exactly D_sym + tail (and no tail of its own).
TEST(Simulation, WindowTailIsTheWiderWindowsDifference) {
  const ModelParams p = quick(0.5, 2.0);
  SimulationOptions o;
  o.periods = 4000;
  o.pearson = false;
  o.commutator = false;
  o.bias = "off";
  o.D_window = 3.0;
  const Results a = simulate(p, o, ExecutionContext{2});
  o.D_window = 8.0;
  const Results b = simulate(p, o, ExecutionContext{2});
  // The automatic window (D_window = 0, the default): x = 3 plus the fitted exponential tail
  // (same data: plain x = 3 + D_*_sym_tail), checked against the plain x = 8 window.
  o.D_window = 0.0;
  const Results c = simulate(p, o, ExecutionContext{2});
  for (const char* k : {"D_PA", "D_PB", "D_P"}) {
    const std::string K = std::string(k) + "_sym";
    EXPECT_NEAR(a.get(K) + a.get(K + "_window_tail"), b.get(K), 1e-15 * std::abs(b.get(K))) << K;
    EXPECT_GT(a.get(K + "_window_tail_se"), 0.0) << K;
    EXPECT_EQ(b.get(K + "_window_tail"), 0.0) << K;
    EXPECT_EQ(a.get(K + "_se") == b.get(K + "_se"), false) << K;  // a different estimator
    EXPECT_EQ(a.get(K + "_tail"), 0.0) << K;  // a fixed window has no tail model
    EXPECT_EQ(c.get(K + "_window"), 3.0) << K;
    EXPECT_NE(c.get(K + "_tail"), 0.0) << K;
    EXPECT_NEAR(c.get(K), a.get(K) + c.get(K + "_tail"), 1e-14 * std::abs(c.get(K))) << K;
    EXPECT_NEAR(c.get(K) + c.get(K + "_window_tail"), b.get(K), 1e-14 * std::abs(b.get(K))) << K;
  }
}

// S_dot = -J_1/T_1 - J_2/T_2 has one meaning in every engine: at T_2 = 0 it is infinite with
// the sign of -J_2 (theory, exact, simulate alike; docs/KEYS.md), and so are the Q's; the
// jackknife se of an infinite estimate is NaN.  J_2 < 0 here (heat flows into bath 2) by
// many standard errors, so the sampled sign is the exact one.
TEST(Simulation, EntropyProductionAtZeroTemperatureIsInfiniteAsInTheory) {
  ModelParams p = quick(0.5, 2.0);
  p.T_2 = 0.0;
  SimulationOptions o = opts(4, 400);
  o.pearson = false;
  const Results r = to_results(SimulationJob(p, o).run(ExecutionContext{2}));
  const Results th = to_results(theory_point(p));
  ASSERT_LT(r.get("J_2") + 4.0 * r.get("J_2_se"), 0.0);
  ASSERT_TRUE(std::isinf(th.get("S_dot")));
  for (const char* k : {"S_dot", "Q_PA", "Q_PB", "Q_P"}) {
    EXPECT_EQ(r.get(k), th.get(k)) << k;  // +inf in both
    EXPECT_TRUE(std::isnan(r.get(std::string(k) + "_se"))) << k;
  }
  EXPECT_FALSE(r.has("S_dot_bias"));  // inf - inf: no offset
}
