// Quantum coloured noise for the time-domain engine: real stationary Gaussian sequences of
// POINT SAMPLES xi_n = xi(n dt) whose covariance is the band-limited symmetrised correlation
//
//   L_band(t) = int dw/(2 pi) S(w) W(w)^2 cos(w t),     S(w) = J(|w|) coth(|w|/2T)
//
// (spectra.hpp), with W a smooth taper that is 1 for |w| <= (1 - taper) w_b and 0 for
// |w| >= w_b, where w_b (the band limit) is below the grid Nyquist frequency pi/dt.
//
// Method (docs/NOISE.md): white Gaussian noise e_j (rng.hpp, keyed by seed, trajectory, bath
// and block) is filtered by the zero-phase FIR filter
//   xi_n = sum_{|k| <= M} h_k e_{n+M-k},
//   h_k  = sqrt(dt) int dw/(2 pi) sqrt(S(w)) W(w) cos(w k dt)          [force]
// whose transfer function is sqrt(S(w) / dt) W(w), truncated to L = 2M + 1 taps (the smallest
// M whose discarded tail energy sum_{|k|>M} h_k^2 is below filter_tol of the total, capped by
// max_taps).  The filtering is streamed by overlap-save FFT convolution with FFTW (plans made
// once per NoisePlan), so a stream of any length uses O(block) memory, and every output
// sample is EXACTLY the finite sum above (no wrap-around, no block-boundary artefacts).
//
// Units: hbar = k_B = 1.  Frequencies w, band limits, temperatures: [frequency]; t, dt: [time]
// = 1/[frequency]; S(w) [force^2 * time] (force = mass * frequency^2 * length; with m = 1 and
// x in oscillator units these are just numbers); xi [force]; L_band [force^2].
//
// Thread safety: a NoisePlan is immutable after construction and may be shared by any number
// of threads; each thread owns its NoiseStreams (one stream = one (trajectory, bath) noise).
// Creating or destroying NoisePlans is serialised internally (FFTW's planner is not thread
// safe; executing plans with the new-array functions is).  Other code that calls the FFTW
// planner concurrently with NoisePlan construction is not protected.
#pragma once

#include <fftw3.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "synctur/numerics/execution_context.hpp"
#include "synctur/numerics/quadrature.hpp"
#include "synctur/numerics/rng.hpp"
#include "synctur/physics/model.hpp"
#include "synctur/physics/spectra.hpp"

namespace synctur {

/// Shape of the band taper W(w) on (1 - taper) w_b <= |w| <= w_b, with x the position in the
/// taper region (0 at its start, 1 at w_b):
///   Cosine: W = (1 + cos(pi x)) / 2             (C^1: h_k decays as k^-3)
///   Smooth: W = psi(1-x) / (psi(1-x) + psi(x)),  psi(y) = exp(-1/y)   (C^infinity)
enum class TaperShape { Cosine, Smooth };
const char* to_string(TaperShape s);                                  ///< "cosine" / "smooth"
bool taper_shape_from_string(const std::string& s, TaperShape* out);  ///< false if unknown

/// Options of the noise generator (TOML table [noise], docs/INPUTS.md; keys in comments).
struct NoiseOptions {
  /// noise.band_limit  w_b, where W reaches 0 [frequency]; 0 = automatic (default_band_limit).
  double band_limit = 0.0;
  /// noise.taper  width of the taper region as a fraction of w_b, 0 < taper <= 1 [1].
  double taper = 0.25;
  /// noise.taper_shape  "smooth" or "cosine" (see TaperShape).
  TaperShape taper_shape = TaperShape::Smooth;
  /// noise.max_band_fraction  the automatic w_b is at most this fraction of the Nyquist
  /// frequency pi/dt; an explicit band_limit must be < pi/dt [1], 0 < value < 1.
  double max_band_fraction = 0.5;
  /// noise.filter_tol  largest allowed discarded relative tail energy of the filter,
  /// sum_{|k|>M} h_k^2 / sum_k h_k^2 (= relative variance deficit) [1].
  double filter_tol = 1e-12;
  /// noise.max_taps  cap on the filter length L = 2M + 1 (odd, >= 3) [samples]; 0 = automatic:
  /// long enough for the bath's memory in physical time, 8 max(1/w_c, 1/(pi max(T, 0.02))),
  /// between 16385 and 1048577 taps.  Reaching the cap shows as truncation_error() > filter_tol.
  int max_taps = 0;
  /// noise.block_log2  FFT length N = 2^block_log2 [samples]; 0 = automatic: the smallest power
  /// of two >= max(1024, 3 (L - 1)) (fastest in bench_noise: small FFTs stay in cache).  Each
  /// block yields B = N - L + 1 new samples; N >= 2 L is required.
  int block_log2 = 0;
  /// noise.fftw_measure  plan with FFTW_MEASURE (faster blocks, but the plan and hence the last
  /// bits of the output may change from run to run) instead of FFTW_ESTIMATE (reproducible).
  bool fftw_measure = false;

  /// All violated constraints as (toml key, message); empty when valid.
  std::vector<std::pair<std::string, std::string>> validate() const;
};

/// The frequency up to which the noise must be flat (W = 1) for the model, the rule:
///   w_req = max(4 Omega, Omega + max(w_A, w_B) + 5 max(T_1, T_2))      [frequency]
/// (the driven coupling mixes noise at w into the oscillators at w -+ Omega; max(w_A, w_B) >=
/// the synchronised frequency w_bar = sqrt((w_A^2 + w_B^2)/2); 5 T covers the thermal part).
double required_flat_band(const ModelParams& p);

/// Automatic band limit: the widest band the grid allows, w_b = max_band_fraction * pi / dt
/// (the noise beyond w_b is missing from the dynamics: a wider band costs nothing per step and
/// shrinks that error, measured ~1/w_b^2 in <x^2>; docs/SIMULATION.md).  dt [time] > 0.  The
/// rule required_flat_band <= (1 - taper) w_b is a requirement checked by check_band_limit
/// (the step is too coarse when it fails).
double default_band_limit(const ModelParams& p, double dt, const NoiseOptions& opt = {});

/// The band limit NoisePlan will use: opt.band_limit if > 0, else default_band_limit.
double effective_band_limit(const ModelParams& p, double dt, const NoiseOptions& opt);

/// Problems of a band choice for the model as (toml key, message): flat part below
/// required_flat_band, w_b >= pi/dt, w_b above max_band_fraction * pi/dt.  Empty when fine.
std::vector<std::pair<std::string, std::string>> check_band_limit(const ModelParams& p, double dt,
                                                                  const NoiseOptions& opt);

/// The taper W(w) [1] for band limit w_b [frequency] (see TaperShape).
double noise_taper(double w, double band_limit, double taper, TaperShape shape);

/// Target covariance by adaptive Gauss-Kronrod quadrature (independent of the FFT filter):
/// L_band(t) = (1/pi) int_0^{w_b} S(w) W(w)^2 cos(w t) dw  [force^2], t [time].
/// rtol is the relative tolerance against int |integrand| (QuadOptions::atol_rel).  The
/// oscillation is resolved with a breakpoint per half period, for w_b |t| / pi < 2e5.
double L_band(const BathSpectrum& bath, double t, double band_limit, double taper, TaperShape shape,
              double rtol = 1e-11, QuadStats* stats = nullptr);

/// Untapered symmetrised correlation L_s(t) = (1/pi) int_0^inf S(w) cos(w t) dw for t != 0,
/// in closed form [force^2]; with nu_n = 2 pi n T:
///   Ohmic: -m gamma pi T^2 / sinh^2(pi T t)            (T = 0: -m gamma / (pi t^2))
///   Drude: (m gamma w_c^2 / 2) [cot(w_c / 2T) e^{-w_c |t|}
///                               + 4T sum_{n>=1} nu_n e^{-nu_n |t|} / (nu_n^2 - w_c^2)]
///          (T = 0: -(m gamma w_c^2 / 2 pi) [e^{-a} Ei(a) - e^{a} E1(a)], a = w_c |t|).
/// NaN at t = 0 (divergent); the Drude resonances w_c = nu_n (removable) are not handled.
double L_untapered(const BathSpectrum& bath, double t);

/// A filter and its FFT plans for one (bath, dt, options).  Immutable, shareable across threads.
class NoisePlan {
 public:
  /// dt [time] > 0.  band_limit [frequency]: 0 < w_b < pi/dt.  Throws std::invalid_argument
  /// on invalid options or arguments.
  NoisePlan(const BathSpectrum& bath, double dt, double band_limit, const NoiseOptions& opt);
  /// Same with the band limit from effective_band_limit(p, dt, opt).
  NoisePlan(const BathSpectrum& bath, const ModelParams& p, double dt, const NoiseOptions& opt);
  ~NoisePlan();
  NoisePlan(const NoisePlan&) = delete;
  NoisePlan& operator=(const NoisePlan&) = delete;

  const BathSpectrum& bath() const { return bath_; }
  double dt() const { return dt_; }                             ///< [time]
  double band_limit() const { return band_; }                   ///< w_b [frequency]
  double flat_limit() const { return (1.0 - taper_) * band_; }  ///< W = 1 below [frequency]
  double taper() const { return taper_; }                       ///< [1]
  TaperShape taper_shape() const { return shape_; }
  /// W(w) of this plan [1].
  double taper_at(double w) const { return noise_taper(w, band_, taper_, shape_); }

  std::size_t half_taps() const { return M_; }     ///< M
  std::size_t taps() const { return 2 * M_ + 1; }  ///< L = 2M + 1
  /// h_k for k = 0..M (h_{-k} = h_k) [force] (the white inputs are dimensionless).
  const std::vector<double>& filter() const { return h_; }
  /// Discarded relative tail energy sum_{|k|>M} h_k^2 / sum_k h_k^2 of the truncation [1]
  /// (the realised variance is (1 - this) of the untruncated one).
  double truncation_error() const { return trunc_; }
  /// Largest |h_k| beyond the kept taps relative to h_0 [1] (slowness of the tail).
  double tail_amplitude() const { return tail_amp_; }

  std::size_t fft_size() const { return N_; }    ///< N [samples]
  std::size_t block_size() const { return B_; }  ///< new samples per block, N - L + 1

  /// Exact covariance of the generated sequence, sum_k h_k h_{k+n} for lag n [force^2]
  /// (zero for n > 2M).
  double realised_covariance(std::size_t lag) const;
  /// Its variance sum_k h_k^2 [force^2].
  double realised_variance() const { return realised_covariance(0); }
  /// Spectrum of the generated sequence at w [frequency]: dt |sum_k h_k e^{-i w k dt}|^2
  /// [force^2 * time]; equals S(w) W(w)^2 up to the truncation.
  double realised_spectrum(double w) const;

 private:
  friend class NoiseStream;
  void build(const NoiseOptions& opt);
  // The steps of build(), in order (src/noise/noise.cpp).
  void check_inputs(const NoiseOptions& opt) const;
  std::size_t tap_cap(const NoiseOptions& opt) const;
  std::vector<double> fine_grid_taps(std::size_t Nf) const;
  void truncate_taps(const std::vector<double>& hf, std::size_t cap, double filter_tol);
  void choose_block(const NoiseOptions& opt);
  void make_plans_and_gains(const NoiseOptions& opt);
  BathSpectrum bath_;
  double dt_, band_, taper_;
  TaperShape shape_;
  std::size_t M_ = 0, N_ = 0, B_ = 0;
  double trunc_ = 0.0, tail_amp_ = 0.0;
  std::vector<double> h_;   // h_0..h_M
  double* gain_ = nullptr;  // N/2+1 real gains (DFT of the circular filter) / N, fftw_malloc
  fftw_plan r2c_ = nullptr, c2r_ = nullptr;
};

/// Options of noise_diagnostics.
struct DiagnosticsOptions {
  std::size_t welch_segment = 4096;  ///< Welch segment length [samples] (Hann window, no overlap)
  std::size_t n_lags = 64;           ///< autocorrelation at lags n = 0, s, 2s, ... [count]
  std::size_t lag_stride = 1;        ///< s [samples]
  std::size_t n_trajectories = 32;   ///< independent streams (trajectories 0..K-1) [count]
  /// RngKey::bath of the streams: the engine uses 1 (driven bath) and 2 (static bath), so the
  /// diagnostics of a bath measure the very streams of the engine's trajectories 0..K-1.
  std::uint32_t bath_id = 0;
};

/// The automatic Welch segment of `synctur noise`: frequency resolution 2 pi / (segment dt) <=
/// w_ref / 256, but >= 8 segments per stream of `per_stream` samples (and >= 64 samples).
std::size_t auto_welch_segment(double w_ref, double dt, std::size_t per_stream);

/// The automatic lag stride of `synctur noise`: pi / (4 w_ref dt) samples (>= 1), so that the
/// lags resolve the shortest relevant period 2 pi / w_ref eightfold.
std::size_t auto_lag_stride(double w_ref, double dt);

/// Sample statistics of generated noise against their targets, for `synctur noise`.
/// Estimates come with standard errors (_se) from the spread over independent pieces.
struct NoiseDiagnostics {
  double dt = 0;                ///< [time]
  double band_limit = 0;        ///< w_b [frequency]
  double flat_limit = 0;        ///< (1 - taper) w_b [frequency]
  std::size_t taps = 0;         ///< L [samples]
  std::size_t fft_size = 0;     ///< N [samples]
  double truncation_error = 0;  ///< NoisePlan::truncation_error [1]
  std::size_t n_samples = 0;    ///< samples used (n_trajectories streams) [count]

  // Welch PSD, two-sided convention of S, at w_k = 2 pi k / (segment dt), k = 0..segment/2.
  // SE from the spread of the segment periodograms (segments of all trajectories).
  std::vector<double> omega;       ///< w_k [frequency]
  std::vector<double> psd;         ///< estimate [force^2 * time]
  std::vector<double> psd_se;      ///< its standard error [force^2 * time]
  std::vector<double> psd_target;  ///< S(w_k) W(w_k)^2 [force^2 * time]
  /// Expectation of this Welch estimator for the realised covariance (includes the window's
  /// leakage, which the target does not) [force^2 * time].
  std::vector<double> psd_expected;

  // Autocovariance (1/n) sum_m xi_m xi_{m+lag} (the mean is known to be 0, not subtracted).
  // SE from the spread over trajectories.
  std::vector<double> lag_time;      ///< t = lag dt [time]
  std::vector<double> acf;           ///< estimate [force^2]
  std::vector<double> acf_se;        ///< standard error [force^2]
  std::vector<double> acf_target;    ///< L_band(t) by independent quadrature [force^2]
  std::vector<double> acf_realised;  ///< exact covariance of the generated sequence [force^2]

  // Gaussianity of the one-point distribution: fourth cumulant k4 = <xi^4> - 3 <xi^2>^2.
  double kappa4 = 0;     ///< [force^4]
  double kappa4_se = 0;  ///< [force^4]
};

/// Generates n_samples of noise (split over opt.n_trajectories trajectories of stream
/// (seed, trajectory, bath = 0)) on ctx.threads OpenMP threads and measures them.  dt [time];
/// band_limit [frequency] > 0.
NoiseDiagnostics noise_diagnostics(const BathSpectrum& bath, double dt, double band_limit,
                                   const NoiseOptions& opt, std::uint64_t seed,
                                   std::size_t n_samples, const DiagnosticsOptions& dopt = {},
                                   const ExecutionContext& ctx = {});

}  // namespace synctur
