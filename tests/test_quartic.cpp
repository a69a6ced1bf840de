// Issue 16, part 2: quartic oscillators V_l = m w_l^2 x^2/2 + lambda_l x^4/4 in `simulate`
// (quartic.hpp: Strang splitting K(dt/2) M_k K(dt/2) around the exact linear step maps).
//
// Checks: (1) classical statistics with the driven bath off: the stationary distribution is
// Boltzmann in the BARE potential (the counter-term of the strictly Ohmic static bath
// renormalises nothing and couples nothing), so <x_l^2>, <x_l^4> are one-dimensional
// quadratures of exp(-V_l/T) and <x_A x_B> = 0; (2) with the drive on, lambda -> 0 approaches
// the linear result linearly; (3) second order in dt (dt ladder with common random numbers);
// (4) the keys and refusals: semiclassical = 1 and one warning for quantum noise, exit status 2
// with a line naming the key for theory and exact.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "noise/noise_stream.hpp"
#include "support.hpp"
#include "synctur/dynamics/quartic.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/theory.hpp"

using namespace synctur;

namespace {

ModelParams point(double T, double lA, double lB, bool classical = true) {
  ModelParams p;  // m = 1, w_A = 1, w_B = 0.6, gamma_2 = 1, gamma_1 = 0.01, w_c = 1.2, phi = pi/2
  p.T_1 = p.T_2 = T;
  p.Omega = 2.0;
  p.quartic_A = lA;
  p.quartic_B = lB;
  p.classical = classical;
  return p;
}

SimulationOptions opts(int traj, long periods, unsigned seed = 5) {
  SimulationOptions o = test::sim_options(traj, periods, seed);
  o.commutator = false;
  o.bias = "off";
  return o;
}

/// <x^2>, <x^4> of exp(-(m w^2 x^2/2 + lambda x^4/4)/T) by the trapezoidal rule (spectrally
/// accurate for this smooth, rapidly decaying integrand).
std::array<double, 2> boltzmann(double m, double w, double lambda, double T) {
  const double L = 12.0 * std::sqrt(T / (m * w * w)), h = L / 4000.0;
  double z = 0.0, x2 = 0.0, x4 = 0.0;
  for (int i = -4000; i <= 4000; ++i) {
    const double x = i * h,
                 e = std::exp(-(0.5 * m * w * w * x * x + 0.25 * lambda * x * x * x * x) / T);
    z += e;
    x2 += x * x * e;
    x4 += x * x * x * x * e;
  }
  return {x2 / z, x4 / z};
}

double z(const Results& r, const std::string& key, double ref) {
  return test::z_score(r, key, ref);
}

}  // namespace

// The kick is the exact flow of the quartic force alone: v -= h lambda x^3 / m, x and z fixed.
TEST(Quartic, KickIsTheFlowOfTheQuarticForce) {
  ModelParams p = point(0.5, 0.3, 2.0);
  p.mass = 1.0;
  const QuarticKick k(p, 0.1);
  double s[kStateDim] = {2.0, 1.0, -1.0, 0.5, 0.25};
  k.apply(s);
  EXPECT_DOUBLE_EQ(s[kVA], 1.0 - 0.1 * 0.3 * 8.0);
  EXPECT_DOUBLE_EQ(s[kVB], 0.5 + 0.1 * 2.0);
  EXPECT_EQ(s[kXA], 2.0);
  EXPECT_EQ(s[kXB], -1.0);
  EXPECT_EQ(s[kZ], 0.25);
  // mass-scaled coordinates: lambda -> lambda / m^2
  ModelParams q = p;
  q.mass = 4.0;
  q.quartic_A = 16.0 * p.quartic_A;
  EXPECT_DOUBLE_EQ(with_unit_mass(q).quartic_A, p.quartic_A);
}

// Boltzmann in the bare potential (classical, driven bath off): the engine's <x_l^2> and
// <x_A x_B> = 0, and <x_l^4> from trajectories marched with the same splitting on the plan's
// own maps and noise, within 4 standard errors.  T = 0.5, lambda_A = 1, lambda_B = 0.3: the
// quartic term lowers <x_A^2> by 35% and <x_B^2> by 40% (far outside the errors).
TEST(Quartic, ClassicalEquilibriumIsBoltzmannInTheBarePotential) {
  const double T = 0.5, lA = 1.0, lB = 0.3;
  const ModelParams p = point(T, lA, lB);
  SimulationOptions o = opts(8, 3000);
  o.steps_per_period = 256;  // dt = 0.012: the O(dt^2) error far below the statistical one
  const SimulationPlan plan(p, o, /*driven_bath_off=*/true);
  const Results r = simulate(plan, ExecutionContext{2});
  const auto bA = boltzmann(1.0, 1.0, lA, T), bB = boltzmann(1.0, 0.6, lB, T);
  EXPECT_LT(bA[0], 0.7 * T);         // far from the harmonic value T/w_A^2
  EXPECT_LT(bB[0], 0.7 * T / 0.36);  // and T/w_B^2
  EXPECT_LT(std::abs(z(r, "cov_xAxA", bA[0])), 4.0) << r.get("cov_xAxA") << " vs " << bA[0];
  EXPECT_LT(std::abs(z(r, "cov_xBxB", bB[0])), 4.0) << r.get("cov_xBxB") << " vs " << bB[0];
  EXPECT_LT(std::abs(z(r, "cov_xAxB", 0.0)), 4.0) << r.get("cov_xAxB");
  EXPECT_LT(r.get("cov_xAxA_se"), 0.03 * bA[0]);

  // <x^4>: the same splitting, marched here with the plan's maps and static noise.
  const Propagator& prop = plan.propagator();
  const int n = prop.steps_per_period();
  const std::int64_t warm = plan.warmup_periods() * n, steps = 2000LL * n;
  const QuarticKick half(p, 0.5 * prop.dt());
  const int units = 8;
  std::vector<std::array<double, 2>> per(units);
  for (int u = 0; u < units; ++u) {
    NoiseStream s2(plan.static_noise(), RngKey{77, static_cast<std::uint32_t>(u), 2});
    std::vector<double> xi(steps + warm + 1);
    s2.fill(xi.data(), xi.size());
    StateVec s = StateVec::Zero();
    std::array<double, 2> acc{};
    for (std::int64_t j = 0; j < warm + steps; ++j) {
      if (j >= warm) {
        acc[0] += std::pow(s[kXA], 4);
        acc[1] += std::pow(s[kXB], 4);
      }
      half.apply(s.data());
      s = prop.step(static_cast<int>(j % n), s, NoiseVec(0.0, xi[j]), NoiseVec(0.0, xi[j + 1]));
      half.apply(s.data());
    }
    for (int l = 0; l < 2; ++l) per[u][l] = acc[l] / static_cast<double>(steps);
  }
  for (int l = 0; l < 2; ++l) {
    double m = 0.0, m2 = 0.0;
    for (const auto& v : per) {
      m += v[l] / units;
      m2 += v[l] * v[l] / units;
    }
    const double se = std::sqrt((m2 - m * m) / (units - 1));
    const double ref = (l == 0 ? bA : bB)[1];
    EXPECT_LT(std::abs(m - ref) / se, 4.0)
        << "<x^4> l=" << l << ": " << m << " +- " << se << " vs " << ref;
    EXPECT_LT(se, 0.05 * ref);
  }
}

// Drive on: the results approach the linear ones linearly as lambda -> 0.  Common random
// numbers (same seed and grid): f(lambda) - f(0) = a lambda + O(lambda^2), so doubling lambda
// doubles the difference; and f(0) (the same engine, linear) agrees with exact.  The point
// (gamma_2 = 0.3, T = 0.25: slowest Floquet rate -0.12) keeps the perturbed and unperturbed
// trajectories correlated: where the slow mode is nearly undamped (gamma_2 = 1: rate -0.038)
// the nonlinear frequency shift dephases them over the run, and the common random numbers no
// longer cancel (measured: the differences became erratic at lambda = 0.005-0.08, T = 0.5).
// The linear regime is lambda << w_B^4 / (3 T) (first-order Boltzmann shift of <x_B^2>,
// -3 lambda <x_B^2>^3 / T, is 1.2% at lambda = 0.002; measured 1.2%).
TEST(Quartic, ApproachesTheLinearResultLinearly) {
  SimulationOptions o = opts(4, 400);
  const std::vector<double> lams = {0.0, 0.002, 0.004, 0.008};
  std::vector<Results> r;
  auto at = [](double T, double l) {
    ModelParams p = point(T, l, l);
    p.gamma_2 = 0.3;
    return p;
  };
  for (double l : lams) r.push_back(simulate(SimulationPlan(at(0.25, l), o), ExecutionContext{2}));
  for (const char* k : {"P_A", "P_B", "cov_xAxA", "cov_xBxB"}) {
    const double d1 = r[1].get(k) - r[0].get(k), d2 = r[2].get(k) - r[0].get(k),
                 d3 = r[3].get(k) - r[0].get(k);
    EXPECT_NEAR(d2 / d1, 2.0, 0.2) << k << ": " << d1 << " " << d2 << " " << d3;
    EXPECT_NEAR(d3 / d2, 2.0, 0.2) << k << ": " << d1 << " " << d2 << " " << d3;
  }
  // the quartic term confines: <x^2> decreases with lambda, by about the Boltzmann shift
  const double s2 = r[0].get("cov_xBxB");
  const double d_boltzmann = -3.0 * 0.002 * s2 * s2 * s2 / 0.25;
  EXPECT_NEAR((r[1].get("cov_xBxB") - s2) / d_boltzmann, 1.0, 0.3);
  ExactOptions eo;
  eo.fluctuations = false;
  eo.omega_derivative = false;
  const Results e = to_results(exact_point(at(0.25, 0.0), eo));
  for (const char* k : {"P_A", "P_B", "cov_xAxA", "cov_xBxB"})
    EXPECT_LT(std::abs(z(r[0], k, e.get(k))), 4.0) << k << " " << r[0].get(k) << " " << e.get(k);
}

// Second order in dt: noise synthesised on the finest grid and decimated, so that n, 2n, 4n, 8n
// steps per period see the same noise; successive differences shrink by 4 (measured 3.97-3.99
// with lambda = 0.3, where <x_B^2> is 35% below its linear value).
TEST(Quartic, SecondOrderConvergenceInDtWithCommonRandomNumbers) {
  ModelParams p = point(0.25, 0.3, 0.3);
  p.gamma_2 = 0.3;
  for (const char* rule : {"left", "simpson"}) {
    double v[4][3];
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
      v[i][2] = r.get("cov_xBxB");
    }
    for (int q = 0; q < 3; ++q) {
      const double d1 = v[0][q] - v[1][q], d2 = v[1][q] - v[2][q], d3 = v[2][q] - v[3][q];
      EXPECT_NEAR(d1 / d2, 4.0, 0.6) << rule << " quantity " << q << ": " << d1 << " " << d2;
      EXPECT_NEAR(d2 / d3, 4.0, 0.6) << rule << " quantity " << q << ": " << d2 << " " << d3;
    }
  }
}

// Keys: semiclassical = 1 and one warning line for quantum noise with lambda != 0; none of it
// classically; bias not applied (no <key>_bias); D_comm = 0 classically.
TEST(Quartic, SemiclassicalKeyAndWarning) {
  SimulationOptions o = opts(2, 100);
  o.bias = "correct";
  o.commutator = true;
  const Results q =
      to_results(SimulationJob(point(0.5, 0.2, 0.2, false), o).run(ExecutionContext{2}));
  EXPECT_EQ(q.get("semiclassical"), 1.0);
  EXPECT_FALSE(q.has("classical"));
  EXPECT_FALSE(q.has("P_A_bias"));
  EXPECT_EQ(q.get("bias_corrected"), 0.0);
  std::string w;
  for (const auto& [k, v] : q.texts())
    if (k == "warnings") w = v;
  EXPECT_NE(w.find("semiclassical:"), std::string::npos) << w;
  EXPECT_NE(q.get("D_PA_comm"), 0.0);
  const Results c =
      to_results(SimulationJob(point(0.5, 0.2, 0.2, true), o).run(ExecutionContext{2}));
  EXPECT_FALSE(c.has("semiclassical"));
  EXPECT_EQ(c.get("classical"), 1.0);
  EXPECT_EQ(c.get("D_PA_comm"), 0.0);
  EXPECT_EQ(c.get("D_PA"), c.get("D_PA_sym"));
}

TEST(Quartic, LinearEnginesRefuse) {
  const ModelParams p = point(0.5, 0.1, 0.0);
  EXPECT_THROW(to_results(theory_point(p)), InputRefusedError);
  EXPECT_THROW(to_results(exact_point(p)), InputRefusedError);
  ModelParams bad = point(0.5, -0.1, 0.0);
  ASSERT_FALSE(bad.validate().empty());
  EXPECT_EQ(bad.validate().front().first, "system.quartic_A");
}

class QuarticCli : public test::CliHarness {};

TEST_F(QuarticCli, RefusalsAndSimulateWithoutReference) {
  for (const char* cmd : {"theory", "exact"}) {
    const auto o = run({cmd, quickstart(), "--set", "system.quartic_B=0.5"});
    EXPECT_EQ(o.status, 2) << cmd << ": " << o.err;
    EXPECT_EQ(test::lines(o.err).size(), 1u) << o.err;
    EXPECT_NE(o.err.find("system.quartic_B: must be 0 for `" + std::string(cmd) + "`"),
              std::string::npos)
        << o.err;
  }
  const auto bad = run({"simulate", quickstart(), "--set", "system.statistics=semi"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("system.statistics"), std::string::npos) << bad.err;
  // simulate runs and prints its table without an exact reference
  const auto o = run({"simulate", quickstart(), "--set", "system.quartic_A=0.5", "--set",
                      "simulation.periods=40", "--set", "simulation.trajectories=2", "--set",
                      "simulation.pearson=false", "--format", "json"});
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.err.find("no exact or theory reference"), std::string::npos) << o.err;
  EXPECT_NE(o.out.find("\"semiclassical\": 1"), std::string::npos);
  EXPECT_NE(o.out.find("\"quartic_A\": 0.5"), std::string::npos);
  EXPECT_EQ(o.out.find("P_A_exact"), std::string::npos);
  // the keys of the two modes are documented (test_keys_doc runs the quick-start point only)
  const std::string keys = test::slurp(test::fs::path(src_) / "docs" / "KEYS.md");
  for (const char* k : {"`classical`", "`semiclassical`"})
    EXPECT_NE(keys.find(k), std::string::npos) << k << " not in docs/KEYS.md";
}
