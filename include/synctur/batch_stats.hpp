// Statistics of correlated time series for the time-domain engine: batch means, jackknife
// standard errors of (nonlinear) functions of means, integrated autocorrelation times.
// Pure functions, no I/O.
#pragma once

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

}  // namespace synctur
