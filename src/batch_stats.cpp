#include "synctur/batch_stats.hpp"

#include <cmath>
#include <limits>

namespace synctur {

void SampleSet::add(const double* values, double weight) {
  x_.insert(x_.end(), values, values + k_);
  w_.push_back(weight);
}

std::vector<double> SampleSet::means() const {
  std::vector<double> m(k_, 0.0);
  double W = 0.0;
  for (std::size_t i = 0; i < w_.size(); ++i) {
    W += w_[i];
    for (std::size_t c = 0; c < k_; ++c) m[c] += w_[i] * x_[i * k_ + c];
  }
  for (auto& v : m) v /= W;
  return m;
}

double SampleSet::variance(std::size_t c) const {
  const std::size_t n = w_.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double W = 0.0, mean = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    W += w_[i];
    mean += w_[i] * x_[i * k_ + c];
  }
  mean /= W;
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = x_[i * k_ + c] - mean;
    ss += w_[i] * d * d;
  }
  // Unbiased for equal weights: sum w d^2 / W * n / (n - 1).
  return ss / W * static_cast<double>(n) / static_cast<double>(n - 1);
}

Estimate jackknife(const SampleSet& s,
                   const std::function<double(const std::vector<double>&)>& f) {
  const std::size_t n = s.size(), k = s.n_obs();
  Estimate e;
  std::vector<double> sum(k, 0.0);
  double W = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    W += s.weight(i);
    for (std::size_t c = 0; c < k; ++c) sum[c] += s.weight(i) * s.value(i, c);
  }
  std::vector<double> m(k);
  for (std::size_t c = 0; c < k; ++c) m[c] = sum[c] / W;
  e.value = f(m);
  if (n < 2) {
    e.se = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  std::vector<double> fi(n);
  double fbar = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double Wi = W - s.weight(i);
    for (std::size_t c = 0; c < k; ++c) m[c] = (sum[c] - s.weight(i) * s.value(i, c)) / Wi;
    fi[i] = f(m);
    fbar += fi[i];
  }
  fbar /= static_cast<double>(n);
  double ss = 0.0;
  for (double v : fi) ss += (v - fbar) * (v - fbar);
  e.se = std::sqrt(ss * static_cast<double>(n - 1) / static_cast<double>(n));
  return e;
}

double integrated_autocorr_time(const std::vector<std::vector<double>>& series, double c,
                                std::size_t* window) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (series.empty()) return nan;
  const std::size_t len = series.front().size();
  if (len < 4) return nan;
  double mean = 0.0;
  for (const auto& s : series)
    for (double v : s) mean += v;
  mean /= static_cast<double>(len * series.size());
  auto acov = [&](std::size_t lag) {
    double a = 0.0;
    for (const auto& s : series)
      for (std::size_t i = 0; i + lag < len; ++i) a += (s[i] - mean) * (s[i + lag] - mean);
    return a / static_cast<double>((len - lag) * series.size());
  };
  const double c0 = acov(0);
  if (!(c0 > 0.0)) return nan;
  double tau = 0.5;
  std::size_t W = 1;
  for (; W < len / 2; ++W) {
    tau += acov(W) / c0;
    if (static_cast<double>(W) >= c * tau) break;
  }
  if (window) *window = W;
  return std::max(tau, 0.5);
}

}  // namespace synctur
