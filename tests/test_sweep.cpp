// sweep: grids, point order, derived temperatures (exact), validation.
#include <gtest/gtest.h>

#include <cmath>

#include "synctur/engines/sweep.hpp"

using synctur::ModelParams;
using synctur::SweepAxis;
using synctur::SweepSpec;

namespace {

SweepAxis range(const std::string& key, double from, double to, long long n,
                SweepAxis::Scale s = SweepAxis::Scale::Linear, const std::string& name = "x") {
  SweepAxis a;
  a.name = name;
  a.key = key;
  a.from = from;
  a.to = to;
  a.points = n;
  a.scale = s;
  return a;
}

SweepAxis list(const std::string& key, std::vector<double> v, const std::string& name = "x") {
  SweepAxis a;
  a.name = name;
  a.key = key;
  a.scale = SweepAxis::Scale::List;
  a.values = std::move(v);
  return a;
}

bool has_error(const SweepSpec& s, const std::string& key) {
  for (const auto& [k, m] : s.validate())
    if (k == key) return true;
  return false;
}

}  // namespace

TEST(Sweep, LinearGrid) {
  const auto g = range("drive.Omega", 0.01, 2.0, 200).grid();
  ASSERT_EQ(g.size(), 200u);
  EXPECT_EQ(g.front(), 0.01);
  EXPECT_EQ(g.back(), 2.0);
  for (std::size_t i = 1; i < g.size(); ++i) EXPECT_NEAR(g[i] - g[i - 1], 1.99 / 199, 1e-15);
  EXPECT_EQ(range("drive.Omega", 3.0, 5.0, 1).grid(), std::vector<double>{3.0});
  EXPECT_EQ(range("drive.Omega", 1.0, 0.0, 3).grid(), (std::vector<double>{1.0, 0.5, 0.0}));
}

TEST(Sweep, LogGrid) {
  const auto g = range("drive.Omega", 0.01, 200.0, 200, SweepAxis::Scale::Log).grid();
  ASSERT_EQ(g.size(), 200u);
  EXPECT_EQ(g.front(), 0.01);
  EXPECT_EQ(g.back(), 200.0);
  const double ratio = std::pow(200.0 / 0.01, 1.0 / 199.0);
  for (std::size_t i = 1; i < g.size(); ++i) EXPECT_NEAR(g[i] / g[i - 1], ratio, 1e-12);
  const auto d = range("drive.Omega", 1.0, 1000.0, 4, SweepAxis::Scale::Log).grid();
  EXPECT_NEAR(d[1], 10.0, 1e-12);
  EXPECT_NEAR(d[2], 100.0, 1e-12);
}

TEST(Sweep, ListGridKeepsOrder) {
  EXPECT_EQ(list("drive.r", {0.5, 0.0, 1.0}).grid(), (std::vector<double>{0.5, 0.0, 1.0}));
}

TEST(Sweep, TwoAxesXVariesFastest) {
  SweepSpec s;
  s.axes = {list("drive.Omega", {1.0, 2.0, 3.0}), list("static_bath.gamma", {10.0, 20.0}, "y")};
  ASSERT_TRUE(s.validate().empty());
  EXPECT_EQ(s.size(), 6u);
  ModelParams base;
  base.phi = 0.3;
  const auto pts = synctur::expand_sweep(s, base);
  ASSERT_EQ(pts.size(), 6u);
  for (std::size_t iy = 0; iy < 2; ++iy)
    for (std::size_t ix = 0; ix < 3; ++ix) {
      const auto& p = pts[iy * 3 + ix];
      EXPECT_EQ(p.params.Omega, 1.0 + static_cast<double>(ix));
      EXPECT_EQ(p.params.gamma_2, 10.0 * static_cast<double>(iy + 1));
      EXPECT_EQ(p.params.phi, 0.3);  // untouched base values
      EXPECT_EQ(p.axis, (std::vector<double>{p.params.Omega, p.params.gamma_2}));
      EXPECT_TRUE(p.derived.empty());
    }
}

TEST(Sweep, IsothermalT) {
  SweepSpec s;
  s.axes = {range("T", 0.0, 2.0, 5)};
  ASSERT_TRUE(s.validate().empty());
  EXPECT_EQ(s.derived_columns(), std::vector<std::string>{"T"});
  const auto pts = synctur::expand_sweep(s, ModelParams{});
  for (const auto& p : pts) {
    EXPECT_EQ(p.params.T_1, p.axis[0]);
    EXPECT_EQ(p.params.T_2, p.axis[0]);
    EXPECT_EQ(p.derived, std::vector<double>{p.axis[0]});
  }
}

TEST(Sweep, TbarAtFixedGradientGivesExactTemperatures) {
  SweepSpec s;
  s.axes = {range("Tbar", 0.01, 2.0, 7)};
  s.dT_over_Tbar = 1.8;
  ASSERT_TRUE(s.validate().empty());
  EXPECT_EQ(s.derived_columns(), (std::vector<std::string>{"Tbar", "dT_over_Tbar"}));
  for (const auto& p : synctur::expand_sweep(s, ModelParams{})) {
    const double Tbar = p.axis[0];
    EXPECT_EQ(p.params.T_1, Tbar * (1.0 + 1.8 / 2.0));
    EXPECT_EQ(p.params.T_2, Tbar * (1.0 - 1.8 / 2.0));
    EXPECT_NEAR((p.params.T_1 + p.params.T_2) / 2.0, Tbar, 1e-15 * Tbar);
    EXPECT_NEAR((p.params.T_1 - p.params.T_2) / Tbar, 1.8, 1e-14);
    EXPECT_EQ(p.derived, (std::vector<double>{Tbar, 1.8}));
  }
}

TEST(Sweep, GradientAtFixedTbarAndBothDerivedAxes) {
  SweepSpec s;
  s.axes = {range("dT_over_Tbar", -2.0, 2.0, 5)};
  s.Tbar = 0.5;
  ASSERT_TRUE(s.validate().empty());
  const auto pts = synctur::expand_sweep(s, ModelParams{});
  EXPECT_EQ(pts.front().params.T_1, 0.0);  // dT/Tbar = -2: T_1 = 0
  EXPECT_EQ(pts.front().params.T_2, 1.0);
  EXPECT_EQ(pts[2].params.T_1, 0.5);
  EXPECT_EQ(pts[2].params.T_2, 0.5);
  EXPECT_EQ(pts.back().params.T_1, 1.0);
  EXPECT_EQ(pts.back().params.T_2, 0.0);

  SweepSpec f10;  // Fig. 10: both derived keys are axes
  f10.axes = {range("dT_over_Tbar", -1.9, 1.9, 39), list("Tbar", {0.1, 0.5}, "y")};
  ASSERT_TRUE(f10.validate().empty());
  for (const auto& p : synctur::expand_sweep(f10, ModelParams{})) {
    EXPECT_EQ(p.params.T_1, p.axis[1] * (1.0 + p.axis[0] / 2.0));
    EXPECT_EQ(p.params.T_2, p.axis[1] * (1.0 - p.axis[0] / 2.0));
    EXPECT_EQ(p.derived, (std::vector<double>{p.axis[1], p.axis[0]}));
  }
}

TEST(Sweep, Validation) {
  SweepSpec s;
  EXPECT_TRUE(has_error(s, "sweep.x"));  // no axis
  s.axes = {range("drive.omega", 1, 2, 3)};
  EXPECT_TRUE(has_error(s, "sweep.x.key"));
  s.axes = {range("drive.Omega", 1, 2, 0)};
  EXPECT_TRUE(has_error(s, "sweep.x.points"));
  s.axes = {range("drive.Omega", 0, 2, 3, SweepAxis::Scale::Log)};
  EXPECT_TRUE(has_error(s, "sweep.x"));
  s.axes = {range("drive.Omega", 1, NAN, 3)};
  EXPECT_TRUE(has_error(s, "sweep.x.to"));
  s.axes = {list("drive.Omega", {})};
  EXPECT_TRUE(has_error(s, "sweep.x.values"));
  s.axes = {range("Tbar", 0.1, 1, 3)};
  EXPECT_TRUE(has_error(s, "sweep.dT_over_Tbar"));  // companion missing
  s.dT_over_Tbar = 2.5;
  EXPECT_TRUE(has_error(s, "sweep.dT_over_Tbar"));  // out of [-2, 2]
  s.dT_over_Tbar = 2.0;
  EXPECT_TRUE(s.validate().empty());
  s.Tbar = 1.0;  // Tbar is already an axis
  EXPECT_TRUE(has_error(s, "sweep.Tbar"));
  s = SweepSpec{};
  s.axes = {range("dT_over_Tbar", -2.5, 1, 3)};
  s.Tbar = 0.5;
  EXPECT_TRUE(has_error(s, "sweep.x"));
  s.axes = {range("dT_over_Tbar", -1, 1, 3)};
  EXPECT_TRUE(s.validate().empty());
  s.Tbar.reset();
  EXPECT_TRUE(has_error(s, "sweep.Tbar"));
  s = SweepSpec{};
  s.axes = {range("T", 0.1, 1, 3), range("static_bath.temperature", 0.1, 1, 3, {}, "y")};
  EXPECT_TRUE(has_error(s, "sweep.y.key"));  // both set T_2
  s.axes = {range("static_bath.temperature", 0.1, 1, 3),
            range("driven_bath.temperature", 0.1, 1, 3, {}, "y")};
  EXPECT_TRUE(s.validate().empty());
  s.axes = {range("drive.r", 0, 1, 3), range("drive.r", 0, 1, 3, {}, "y")};
  EXPECT_TRUE(has_error(s, "sweep.y.key"));
  s.axes = {range("drive.r", 0, 1, 100000), range("drive.phi", 0, 1, 1000, {}, "y")};
  EXPECT_TRUE(has_error(s, "sweep"));  // too many points
  EXPECT_THROW(synctur::expand_sweep(s, ModelParams{}), std::invalid_argument);
}

TEST(Sweep, Keys) {
  EXPECT_TRUE(synctur::is_sweep_key("drive.Omega"));
  EXPECT_TRUE(synctur::is_sweep_key("T"));
  EXPECT_TRUE(synctur::is_sweep_key("Tbar"));
  EXPECT_TRUE(synctur::is_sweep_key("dT_over_Tbar"));
  EXPECT_FALSE(synctur::is_sweep_key("omega"));
  EXPECT_EQ(synctur::sweep_keys().size(), synctur::model_keys().size() + 3);
}
