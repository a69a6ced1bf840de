// `synctur noise`: the noise of both baths at the engine's time step, its measured spectrum and
// autocovariance next to their targets, and the summary lines (moved from src/cli/noise_cmd.cpp:
// the body of noise_main between load and emit).
#include "synctur/noise/noise.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "synctur/app/commands.hpp"
#include "synctur/engines/simulation_options.hpp"
#include "synctur/numerics/rng_streams.hpp"
#include "synctur/physics/spectra.hpp"

namespace synctur::app {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
/// Welch bins whose expected value is below this fraction of the target's peak get z = NaN.
constexpr double kPsdFloor = 1e-10;

/// Median of the largest |z| of n independent standard normals: erf(x/sqrt 2)^n = 1/2.
double typical_max_abs_z(std::size_t n) {
  if (n == 0) return 0.0;
  const double tail = -std::expm1(-std::log(2.0) / static_cast<double>(n));  // P(|z| > x)
  double lo = 0.0, hi = 40.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (std::erfc(mid / std::sqrt(2.0)) > tail ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

/// A bad combination of keys: the same one-line form as the config loader's errors (exit 2).
[[noreturn]] void key_error(const io::Config& cfg, const std::string& key,
                            const std::string& detail) {
  if (io::set_by_override(cfg, key))
    throw io::ConfigError("--set " + key + ": " + detail, "--set", key);
  throw io::ConfigError(cfg.source + ": " + key + ": " + detail, cfg.source, key);
}

/// The key that set dt: noise.dt, simulation.steps_per_period, or a noise.band_limit above
/// the automatic band (dt fits it) -- given explicitly --, or driven_bath.cutoff when the
/// automatic rule's cutoff term (simulation.cutoff_band x w_c, "auto" resolved) set it; ""
/// otherwise.
std::string dt_source(const io::Config& cfg, const ModelParams& p, double dt) {
  if (cfg.real("noise.dt") > 0.0) return "noise.dt";
  if (cfg.simulation.steps_per_period > 0) return "simulation.steps_per_period";
  SimulationOptions without = cfg.simulation;
  without.noise.band_limit = 0.0;
  if (cfg.simulation.noise.band_limit > 0.0 && simulation_dt(p, without) > dt)
    return "noise.band_limit";
  without.cutoff_band = 0.0;
  if (simulation_dt(p, without) > dt) return "driven_bath.cutoff";
  return {};
}

/// The line that says what the check cannot see when the band stops below the Drude cutoff
/// (the engine's warning threshold 3 w_c): the targets are band-limited, S(w) W(w)^2; "" when
/// the band reaches 3 w_c.
std::string band_note(const io::Config& cfg, bool dt_by_key, double band) {
  const ModelParams& p = cfg.model;
  if (band >= 3.0 * p.cutoff) return {};
  std::string why = "noise.dt";
  if (!dt_by_key) {
    const CutoffBandChoice c = resolve_cutoff_band(p, cfg.simulation);
    why = cfg.simulation.steps_per_period > 0
              ? std::string("simulation.steps_per_period")
              : "simulation.cutoff_band = " + io::format_number(c.value) +
                    (c.automatic ? " (auto)" : "");
  }
  char b[64], w[64];
  std::snprintf(b, sizeof b, "%.6g", band);
  std::snprintf(w, sizeof w, "%.6g", 3.0 * p.cutoff);
  return std::string("note: the driven bath's band w_b = ") + b + " < 3 w_c = " + w + " (" + why +
         "): the targets above are the band-limited S(w) W(w)^2, so this check cannot see the "
         "Drude spectrum above w_b, which the noise lacks by construction; the engine's "
         "<key>_bias holds its effect on the means (the same filter) and on D_*_sym (exact "
         "solver with S W^2; docs/SIMULATION.md section 3b), removed with simulation.bias = "
         "\"correct\" (here \"" +
         cfg.simulation.bias + "\")";
}

struct BathCase {
  const char* name;   // value of the `bath` column
  const char* label;  // for the summary
  BathSpectrum bath;
  std::uint32_t bath_id;  // RngKey::bath of its streams (as in the engine)
};

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v)
    if (std::isfinite(x)) m = std::max(m, std::abs(x));
  return m;
}

/// (estimate - expected) / se, NaN where se is not positive.
double zscore(double value, double expected, double se) {
  return se > 0.0 ? (value - expected) / se : kNaN;
}

/// The diagnostics options from the noise.* keys (automatic Welch segment and lag stride where
/// the key is 0), with one key-naming refusal for a combination that does not fit the samples.
DiagnosticsOptions diagnostics_options(const io::Config& cfg, double dt, double w_ref) {
  const ModelParams& p = cfg.model;
  DiagnosticsOptions dopt;
  dopt.n_trajectories = static_cast<std::size_t>(cfg.integer("noise.streams"));
  const std::size_t n_samples = static_cast<std::size_t>(cfg.integer("noise.samples"));
  const std::size_t per = n_samples / dopt.n_trajectories;
  const std::int64_t seg_key = cfg.integer("noise.welch_segment");
  dopt.welch_segment =
      seg_key > 0 ? static_cast<std::size_t>(seg_key) : auto_welch_segment(w_ref, dt, per);
  dopt.n_lags = static_cast<std::size_t>(cfg.integer("noise.lags"));
  const std::int64_t stride_key = cfg.integer("noise.lag_stride");
  dopt.lag_stride =
      stride_key > 0 ? static_cast<std::size_t>(stride_key) : auto_lag_stride(w_ref, dt);
  if (per < dopt.welch_segment)
    key_error(cfg, "noise.samples",
              "gives " + std::to_string(per) + " samples per stream (noise.samples / " +
                  "noise.streams), fewer than noise.welch_segment = " +
                  std::to_string(dopt.welch_segment) + " (got " + std::to_string(n_samples) + ")");
  if (per > (std::size_t{1} << 27))
    key_error(cfg, "noise.samples",
              "gives " + std::to_string(per) +
                  " samples per stream, more than 2^27 (memory); raise noise.streams (got " +
                  std::to_string(n_samples) + ")");
  const bool lags_fit =
      dopt.n_lags <= per && (dopt.n_lags <= 1 || dopt.lag_stride <= (per - 1) / (dopt.n_lags - 1));
  if (lags_fit) return dopt;
  // With the automatic stride, a small dt set by a key (noise.band_limit = 1e6) is the cause:
  // the stride is fixed in time units, so it spans many more samples.
  const std::string source = dt_source(cfg, p, dt);
  const std::string small_dt_key =
      stride_key > 0 || source == "driven_bath.cutoff" ? std::string() : source;
  if (!small_dt_key.empty())
    key_error(cfg, small_dt_key,
              "gives dt = " + io::format_number(dt) + ", at which the automatic lag stride is " +
                  std::to_string(dopt.lag_stride) + " samples and the " +
                  std::to_string(dopt.n_lags) + " lags (noise.lags) need " +
                  io::format_number(static_cast<double>(dopt.lag_stride) *
                                    static_cast<double>(dopt.n_lags - 1)) +
                  " samples per stream, more than the " + std::to_string(per) +
                  " there are (noise.samples / noise.streams); use a larger dt, or set "
                  "noise.lag_stride, lower noise.lags or raise noise.samples (got " +
                  io::format_number(small_dt_key == "simulation.steps_per_period"
                                        ? static_cast<double>(cfg.simulation.steps_per_period)
                                        : cfg.real(small_dt_key)) +
                  ")");
  key_error(
      cfg, "noise.lags",
      "the largest lag (noise.lags - 1) * s, s = " + std::to_string(dopt.lag_stride) +
          (stride_key > 0 ? " (noise.lag_stride)" : " (automatic, pi/(4 w_ref dt))") +
          ", must be below the " + std::to_string(per) +
          " samples per stream (dt = " + io::format_number(dt) +
          (source == "driven_bath.cutoff"
               ? ", set by simulation.cutoff_band x driven_bath.cutoff = " +
                     io::format_number(resolve_cutoff_band(p, cfg.simulation).value * p.cutoff)
               : std::string()) +
          "); lower noise.lags or noise.lag_stride, or raise noise.samples (got " +
          std::to_string(dopt.n_lags) + ")");
}

/// One bath's rows of the table: the spectrum at every Welch bin up to pi/dt, the
/// autocovariance, kappa4 and the plan.  Where the expected spectrum is below kPsdFloor of the
/// peak (far above w_b: Hann side lobes and FFT roundoff, ~1e-15 of the peak) the comparison
/// means nothing and z is NaN.  Returns the z of the psd bins (zp) and of the lags (za).
void bath_rows(const BathCase& b, const NoiseDiagnostics& d, io::Table& t, std::vector<double>& zp,
               std::vector<double>& za) {
  double peak = 0.0;
  for (double v : d.psd_target) peak = std::max(peak, v);
  za.assign(d.acf.size(), 0.0);
  for (std::size_t k = 0; k < d.omega.size(); ++k) {
    const double z = d.psd_expected[k] > kPsdFloor * peak
                         ? zscore(d.psd[k], d.psd_expected[k], d.psd_se[k])
                         : kNaN;
    if (std::isfinite(z)) zp.push_back(z);
    t.rows.push_back({std::string(b.name), std::string("psd"), d.omega[k], d.psd[k], d.psd_se[k],
                      d.psd_target[k], d.psd_expected[k], z});
  }
  for (std::size_t l = 0; l < d.acf.size(); ++l) {
    za[l] = zscore(d.acf[l], d.acf_realised[l], d.acf_se[l]);
    t.rows.push_back({std::string(b.name), std::string("acf"), d.lag_time[l], d.acf[l], d.acf_se[l],
                      d.acf_target[l], d.acf_realised[l], za[l]});
  }
  const double zk = zscore(d.kappa4, 0.0, d.kappa4_se);
  t.rows.push_back(
      {std::string(b.name), std::string("kappa4"), kNaN, d.kappa4, d.kappa4_se, 0.0, 0.0, zk});
  const std::pair<const char*, double> plan[] = {
      {"dt", d.dt},
      {"band_limit", d.band_limit},
      {"flat_limit", d.flat_limit},
      {"taps", static_cast<double>(d.taps)},
      {"fft_size", static_cast<double>(d.fft_size)},
      {"truncation_error", d.truncation_error},
      {"samples", static_cast<double>(d.n_samples)},
  };
  for (const auto& [kind, v] : plan)
    t.rows.push_back({std::string(b.name), std::string(kind), kNaN, v, kNaN, kNaN, kNaN, kNaN});
}

/// One bath's summary line: plan, variance vs target, the largest |z| against the typical one.
std::string bath_summary(const BathCase& b, const NoiseDiagnostics& d,
                         const std::vector<double>& zp, const std::vector<double>& za,
                         double secs) {
  const double zk = zscore(d.kappa4, 0.0, d.kappa4_se);
  const double var_z = zscore(d.acf[0], d.acf_target[0], d.acf_se[0]);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s, T = %g: w_b = %.6g (flat to %.6g), taps %zu, fft %zu, truncation %.2g; "
                "variance %.6g +- %.2g vs target %.6g (z = %+.2f); max|z| psd %.2f (%zu bins, "
                "typical %.1f), acf %.2f (%zu lags, typical %.1f); kappa4 = %.3g +- %.2g "
                "(z = %+.2f); %.2f s",
                b.label, b.bath.T, d.band_limit, d.flat_limit, d.taps, d.fft_size,
                d.truncation_error, d.acf[0], d.acf_se[0], d.acf_target[0], var_z, max_abs(zp),
                zp.size(), typical_max_abs_z(zp.size()), max_abs(za), za.size(),
                typical_max_abs_z(za.size()), d.kappa4, d.kappa4_se, zk, secs);
  return buf;
}

}  // namespace

NoiseReport noise_report(const io::Config& cfg, const ExecutionContext& ctx) {
  const ModelParams& p = cfg.model;
  const NoiseOptions& opt = cfg.simulation.noise;
  const std::uint64_t seed = cfg.simulation.seed;

  const double dt_key = cfg.real("noise.dt");
  const double dt = dt_key > 0.0 ? dt_key : simulation_dt(p, cfg.simulation);
  const double band = effective_band_limit(p, dt, opt);
  if (band >= kPi / dt)
    key_error(cfg, "noise.band_limit",
              "w_b = " + io::format_number(band) + " must be below the Nyquist frequency pi/dt = " +
                  io::format_number(kPi / dt) + " (dt = " + io::format_number(dt) + ")");

  // The frequencies that matter for the model: the flat band the noise must cover (the
  // band rule of docs/NOISE.md), or the flat part of a narrower band (w_b/2 if taper = 1).
  const double flat = (1.0 - opt.taper) * band;
  const double w_ref = std::min(required_flat_band(p), flat > 0.0 ? flat : 0.5 * band);
  const DiagnosticsOptions dopt = diagnostics_options(cfg, dt, w_ref);
  const std::size_t n_samples = static_cast<std::size_t>(cfg.integer("noise.samples"));
  const std::size_t per = n_samples / dopt.n_trajectories;

  // The streams are the engine's: (seed, trajectory 0..K-1, bath id; rng_streams.hpp).
  const std::vector<BathCase> baths = {
      {"static", "static Ohmic (nu = 2)", static_bath(p), kStaticBathId},
      {"driven", "driven Drude (nu = 1)", driven_bath(p), kDrivenBathId},
  };

  NoiseReport rep;
  rep.table.columns = {"bath", "kind", "x", "value", "se", "target", "expected", "z"};
  // Printed after the output is written (so that an error stays the only stderr line).
  for (const auto& [key, msg] : check_band_limit(p, dt, opt))
    rep.summary.push_back("warning: " + key + ": " + msg);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "noise: dt = %.6g (%s), seed %llu, %zu samples per bath in %zu streams, "
                "Welch segment %zu, lag stride %zu",
                dt, dt_key > 0.0 ? "noise.dt" : "engine's dt",
                static_cast<unsigned long long>(seed), per * dopt.n_trajectories,
                dopt.n_trajectories, dopt.welch_segment, dopt.lag_stride);
  rep.summary.emplace_back(buf);

  const std::string note = band_note(cfg, dt_key > 0.0, band);
  for (const BathCase& b : baths) {
    const auto t0 = std::chrono::steady_clock::now();
    NoiseDiagnostics d;
    try {
      DiagnosticsOptions bo = dopt;
      bo.bath_id = b.bath_id;
      d = noise_diagnostics(b.bath, dt, band, opt, seed, n_samples, bo, ctx);
    } catch (const std::invalid_argument& e) {
      // Only option combinations reach here (e.g. noise.block_log2 too small for the filter).
      throw io::ConfigError(cfg.source + ": noise: " + b.name + " bath: " + e.what(), cfg.source,
                            "noise");
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> zp, za;
    bath_rows(b, d, rep.table, zp, za);
    rep.summary.push_back(bath_summary(b, d, zp, za, secs));
  }
  if (!note.empty()) rep.summary.push_back(note);
  return rep;
}

}  // namespace synctur::app
