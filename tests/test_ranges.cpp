// Issue 17, "no silent garbage": the model's valid ranges (one table, model_ranges(), shared by
// every engine and documented in docs/INPUTS.md), the steady state of the lowest order, and
// the mass scaling (the engines compute at m = 1 and rescale).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "support.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/io/config.hpp"
#include "synctur/physics/model.hpp"
#include "synctur/physics/response.hpp"

using namespace synctur;

namespace {

const std::string kBase = test::kQuickstartToml;

std::string num(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

/// Empty when kBase with `key = v` parses, else the error message.  For system.omega_A (the
/// frequency unit) every frequency, rate and temperature is scaled with it, so that only
/// omega_A's own range is probed.
std::string refusal(const std::string& key, double v) {
  std::vector<std::string> sets;
  if (key == "system.omega_A") {
    const ModelParams base;
    for (const ParamRange& r : model_ranges())
      if (r.relative) sets.push_back(std::string(r.key) + "=" + num(get_param(base, r.key) * v));
  }
  sets.push_back(key + "=" + num(v));
  try {
    io::parse_config(kBase, "x.toml", sets);
  } catch (const io::ConfigError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

// Each documented bound of each model key: the bound itself is accepted, a value just outside
// is refused naming the key; zero where the table allows it.  The bounds come from the code
// (model_ranges()); the next test ties them to docs/INPUTS.md.
TEST(ModelRanges, BoundsAcceptedJustInsideRefusedJustOutside) {
  for (const ParamRange& r : model_ranges()) {
    SCOPED_TRACE(r.key);
    if (std::isfinite(r.lo)) {
      EXPECT_EQ(refusal(r.key, r.lo), "");
      const double out = r.lo > 0.0   ? r.lo * (1.0 - 1e-9)
                         : r.lo < 0.0 ? r.lo * (1.0 + 1e-9)
                                      : -1e-300;
      const std::string e = refusal(r.key, out);
      EXPECT_NE(e.find(std::string(r.key) + ": must be"), std::string::npos) << e;
    }
    if (std::isfinite(r.hi)) {
      EXPECT_EQ(refusal(r.key, r.hi), "");
      const std::string e = refusal(r.key, r.hi * (1.0 + 1e-9));
      EXPECT_NE(e.find(std::string(r.key) + ": must be"), std::string::npos) << e;
    }
    if (r.zero_allowed) {
      EXPECT_EQ(refusal(r.key, 0.0), "");
    }
    if (!std::isfinite(r.lo) && !std::isfinite(r.hi)) {
      EXPECT_EQ(refusal(r.key, 1e300), "");
      EXPECT_EQ(refusal(r.key, -1e300), "");
    }
  }
  // Relative bounds move with omega_A: gamma_2 = 1e4 w_A is valid at w_A = 2, not at w_A = 0.5.
  EXPECT_EQ(refusal("static_bath.gamma", 2e4).empty(), false);
  try {
    io::parse_config(kBase, "x.toml", {"system.omega_A=2", "static_bath.gamma=2e4"});
  } catch (const io::ConfigError& e) {
    ADD_FAILURE() << e.what();
  }
  // The derived rule: f_B = (Omega/w_c)^r in [kFBMin, kFBMax] (Omega/w_c = 5/3 here).
  const double r_max = std::log(kFBMax) / std::log(2.0 / 1.2);
  EXPECT_EQ(refusal("drive.r", 0.999 * r_max), "");
  EXPECT_NE(refusal("drive.r", 1.001 * r_max).find("drive.r: f_B"), std::string::npos);
  EXPECT_NE(refusal("drive.r", 700).find("drive.r: f_B"), std::string::npos);
}

// docs/INPUTS.md states the range of every model key: the row of each key contains the code's
// rule text (describe_range), so the two cannot drift apart.
TEST(ModelRanges, DocumentedRangesMatchTheCode) {
  std::ifstream in(std::string(SYNCTUR_SOURCE_DIR_PATH) + "/docs/INPUTS.md");
  ASSERT_TRUE(in) << "docs/INPUTS.md";
  std::map<std::string, std::string> rows;  // "section.key" -> table row
  std::string section, line;
  while (std::getline(in, line)) {
    if (line.rfind("### `[", 0) == 0) {
      section = line.substr(6, line.find(']') - 6);
      continue;
    }
    if (line.rfind("| `", 0) == 0 && !section.empty()) {
      const std::string name = line.substr(3, line.find('`', 3) - 3);
      rows[section + "." + name] = line;
    }
  }
  for (const ParamRange& r : model_ranges()) {
    ASSERT_TRUE(rows.count(r.key)) << r.key << " has no row in docs/INPUTS.md";
    EXPECT_NE(rows[r.key].find("| " + describe_range(r)), std::string::npos)
        << r.key << ": docs/INPUTS.md row\n  " << rows[r.key]
        << "\ndoes not state the code's range '" << describe_range(r) << "'";
  }
  EXPECT_NE(rows["drive.r"].find("f_B = (Omega/w_c)^r in [1e-30, 10000]"), std::string::npos);
}

// Every engine refuses the inputs of the probe that used to print null (NaN) or an
// impossible pearson, with exit 2 and one line naming the key.
class RangesCli : public test::CliHarness {};

TEST_F(RangesCli, OutOfRangeInputsExit2NamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"static_bath.temperature", "1e-320"}, {"drive.r", "700"},
      {"driven_bath.cutoff", "1e300"},       {"system.omega_A", "1e-300"},
      {"static_bath.gamma", "1e300"},        {"system.mass", "1e-320"}};
  for (const auto& [key, v] : cases)
    for (const char* cmd : {"theory", "exact", "simulate"}) {
      const test::Outcome o = run({cmd, quickstart(), "--set", key + "=" + v});
      EXPECT_EQ(o.status, 2) << cmd << " " << key << "=" << v << ": " << o.err;
      EXPECT_TRUE(o.out.empty());
      EXPECT_EQ(test::lines(o.err).size(), 1u) << o.err;
      EXPECT_EQ(o.err.rfind("error: --set " + key + ": ", 0), 0u) << o.err;
      EXPECT_NE(o.err.find("must be"), std::string::npos) << o.err;
    }
}

// Inside the ranges theory gives finite numbers at every bound of every key (the extreme
// corners of a single key; the engines' own tests cover the interior).  T = 0 is exact:
// S_dot and Q_* are infinite there (the entropy production diverges), eta is NaN unless
// P_A < 0 < P_B.
TEST(ModelRanges, TheoryIsFiniteAtEveryBound) {
  for (const ParamRange& r : model_ranges()) {
    std::vector<double> values;
    for (double b : {r.lo, r.hi})
      if (std::isfinite(b)) values.push_back(b);
    if (r.zero_allowed) values.push_back(0.0);
    for (double v : values) {
      ModelParams p;
      set_param(p, r.key, r.relative ? v * p.omega_A : v);
      if (!p.validate().empty()) continue;  // omega_A alone: the ratios (FrequencyScaling)
      std::string msg;
      const Results t = to_results(theory_point(p, {}, &msg));
      if (t.has("steady_state")) continue;  // refused at lowest order: NaN by design (below)
      const bool zeroT = p.T_1 == 0.0 || p.T_2 == 0.0;
      for (const auto& [k, x] : t.numbers()) {
        if (k == "eta") continue;
        if (zeroT && (k == "S_dot" || k.rfind("Q_", 0) == 0)) continue;
        EXPECT_TRUE(std::isfinite(x)) << r.key << " = " << v << ": " << k << " = " << x;
      }
      EXPECT_LE(std::abs(t.get("pearson")), 1.0) << r.key << " = " << v;
    }
  }
  // f_B at its bounds: powers ~ f_B^2, D ~ f_B^4 stay finite.
  for (double fb : {kFBMin, kFBMax}) {
    ModelParams p;
    if (fb < 1.0) p.cutoff = 1e3;  // Omega/w_c < 1: f_B -> 0 as r grows
    p.r = std::log(fb) / std::log(p.Omega / p.cutoff) * (1.0 - 1e-12);
    ASSERT_TRUE(p.validate().empty()) << p.validate().front().second;
    const Results t = to_results(theory_point(p));
    if (t.has("steady_state")) continue;
    for (const auto& [k, x] : t.numbers())
      if (k != "eta") {
        EXPECT_TRUE(std::isfinite(x)) << "f_B = " << fb << ": " << k << " = " << x;
      }
  }
}

// The phase is used mod 2 pi: at the bound |phi| = 1000 exact gives the values of the reduced
// phase (at 1e300 Omega t + phi used to round to a constant: P_B = 0).
TEST(ModelRanges, PhaseAtItsBoundIsThePhaseMod2Pi) {
  ModelParams p, q;
  p.phi = 1000.0;
  q.phi = std::remainder(1000.0, 2.0 * std::numbers::pi);
  ExactOptions eo;
  eo.fluctuations = eo.omega_derivative = false;
  const Results a = to_results(exact_point(p, eo)), b = to_results(exact_point(q, eo));
  const Results ta = to_results(theory_point(p)), tb = to_results(theory_point(q));
  for (const char* k : {"P_A", "P_B", "J_1", "J_2", "cov_xAxB"}) {
    EXPECT_NEAR(a.get(k) / b.get(k), 1.0, 1e-9) << k;
    EXPECT_NEAR(ta.get(k) / tb.get(k), 1.0, 1e-9) << k;
  }
}

// Below 1e-100 w_A a temperature has the thermal factors of T = 0: at the bound 1e-100 the
// stable forms (u coth(u/2T) -> |u| without overflow) give the T = 0 values.
TEST(ModelRanges, TinyTemperatureIsZeroTemperature) {
  ModelParams z, s;
  z.T_1 = z.T_2 = 0.0;
  s.T_1 = s.T_2 = 1e-100;
  const Results a = to_results(theory_point(z)), b = to_results(theory_point(s));
  for (const char* k : {"P_A", "P_B", "J_1", "J_2", "D_PA", "cov_xAxA", "cov_xAxB", "pearson"})
    EXPECT_NEAR(b.get(k) / a.get(k), 1.0, 1e-9) << k;
  EXPECT_TRUE(std::isfinite(b.get("S_dot")));
  EXPECT_TRUE(std::isinf(a.get("S_dot")));
}

// pearson: the covariance matrix is PSD by construction; the round-off excess is clamped,
// nothing else is.
TEST(ModelRanges, PearsonClampOnlyRemovesRoundOff) {
  EXPECT_EQ(pearson_coefficient(1.0 + 4e-16, 1.0, 1.0), 1.0);
  EXPECT_EQ(pearson_coefficient(-(1.0 + 4e-16), 1.0, 1.0), -1.0);
  EXPECT_EQ(pearson_coefficient(0.5, 1.0, 1.0), 0.5);
  EXPECT_EQ(pearson_coefficient(-1.0, 1.0, 1.0), -1.0);
  EXPECT_GT(pearson_coefficient(1.0 + 1e-9, 1.0, 1.0), 1.0);  // not round-off: not hidden
  // Strong damping, low T: C close to -1, never beyond.
  ModelParams p;
  p.gamma_2 = 1e4;
  p.T_1 = p.T_2 = 1e-3;
  const double c = to_results(theory_point(p)).get("pearson");
  EXPECT_LT(c, -0.99);
  EXPECT_GE(c, -1.0);
}

// Class 5: the lowest order needs a steady state of the static problem.  w_B = w_A (1 + 1e-12):
// the relative mode is marginal; theory refuses as exact and simulate do (exit 3).
TEST(SteadyState, LowestOrderStabilityIsTheStaticProblem) {
  ModelParams p;  // quick start: the slowest static mode is a pole of chi_2
  const StabilityReport st = lowest_order_stability(p);
  EXPECT_TRUE(st.stable) << st.message;
  double slowest = -std::numeric_limits<double>::infinity();
  for (const auto& w : chi2_poles(p)) slowest = std::max(slowest, w.imag());
  EXPECT_EQ(st.slowest_rate, std::max(slowest, -p.cutoff));
  EXPECT_NE(to_results(theory_point(p)).has("steady_state"),
            true);  // no extra keys with a steady state

  p.omega_B = p.omega_A * (1.0 + 1e-12);
  const StabilityReport bad = lowest_order_stability(p);
  EXPECT_FALSE(bad.stable);
  EXPECT_NE(bad.message.find("no periodic steady state"), std::string::npos) << bad.message;
  std::string msg;
  const Results r = to_results(theory_point(p, {}, &msg));
  EXPECT_EQ(msg, bad.message);
  EXPECT_EQ(r.get("steady_state"), 0.0);
  EXPECT_EQ(r.get("floquet_slowest_rate"), bad.slowest_rate);
  for (const char* k : {"P_A", "P_B", "J_1", "D_PA", "Q_PA", "pearson", "cov_xAxB"})
    EXPECT_TRUE(std::isnan(r.get(k))) << k;
  // The same point in exact: no steady state either.
  ExactOptions eo;
  eo.fluctuations = eo.omega_derivative = false;
  EXPECT_EQ(to_results(exact_point(p, eo)).get("steady_state"), 0.0);
}

TEST_F(RangesCli, TheoryRefusesWithoutSteadyStateLikeExact) {
  const std::string wb = "system.omega_B=1.000000000001";
  const test::Outcome t = run({"theory", quickstart(), "--set", wb});
  EXPECT_EQ(t.status, 3) << t.err;
  EXPECT_TRUE(t.out.empty());
  EXPECT_EQ(test::lines(t.err).size(), 1u) << t.err;
  EXPECT_NE(t.err.find("error: theory: lowest order in gamma_1 (static problem): no periodic "
                       "steady state"),
            std::string::npos)
      << t.err;
  const test::Outcome e = run({"exact", quickstart(), "--set", wb, "--no-fluctuations"});
  EXPECT_EQ(e.status, 3) << e.err;
  // The static problem has a steady state but the driven one has none at this gamma_1
  // (gamma_2 = 1e-4: the drive pumps the weakly damped oscillators): exact refuses, theory
  // gives the gamma_1 -> 0 values with a warning naming the Floquet verdict.
  const test::Outcome w = run({"theory", quickstart(), "--set", "static_bath.gamma=1e-4"});
  EXPECT_EQ(w.status, 0) << w.err;
  EXPECT_EQ(
      w.err.rfind("warning: theory: at driven_bath.gamma = 0.01: no periodic steady state", 0), 0u)
      << w.err;
  EXPECT_NE(w.out.find("\"warnings\""), std::string::npos);
  const test::Outcome we =
      run({"exact", quickstart(), "--set", "static_bath.gamma=1e-4", "--no-fluctuations"});
  EXPECT_EQ(we.status, 3) << we.err;

  // In a sweep the point is a row with steady_state = 0 and NaN, the count on stderr.
  const std::string sweep =
      config("[sweep]\nx = { key = \"system.omega_B\", values = [0.6, 1.000000000001] }\n");
  const test::Outcome s = run({"theory", sweep});
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_NE(s.err.find("1 of 2 sweep points have no steady state"), std::string::npos) << s.err;
  const auto rows = test::lines(s.out);
  ASSERT_EQ(rows.size(), 4u);  // comment, header, 2 rows
  const auto head = test::split(rows[1]);
  std::size_t col = head.size(), pa = head.size();
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == "steady_state") col = i;
    if (head[i] == "P_A") pa = i;
  }
  ASSERT_LT(col, head.size());
  ASSERT_LT(pa, head.size());
  EXPECT_EQ(test::split(rows[3])[col], "0");
  EXPECT_EQ(test::split(rows[3])[pa], "nan");
  EXPECT_NE(test::split(rows[2])[pa], "nan");
}

// Class 6: the mass only sets the unit of length.  Every engine gives the m = 1 numbers at
// m = 1e-20 and 1e20 for the mass-independent keys (bit-identical: the engines compute at
// m = 1), and the length^2 keys scale as 1/m (mass_exponent).
namespace {
void expect_mass_scaling(const Results& one, const Results& other, double m, const char* what) {
  for (const auto& [k, v] : one.numbers()) {
    if (k == "wall_s" || k.find("seconds") != std::string::npos) continue;
    ASSERT_TRUE(other.has(k)) << what << " " << k;
    const double w = other.get(k);
    const double want = mass_exponent(k) == -1 ? v / m : v;
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(w)) << what << " m=" << m << " " << k;
    } else {
      EXPECT_NEAR(w, want, 1e-12 * std::abs(want)) << what << " m=" << m << " " << k;
    }
  }
}
}  // namespace

TEST(MassScaling, TheoryExactSimulateAgreeAtAnyMass) {
  ModelParams p;
  const Results t1 = to_results(theory_point(p));
  ExactOptions eo;
  eo.fluctuations = eo.omega_derivative = false;
  const Results e1 = to_results(exact_point(p, eo));
  SimulationOptions so;
  so.periods = 20;
  so.trajectories = 2;
  so.seed = 7;
  const Results s1 = simulate(p, so, ExecutionContext{1});
  EXPECT_EQ(mass_exponent("cov_xAxB"), -1);
  EXPECT_EQ(mass_exponent("cov_xAxA_static_se"), -1);
  EXPECT_EQ(mass_exponent("alpha_dia_A"), -1);
  EXPECT_EQ(mass_exponent("P_A"), 0);
  EXPECT_EQ(mass_exponent("pearson"), 0);
  for (double m : {1e-20, 1e20}) {
    ModelParams q = p;
    q.mass = m;
    expect_mass_scaling(t1, to_results(theory_point(q)), m, "theory");
    expect_mass_scaling(e1, to_results(exact_point(q, eo)), m, "exact");
    expect_mass_scaling(s1, simulate(q, so, ExecutionContext{1}), m, "simulate");
  }
  // The physics check behind it: x~ = sqrt(m) x, so m <x^2> is mass-independent; P_A of the
  // quick start is the known lowest-order value at every mass.
  ModelParams q = p;
  q.mass = 1e-20;
  EXPECT_NEAR(to_results(exact_point(q, eo)).get("P_A") / t1.get("P_A"), 1.0, 0.05);
}

// Frequency scale: all frequencies, rates and temperatures times s give powers and currents
// times s^2, D times s^3, S_dot times s, covariances times 1/s, and leave Q, pearson, eta, f_B
// unchanged.  Checked at the ends of the omega_A range, 1e-6 and 1e4 (theory; exact means).
TEST(FrequencyScaling, EnginesAreScaleInvariant) {
  const ModelParams p;
  ExactOptions eo;
  eo.fluctuations = eo.omega_derivative = false;
  const Results t1 = to_results(theory_point(p)), e1 = to_results(exact_point(p, eo));
  const std::map<std::string, int> power = {
      {"P_A", 2},  {"P_B", 2},  {"J_1", 2},     {"J_2", 2},       {"S_dot", 1},
      {"D_PA", 3}, {"Q_PA", 0}, {"pearson", 0}, {"cov_xAxA", -1}, {"cov_xAxB", -1},
      {"f_B", 0},  {"V_PA", 0}, {"eta", 0}};
  for (double s : {1e-6, 1e4}) {
    ModelParams q = p;
    for (double ModelParams::*f :
         {&ModelParams::omega_A, &ModelParams::omega_B, &ModelParams::gamma_2, &ModelParams::T_2,
          &ModelParams::gamma_1, &ModelParams::cutoff, &ModelParams::T_1, &ModelParams::Omega})
      q.*f *= s;
    const Results t = to_results(theory_point(q)), e = to_results(exact_point(q, eo));
    for (const auto& [k, n] : power) {
      const double f = std::pow(s, n);
      if (t1.has(k) && std::isfinite(t1.get(k))) {
        EXPECT_NEAR(t.get(k) / (f * t1.get(k)), 1.0, 1e-8) << "theory s=" << s << " " << k;
      }
      if (e1.has(k) && std::isfinite(e1.get(k))) {
        EXPECT_NEAR(e.get(k) / (f * e1.get(k)), 1.0, 1e-8) << "exact s=" << s << " " << k;
      }
    }
    EXPECT_EQ(e.get("steady_state"), 1.0);
  }
}

// A drive period far longer than the relaxation time (Omega = 1e-4 w_A at the quick start:
// |rate| T ~ 2400) underflows every Floquet multiplier; the slowest rate is still the
// adiabatic one (close to the static problem's), not -inf (exact printed null).
TEST(FloquetRate, FiniteWhenTheMultipliersUnderflow) {
  ModelParams p;
  p.Omega = 1e-4;
  const FloquetSpectrum fs = floquet_spectrum(p, 1e-10);
  EXPECT_TRUE(std::isfinite(fs.slowest_rate)) << fs.slowest_rate;
  const double stat = lowest_order_stability(p).slowest_rate;
  EXPECT_NEAR(fs.slowest_rate / stat, 1.0, 0.1) << fs.slowest_rate << " vs static " << stat;
  EXPECT_TRUE(check_stability(fs).stable);
}
