// Tests of the edges of the exact and the lowest-order engines (exact.hpp, theory.hpp): the
// typed results, to_results (the keys of docs/KEYS.md) and ExactCache.  Exact identities: every
// key is its typed field bit for bit and the keys come in exact_keys' order; the typed values
// obey the definitions they are built from (P = P_A + P_B, Q = S_dot D / O^2, Eq. 26 from two
// independent shifted solves, ...); the mass scaling of the typed values is mass_exponent's;
// a cached solve is bit for bit a fresh one.  (The whole output's bits and key order are
// compared with the previous engine's by the lead's bitcheck, docs/ARCHITECTURE.md.)
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "support.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/theory.hpp"

using namespace synctur;

namespace {

using test::expect_bitwise;
using test::number_keys;
using test::same_bits;

/// A cheap point with a steady state (quickstart's, weaker damping: few Hill harmonics).
ModelParams cheap_point() {
  ModelParams p;
  p.gamma_1 = 0.05;
  return p;
}

/// Means and fluctuations, no Omega derivative; looser tolerances (the identities are exact).
ExactOptions cheap_options() {
  ExactOptions o;
  o.rtol = 1e-8;
  o.atol_rel = 1e-8;
  o.hill_tol = 1e-9;
  o.omega_derivative = false;
  return o;
}

/// A hand-made exact result whose every value differs from every other.
ExactResult handmade_exact() {
  ExactResult e;
  e.floquet_slowest_rate = -0.5;
  e.f_B = 0.75;
  ExactSteadyState& s = e.steady.emplace();
  double v = 1.0;
  for (double* x :
       {&s.P_A, &s.P_B, &s.P, &s.J_1, &s.J_2, &s.S_dot, &s.eta, &s.first_law_residual_rel,
        &s.cov_xAxA, &s.cov_xBxB, &s.cov_xAxB, &s.pearson_driven, &s.pearson_tilde_driven})
    *x = (v += 1.0);
  auto& fl = s.fluctuations.emplace();
  for (auto& f : fl) f = {v += 1.0, v += 1.0, v += 1.0, v += 1.0};
  auto& od = s.omega.emplace();
  od.dP_dOmega = {v += 1.0, v += 1.0};
  od.V_P = {v += 1.0, v += 1.0};
  s.numerics = {7, 1e-12, true, 3, 12345, 67, true, 0.25};
  return e;
}

}  // namespace

// to_results: exact_keys' order, every key its typed field, "classical" last.
TEST(ExactResults, KeysAreTheTypedFieldsInExactKeysOrder) {
  ExactResult e = handmade_exact();
  e.classical = true;
  const Results r = to_results(e);
  std::vector<std::string> want = exact_keys(true, true);
  want.emplace_back("classical");
  EXPECT_EQ(number_keys(r), want);
  const ExactSteadyState& s = *e.steady;
  EXPECT_EQ(r.get("steady_state"), 1.0);
  EXPECT_EQ(r.get("floquet_slowest_rate"), -0.5);
  EXPECT_EQ(r.get("f_B"), 0.75);
  EXPECT_EQ(r.get("P_A"), s.P_A);
  EXPECT_EQ(r.get("P"), s.P);
  EXPECT_EQ(r.get("first_law_residual_rel"), s.first_law_residual_rel);
  const char* D[3] = {"D_PA", "D_PB", "D_P"};
  const char* Q[3] = {"Q_PA", "Q_PB", "Q_P"};
  for (std::size_t k = 0; k < 3; ++k) {
    const ExactFluctuation& f = (*s.fluctuations)[k];
    EXPECT_EQ(r.get(D[k]), f.D);
    EXPECT_EQ(r.get(std::string(D[k]) + "_sym"), f.D_sym);
    EXPECT_EQ(r.get(std::string(D[k]) + "_comm"), f.D_comm);
    EXPECT_EQ(r.get(Q[k]), f.Q);
  }
  EXPECT_EQ(r.get("dP_A_dOmega"), s.omega->dP_dOmega[0]);
  EXPECT_EQ(r.get("dP_B_dOmega"), s.omega->dP_dOmega[1]);
  EXPECT_EQ(r.get("V_PA"), s.omega->V_P[0]);
  EXPECT_EQ(r.get("V_PB"), s.omega->V_P[1]);
  EXPECT_EQ(r.get("cov_xAxB"), s.cov_xAxB);
  EXPECT_EQ(r.get("pearson_tilde_driven"), s.pearson_tilde_driven);
  EXPECT_EQ(r.get("hill_N"), 7.0);
  EXPECT_EQ(r.get("hill_check"), 1e-12);
  EXPECT_EQ(r.get("hill_converged"), 1.0);
  EXPECT_EQ(r.get("hill_P"), 3.0);
  EXPECT_EQ(r.get("evaluations"), 12345.0);
  EXPECT_EQ(r.get("panels"), 67.0);
  EXPECT_EQ(r.get("quadrature_converged"), 1.0);
  EXPECT_EQ(r.get("quadrature_worst_ratio"), 0.25);
}

// Without a steady state every key exists and is NaN, except the verdict, its rate and f_B;
// the options decide which keys exist.
TEST(ExactResults, NoSteadyStateGivesEveryKeyNaN) {
  for (bool fl : {false, true})
    for (bool od : {false, true}) {
      ExactResult e;
      e.fluctuations = fl;
      e.omega_derivative = od;
      e.floquet_slowest_rate = 0.125;
      e.f_B = 2.0;
      const Results r = to_results(e);
      EXPECT_EQ(number_keys(r), exact_keys(fl, od));
      for (const auto& [k, v] : r.numbers()) {
        if (k == "steady_state")
          EXPECT_EQ(v, 0.0);
        else if (k == "floquet_slowest_rate")
          EXPECT_EQ(v, 0.125);
        else if (k == "f_B")
          EXPECT_EQ(v, 2.0);
        else
          EXPECT_TRUE(std::isnan(v)) << k;
      }
    }
}

// The typed values of a real point obey their definitions: P = P_A + P_B, S_dot, D = D_sym -
// D_comm, Q = S_dot D / O^2, C~ = c_AB / c_AA, the first law; and its keys are the options'.
TEST(ExactResults, TypedValuesObeyTheirDefinitions) {
  const ModelParams p = cheap_point();
  const ExactResult e = exact_point(p, cheap_options());
  ASSERT_TRUE(e.steady);
  const ExactSteadyState& s = *e.steady;
  EXPECT_TRUE(same_bits(s.P, s.P_A + s.P_B));
  EXPECT_TRUE(same_bits(s.S_dot, -s.J_1 / p.T_1 - s.J_2 / p.T_2));
  EXPECT_LT(std::abs(s.first_law_residual_rel), 1e-6);  // energy balance of the steady state
  ASSERT_TRUE(s.fluctuations);
  EXPECT_FALSE(s.omega);
  const double O[3] = {s.P_A, s.P_B, s.P};
  for (std::size_t k = 0; k < 3; ++k) {
    const ExactFluctuation& f = (*s.fluctuations)[k];
    EXPECT_NEAR(f.D_sym - f.D_comm, f.D, 1e-14 * std::abs(f.D));
    EXPECT_TRUE(same_bits(f.Q, s.S_dot * f.D / (O[k] * O[k])));
  }
  EXPECT_TRUE(same_bits(s.pearson_tilde_driven, s.cov_xAxB / s.cov_xAxA));
  EXPECT_LE(std::abs(s.pearson_driven), 1.0);
  EXPECT_EQ(number_keys(to_results(e)), exact_keys(true, false));
}

// Eq. 26: the Omega derivative is the central difference of two independent means-only solves
// at Omega (1 +- h), and V_Pl = 2 (1 - Omega dP_l/dOmega / P_l)^2 with this point's P_l.
TEST(ExactResults, OmegaDerivativeIsTheCentralDifferenceOfTwoSolves) {
  const ModelParams p = cheap_point();
  ExactOptions o = cheap_options();
  o.fluctuations = false;
  o.omega_derivative = true;
  const ExactResult e = exact_point(p, o);
  ASSERT_TRUE(e.steady && e.steady->omega);
  ExactOptions m = o;
  m.omega_derivative = false;
  ModelParams q = p;
  q.Omega = p.Omega * (1.0 + o.omega_step);
  const ExactResult up = exact_point(q, m);
  q.Omega = p.Omega * (1.0 - o.omega_step);
  const ExactResult dn = exact_point(q, m);
  const double h2 = 2.0 * o.omega_step * p.Omega;
  const double dA = (up.steady->P_A - dn.steady->P_A) / h2;
  const double dB = (up.steady->P_B - dn.steady->P_B) / h2;
  EXPECT_TRUE(same_bits(e.steady->omega->dP_dOmega[0], dA));
  EXPECT_TRUE(same_bits(e.steady->omega->dP_dOmega[1], dB));
  const double xA = 1.0 - p.Omega * dA / e.steady->P_A;
  EXPECT_TRUE(same_bits(e.steady->omega->V_P[0], 2.0 * xA * xA));
  EXPECT_FALSE(e.steady->fluctuations);
  EXPECT_EQ(number_keys(to_results(e)), exact_keys(false, true));
}

// Mass: the typed result at mass m is the unit-mass one with the keys of mass_exponent -1
// (model.hpp) divided by m, every other key bit for bit the same.
TEST(ExactResults, MassScalingIsMassExponents) {
  const ModelParams p = cheap_point();
  ModelParams q = p;
  q.mass = 3.0;
  const Results a = to_results(exact_point(p, cheap_options()));
  const Results b = to_results(exact_point(q, cheap_options()));
  ASSERT_EQ(number_keys(a), number_keys(b));
  int scaled = 0;
  for (std::size_t i = 0; i < a.numbers().size(); ++i) {
    const auto& [k, v] = a.numbers()[i];
    const double want = mass_exponent(k) == -1 ? v / q.mass : v;
    scaled += mass_exponent(k) == -1;
    EXPECT_TRUE(same_bits(b.numbers()[i].second, want)) << k;
  }
  EXPECT_EQ(scaled, 3);  // cov_xAxA, cov_xBxB, cov_xAxB
}

// ExactCache: a hit is bit for bit a fresh solve (with its stability message); other options
// or parameters are other solves; a point at another mass uses the unit-mass solve; the Omega
// derivative's shifted solves are cached too.
TEST(ExactCache, HitsAreFreshSolvesBitForBit) {
  const ModelParams p = cheap_point();
  const ExactOptions o = cheap_options();
  std::string fresh_msg, msg;
  const Results fresh = to_results(exact_point(p, o, &fresh_msg));
  ExactCache cache;
  expect_bitwise(to_results(cache.get(p, o)), fresh);
  expect_bitwise(to_results(cache.get(p, o, &msg)), fresh);
  EXPECT_EQ(msg, fresh_msg);
  EXPECT_FALSE(msg.empty());
  EXPECT_EQ(cache.solves(), 1);
  EXPECT_EQ(cache.hits(), 1);

  ModelParams heavy = p;
  heavy.mass = 2.0;  // solved at unit mass: the same solve, rescaled
  expect_bitwise(to_results(cache.get(heavy, o)), to_results(exact_point(heavy, o)));
  EXPECT_EQ(cache.solves(), 2);  // the mass-2 entry itself; its unit-mass solve was a hit
  EXPECT_EQ(cache.hits(), 2);

  ExactOptions means = o;
  means.fluctuations = false;
  means.omega_derivative = true;
  cache.get(p, means);
  // the point without the derivative (its steady state), two shifted means-only solves, and
  // the point with the derivative (composed of those)
  EXPECT_EQ(cache.solves(), 6);
  ExactOptions shifted = means;
  shifted.omega_derivative = false;
  ModelParams q = p;
  q.Omega = p.Omega * (1.0 + means.omega_step);
  expect_bitwise(to_results(cache.get(q, shifted)), to_results(exact_point(q, shifted)));
  EXPECT_EQ(cache.solves(), 6);
  EXPECT_EQ(cache.hits(), 3);
  // with the derivative, through the cache, bit for bit the uncached solve
  means.fluctuations = true;
  expect_bitwise(to_results(cache.get(p, means)), to_results(exact_point(p, means)));
  EXPECT_EQ(cache.solves(), 7);  // the derivative on top of the cached fluctuation solve
  EXPECT_EQ(cache.hits(), 6);    // that solve and the two shifted ones

  ModelParams other = p;
  other.phi = std::nextafter(p.phi, 0.0);  // one ulp away: another point
  cache.get(other, o);
  EXPECT_EQ(cache.solves(), 8);
}

namespace {

/// A hand-made theory result whose every value differs from every other.
TheoryResult handmade_theory() {
  TheoryResult t;
  double v = 0.0;
  TheoryDriven& d = t.driven;
  for (double* x : {&d.P_A,  &d.P_B, &d.P,     &d.P0_A, &d.dP_A,        &d.P0_B,        &d.dP_B,
                    &d.J_1,  &d.J_2, &d.S_dot, &d.D_PA, &d.D_PB,        &d.D_P,         &d.Q_PA,
                    &d.Q_PB, &d.Q_P, &d.V_PA,  &d.V_PB, &d.dP_A_dOmega, &d.dP_B_dOmega, &d.eta})
    *x = (v += 1.0);
  TheoryStatic& s = t.stat;
  for (double* x : {&s.cov_xAxA, &s.cov_xBxB, &s.cov_xAxB, &s.pearson, &s.pearson_tilde})
    *x = (v += 1.0);
  TheoryAppendixD& a = t.appendix_d;
  for (double* x :
       {&a.alpha_ad_A, &a.alpha_ad_B, &a.dalpha_ad_A, &a.dalpha_ad_B, &a.Dcoef_ad_A, &a.Dcoef_ad_B,
        &a.alpha_dia_A, &a.alpha_dia_B, &a.dalpha_dia_A, &a.dalpha_dia_B, &a.dbeta_dia_A,
        &a.dbeta_dia_B, &a.P_A_ad, &a.P_A_dia, &a.D_PA_ad, &a.D_PA_dia, &a.Q_PA_ad, &a.Q_PA_dia})
    *x = (v += 1.0);
  t.f_B = (v += 1.0);
  t.evaluations = 4321;
  t.quadrature_converged = true;
  return t;
}

const std::vector<std::string> kTheoryKeys = {
    "P_A",         "P_B",           "P",           "P0_A",        "dP_A",         "P0_B",
    "dP_B",        "J_1",           "J_2",         "S_dot",       "D_PA",         "D_PB",
    "D_P",         "Q_PA",          "Q_PB",        "Q_P",         "V_PA",         "V_PB",
    "dP_A_dOmega", "dP_B_dOmega",   "eta",         "cov_xAxA",    "cov_xBxB",     "cov_xAxB",
    "pearson",     "pearson_tilde", "alpha_ad_A",  "alpha_ad_B",  "dalpha_ad_A",  "dalpha_ad_B",
    "Dcoef_ad_A",  "Dcoef_ad_B",    "alpha_dia_A", "alpha_dia_B", "dalpha_dia_A", "dalpha_dia_B",
    "dbeta_dia_A", "dbeta_dia_B",   "P_A_ad",      "P_A_dia",     "D_PA_ad",      "D_PA_dia",
    "Q_PA_ad",     "Q_PA_dia",      "f_B"};

}  // namespace

// to_results: the documented order, every key its typed field (in declaration order, the
// values of handmade_theory are 1, 2, 3, ...), the optional keys where they belong.
TEST(TheoryResults, KeysAreTheTypedFieldsInOrder) {
  TheoryResult t = handmade_theory();
  Results r = to_results(t);
  std::vector<std::string> want = kTheoryKeys;
  want.insert(want.end(), {"evaluations", "quadrature_converged"});
  ASSERT_EQ(number_keys(r), want);
  for (std::size_t i = 0; i < kTheoryKeys.size(); ++i)
    EXPECT_EQ(r.numbers()[i].second, static_cast<double>(i + 1)) << kTheoryKeys[i];
  EXPECT_EQ(r.get("evaluations"), 4321.0);
  EXPECT_EQ(r.get("quadrature_converged"), 1.0);

  t.classical = true;
  t.Omega_th = 0.5;
  t.steady_state = false;
  t.floquet_slowest_rate = 1e-3;
  r = to_results(t);
  want = kTheoryKeys;
  want.insert(want.end(), {"classical", "Omega_th", "evaluations", "quadrature_converged",
                           "steady_state", "floquet_slowest_rate"});
  ASSERT_EQ(number_keys(r), want);
  EXPECT_EQ(r.get("Omega_th"), 0.5);
  EXPECT_TRUE(std::isnan(r.get("quadrature_converged")));  // no steady state: not applicable
  EXPECT_EQ(r.get("steady_state"), 0.0);
  EXPECT_EQ(r.get("floquet_slowest_rate"), 1e-3);
}

// The typed values of a real point obey their definitions (Eqs. 14-20, 25, Appendix D).
TEST(TheoryResults, TypedValuesObeyTheirDefinitions) {
  const ModelParams p = cheap_point();
  const TheoryResult t = theory_point(p);
  ASSERT_TRUE(t.steady_state);
  EXPECT_TRUE(t.quadrature_converged);
  const TheoryDriven& d = t.driven;
  EXPECT_TRUE(same_bits(d.P_A, d.P0_A + d.dP_A));
  EXPECT_TRUE(same_bits(d.P_B, d.P0_B + d.dP_B));
  EXPECT_TRUE(same_bits(d.P, d.P0_A + d.P0_B));
  EXPECT_TRUE(same_bits(d.dP_B, -d.dP_A));  // Eq. 15: delta P moves power from B to A
  EXPECT_TRUE(same_bits(d.J_2, -d.P - d.J_1));
  EXPECT_TRUE(same_bits(d.S_dot, -d.J_1 / p.T_1 - d.J_2 / p.T_2));
  EXPECT_TRUE(same_bits(d.Q_PA, d.S_dot * d.D_PA / (d.P_A * d.P_A)));
  EXPECT_TRUE(same_bits(d.Q_P, d.S_dot * d.D_P / (d.P * d.P)));
  EXPECT_TRUE(same_bits(d.V_PB, 2.0 * std::pow(1.0 - p.Omega * d.dP_B_dOmega / d.P_B, 2)));
  const TheoryStatic& s = t.stat;
  EXPECT_TRUE(same_bits(s.pearson_tilde, s.cov_xAxB / s.cov_xAxA));
  EXPECT_LE(std::abs(s.pearson), 1.0);
  const TheoryAppendixD& a = t.appendix_d;
  // alpha^dia_l is half the static covariance (printed 1/(4 pi m) vs FDT 1/(2 pi m) prefactor)
  EXPECT_NEAR(2.0 * a.alpha_dia_A, s.cov_xAxA, 1e-15 * s.cov_xAxA);
  EXPECT_NEAR(2.0 * a.dalpha_dia_A, s.cov_xAxB, 1e-15 * std::abs(s.cov_xAxB));
  EXPECT_TRUE(same_bits(a.dalpha_ad_B, -a.dalpha_ad_A));
  EXPECT_TRUE(same_bits(a.dbeta_dia_B, -a.dbeta_dia_A));
  EXPECT_FALSE(t.Omega_th);
  EXPECT_TRUE(same_bits(t.f_B, p.f_B()));
}

// Mass: the keys of mass_exponent -1 (cov_*, alpha_dia_*, dalpha_dia_*, dbeta_dia_*) divided
// by m, every other key bit for bit the same.
TEST(TheoryResults, MassScalingIsMassExponents) {
  const ModelParams p = cheap_point();
  ModelParams q = p;
  q.mass = 0.25;
  const Results a = to_results(theory_point(p)), b = to_results(theory_point(q));
  ASSERT_EQ(number_keys(a), number_keys(b));
  int scaled = 0;
  for (std::size_t i = 0; i < a.numbers().size(); ++i) {
    const auto& [k, v] = a.numbers()[i];
    const double want = mass_exponent(k) == -1 ? v / q.mass : v;
    scaled += mass_exponent(k) == -1;
    EXPECT_TRUE(same_bits(b.numbers()[i].second, want)) << k;
  }
  EXPECT_EQ(scaled, 9);
}

// Without a steady state of the lowest order: every value NaN (f_B excepted), the verdict and
// its rate (w_B = w_A (1 + 1e-12): the relative mode decouples, theory.hpp).
TEST(TheoryResults, NoSteadyStateGivesNaNAndTheVerdict) {
  ModelParams p = cheap_point();
  p.omega_B = p.omega_A * (1.0 + 1e-12);
  std::string msg;
  const TheoryResult t = theory_point(p, {}, &msg);
  EXPECT_FALSE(t.steady_state);
  EXPECT_FALSE(msg.empty());
  const Results r = to_results(t);
  for (const auto& [k, v] : r.numbers()) {
    if (k == "f_B" || k == "evaluations" || k == "steady_state" || k == "floquet_slowest_rate")
      continue;
    EXPECT_TRUE(std::isnan(v)) << k;
  }
  EXPECT_EQ(r.get("evaluations"), 0.0);
  EXPECT_EQ(r.get("steady_state"), 0.0);
  EXPECT_TRUE(same_bits(r.get("floquet_slowest_rate"), lowest_order_stability(p).slowest_rate));
}
