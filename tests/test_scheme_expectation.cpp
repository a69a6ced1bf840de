// The scheme's deterministic expectation (scheme_expectation.hpp): what the time-domain
// engine's sample means converge to, for its own discretisation.  Checked against simulations
// (statistically, 4 standard errors, fixed seeds) where the discretisation is badly biased,
// against the continuum exact solver as the discretisation is refined, and for exact
// properties (thread-count independence, the job's bookkeeping).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "support.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/scheme_expectation.hpp"
#include "synctur/engines/simulation.hpp"

using namespace synctur;

namespace {

ModelParams point(double gamma_2, double T, double Omega) {
  return test::isothermal_point(gamma_2, T, Omega);
}

SimulationOptions plain_options(long periods) {
  SimulationOptions o;
  o.periods = periods;
  o.pearson = false;
  o.commutator = false;
  return o;
}

using test::exact_means;

double value(const SchemeExpectation& e, const std::string& k) {
  if (k == "P_A") return e.P_A;
  if (k == "P_B") return e.P_B;
  if (k == "J_1") return e.J_1;
  if (k == "J_2_direct") return e.J_2_direct;
  if (k == "cov_xAxA") return e.cov_xAxA;
  if (k == "cov_xBxB") return e.cov_xBxB;
  return e.cov_xAxB;
}

}  // namespace

// gamma_2 = 100, w_c = 30, w_c dt = 0.52: grid-point sampling ("left") biases the heat current
// J_1 by ~20% (CrossValidation.HeatCurrentsNeedTheInStepQuadrature).  The scheme's expectation
// contains that bias: the simulation agrees with it (and with its UV-dominated J_2_direct,
// whose expectation is 4e6 times the continuum J_2), not with the continuum.  The same for
// Simpson's rule and for noise synthesised on a finer grid (decimation 2).
TEST(SchemeExpectation, SimulationConvergesToTheScheme) {
  ModelParams p = point(100.0, 1.0, 0.5);
  p.cutoff = 30.0;
  p.r = 0.5;
  const Results ex = exact_means(p);
  struct Case {
    const char* quadrature;
    int decimation;
  };
  for (const Case c : {Case{"left", 1}, Case{"simpson", 1}, Case{"left", 2}}) {
    SimulationOptions o = plain_options(6000);
    o.cutoff_band = 3.0;
    o.quadrature = c.quadrature;
    o.noise_decimation = c.decimation;
    if (c.decimation > 1) o.noise.band_limit = 1.5 * p.cutoff;
    const SimulationPlan plan(p, o);
    const SchemeExpectation e = scheme_expectation(plan, ExecutionContext{2});
    const Results sim = simulate(plan, ExecutionContext{2});
    const std::string where = std::string(c.quadrature) + " q=" + std::to_string(c.decimation);
    for (const char* k : {"P_A", "P_B", "J_1", "J_2_direct", "cov_xAxA", "cov_xBxB", "cov_xAxB"}) {
      const double z = (sim.get(k) - value(e, k)) / sim.get(std::string(k) + "_se");
      EXPECT_LT(std::abs(z), 4.0) << where << " " << k << ": simulate " << sim.get(k) << " +- "
                                  << sim.get(std::string(k) + "_se") << ", scheme " << value(e, k);
    }
    if (std::string(c.quadrature) == "left" && c.decimation == 1) {
      // the bias the expectation must explain is several standard errors (20% of J_1)
      EXPECT_GT((e.J_1 - ex.get("J_1")) / sim.get("J_1_se"), 3.0) << where;
      EXPECT_GT((e.J_1 - ex.get("J_1")) / std::abs(ex.get("J_1")), 0.1) << where;
    }
  }
}

// Bitwise the same for any thread count (responses summed in input order).
TEST(SchemeExpectation, IndependentOfThreadCount) {
  const SimulationPlan plan(point(1.0, 0.5, 2.0), plain_options(2));
  const SchemeExpectation a = scheme_expectation(plan, ExecutionContext{1}),
                          b = scheme_expectation(plan, ExecutionContext{2});
  for (const char* k : {"P_A", "P_B", "J_1", "J_2_direct", "cov_xAxA", "cov_xBxB", "cov_xAxB"})
    EXPECT_EQ(value(a, k), value(b, k)) << k;
  EXPECT_EQ(a.steps, b.steps);
}

// Strong damping (gamma_2 = 60, Omega = 0.4, T = 0.15): the static Ohmic noise above the band
// limit w_b is missing, and its share of the overdamped response falls only like 1/w_b (the
// velocity response ~ 1/(2 gamma_2 w) up to w ~ 2 gamma_2, times S ~ gamma_2 w): the offset of
// P_A halves per doubling of the band at a fine, fixed step.  That is the root cause of the
// percent-level bias of long runs at strong damping.
TEST(SchemeExpectation, StrongDampingBandLimitOffsetFallsLikeInverseBand) {
  const ModelParams p = point(60.0, 0.15, 0.4);
  const Results ex = exact_means(p);
  SimulationOptions o = plain_options(2);
  o.steps_per_period = 2272;  // dt = 0.0069: the time-step part is below 3e-4 relative
  o.quadrature = "left";
  double prev = 0.0;
  for (double wb : {50.0, 100.0, 200.0}) {
    o.noise.band_limit = wb;
    const SchemeExpectation e = scheme_expectation(SimulationPlan(p, o), ExecutionContext{2});
    const double rel = (e.P_A - ex.get("P_A")) / std::abs(ex.get("P_A"));
    EXPECT_LT(rel, -2e-3) << "w_b = " << wb;  // P_A more negative than the continuum
    if (prev != 0.0) {
      EXPECT_GT(prev / rel, 1.6) << "w_b = " << wb;
      EXPECT_LT(prev / rel, 2.6) << "w_b = " << wb;
    }
    prev = rel;
  }
}

// The job's bookkeeping: with simulation.bias = "correct" every corrected key equals its
// uncorrected value minus its offset (pearson and the static covariances from the bath-off
// run too); "estimate" reports the same offsets and leaves the values alone; "off" neither.
TEST(SchemeExpectation, JobCorrectsTheMeans) {
  const ModelParams p = point(1.0, 0.5, 2.0);
  SimulationOptions o;
  o.periods = 200;
  o.trajectories = 4;
  const Results c = simulate(p, o, ExecutionContext{2});
  o.bias = "estimate";
  const Results e = simulate(p, o, ExecutionContext{2});
  o.bias = "off";
  const Results n = simulate(p, o, ExecutionContext{2});
  EXPECT_EQ(c.get("bias_corrected"), 1.0);
  EXPECT_EQ(e.get("bias_corrected"), 0.0);
  for (const char* k :
       {"P_A", "P_B", "P", "J_1", "J_2", "S_dot", "cov_xAxA", "cov_xBxB", "cov_xAxB", "pearson",
        "pearson_tilde", "pearson_driven", "pearson_tilde_driven", "cov_xAxA_static"}) {
    const std::string K = k;
    ASSERT_TRUE(c.has(K + "_bias")) << K;
    EXPECT_EQ(c.get(K), c.get(K + "_uncorrected") - c.get(K + "_bias")) << K;
    EXPECT_EQ(c.get(K + "_uncorrected"), e.get(K)) << K;
    EXPECT_EQ(c.get(K + "_bias"), e.get(K + "_bias")) << K;
    EXPECT_EQ(e.get(K), n.get(K)) << K;
    EXPECT_FALSE(n.has(K + "_bias")) << K;
    EXPECT_NE(c.get(K + "_bias"), 0.0) << K;
  }
  // D = D_sym - D_comm: the band-limit part of D_sym's offset (exact solver with the plan's
  // band-limited spectra), the same for D and D_sym.
  for (const char* k : {"D_PA", "D_PB", "D_P"}) {
    const std::string K = k;
    ASSERT_TRUE(c.has(K + "_bias")) << K;
    EXPECT_EQ(c.get(K + "_bias"), c.get(K + "_sym_bias")) << K;
    EXPECT_EQ(c.get(K + "_sym"), c.get(K + "_sym_uncorrected") - c.get(K + "_sym_bias")) << K;
    EXPECT_NEAR(c.get(K), c.get(K + "_uncorrected") - c.get(K + "_bias"),
                1e-12 * std::abs(c.get(K)))
        << K;
    EXPECT_EQ(c.get(K + "_uncorrected"), e.get(K)) << K;
    EXPECT_LT(c.get(K + "_bias"), 0.0) << K;  // the missing noise above the band lowers D_sym
    EXPECT_FALSE(n.has(K + "_bias")) << K;
  }
}

// With simulation.bias = "estimate" a run precise enough to see its own offset says so, naming
// the quantities (here a step of T/6: offsets of many se); with "correct" there is nothing to say.
TEST(SchemeExpectation, EstimateModeWarnsAboutVisibleOffsets) {
  const ModelParams p = point(1.0, 0.5, 2.0);
  SimulationOptions o;
  o.periods = 2000;
  o.trajectories = 4;
  o.commutator = false;
  o.steps_per_period = 6;
  o.bias = "estimate";
  auto warnings = [](const Results& r) {
    for (const auto& [k, v] : r.texts())
      if (k == "warnings") return v;
    return std::string();
  };
  const Results e = simulate(p, o, ExecutionContext{2});
  const std::string w = warnings(e);
  EXPECT_NE(w.find("bias: the discretisation offsets of"), std::string::npos) << w;
  EXPECT_NE(w.find("cov_xAxA ("), std::string::npos) << w;
  EXPECT_NE(w.find("cov_xAxA_static ("), std::string::npos) << w;
  o.bias = "correct";
  EXPECT_EQ(warnings(simulate(p, o, ExecutionContext{2})).find("bias:"), std::string::npos);
}
