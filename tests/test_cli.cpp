// The built `synctur` binary (SYNCTUR_BIN): exit codes, one-line errors, no output file on
// error, JSON for a point, CSV rows of a sweep in order and independent of --threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "synctur/engines/theory.hpp"

namespace {

using namespace synctur::test;
using synctur::ModelParams;
using synctur::theory_point;
using synctur::to_results;
namespace fs = std::filesystem;

class Cli : public CliHarness {};

}  // namespace

TEST_F(Cli, HelpAndVersion) {
  Outcome r = run({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("theory"), std::string::npos);
  r = run({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, std::string("synctur ") + SYNCTUR_VERSION + "\n");
  for (const char* c : {"theory", "response", "exact", "simulate", "noise", "validate"}) {
    r = run({c, "--help"});
    EXPECT_EQ(r.status, 0) << c;
    EXPECT_NE(r.out.find("--set"), std::string::npos) << c;
    // The --format line offers exactly what the command accepts (validate: text|json).
    std::string format_line;
    for (const auto& l : lines(r.out))
      if (l.rfind("  --format", 0) == 0) format_line = l;
    EXPECT_NE(format_line.find(std::string(c) == "validate" ? "text|json" : "json|csv"),
              std::string::npos)
        << c << ": " << format_line;
    if (std::string(c) == "validate") {
      EXPECT_EQ(format_line.find("csv"), std::string::npos);
    }
  }
}

TEST_F(Cli, TheoryPointPrintsJsonWithTheKeys) {
  const Outcome r = run({"theory", quickstart(), "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_EQ(r.out[r.out.find_last_not_of('\n')], '}');
  for (const char* k :
       {"command", "version", "parameters", "P_A",  "P_B",   "P",    "P0_A",    "dP_A",
        "P0_B",    "dP_B",    "J_1",        "J_2",  "S_dot", "D_PA", "D_PB",    "D_P",
        "Q_PA",    "Q_PB",    "Q_P",        "V_PA", "V_PB",  "eta",  "pearson", "pearson_tilde"})
    EXPECT_NE(r.out.find("\n  \"" + std::string(k) + "\": "), std::string::npos) << k;
  EXPECT_NE(r.out.find("\"Omega\": 2"), std::string::npos);
  EXPECT_EQ(r.out.find("nan"), std::string::npos);  // NaN is null in JSON
}

TEST_F(Cli, BadInputsExit2WithOneLineAndNoFile) {
  const fs::path out = dir_ / "out.csv";
  // The bad line of the syntax case: quickstart.toml, one empty line, [drive.x], then it.
  const std::string bad_line = std::to_string(lines(slurp(quickstart())).size() + 3);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"theory", config("[drive.x]\ny = = 1", "syntax.toml")}, "syntax.toml:" + bad_line + ":5: "},
      {{"theory", config("[system2]\nmass = 1", "unknown.toml")}, "unknown table [system2]"},
      {{"theory", quickstart(), "--set", "drive.omega=3"}, "--set: unknown key 'drive.omega'"},
      {{"theory", quickstart(), "--set", "drive.Omega=-1"}, "--set drive.Omega: must be > 0"},
      {{"theory", quickstart(), "--set", "drive.Omega=\"x\""}, "expected a number, got a string"},
      {{"theory", quickstart(), "--set", "static_bath.gamma=nan"}, "must be finite"},
      {{"theory", quickstart(), "--frobnicate"}, "unknown option '--frobnicate'"},
      {{"theory", quickstart(), "--format", "xml"}, "--format must be json or csv"},
      {{"theory", quickstart(), "--threads", "0"}, "--threads"},
      {{"theory"}, "missing CONFIG"},
      {{"theory", (dir_ / "none.toml").string()}, "cannot open file"},
      {{"theroy", quickstart()}, "did you mean 'theory'?"},
      {{"theory", config("[sweep]\nx = { key = \"drive.Omega\", from = 0, to = 1, points = 0 }",
                         "sweep.toml")},
       "sweep.x.points: must be >= 1"},
      {{"response", quickstart(), "--w-min", "2", "--w-max", "1"},
       "error: --w-max: must be >= response.w_min"},
      {{"response", quickstart(), "--points", "abc"}, "--points: expected an integer"},
      // Each message names the cause (issue 17, class 7).
      {{"theory", dir_.string()}, "is a directory, not a TOML file"},
      {{"theory", quickstart(), "--threads", "5000"}, "--threads: must be in [1, 4096] (got 5000)"},
      {{"theory", quickstart(), "--threads", "99999999999999999999"}, "must be in [1, 4096]"},
      {{"noise", quickstart(), "--set", "noise.band_limit=1e6"},
       "--set noise.band_limit: gives dt = "},
      {{"theory", quickstart(), "--set", "sweep.y={key=\"T\", values=[0.1]}"},
       "--set: missing key 'sweep.x'"},
      {{"theory", quickstart(), "--set", "sweep.x.key=drive.Omega"},
       "--set: missing key 'sweep.x.from'"},
      {{"validate", quickstart(), "--format", "csv"}, "--format must be text or json (got 'csv')"},
      {{"simulate", quickstart(), "--set", "simulation.trajectories=3"},
       "antithetic pairs (got 3)"},
      {{"simulate", quickstart(), "--seed", "-1"}, "error: --seed: must be >= 0 (got -1)"},
      {{"response", quickstart(), "--points", "0"}, "error: --points: must be >= 1 (got 0)"},
      // exact's accuracy options are the [exact] keys, checked by the config loader
      {{"exact", quickstart(), "--rtol", "1"}, "error: --rtol: must be in [1e-14, 1e-3] (got 1)"},
      {{"exact", quickstart(), "--hill-tol", "x"}, "--hill-tol"},
      {{"exact", quickstart(), "--set", "exact.atol_rel=-1"},
       "--set exact.atol_rel: must be in [0, 1e-3] (got -1)"},
  };
  for (const auto& [args, text] : cases) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"-o", out.string()});
    const Outcome r = run(a);
    EXPECT_EQ(r.status, 2) << text << "\n" << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << "want '" << text << "' in: " << r.err;
    // The value is given once ("(pairs; got 3) (got 3)" was a bug).
    const auto got = r.err.find("got ");
    EXPECT_TRUE(got == std::string::npos || r.err.find("got ", got + 1) == std::string::npos)
        << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_FALSE(fs::exists(out)) << text;
  }
  // Nothing but the configs written by the test is left in the directory.
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().extension(), ".toml") << e.path();
}

TEST_F(Cli, SweepRowsInOrderAndIndependentOfThreads) {
  const std::string c = config(R"([sweep]
x = { key = "drive.Omega", from = 0.5, to = 2.0, points = 3, scale = "log" }
y = { key = "static_bath.gamma", values = [1.0, 10.0] }
)");
  const fs::path f1 = dir_ / "t1.csv", f2 = dir_ / "t2.csv";
  const Outcome r1 = run({"theory", c, "--threads", "1", "-o", f1.string()});
  const Outcome r2 = run({"theory", c, "--threads=2", "--output", f2.string()});
  ASSERT_EQ(r1.status, 0) << r1.err;
  ASSERT_EQ(r2.status, 0) << r2.err;
  EXPECT_TRUE(r1.out.empty());
  const std::string csv = slurp(f1);
  EXPECT_EQ(csv, slurp(f2));  // bit-identical
  const auto ls = lines(csv);
  ASSERT_EQ(ls.size(), 8u);  // comment + header + 6 rows
  EXPECT_EQ(ls[0].rfind("# synctur ", 0), 0u);
  const auto head = split(ls[1]);
  const auto col = [&](const std::string& name) {
    for (std::size_t j = 0; j < head.size(); ++j)
      if (head[j] == name) return j;
    ADD_FAILURE() << "no column " << name;
    return std::size_t{0};
  };
  EXPECT_EQ(head[0], "system.mass");
  const std::size_t jO = col("drive.Omega"), jg = col("static_bath.gamma"), jP = col("P_A");
  col("Q_PA");
  const double Om[3] = {0.5, 1.0, 2.0}, g[2] = {1.0, 10.0};
  for (int iy = 0; iy < 2; ++iy)
    for (int ix = 0; ix < 3; ++ix) {
      const auto row = split(ls[2 + iy * 3 + ix]);
      ASSERT_EQ(row.size(), head.size());
      EXPECT_NEAR(std::stod(row[jO]), Om[ix], 1e-12);
      EXPECT_EQ(std::stod(row[jg]), g[iy]);
      // The row's P_A is the theory value at the row's point (the quick-start point, whose
      // values are the ModelParams defaults, with this Omega and gamma_2), finite and to the
      // last digit (shortest round-trip output): not "nan", not another row's value.
      ModelParams p;
      p.Omega = std::stod(row[jO]);
      p.gamma_2 = g[iy];
      const double want = to_results(theory_point(p)).get("P_A"), got = std::stod(row[jP]);
      ASSERT_TRUE(std::isfinite(want));
      EXPECT_TRUE(std::isfinite(got)) << row[jP];
      EXPECT_NEAR(got, want, 1e-13 * std::abs(want)) << "Omega=" << p.Omega << " gamma_2=" << g[iy];
    }
  // No temporary files are left beside the outputs.
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
  EXPECT_EQ(n, 3);  // c.toml, t1.csv, t2.csv
}

TEST_F(Cli, SweepAsJsonAndNoSweep) {
  const std::string c = config(R"([sweep]
x = { key = "Tbar", values = [0.1, 0.2] }
dT_over_Tbar = 1.0
)");
  Outcome r = run({"theory", c, "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\"sweep\": {"), std::string::npos);
  EXPECT_NE(r.out.find("\"points\": ["), std::string::npos);
  EXPECT_NE(r.out.find("\"Tbar\": 0.2, \"dT_over_Tbar\": 1"), std::string::npos);
  r = run({"theory", c, "--no-sweep", "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines(r.out).size(), 3u);  // comment + header + 1 row
}

TEST_F(Cli, ResponseSpectrum) {
  Outcome r = run({"response", quickstart(), "--w-min", "0", "--w-max", "2", "--points", "5"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 7u);
  EXPECT_EQ(ls[1], "w,chi_AA',chi_AA'',chi_BB',chi_BB'',chi_AB',chi_AB'',eig_min,eig_max");
  EXPECT_EQ(split(ls[4])[0], "1");
  const std::string c = config("[sweep]\nx = { key = \"static_bath.gamma\", values = [0.1, 10] }");
  r = run({"response", c, "--points", "3"});
  ASSERT_EQ(r.status, 0) << r.err;
  ls = lines(r.out);
  ASSERT_EQ(ls.size(), 8u);
  EXPECT_EQ(split(ls[1])[0], "static_bath.gamma");
  EXPECT_EQ(split(ls[7])[0], "10");
}

// --rtol / --atol / --hill-tol are aliases of --set exact.*: applied after the --set
// overrides and recorded in the output's parameters like every key.
TEST_F(Cli, ExactToleranceOptionsAreRecordedKeys) {
  const Outcome r = run({"exact", quickstart(), "--no-fluctuations", "--set", "exact.rtol=1e-9",
                         "--rtol", "1e-8", "--hill-tol", "1e-9"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto at = r.out.find("\"exact\": {");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string section = r.out.substr(at, r.out.find('}', at) - at);
  EXPECT_NE(section.find("\"rtol\": 1e-08"), std::string::npos) << section;
  EXPECT_NE(section.find("\"atol_rel\": 1e-10"), std::string::npos) << section;
  EXPECT_NE(section.find("\"hill_tol\": 1e-09"), std::string::npos) << section;
}
