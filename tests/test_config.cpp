// io/config: every error class gives a one-line ConfigError naming the source and the key
// (line:column for TOML syntax errors); overrides; the [sweep] syntax.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/io/config.hpp"

using synctur::io::Config;
using synctur::io::ConfigError;
using synctur::io::parse_config;

namespace {

const std::string kBase = synctur::test::kQuickstartToml;

/// kBase with the first line starting with `prefix` replaced by `line` ("" deletes it).
std::string with_line(const std::string& prefix, const std::string& line,
                      const std::string& text = kBase) {
  const std::string t = "\n" + text;
  const auto pos = t.find("\n" + prefix);
  EXPECT_NE(pos, std::string::npos) << prefix;
  const auto end = t.find('\n', pos + 1);
  return t.substr(1, pos) + line + (line.empty() ? "" : "\n") + t.substr(end + 1);
}

/// Parse and expect a ConfigError; returns it.
ConfigError fails(const std::string& text, const std::vector<std::string>& sets = {}) {
  try {
    parse_config(text, "inputs/x.toml", sets);
  } catch (const ConfigError& e) {
    const std::string w = e.what();
    EXPECT_EQ(w.find('\n'), std::string::npos) << "not one line: " << w;
    return e;
  }
  ADD_FAILURE() << "no ConfigError for:\n" << text;
  return ConfigError("", "", "");
}

}  // namespace

TEST(Config, ParsesTheQuickstartPoint) {
  const Config c = parse_config(kBase, "inputs/x.toml");
  EXPECT_EQ(c.model.mass, 1.0);
  EXPECT_EQ(c.model.omega_B, 0.6);
  EXPECT_EQ(c.model.gamma_2, 1.0);
  EXPECT_EQ(c.model.T_2, 0.5);
  EXPECT_EQ(c.model.gamma_1, 0.01);
  EXPECT_EQ(c.model.cutoff, 1.2);
  EXPECT_EQ(c.model.Omega, 2.0);
  EXPECT_EQ(c.model.phi, 1.5707963267948966);
  EXPECT_FALSE(c.sweep.has_value());
  // [theory] is optional: defaults of TheoryOptions.
  EXPECT_EQ(c.theory.rtol, synctur::TheoryOptions{}.rtol);
  EXPECT_FALSE(c.theory.omega_threshold);
  // Every schema key has a stored value, in schema order.
  const auto& schema = synctur::io::config_schema();
  ASSERT_EQ(c.values.size(), schema.size());
  for (std::size_t i = 0; i < schema.size(); ++i) EXPECT_EQ(c.values[i].first, schema[i].path);
  EXPECT_EQ(c.real("drive.Omega"), 2.0);
  EXPECT_EQ(c.integer("response.points"), 601);
}

TEST(Config, EveryModelKeyIsARequiredSchemaKey) {
  for (const auto& k : synctur::model_keys()) {
    bool found = false;
    for (const auto& s : synctur::io::config_schema())
      if (s.path == k) {
        found = true;
        EXPECT_FALSE(s.default_value.has_value()) << k;
      }
    EXPECT_TRUE(found) << k;
  }
}

TEST(Config, IntegersAreAcceptedWhereRealsAreExpected) {
  const Config c = parse_config(with_line("Omega", "Omega = 3"), "x.toml");
  EXPECT_EQ(c.model.Omega, 3.0);
}

TEST(Config, TheoryTable) {
  const Config c = parse_config(kBase + "\n[theory]\nrtol = 1e-9\nomega_threshold = true\n", "x");
  EXPECT_EQ(c.theory.rtol, 1e-9);
  EXPECT_TRUE(c.theory.omega_threshold);
  const auto e = fails(kBase + "\n[theory]\nrtol = 1\n");
  EXPECT_EQ(e.key(), "theory.rtol");
  EXPECT_NE(std::string(e.what()).find("inputs/x.toml: theory.rtol: must be in"), std::string::npos)
      << e.what();
  const auto b = fails(kBase + "\n[theory]\nomega_threshold = 1\n");
  EXPECT_EQ(std::string(b.what()),
            "inputs/x.toml: theory.omega_threshold: expected a boolean (true or false), got an "
            "integer");
}

// [exact]: defaults of ExactOptions, ranges of ExactOptions::validate() (one definition).
TEST(Config, ExactTable) {
  const Config d = parse_config(kBase, "x");
  EXPECT_EQ(d.real("exact.rtol"), synctur::ExactOptions{}.rtol);
  EXPECT_EQ(d.real("exact.atol_rel"), synctur::ExactOptions{}.atol_rel);
  EXPECT_EQ(d.real("exact.hill_tol"), synctur::ExactOptions{}.hill_tol);
  const Config c = parse_config(kBase + "\n[exact]\nrtol = 1e-9\nhill_tol = 1e-8\n", "x");
  EXPECT_EQ(c.real("exact.rtol"), 1e-9);
  EXPECT_EQ(c.real("exact.hill_tol"), 1e-8);
  const auto e = fails(kBase + "\n[exact]\nhill_tol = 0\n");
  EXPECT_EQ(e.key(), "exact.hill_tol");
  EXPECT_NE(std::string(e.what()).find("exact.hill_tol: must be in (0, 1e-2] (got 0)"),
            std::string::npos)
      << e.what();
}

TEST(Config, SyntaxErrorGivesLineAndColumn) {
  // Line 16 is "Omega = 2.0" in kBase.
  const auto e = fails(with_line("Omega", "Omega = = 2"));
  EXPECT_EQ(e.line(), 16);
  EXPECT_GT(e.column(), 0);
  EXPECT_EQ(std::string(e.what()).rfind("inputs/x.toml:16:" + std::to_string(e.column()) + ": ", 0),
            0u)
      << e.what();
  const auto dup = fails(kBase + "Omega = 3\n");
  EXPECT_EQ(dup.line(), 19) << dup.what();
}

TEST(Config, UnknownKeySuggestsTheRightOne) {
  const auto e = fails(with_line("omega_A", "omega_a = 1.0"));
  EXPECT_EQ(e.key(), "system.omega_a");
  EXPECT_EQ(std::string(e.what()),
            "inputs/x.toml: unknown key 'system.omega_a' (did you mean 'system.omega_A'?)");
  const auto t = fails(with_line("[system]", "[sytem]"));
  EXPECT_EQ(std::string(t.what()), "inputs/x.toml: unknown table [sytem] (did you mean 'system'?)");
  const auto r = fails("mass = 1\n" + kBase);
  EXPECT_EQ(std::string(r.what()),
            "inputs/x.toml: unknown key 'mass' (did you mean 'system.mass'?)");
  const auto far = fails(kBase + "\n[drive.extra]\nfoo = 1\n");
  EXPECT_EQ(far.key(), "drive.extra");
}

TEST(Config, MissingKeyAndMissingTable) {
  const auto e = fails(with_line("Omega", ""));
  EXPECT_EQ(e.key(), "drive.Omega");
  EXPECT_EQ(std::string(e.what()), "inputs/x.toml: missing key 'drive.Omega'");
  const auto t = fails(kBase.substr(0, kBase.find("[drive]")));
  EXPECT_EQ(t.key(), "drive.Omega");
  EXPECT_NE(std::string(t.what()).find("missing table [drive]"), std::string::npos);
}

TEST(Config, WrongTypeNamesTheKey) {
  const auto e = fails(with_line("Omega", "Omega = \"two\""));
  EXPECT_EQ(e.key(), "drive.Omega");
  EXPECT_EQ(std::string(e.what()), "inputs/x.toml: drive.Omega: expected a number, got a string");
  EXPECT_EQ(e.line(), 16);  // position kept for programs
  const auto b = fails(with_line("mass", "mass = true"));
  EXPECT_EQ(std::string(b.what()), "inputs/x.toml: system.mass: expected a number, got a boolean");
  const auto s = fails(with_line("[system]", "system = 3"));
  EXPECT_EQ(s.key(), "system");
}

TEST(Config, RangeErrorsReuseModelValidation) {
  const auto e = fails(with_line("gamma = 1.0", "gamma = -1"));
  EXPECT_EQ(e.key(), "static_bath.gamma");
  EXPECT_EQ(std::string(e.what()), "inputs/x.toml: static_bath.gamma: must be > 0 (got -1)");
  EXPECT_EQ(fails(with_line("temperature = 0.5", "temperature = -0.1")).key(),
            "static_bath.temperature");
  EXPECT_EQ(fails(with_line("cutoff", "cutoff = 0")).key(), "driven_bath.cutoff");
  EXPECT_EQ(fails(with_line("r =", "r = -1")).key(), "drive.r");
  EXPECT_EQ(fails(with_line("omega_B", "omega_B = 1.0")).key(), "system.omega_B");
  // Temperatures may be zero.
  EXPECT_NO_THROW(parse_config(with_line("temperature = 0.5", "temperature = 0"), "x"));
}

TEST(Config, NonFiniteValuesAreRejected) {
  for (const char* v : {"nan", "inf", "-inf", "+nan"}) {
    const auto e = fails(with_line("phi", std::string("phi = ") + v));
    EXPECT_EQ(e.key(), "drive.phi") << v;
    EXPECT_NE(std::string(e.what()).find("drive.phi: must be finite"), std::string::npos)
        << e.what();
  }
}

TEST(Config, OverridesApplyBeforeValidation) {
  const Config c = parse_config(
      kBase, "x", {"drive.phi=0.5", "theory.omega_threshold=true", "static_bath.gamma = 100"});
  EXPECT_EQ(c.model.phi, 0.5);
  EXPECT_TRUE(c.theory.omega_threshold);
  EXPECT_EQ(c.model.gamma_2, 100.0);
  EXPECT_EQ(c.overrides.size(), 3u);
  // An override can fill a missing key, and the last one wins.
  const Config d = parse_config(with_line("Omega", ""), "x", {"drive.Omega=3", "drive.Omega=4"});
  EXPECT_EQ(d.model.Omega, 4.0);
}

TEST(Config, OverrideErrorsNameSet) {
  auto e = fails(kBase, {"drive.Omega=-3"});
  EXPECT_EQ(e.source(), "--set");
  EXPECT_EQ(std::string(e.what()), "--set drive.Omega: must be > 0 (got -3)");
  e = fails(kBase, {"drive.Omega=abc"});
  EXPECT_EQ(std::string(e.what()), "--set drive.Omega: expected a number, got a string");
  e = fails(kBase, {"drive.omega=3"});
  EXPECT_EQ(std::string(e.what()),
            "--set: unknown key 'drive.omega' (did you mean 'drive.Omega'?)");
  e = fails(kBase, {"drive.Omega"});
  EXPECT_EQ(e.source(), "--set");
  e = fails(kBase, {"Omega=3"});
  EXPECT_EQ(e.source(), "--set");
  e = fails(kBase, {"drive.Omega=[1,"});
  EXPECT_EQ(std::string(e.what()).rfind("--set drive.Omega=[1,: ", 0), 0u) << e.what();
  e = fails(kBase, {"drive.Omega=nan"});
  EXPECT_EQ(std::string(e.what()), "--set drive.Omega: must be finite (got nan)");
  e = fails(kBase, {"system.mass.x=1"});
  EXPECT_EQ(e.source(), "--set");
  // The file's own errors still name the file.
  e = fails(with_line("mass", "mass = -1"), {"drive.Omega=3"});
  EXPECT_EQ(e.source(), "inputs/x.toml");
  // What is wrong in a table that a --set created is the --set's doing ...
  e = fails(kBase, {"sweep.y={key=\"T\", values=[0.1]}"});
  EXPECT_EQ(std::string(e.what()), "--set: missing key 'sweep.x' (the first sweep axis)");
  e = fails(kBase, {"sweep.x.key=drive.Omega"});
  EXPECT_EQ(e.source(), "--set");
  EXPECT_NE(std::string(e.what()).find("missing key 'sweep.x.from'"), std::string::npos);
  // ... but a required key missing from the file is the file's, even if a --set made its table.
  std::string no_drive = kBase.substr(0, kBase.find("[drive]"));
  e = fails(no_drive, {"drive.Omega=2"});
  EXPECT_EQ(std::string(e.what()),
            "inputs/x.toml: missing table [drive] (first missing key 'drive.phi')");
  e = fails(with_line("mass", ""), {"system.omega_A=2"});
  EXPECT_EQ(std::string(e.what()), "inputs/x.toml: missing key 'system.mass'");
}

TEST(Config, LoadConfigNamesTheFile) {
  const auto dir = synctur::test::fresh_temp_dir("synctur_test_config");
  const auto file = (dir / "bad.toml").string();
  std::ofstream(file) << with_line("Omega", "Omega = \"x\"");
  try {
    synctur::io::load_config(file);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), file + ": drive.Omega: expected a number, got a string");
  }
  try {
    synctur::io::load_config((dir / "missing.toml").string());
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open file"), std::string::npos);
  }
  std::ofstream(file) << kBase;
  EXPECT_EQ(synctur::io::load_config(file, {"drive.r=0.5"}).model.r, 0.5);
}

// --- [sweep] --------------------------------------------------------------------------------

TEST(ConfigSweep, AxesFromRangesAndLists) {
  const Config c = parse_config(kBase + R"(
[sweep]
x = { key = "drive.Omega", from = 0.01, to = 200, points = 50, scale = "log" }
y = { key = "static_bath.gamma", values = [0.01, 100] }
)",
                                "x");
  ASSERT_TRUE(c.sweep.has_value());
  ASSERT_EQ(c.sweep->axes.size(), 2u);
  const auto& x = c.sweep->axes[0];
  EXPECT_EQ(x.key, "drive.Omega");
  EXPECT_EQ(x.scale, synctur::SweepAxis::Scale::Log);
  EXPECT_EQ(x.from, 0.01);
  EXPECT_EQ(x.to, 200.0);
  EXPECT_EQ(x.points, 50);
  const auto& y = c.sweep->axes[1];
  EXPECT_EQ(y.scale, synctur::SweepAxis::Scale::List);
  EXPECT_EQ(y.values, (std::vector<double>{0.01, 100.0}));
  EXPECT_EQ(c.sweep->size(), 100u);
}

TEST(ConfigSweep, TableSyntaxAndDerivedKeys) {
  const Config c = parse_config(kBase + R"(
[sweep]
dT_over_Tbar = 1.8
[sweep.x]
key = "Tbar"
from = 0.01
to = 2
points = 3
)",
                                "x");
  ASSERT_TRUE(c.sweep.has_value());
  EXPECT_EQ(c.sweep->axes[0].key, "Tbar");
  EXPECT_EQ(c.sweep->axes[0].scale, synctur::SweepAxis::Scale::Linear);
  EXPECT_EQ(*c.sweep->dT_over_Tbar, 1.8);
}

TEST(ConfigSweep, OverridesReachTheSweep) {
  const std::string s =
      kBase + "\n[sweep]\nx = { key = \"drive.Omega\", from = 1, to = 2, points = 5 }\n";
  EXPECT_EQ(parse_config(s, "x", {"sweep.x.points=7"}).sweep->axes[0].points, 7);
  const Config c = parse_config(kBase, "x", {"sweep.x={key=\"T\", values=[0.1, 0.2]}"});
  ASSERT_TRUE(c.sweep.has_value());
  EXPECT_EQ(c.sweep->axes[0].key, "T");
  // A bare word that is not TOML is a string.
  EXPECT_EQ(parse_config(s, "x", {"sweep.x.key=drive.r"}).sweep->axes[0].key, "drive.r");
  const auto e = fails(s, {"sweep.x.points=0"});
  EXPECT_EQ(std::string(e.what()), "--set sweep.x.points: must be >= 1 (got 0)");
}

TEST(ConfigSweep, Errors) {
  struct Case {
    const char* sweep;
    const char* key;
    const char* text;
  };
  const Case cases[] = {
      {R"(x = { key = "drive.omega", from = 1, to = 2, points = 3 })", "sweep.x.key",
       "did you mean 'drive.Omega'?"},
      {R"(x = { key = "drive.Omega", from = 1, to = 2, points = 0 })", "sweep.x.points",
       "must be >= 1 (got 0)"},
      {R"(x = { key = "drive.Omega", from = 1, to = 2, points = 2.5 })", "sweep.x.points",
       "expected an integer"},
      {R"(x = { key = "drive.Omega", from = 0, to = 2, points = 3, scale = "log" })", "sweep.x",
       "needs from > 0 and to > 0"},
      {R"(x = { key = "drive.Omega", from = 1, to = 2, points = 3, scale = "lin" })",
       "sweep.x.scale", "must be \"linear\" or \"log\""},
      {R"(x = { key = "drive.Omega", from = 1, to = 2 })", "sweep.x.points", "missing key"},
      {R"(x = { key = "drive.Omega", values = [1, 2], points = 3 })", "sweep.x", "either 'values'"},
      {R"(x = { key = "drive.Omega", values = [1, "a"] })", "sweep.x.values[1]",
       "expected a number, got a string"},
      {R"(x = { key = "drive.Omega", values = [] })", "sweep.x.values", "must not be empty"},
      {R"(x = { key = "drive.Omega", values = [1, nan] })", "sweep.x.values", "must be finite"},
      {R"(x = { key = "drive.Omega", values = [1], step = 1 })", "sweep.x.step",
       "unknown key 'sweep.x.step'"},
      {R"(z = { key = "drive.Omega", values = [1] })", "sweep.z", "did you mean 'sweep.x'?"},
      {R"(y = { key = "drive.Omega", values = [1] })", "sweep.x", "missing key 'sweep.x'"},
      {R"(x = 3)", "sweep.x", "expected a table"},
      {R"(x = { key = "Tbar", values = [0.1, 0.5] })", "sweep.dT_over_Tbar",
       "needs 'dT_over_Tbar'"},
      {R"(x = { key = "dT_over_Tbar", values = [0.1, 0.5] })", "sweep.Tbar", "needs 'Tbar'"},
      {"Tbar = 0.5\nx = { key = \"dT_over_Tbar\", values = [2.5] }", "sweep.x",
       "dT_over_Tbar must be in [-2, 2] (got 2.5)"},
      {"Tbar = 0.5\nx = { key = \"drive.Omega\", values = [1] }", "sweep.Tbar",
       "only used with an axis over 'dT_over_Tbar'"},
      {"dT_over_Tbar = 3\nx = { key = \"Tbar\", values = [1] }", "sweep.dT_over_Tbar",
       "must be in [-2, 2] (got 3)"},
      {"x = { key = \"T\", values = [1] }\ny = { key = \"driven_bath.temperature\", values = [1] }",
       "sweep.y.key", "both set a temperature"},
      {"x = { key = \"drive.r\", values = [1] }\ny = { key = \"drive.r\", values = [1] }",
       "sweep.y.key", "both axes"},
      {R"(x = { key = "drive.Omega", from = 0, to = 2, points = 3 })", "sweep",
       "point 1 (drive.Omega = 0): drive.Omega must be > 0 (got 0)"},
      {R"(x = { key = "T", values = [0.1, -0.1] })", "sweep.x", "T must be >= 0 (got -0.1)"},
  };
  for (const auto& c : cases) {
    const auto e = fails(kBase + "\n[sweep]\n" + c.sweep + "\n");
    EXPECT_EQ(e.key(), c.key) << c.sweep << "\n" << e.what();
    EXPECT_NE(std::string(e.what()).find(c.text), std::string::npos) << c.sweep << "\n" << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("inputs/x.toml: ", 0), 0u) << e.what();
  }
}

TEST(ConfigSweep, ShippedInputsAreValid) {
  // SYNCTUR_SOURCE_DIR, else the source tree this file belongs to.
  const char* env = std::getenv("SYNCTUR_SOURCE_DIR");
  const std::filesystem::path src =
      env ? std::filesystem::path(env)
          : std::filesystem::path(__FILE__).parent_path().parent_path();
  int n = 0;
  for (const auto& f : std::filesystem::directory_iterator(src / "inputs")) {
    if (f.path().extension() != ".toml") continue;
    ++n;
    EXPECT_NO_THROW(synctur::io::load_config(f.path().string())) << f.path();
  }
  EXPECT_GE(n, 14);
}

TEST(Config, ClosestMatch) {
  using synctur::io::closest_match;
  EXPECT_EQ(closest_match("drive.omega", {"drive.Omega", "drive.phi"}), "drive.Omega");
  EXPECT_EQ(closest_match("static_bath.gama", {"static_bath.gamma", "driven_bath.gamma"}),
            "static_bath.gamma");
  EXPECT_EQ(closest_match("completely_different", {"drive.Omega"}), "");
}

// A CONFIG that is not a regular TOML file gets one clear refusal: a directory by name, a
// stream or device larger than any input (/dev/zero would otherwise be read without bound).
TEST(Config, DirectoriesAndHugeStreamsAreRefused) {
  const auto dir = std::filesystem::temp_directory_path();
  try {
    synctur::io::load_config(dir.string(), {});
    FAIL() << "a directory was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
  const auto big = dir / "synctur_test_big_input.toml";
  {
    std::ofstream f(big, std::ios::binary);
    const std::string line(1023, '#');
    for (int i = 0; i < 17 * 1024; ++i) f << line << '\n';  // 17 MiB of comments
  }
  try {
    synctur::io::load_config(big.string(), {});
    FAIL() << "a 17 MiB input was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("larger than 16 MiB"), std::string::npos) << e.what();
  }
  std::filesystem::remove(big);
}

// simulation.cutoff_band: a number in [0, 100] or "auto" (the default); "auto" is echoed as
// the number it resolves to, with the rule when the rule set the step.
TEST(Config, CutoffBandAutoResolvesAndEchoes) {
  const Config q = parse_config(kBase, "inputs/x.toml");
  EXPECT_FALSE(q.simulation.cutoff_band.has_value());
  EXPECT_EQ(q.value("simulation.cutoff_band"), synctur::io::ConfigValue(6.0));  // as before
  EXPECT_EQ(q.cutoff_band_rule, "");
  const std::vector<std::string> wc1000 = {"static_bath.gamma=100",     "driven_bath.cutoff=1000",
                                           "drive.Omega=0.5",           "static_bath.temperature=1",
                                           "driven_bath.temperature=1", "drive.r=0.5"};
  const Config c = parse_config(kBase, "inputs/x.toml", wc1000);
  EXPECT_FALSE(c.simulation.cutoff_band.has_value());  // the engine resolves it per point
  EXPECT_EQ(c.value("simulation.cutoff_band"), synctur::io::ConfigValue(0.0));
  EXPECT_NE(c.cutoff_band_rule.find("n = 48000 steps per period with the w_c term, 244 without"),
            std::string::npos)
      << c.cutoff_band_rule;
  auto off = wc1000;
  off.push_back("simulation.bias=off");
  const Config o = parse_config(kBase, "inputs/x.toml", off);
  EXPECT_EQ(o.value("simulation.cutoff_band"), synctur::io::ConfigValue(6.0));
  EXPECT_NE(o.cutoff_band_rule.find("simulation.bias = \"off\""), std::string::npos);
  auto expl = wc1000;
  expl.push_back("simulation.cutoff_band=3");
  const Config e = parse_config(kBase, "inputs/x.toml", expl);
  EXPECT_EQ(e.simulation.cutoff_band, 3.0);
  EXPECT_EQ(e.value("simulation.cutoff_band"), synctur::io::ConfigValue(3.0));
  EXPECT_EQ(e.cutoff_band_rule, "");
  const Config a = parse_config(kBase + "\n[simulation]\ncutoff_band = \"auto\"\n", "x",
                                {"driven_bath.cutoff=1000"});
  EXPECT_FALSE(a.simulation.cutoff_band.has_value());
  EXPECT_EQ(a.value("simulation.cutoff_band"), synctur::io::ConfigValue(0.0));
  // A sweep over w_c whose points resolve differently echoes "auto" and the counts.
  const Config s = parse_config(
      kBase + "\n[sweep]\nx = { key = \"driven_bath.cutoff\", values = [1.2, 1000] }\n", "x");
  EXPECT_EQ(s.value("simulation.cutoff_band"), synctur::io::ConfigValue(std::string("auto")));
  EXPECT_EQ(s.cutoff_band_rule,
            "auto at each of the 2 sweep points: 0 at 1, 6 at the others; the w_c term sets the "
            "step at 1 (steps_per_period column)");
  Config base = s;  // --no-sweep: the base point's echo
  synctur::io::resolve_auto_cutoff_band(base, false);
  EXPECT_EQ(base.value("simulation.cutoff_band"), synctur::io::ConfigValue(6.0));
  EXPECT_EQ(base.cutoff_band_rule, "");
}

TEST(Config, CutoffBandBadValuesAreOneLineNamingTheKey) {
  EXPECT_EQ(std::string(fails(kBase + "\n[simulation]\ncutoff_band = \"fast\"\n").what()),
            "inputs/x.toml: simulation.cutoff_band: must be one of \"auto\" (got \"fast\")");
  EXPECT_EQ(std::string(fails(kBase + "\n[simulation]\ncutoff_band = true\n").what()),
            "inputs/x.toml: simulation.cutoff_band: expected a number or \"auto\", got a boolean");
  EXPECT_EQ(std::string(fails(kBase + "\n[simulation]\ncutoff_band = 101\n").what()),
            "inputs/x.toml: simulation.cutoff_band: must be \"auto\" or in [0, 100] (got 101)");
  EXPECT_EQ(std::string(fails(kBase, {"simulation.cutoff_band=-1"}).what()),
            "--set simulation.cutoff_band: must be \"auto\" or in [0, 100] (got -1)");
  EXPECT_EQ(std::string(fails(kBase + "\n[simulation]\ncutoff_band = nan\n").what()),
            "inputs/x.toml: simulation.cutoff_band: must be finite (got nan)");
}
