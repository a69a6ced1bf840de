// Tests of the time-domain engine's edge (simulation_estimates.hpp): to_results turns the typed
// estimates into the keys of docs/KEYS.md.  Exact identities: every key is its typed field bit
// for bit, the offsets obey value = uncorrected - bias, D_*_comm_se is D_*_comm_err, the job's
// cost is the sum of its runs', the texts' order.  (The whole output's bits and key order are
// compared with the previous engine's by the lead's bitcheck, docs/ARCHITECTURE.md.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support.hpp"
#include "synctur/engines/simulation.hpp"

using namespace synctur;

namespace {

std::vector<std::string> text_keys(const Results& r) {
  std::vector<std::string> k;
  for (const auto& [key, v] : r.texts()) k.push_back(key);
  return k;
}

std::string text(const Results& r, const std::string& key) {
  for (const auto& [k, v] : r.texts())
    if (k == key) return v;
  return "";
}

using test::number_keys;
using test::same_bits;

/// A hand-made job: one mean with an offset, D_sym and the fluctuations of all three powers.
SimulationEstimates small_job() {
  SimulationEstimates e;
  e.main.means.push_back({"P_A", 1.0, 0.1, 0.25, 1.25});
  e.main.means.push_back({"J_2_direct", 2.0, 0.2, std::nullopt, std::nullopt});
  e.main.D.emplace();
  e.main.D->power[0].bias = 0.5;
  e.fluctuations.emplace();
  for (std::size_t i = 0; i < 3; ++i) (*e.fluctuations)[i].comm_err = 1e-9 * (1.0 + i);
  e.total = {100.0, 2.0};
  e.main.cost = {40.0, 1.0};
  return e;
}

}  // namespace

// The run's warnings precede "solver"; the job's alone follow it (the order of the output).
TEST(SimulationResults, WarningsPrecedeTheSolverOnlyWhenTheMainRunHasThem) {
  SimulationEstimates e = small_job();
  e.warnings = {"job"};
  Results r = to_results(e);
  EXPECT_EQ(text_keys(r), (std::vector<std::string>{"solver", "warnings"}));
  EXPECT_EQ(text(r, "warnings"), "job");
  e.main.warnings = {"a", "b"};
  r = to_results(e);
  EXPECT_EQ(text_keys(r), (std::vector<std::string>{"warnings", "solver"}));
  EXPECT_EQ(text(r, "warnings"), "a; b; job");
  e.warnings.clear();
  EXPECT_EQ(text(to_results(e), "warnings"), "a; b");
  EXPECT_EQ(text(to_results(e.main), "warnings"), "a; b");
}

// The means' offsets follow the run (after its cost, the job's total), D_sym's and D's come with
// the fluctuations; D_*_comm_se is the one numerical error D_*_comm_err.
TEST(SimulationResults, OffsetsFollowTheRunAndDCommHasOneError) {
  const SimulationEstimates e = small_job();
  const Results r = to_results(e);
  const std::vector<std::string> k = number_keys(r);
  auto at = [&](const std::string& key) { return std::find(k.begin(), k.end(), key) - k.begin(); };
  EXPECT_EQ(at("P_A"), 0);
  EXPECT_EQ(at("P_A_se"), 1);
  EXPECT_EQ(at("P_A_bias"), at("wall_s") + 1);
  EXPECT_EQ(at("P_A_uncorrected"), at("P_A_bias") + 1);
  EXPECT_FALSE(r.has("J_2_direct_bias"));
  EXPECT_LT(at("bias_corrected"), at("D_PA_sym_bias"));
  EXPECT_LT(at("D_PA_sym_bias"), at("D_PA_comm"));
  EXPECT_FALSE(r.has("D_PB_sym_bias"));
  EXPECT_EQ(r.get("steps_total"), 100.0);  // the job's, not the main run's
  EXPECT_EQ(r.get("wall_s"), 2.0);
  EXPECT_EQ(to_results(e.main).get("steps_total"), 40.0);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string K = DSymEstimates::kKeys[i];
    EXPECT_EQ(r.get(K + "_comm_se"), (*e.fluctuations)[i].comm_err) << K;
    EXPECT_EQ(r.get(K + "_comm_err"), (*e.fluctuations)[i].comm_err) << K;
  }
}

// A real job (bath-off run, offsets removed, mass 2): every key is its typed field, bit for bit.
TEST(SimulationResults, JobKeysAreTheTypedFields) {
  ModelParams p = test::isothermal_point(1.0, 0.5, 2.0);
  p.mass = 2.0;
  SimulationOptions o = test::sim_options(4, 300, 5);
  o.pearson = true;
  o.bias = "correct";
  const SimulationEstimates e = SimulationJob(p, o).run(ExecutionContext{2});
  const Results r = to_results(e);
  ASSERT_TRUE(e.bath_off && e.fluctuations && e.bias_corrected);
  for (const MeanEstimate& m : e.main.means) {
    EXPECT_TRUE(same_bits(r.get(m.key), m.value)) << m.key;
    EXPECT_TRUE(same_bits(r.get(m.key + "_se"), m.se)) << m.key;
    if (!m.bias) continue;
    EXPECT_EQ(r.get(m.key + "_bias"), *m.bias) << m.key;
    ASSERT_TRUE(m.uncorrected) << m.key;
    // (exact at unit mass; the covariances are then divided by the mass: rounding)
    EXPECT_NEAR(m.value, *m.uncorrected - *m.bias,
                1e-15 * (std::abs(*m.uncorrected) + std::abs(*m.bias)))
        << m.key;
  }
  ASSERT_TRUE(e.main.mean("cov_xAxA") && e.main.mean("cov_xAxA")->bias);
  for (const char* k : {"cov_xAxA", "cov_xBxB", "cov_xAxB"}) {
    const MeanEstimate* m = e.bath_off->mean(k);
    ASSERT_TRUE(m) << k;
    EXPECT_EQ(r.get(std::string(k) + "_static"), m->value) << k;
  }
  EXPECT_EQ(r.get("pearson"), e.bath_off->mean("pearson")->value);
  EXPECT_EQ(r.get("steps_total"), e.main.cost.steps_total + e.bath_off->cost.steps_total);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string K = DSymEstimates::kKeys[i];
    const FluctuationEstimate& f = (*e.fluctuations)[i];
    EXPECT_EQ(r.get(K), f.D.value) << K;
    EXPECT_EQ(r.get(K + "_se"), f.D.se) << K;
    EXPECT_EQ(r.get(K + "_comm_se"), f.comm_err) << K;
    EXPECT_EQ(r.get(K + "_sym"), e.main.D->power[i].sym.value) << K;
    EXPECT_EQ(*f.uncorrected, f.D.value + *f.bias) << K;
  }
  // The edge convenience is the same conversion.
  const Results c = simulate(p, o, ExecutionContext{1});
  EXPECT_EQ(number_keys(c), number_keys(r));
  EXPECT_EQ(c.get("P_A"), r.get("P_A"));
}
