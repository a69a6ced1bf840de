// `synctur simulate` through the built binary: JSON keys (estimates with _se twins, theory
// values, run description with seed, steps_total and wall_s), the refusal of parameters without
// a periodic steady state (exit 3, one line naming the rate), --seed, bad options.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <string>

#include "cli_harness.hpp"

using namespace synctur::test;

namespace {

class SimulateCmd : public CliHarness {};

const std::vector<std::string> kShort = {
    "--set", "simulation.periods=300", "--set", "simulation.trajectories=4", "--threads", "2"};

std::vector<std::string> args(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

}  // namespace

TEST_F(SimulateCmd, PointJsonHasEstimatesErrorsAndProvenance) {
  const Outcome r = run(args({"simulate", quickstart(), "--seed", "11"}, kShort));
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* k : {"P_A", "P_B", "P", "J_1", "J_2", "S_dot", "cov_xAxA", "cov_xBxB",
                        "cov_xAxB", "pearson", "pearson_tilde", "D_PA_sym"}) {
    const double v = json_number(r.out, k), se = json_number(r.out, std::string(k) + "_se");
    EXPECT_TRUE(std::isfinite(v)) << k;
    EXPECT_TRUE(std::isfinite(se) && se > 0.0) << k;
    EXPECT_TRUE(std::isfinite(json_number(r.out, std::string(k) + "_theory")) ||
                std::string(k) == "D_PA_sym")
        << k;
  }
  EXPECT_EQ(json_number(r.out, "seed"), 11.0);
  EXPECT_EQ(json_number(r.out, "trajectories"), 4.0);
  EXPECT_GT(json_number(r.out, "wall_s"), 0.0);
  // steps_total = trajectories x (warm-up + periods) x n, for both runs (driven, bath off).
  const double n = json_number(r.out, "steps_per_period");
  const double w = json_number(r.out, "warmup_periods");
  EXPECT_GE(json_number(r.out, "steps_total"), 4.0 * (w + 300.0) * n);
  EXPECT_LT(json_number(r.out, "floquet_slowest_rate"), 0.0);
  EXPECT_NE(r.out.find("\"mass\""), std::string::npos);  // parameters
  // The comparison table on stderr names the quantities.
  EXPECT_NE(r.err.find("P_A"), std::string::npos);
  EXPECT_NE(r.err.find("theory"), std::string::npos);
}

TEST_F(SimulateCmd, DifferentSeedsDifferSameSeedsAgree) {
  const Outcome a = run(args({"simulate", quickstart(), "--quiet", "--seed", "1"}, kShort));
  const Outcome b =
      run(args({"simulate", quickstart(), "--quiet", "--seed", "1", "--threads", "1"}, kShort));
  const Outcome c = run(args({"simulate", quickstart(), "--quiet", "--seed", "2"}, kShort));
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(json_number(a.out, "P_A"), json_number(b.out, "P_A"));
  EXPECT_EQ(json_number(a.out, "D_PA_sym"), json_number(b.out, "D_PA_sym"));
  EXPECT_NE(json_number(a.out, "P_A"), json_number(c.out, "P_A"));
  EXPECT_TRUE(a.err.empty()) << a.err;
}

TEST_F(SimulateCmd, NoSteadyStateIsRefusedWithTheRate) {
  const Outcome r = run(args({"simulate", quickstart(), "--set", "static_bath.gamma=300", "--set",
                              "drive.Omega=2.5", "-o", (dir_ / "out.json").string()},
                             kShort));
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("no periodic steady state: Floquet mode grows at rate +1.5"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out.json"));
}

TEST_F(SimulateCmd, BadSimulationKeyIsOneLineExit2) {
  const Outcome r = run({"simulate", config("[simulation]\ntrajectories = 3\n", "odd.toml")});
  // quickstart already has a [simulation] table: a duplicate table is a TOML error
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
  const Outcome s = run({"simulate", quickstart(), "--set", "simulation.trajectories=3"});
  EXPECT_EQ(s.status, 2);
  EXPECT_NE(s.err.find("simulation.trajectories"), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("even"), std::string::npos) << s.err;
}

// Runs too large to count or to store, and integers that do not fit the key's type, are
// refused before anything is allocated: exit 2, one line naming the key, no output.
TEST_F(SimulateCmd, OversizedRunsAreRefusedNamingTheKey) {
  struct Case {
    const char* set;
    const char* key;
  };
  for (const Case c :
       {Case{"simulation.periods=100000000000000000", "simulation.periods"},
        Case{"simulation.steps_per_period=4294967298", "simulation.steps_per_period"},
        Case{"simulation.trajectories=1000000000", "simulation.trajectories"},
        Case{"noise.max_taps=4294967299", "noise.max_taps"}}) {
    const Outcome r = run({"simulate", quickstart(), "--set", c.set});
    EXPECT_EQ(r.status, 2) << c.set << ": " << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(c.key), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << c.set;
  }
}
