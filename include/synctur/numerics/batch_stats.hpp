// Statistics of correlated time series for the time-domain engine: batch means, jackknife
// standard errors of (nonlinear) functions of means, integrated autocorrelation times.
// Pure functions, no I/O.
#pragma once

#include <complex>
#include <cstddef>
#include <functional>
#include <vector>

namespace synctur {

/// N independent samples of K observables (row i = sample i), each with a weight w_i > 0
/// (e.g. the number of periods a batch mean covers).  The estimate of the mean of observable
/// c is the weighted mean sum_i w_i x_ic / sum_i w_i.
class SampleSet {
 public:
  explicit SampleSet(std::size_t n_obs) : k_(n_obs) {}
  void add(const double* values, double weight);  ///< values[0..K)
  std::size_t size() const { return w_.size(); }
  std::size_t n_obs() const { return k_; }
  double value(std::size_t i, std::size_t c) const { return x_[i * k_ + c]; }
  double weight(std::size_t i) const { return w_[i]; }
  /// Weighted means of all observables.
  std::vector<double> means() const;
  /// Weighted sample variance of observable c (unbiased for equal weights) [obs^2].
  double variance(std::size_t c) const;

 private:
  std::size_t k_;
  std::vector<double> x_, w_;
};

struct Estimate {
  double value = 0.0;  ///< f(means)
  double se = 0.0;     ///< jackknife standard error
};

/// f evaluated at the weighted means, with the delete-one jackknife standard error
///   se^2 = (N - 1)/N sum_i (f_(i) - mean_i f_(i))^2,
/// f_(i) = f(means without sample i).  For a linear f this is the usual standard error of a
/// weighted mean.  N >= 2 required (else se = NaN).
Estimate jackknife(const SampleSet& s, const std::function<double(const std::vector<double>&)>& f);

/// Integrated autocorrelation time tau = 1/2 + sum_{t>=1} rho(t) [samples] of a stationary
/// process observed as several independent series of equal length (autocovariance averaged
/// over series, mean known from all of them), with Sokal's automatic window: the sum stops at
/// the smallest W with W >= c tau(W).  Returns 0.5 for white noise; NaN if the series are
/// shorter than 4 or have zero variance.  *window receives W (may be null).
double integrated_autocorr_time(const std::vector<std::vector<double>>& series, double c = 6.0,
                                std::size_t* window = nullptr);

/// Streaming autocovariance of one scalar series x_0, x_1, ... at lags 0..max_lag, in O(max_lag)
/// memory: lagged products S_k = sum_i x_i x_{i+k}, the sum, and the first and last max_lag
/// values (for the exact mean correction).  Pool several with pooled_autocov.
class Autocorrelator {
 public:
  explicit Autocorrelator(std::size_t max_lag = 0);
  void add(double x);
  std::size_t count() const { return n_; }
  std::size_t max_lag() const { return L_; }
  /// The complete state as state_size() doubles (exact: counts < 2^53), appended to out; and
  /// its inverse, which reads state_size() doubles at `in` into an Autocorrelator of the same
  /// max_lag.  For moving units between processes (distribution.hpp) and checkpoints.
  std::size_t state_size() const { return 2 + 4 * (L_ + 1); }
  void save(std::vector<double>& out) const;
  void load(const double* in);

 private:
  friend std::vector<double> pooled_autocov(const std::vector<const Autocorrelator*>& cs);
  std::size_t L_, n_ = 0;
  double sum_ = 0.0;
  std::vector<double> S_, head_, ring_;  // ring_[i % (L+1)] = ring_[i % (L+1) + L + 1] = x_i
};

/// Autocovariances c_0..c_L of several independent series of the same process, pooled (the
/// grand mean over all series is subtracted exactly).  L = the smallest max_lag, capped at
/// (shortest count - 1).
std::vector<double> pooled_autocov(const std::vector<const Autocorrelator*>& cs);

/// Long-time variance rate D = lim Var(int_0^t O dt')/t from streaming autocovariances of
/// samples O_i averaged over consecutive intervals of duration sample_time [time]:
///   D = sample_time [c_0 + 2 sum_{k=1}^{W} c_k],  W = max(Sokal window (W >= c tau_int),
///   min_window), <= L.
/// units[u] = the correlators of the trajectories of independent unit u (possibly correlated
/// among themselves); se by delete-one-unit jackknife with W fixed.  *window receives W,
/// *truncated is set when the window reached the largest lag L (the estimate then misses the
/// tail of the correlation).
///
/// Tail model (optional): when `tail_poles` is not empty, the autocovariance beyond the window
/// is modelled as c_k = sum_j Re(b_j nu_j^k), k > W, with the given poles nu_j per sample
/// (|nu_j| < 1; e.g. products of the slowest Floquet multipliers, whose second moments decay
/// like them), the complex amplitudes b_j (b_j real for real nu_j) fitted by least squares to
/// c_k, k = ceil(W/2) .. W, and D gains sample_time * 2 sum_{k>W} Re(b_j nu_j^k) (closed form).
/// The fit is redone on every jackknife replica, so the se includes its noise.  *tail receives
/// the added amount (all units) [D's unit]; 0 when there are too few lags to fit.
/// The U jackknife replicas (the cost: O(U^2 x lags)) run on `threads` OpenMP threads; each is
/// computed alone, so the result is bit-identical for any thread count.
Estimate variance_rate(const std::vector<std::vector<const Autocorrelator*>>& units,
                       double sample_time, double c = 10.0, std::size_t* window = nullptr,
                       bool* truncated = nullptr, std::size_t min_window = 1,
                       std::vector<double>* replicas = nullptr,
                       const std::vector<std::complex<double>>& tail_poles = {},
                       double* tail = nullptr, int threads = 1);

/// Jackknife standard error from delete-one replicas f_(i): sqrt((N-1)/N sum (f_(i) - mean)^2).
double jackknife_se(const std::vector<double>& replicas);

/// Block means of one observable: series[u][t][k] = mean over block k (all blocks of equal
/// duration) of trajectory t of independent unit u (trajectories of a unit may be correlated,
/// e.g. antithetic partners; units are independent).
using UnitSeries = std::vector<std::vector<std::vector<double>>>;

/// Long-time variance rate D = lim Var(int_0^t O dt')/t of a stationary observable from its
/// block means (block duration block_time [time]):
///   D = block_time [c_0 + 2 sum_{k=1}^{W} c_k],
/// c_k the autocovariance of the block means at lag k (averaged over all trajectories, grand
/// mean subtracted), W from Sokal's window on the same series (W >= c tau_int).  The value is
/// exact as W -> infinity whatever the block length; the truncation bias decays like
/// exp(-W block_time / correlation time).  se: delete-one-unit jackknife (needs >= 2 units).
/// *window receives W.
Estimate variance_rate_autocov(const UnitSeries& series, double block_time, double c = 10.0,
                               std::size_t* window = nullptr);

/// The same from batch means: batches of `batch_blocks` blocks, D = batch_time * (variance of
/// the batch means over all trajectories).  Biased low by ~ correlation time / batch time
/// (the autocovariance estimator above is not); se: delete-one-unit jackknife.
Estimate variance_rate_batch(const UnitSeries& series, double block_time, std::size_t batch_blocks);

}  // namespace synctur
