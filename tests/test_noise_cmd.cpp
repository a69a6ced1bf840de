// `synctur noise` through the built binary (SYNCTUR_BIN): the CSV's physics for both baths at
// T = 0.5 and T = 0 (variance vs the quadrature target within 4 SE, autocovariance and Welch
// spectrum vs their exact expectations, an independent check of the T = 0 Ohmic variance,
// Gaussianity), the plan rows vs the engine's dt rule, bitwise independence of --threads,
// JSON, and one-line exit-2 errors for bad [noise] keys.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.hpp"
#include "synctur/engines/simulation_options.hpp"
#include "synctur/io/config.hpp"
#include "synctur/noise/noise.hpp"

namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

using namespace synctur::test;

/// One row of the CSV: bath,kind,x,value,se,target,expected,z.
struct Row {
  std::string bath, kind;
  double x, value, se, target, expected, z;
};

/// The rows of one bath and kind, in file order.
using Csv = std::map<std::pair<std::string, std::string>, std::vector<Row>>;

Csv parse(const std::string& text) {
  const auto ls = lines(text);
  EXPECT_GE(ls.size(), 3u);
  if (ls.size() < 3) return {};
  EXPECT_EQ(ls[0].rfind("# synctur ", 0), 0u) << ls[0];
  EXPECT_NE(ls[0].find(" noise "), std::string::npos) << ls[0];
  EXPECT_EQ(ls[1], "bath,kind,x,value,se,target,expected,z");
  Csv csv;
  for (std::size_t i = 2; i < ls.size(); ++i) {
    const auto f = split(ls[i]);
    EXPECT_EQ(f.size(), 8u) << ls[i];
    if (f.size() != 8) continue;
    Row r{f[0],
          f[1],
          std::stod(f[2]),
          std::stod(f[3]),
          std::stod(f[4]),
          std::stod(f[5]),
          std::stod(f[6]),
          std::stod(f[7])};
    csv[{r.bath, r.kind}].push_back(r);
  }
  return csv;
}

/// The value of a plan row (kind = dt, band_limit, ...).
double plan_value(const Csv& csv, const std::string& bath, const std::string& kind) {
  const auto it = csv.find({bath, kind});
  if (it == csv.end() || it->second.size() != 1) {
    ADD_FAILURE() << "no single row " << bath << "," << kind;
    return std::nan("");
  }
  return it->second[0].value;
}

class NoiseCmd : public CliHarness {
 protected:
  std::string input() const { return CliHarness::input("noise.toml"); }
};

/// Smooth taper of noise.hpp, re-derived here: W = psi(1-x)/(psi(1-x)+psi(x)), psi = e^{-1/y}.
double smooth_taper(double w, double wb, double taper) {
  const double w0 = (1.0 - taper) * wb;
  if (w >= wb) return 0.0;
  if (w <= w0) return 1.0;
  const double x = (w - w0) / (wb - w0);
  const double p1 = std::exp(-1.0 / (1.0 - x)), p0 = std::exp(-1.0 / x);
  return p1 / (p1 + p0);
}

}  // namespace

// The physics of the CSV for both baths, at T = 0.5 (inputs/noise.toml) and T = 0, with the
// engine's dt (the default of noise.dt).  Fixed seed, so the run is deterministic; the
// statistical bounds fail with probability < 1e-3 for a correct generator.
TEST_F(NoiseCmd, SpectrumAndAutocovarianceMatchTargets) {
  for (const double T : {0.5, 0.0}) {
    SCOPED_TRACE("T = " + std::to_string(T));
    const std::string Ts = T == 0.0 ? "0" : "0.5";
    const std::vector<std::string> sets = {
        "static_bath.temperature=" + Ts, "driven_bath.temperature=" + Ts, "noise.samples=1048576"};
    const fs::path out = dir_ / ("T" + Ts + ".csv");
    std::vector<std::string> args = {"noise", input(), "-o", out.string()};
    for (const auto& s : sets) args.insert(args.end(), {"--set", s});
    const Outcome r = run(args);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out.empty());
    // summary: one header line, one line per bath
    const auto err = lines(r.err);
    ASSERT_EQ(err.size(), 3u) << r.err;
    EXPECT_EQ(err[0].rfind("noise: dt = ", 0), 0u) << err[0];
    EXPECT_EQ(err[1].rfind("static Ohmic", 0), 0u) << err[1];
    EXPECT_EQ(err[2].rfind("driven Drude", 0), 0u) << err[2];
    EXPECT_NE(err[1].find("kappa4"), std::string::npos);

    const Csv csv = parse(slurp(out));
    // the plan rows follow the engine's rules
    const auto cfg = synctur::io::load_config(input(), sets);
    const double dt = synctur::simulation_dt(cfg.model, cfg.simulation);
    const double wb = synctur::effective_band_limit(cfg.model, dt, cfg.simulation.noise);
    const double taper = cfg.simulation.noise.taper;
    ASSERT_EQ(cfg.string("noise.taper_shape"), "smooth");

    for (const std::string bath : {"static", "driven"}) {
      SCOPED_TRACE(bath);
      EXPECT_EQ(plan_value(csv, bath, "dt"), dt);
      EXPECT_EQ(plan_value(csv, bath, "band_limit"), wb);
      EXPECT_DOUBLE_EQ(plan_value(csv, bath, "flat_limit"), (1.0 - taper) * wb);
      EXPECT_EQ(plan_value(csv, bath, "samples"), 1048576.0);
      const double eps = plan_value(csv, bath, "truncation_error");
      EXPECT_LT(eps, T > 0 ? 1.01e-12 : 1e-4);

      // autocovariance: lag 0 is the variance; the target is the independent quadrature
      const auto& acf = csv.at({bath, "acf"});
      ASSERT_EQ(acf.size(), 64u);
      EXPECT_EQ(acf[0].x, 0.0);
      const double C0 = acf[0].target;
      ASSERT_GT(C0, 0.0);
      EXPECT_GT(acf[0].se, 0.0);
      EXPECT_LT(acf[0].se, 0.02 * C0);  // the test has power
      EXPECT_LT(std::abs(acf[0].value - C0), 4.0 * acf[0].se)
          << "variance " << acf[0].value << " +- " << acf[0].se << " vs " << C0;
      // realised covariance vs quadrature: the truncation bound (2 sqrt(eps) + eps) C0
      const double bound = (2.0 * std::sqrt(eps) + eps) * C0 + 1e-9 * C0;
      for (const Row& a : acf) {
        EXPECT_LT(std::abs(a.expected - a.target), bound) << "t = " << a.x;
        EXPECT_LT(std::abs(a.value - a.expected), 4.5 * a.se) << "t = " << a.x;
        EXPECT_NEAR(a.z, (a.value - a.expected) / a.se, 1e-9 * (1.0 + std::abs(a.z)));
      }
      // the lags span several periods of the highest relevant frequency w_ref
      const double w_ref = std::min(synctur::required_flat_band(cfg.model), (1.0 - taper) * wb);
      EXPECT_GT(acf.back().x * w_ref / (2.0 * kPi), 5.0);

      // Welch spectrum: every bin vs the estimator's exact expectation; in the flat band the
      // expectation is the target up to the window leakage, so the average deviation from
      // the target is small compared with its SE
      const auto& psd = csv.at({bath, "psd"});
      ASSERT_GT(psd.size(), 100u);
      EXPECT_EQ(psd[0].x, 0.0);
      EXPECT_NEAR(psd.back().x, kPi / dt, 1e-9 * kPi / dt);  // up to Nyquist
      double peak = 0.0;
      for (const Row& p : psd) peak = std::max(peak, p.target);
      double z2 = 0.0, dev = 0.0, var = 0.0;
      int n_flat = 0;
      for (const Row& p : psd) {
        // z is given wherever the expectation is above the roundoff floor
        EXPECT_EQ(std::isfinite(p.z), p.expected > 1e-10 * peak) << "w = " << p.x;
        if (std::isfinite(p.z)) {
          EXPECT_LT(std::abs(p.z), 5.5) << "w = " << p.x;
        }
        EXPECT_GE(p.target, 0.0);
        if (p.x > 0.0 && p.x < (1.0 - taper) * wb) {
          ++n_flat;
          z2 += p.z * p.z;
          dev += p.value - p.target;
          var += p.se * p.se;
          EXPECT_LT(std::abs(p.expected / p.target - 1.0), T > 0 ? 0.02 : 0.3) << "w = " << p.x;
        }
        if (p.x >= wb) {
          EXPECT_EQ(p.target, 0.0);
        }
      }
      ASSERT_GT(n_flat, 50);
      EXPECT_NEAR(z2 / n_flat, 1.0, 0.35);
      EXPECT_LT(std::abs(dev) / std::sqrt(var), 5.0);

      // Gaussianity
      const auto& k4 = csv.at({bath, "kappa4"});
      ASSERT_EQ(k4.size(), 1u);
      EXPECT_GT(k4[0].se, 0.0);
      EXPECT_LT(k4[0].se, 0.1 * C0 * C0);
      EXPECT_LT(std::abs(k4[0].value), 4.0 * k4[0].se);
    }

    // Independent check of the T = 0 Ohmic target: L(0) = (m gamma / pi) int_0^wb w W^2 dw
    // (S = m gamma |w| at T = 0), by Simpson's rule with the taper re-derived above.
    if (T == 0.0) {
      const int n = 20000;
      const double h = wb / n;
      double s = 0.0;
      for (int j = 0; j <= n; ++j) {
        const double w = j * h, W = smooth_taper(w, wb, taper);
        s += (j == 0 || j == n ? 1.0 : (j % 2 ? 4.0 : 2.0)) * w * W * W;
      }
      const double L0 = cfg.model.mass * cfg.model.gamma_2 / kPi * s * h / 3.0;
      EXPECT_NEAR(csv.at({"static", "acf"})[0].target, L0, 1e-8 * L0);
    }
  }
}

// The output does not depend on the number of threads (bitwise), and JSON carries the same
// table.
TEST_F(NoiseCmd, ThreadsAndJson) {
  const std::vector<std::string> base = {"noise", input(),       "--set", "noise.samples=262144",
                                         "--set", "noise.lags=8"};
  const fs::path f1 = dir_ / "t1.csv", f2 = dir_ / "t2.csv";
  auto a1 = base, a2 = base;
  a1.insert(a1.end(), {"--threads", "1", "-o", f1.string()});
  a2.insert(a2.end(), {"--threads", "2", "-o", f2.string()});
  const Outcome r1 = run(a1), r2 = run(a2);
  ASSERT_EQ(r1.status, 0) << r1.err;
  ASSERT_EQ(r2.status, 0) << r2.err;
  EXPECT_EQ(slurp(f1), slurp(f2));

  auto aj = base;
  aj.insert(aj.end(), {"--format", "json"});
  const Outcome rj = run(aj);
  ASSERT_EQ(rj.status, 0) << rj.err;
  EXPECT_NE(rj.out.find("\"command\": \"noise\""), std::string::npos);
  EXPECT_NE(rj.out.find("\"columns\": [\"bath\", \"kind\", \"x\", \"value\", \"se\", \"target\", "
                        "\"expected\", \"z\"]"),
            std::string::npos)
      << rj.out.substr(0, 2000);
  EXPECT_NE(rj.out.find("\"samples\": 262144"), std::string::npos);  // the [noise] keys
  EXPECT_EQ(rj.out.find("\"sweep\""), std::string::npos);

  const Outcome h = run({"noise", "--help"});
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("bath,kind,x,value,se,target,expected,z"), std::string::npos);
}

// Bad [noise] keys: exit 2, one line "error: ...", no output file.  A coarse dt only warns.
TEST_F(NoiseCmd, BadKeysExit2WithOneLine) {
  const fs::path out = dir_ / "out.csv";
  const fs::path bad_type = dir_ / "type.toml";
  std::ofstream(bad_type) << slurp(fs::path(src_) / "inputs" / "quickstart.toml")
                          << "\n[noise]\nsamples = 1.5\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--set", "noise.lag=3"}, "unknown key 'noise.lag' (did you mean 'noise.lags'?)"},
      {{"--set", "noise.samples=10"}, "--set noise.samples: must be in [1024, 2^36]"},
      {{"--set", "noise.welch_segment=1000"}, "noise.welch_segment: must be 0 (automatic) or a"},
      {{"--set", "noise.dt=-0.1"}, "noise.dt: must be >= 0"},
      {{"--set", "noise.streams=1"}, "noise.streams: must be >= 2"},
      {{"--set", "noise.lag_stride=-1"}, "noise.lag_stride: must be >= 0"},
      {{"--set", "noise.samples=8192", "--set", "noise.welch_segment=4096"},
       "--set noise.samples: gives 256 samples per stream"},
      {{"--set", "noise.lags=100000", "--set", "noise.samples=65536"}, "--set noise.lags: "},
      {{"--set", "noise.dt=0.05", "--set", "noise.band_limit=70"},
       "--set noise.band_limit: w_b = 70 must be below the Nyquist frequency"},
  };
  for (const auto& [extra, text] : cases) {
    std::vector<std::string> a = {"noise", input()};
    a.insert(a.end(), extra.begin(), extra.end());
    a.insert(a.end(), {"-o", out.string()});
    const Outcome r = run(a);
    EXPECT_EQ(r.status, 2) << text << "\n" << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << "want '" << text << "' in: " << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_FALSE(fs::exists(out)) << text;
  }
  const Outcome r = run({"noise", bad_type.string(), "-o", out.string()});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("type.toml: noise.samples: expected an integer"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));

  // A step too coarse for the band rule is not an error: a warning line, then the run.
  const Outcome w = run({"noise", input(), "--set", "noise.dt=0.5", "--set", "noise.samples=65536",
                         "-o", out.string()});
  EXPECT_EQ(w.status, 0) << w.err;
  EXPECT_EQ(w.err.rfind("warning: noise.band_limit: flat band", 0), 0u) << w.err;
  EXPECT_TRUE(fs::exists(out));
}

// simulation.cutoff_band = "auto" at w_c = 1000 (bias = "correct"): the band stops far below
// w_c and the summary says what the band-limited check cannot see; at cutoff_band = 6 the
// band reaches 6 w_c and there is no such line.
TEST_F(NoiseCmd, SaysWhenTheBandStopsBelowTheCutoff) {
  const std::vector<std::string> point = {
      "--set", "static_bath.gamma=100",     "--set", "driven_bath.cutoff=1000",
      "--set", "drive.Omega=0.5",           "--set", "static_bath.temperature=1",
      "--set", "driven_bath.temperature=1", "--set", "drive.r=0.5",
      "--set", "noise.samples=262144"};
  std::vector<std::string> args = {"noise", input(), "-o", (dir_ / "wc1000.csv").string()};
  args.insert(args.end(), point.begin(), point.end());
  const Outcome r = run(args);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto err = lines(r.err);
  ASSERT_EQ(err.size(), 4u) << r.err;
  EXPECT_EQ(err[3].rfind("note: the driven bath's band w_b = 30.5 < 3 w_c = 3000 "
                         "(simulation.cutoff_band = 0 (auto)): the targets above are the "
                         "band-limited",
                         0),
            0u)
      << err[3];
  EXPECT_NE(err[3].find("(here \"correct\")"), std::string::npos) << err[3];
  args.insert(args.end(), {"--set", "simulation.cutoff_band=6", "--set", "noise.samples=1048576"});
  const Outcome six = run(args);
  ASSERT_EQ(six.status, 0) << six.err;
  EXPECT_EQ(lines(six.err).size(), 3u) << six.err;
}
