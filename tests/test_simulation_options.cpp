// engines/simulation_options: the automatic step and simulation.cutoff_band = "auto"
// (resolve_cutoff_band), with exact step counts at the w_c = 1000 validate point of issue 12 §2.
#include <gtest/gtest.h>

#include <string>

#include "support.hpp"
#include "synctur/engines/simulation_options.hpp"

using namespace synctur;

namespace {

/// The issue 12 §2 point: gamma_2 = 100, gamma_1 = 0.01, T_1 = T_2 = 1, Omega = 0.5, r = 0.5,
/// Drude cutoff w_c.  Period 4 pi; the oscillators' rule: w_max = Omega + w_A = 1.5,
/// dt <= sqrt(6e-3)/1.5 = 0.0516 -> n = ceil(243.3) = 244; the bath rule needs a band of only
/// max(4 Omega, Omega + w_A + 5 T) = 6.5.  The w_c term: band 0.5 pi/dt >= 6 w_c, i.e.
/// n >= 48 w_c.
ModelParams point(double cutoff) {
  ModelParams p = test::point(100.0, 0.01, 1.0, 0.5, cutoff);
  p.r = 0.5;
  return p;
}

constexpr int kStepsWithoutCutoff = 244;

}  // namespace

TEST(SimulationOptions, AutoIsTheDefault) {
  const SimulationOptions o;
  EXPECT_FALSE(o.cutoff_band.has_value());
  EXPECT_EQ(o.bias, "correct");
  EXPECT_EQ(kCutoffBandWords[0], "auto");
  EXPECT_TRUE(o.validate().empty());
}

// w_c comparable to the oscillators' frequencies: the w_c term sets no step, "auto" echoes
// the old default 6 (same step, same output as before "auto").
TEST(SimulationOptions, AutoWhereTheCutoffSetsNoStep) {
  const CutoffBandChoice c = resolve_cutoff_band(point(1.2), SimulationOptions{});
  EXPECT_TRUE(c.automatic);
  EXPECT_FALSE(c.decisive);
  EXPECT_EQ(c.value, kDefaultCutoffBand);
  EXPECT_EQ(c.steps_with, kStepsWithoutCutoff);
  EXPECT_EQ(c.steps_without, kStepsWithoutCutoff);
  EXPECT_EQ(steps_per_period(point(1.2), SimulationOptions{}), kStepsWithoutCutoff);
  // The quick start point (w_c = 1.2, Omega = 2): n = 122 either way.
  const ModelParams q = test::isothermal_point(1.0, 0.5, 2.0);
  EXPECT_FALSE(resolve_cutoff_band(q, SimulationOptions{}).decisive);
  EXPECT_EQ(steps_per_period(q, SimulationOptions{}), 122);
}

// bias = "correct": 6 while it costs <= 2x the steps without the w_c term (w_c = 10: 480 <=
// 488), else 0 (w_c = 10.5: 504 > 488; w_c = 30: 1440; w_c = 1000: 48000).
TEST(SimulationOptions, AutoWithTheBiasCorrectionKeepsOrDropsTheCutoffTerm) {
  const SimulationOptions o;
  const CutoffBandChoice keep = resolve_cutoff_band(point(10.0), o);
  EXPECT_TRUE(keep.decisive);
  EXPECT_EQ(keep.value, 6.0);
  EXPECT_EQ(keep.steps_with, 480);
  EXPECT_EQ(keep.steps_without, kStepsWithoutCutoff);
  EXPECT_EQ(steps_per_period(point(10.0), o), 480);
  EXPECT_NE(keep.rule.find("costs at most 2x"), std::string::npos) << keep.rule;

  const CutoffBandChoice drop = resolve_cutoff_band(point(10.5), o);
  EXPECT_EQ(drop.value, 0.0);
  EXPECT_EQ(drop.steps_with, 504);
  EXPECT_EQ(steps_per_period(point(10.5), o), kStepsWithoutCutoff);

  for (const auto& [wc, with] : {std::pair{30.0, 1440}, std::pair{1000.0, 48000}}) {
    const CutoffBandChoice c = resolve_cutoff_band(point(wc), o);
    EXPECT_EQ(c.value, 0.0) << wc;
    EXPECT_EQ(c.steps_with, with) << wc;
    EXPECT_EQ(steps_per_period(point(wc), o), kStepsWithoutCutoff) << wc;
    EXPECT_EQ(c.rule,
              "auto: simulation.bias = \"correct\" removes the band and step offsets and the w_c "
              "term costs more than 2x (n = " +
                  std::to_string(with) + " steps per period with the w_c term, 244 without): 0");
  }
}

// Without the correction the band must reach w_c: "auto" is always 6.
TEST(SimulationOptions, AutoWithoutTheBiasCorrectionResolvesTheCutoff) {
  for (const char* bias : {"estimate", "off"}) {
    SimulationOptions o;
    o.bias = bias;
    const CutoffBandChoice c = resolve_cutoff_band(point(1000.0), o);
    EXPECT_EQ(c.value, 6.0) << bias;
    EXPECT_TRUE(c.decisive);
    EXPECT_EQ(steps_per_period(point(1000.0), o), 48000) << bias;
    EXPECT_NE(c.rule.find(std::string("simulation.bias = \"") + bias + "\""), std::string::npos);
  }
}

// A number is used as given (as before "auto"), whatever the bias setting.
TEST(SimulationOptions, ExplicitNumbersKeepWorking) {
  SimulationOptions o;
  o.cutoff_band = 6.0;
  EXPECT_EQ(steps_per_period(point(1000.0), o), 48000);
  o.cutoff_band = 3.0;
  EXPECT_EQ(steps_per_period(point(1000.0), o), 24000);
  o.cutoff_band = 0.0;
  o.bias = "off";
  EXPECT_EQ(steps_per_period(point(1000.0), o), kStepsWithoutCutoff);
  const CutoffBandChoice c = resolve_cutoff_band(point(1000.0), o);
  EXPECT_FALSE(c.automatic);
  EXPECT_EQ(c.value, 0.0);
  EXPECT_EQ(c.rule, "explicit");
  // An explicit step count: the band sets nothing; "auto" stays at 6.
  SimulationOptions n;
  n.steps_per_period = 1000;
  EXPECT_EQ(steps_per_period(point(1000.0), n), 1000);
  EXPECT_EQ(resolve_cutoff_band(point(1000.0), n).value, 6.0);
  EXPECT_FALSE(resolve_cutoff_band(point(1000.0), n).decisive);
}

TEST(SimulationOptions, OutOfRangeNumbersAreRefusedNamingTheKey) {
  for (const double v : {-1.0, 100.5}) {
    SimulationOptions o;
    o.cutoff_band = v;
    const auto bad = o.validate();
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_EQ(bad[0].first, "simulation.cutoff_band");
    EXPECT_EQ(bad[0].second, std::string("must be \"auto\" or in [0, 100] (got ") +
                                 (v < 0 ? "-1" : "100.5") + ")");
  }
}
