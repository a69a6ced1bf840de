#include "synctur/numerics/batch_stats.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <complex>
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

Estimate jackknife(const SampleSet& s, const std::function<double(const std::vector<double>&)>& f) {
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
  for (std::size_t i = 0; i < n; ++i) {
    const double Wi = W - s.weight(i);
    for (std::size_t c = 0; c < k; ++c) m[c] = (sum[c] - s.weight(i) * s.value(i, c)) / Wi;
    fi[i] = f(m);
  }
  e.se = jackknife_se(fi);
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

Autocorrelator::Autocorrelator(std::size_t max_lag)
    : L_(max_lag), S_(max_lag + 1, 0.0), ring_(2 * (max_lag + 1), 0.0) {
  head_.reserve(max_lag + 1);
}

void Autocorrelator::add(double x) {
  // ring_ holds every value twice (at p and p + R), so x_{n-k} = ring_[p + R - k] for
  // k = 0..L is one contiguous, vectorisable run.
  const std::size_t R = L_ + 1, p = n_ % R;
  ring_[p] = ring_[p + R] = x;
  const std::size_t kmax = std::min(L_, n_);
  const double* back = ring_.data() + p + R;
  double* S = S_.data();
  for (std::size_t k = 0; k <= kmax; ++k) S[k] += x * back[-static_cast<std::ptrdiff_t>(k)];
  if (head_.size() < R) head_.push_back(x);
  sum_ += x;
  ++n_;
}

void Autocorrelator::save(std::vector<double>& out) const {
  out.push_back(static_cast<double>(n_));
  out.push_back(sum_);
  out.insert(out.end(), S_.begin(), S_.end());
  std::vector<double> head(L_ + 1, 0.0);
  std::copy(head_.begin(), head_.end(), head.begin());
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), ring_.begin(), ring_.end());
}

void Autocorrelator::load(const double* in) {
  const std::size_t R = L_ + 1;
  n_ = static_cast<std::size_t>(in[0]);
  sum_ = in[1];
  in += 2;
  std::copy(in, in + R, S_.begin());
  head_.assign(in + R, in + R + std::min(n_, R));
  std::copy(in + 2 * R, in + 4 * R, ring_.begin());
}

std::vector<double> pooled_autocov(const std::vector<const Autocorrelator*>& cs) {
  if (cs.empty()) return {};
  std::size_t L = cs[0]->L_;
  double tot = 0.0, n = 0.0;
  for (const auto* c : cs) {
    L = std::min({L, c->L_, c->n_ > 0 ? c->n_ - 1 : 0});
    tot += c->sum_;
    n += static_cast<double>(c->n_);
  }
  const double mu = tot / n;
  // num[k], den[k]: the corrected lagged sums and counts over the series, in the order of cs;
  // head, tail: the sums of a series' first and last k values, running in k (the same
  // additions, in the same order, as summing them afresh for every k: O(L) per series).
  std::vector<double> num(L + 1, 0.0), den(L + 1, 0.0);
  for (const auto* c : cs) {
    const std::size_t R = c->L_ + 1;
    std::size_t last = (c->n_ - 1) % R;  // ring_ index of x_{n-1-k}
    double head = 0.0, tail = 0.0;       // first k and last k values
    for (std::size_t k = 0; k <= L; ++k) {
      if (k > 0) {
        head += c->head_[k - 1];
        tail += c->ring_[last];
        last = last == 0 ? R - 1 : last - 1;
      }
      const double m = static_cast<double>(c->n_ - k);
      num[k] += c->S_[k] - mu * (c->sum_ - tail) - mu * (c->sum_ - head) + m * mu * mu;
      den[k] += m;
    }
  }
  std::vector<double> out(L + 1);
  for (std::size_t k = 0; k <= L; ++k) out[k] = num[k] / den[k];
  return out;
}

namespace {
/// sum_{k>W} of the exponential model fitted to c_k, k = ceil(W/2)..W (variance_rate).
double fitted_tail(const std::vector<double>& ck, std::size_t W,
                   const std::vector<std::complex<double>>& poles) {
  if (poles.empty() || W >= ck.size()) return 0.0;
  const std::size_t k0 = (W + 1) / 2;
  // Poles that still matter at the start of the fit range (> 1e-3 of the slowest there), the
  // slowest first; real basis Re(nu^k) and, for complex nu, Im(nu^k); the fastest dropped
  // while there are fewer than (unknowns + 3) lags.
  std::vector<std::complex<double>> keep(poles);
  std::sort(keep.begin(), keep.end(),
            [](const auto& a, const auto& b) { return std::abs(a) > std::abs(b); });
  const double k0d = static_cast<double>(k0), lead = std::pow(std::abs(keep[0]), k0d);
  std::vector<std::pair<std::complex<double>, bool>> basis;  // (nu, imaginary part)
  for (const auto& nu : keep) {
    if (std::pow(std::abs(nu), k0d) < 1e-3 * lead) break;
    const std::size_t add = nu.imag() != 0.0 ? 2 : 1;
    if (W + 1 < k0 + basis.size() + add + 3) break;  // too few lags for more unknowns
    basis.emplace_back(nu, false);
    if (add == 2) basis.emplace_back(nu, true);
  }
  const std::size_t m = basis.size();
  if (m == 0) return 0.0;
  const std::size_t n = W - k0 + 1;
  Eigen::MatrixXd A(n, m);
  Eigen::VectorXd y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double k = static_cast<double>(k0 + i);
    y(static_cast<Eigen::Index>(i)) = ck[k0 + i];
    for (std::size_t j = 0; j < m; ++j) {
      const std::complex<double> v = std::pow(basis[j].first, k);
      A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          basis[j].second ? v.imag() : v.real();
    }
  }
  const Eigen::VectorXd b = A.colPivHouseholderQr().solve(y);
  double t = 0.0;
  for (std::size_t j = 0; j < m; ++j) {
    const std::complex<double> nu = basis[j].first;
    const std::complex<double> s = std::pow(nu, static_cast<double>(W + 1)) / (1.0 - nu);
    t += b(static_cast<Eigen::Index>(j)) * (basis[j].second ? s.imag() : s.real());
  }
  return t;
}
}  // namespace

Estimate variance_rate(const std::vector<std::vector<const Autocorrelator*>>& units,
                       double sample_time, double c, std::size_t* window, bool* truncated,
                       std::size_t min_window, std::vector<double>* replicas,
                       const std::vector<std::complex<double>>& tail_poles, double* tail,
                       int threads) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Replicas exist (NaN) even when no estimate can be formed: callers index them per unit.
  if (replicas) replicas->assign(units.size(), nan);
  auto collect = [&](std::size_t skip) {
    std::vector<const Autocorrelator*> cs;
    for (std::size_t u = 0; u < units.size(); ++u)
      if (u != skip)
        for (const auto* a : units[u]) cs.push_back(a);
    return cs;
  };
  const std::size_t none = units.size();
  const std::vector<double> c_all = pooled_autocov(collect(none));
  if (c_all.size() < 2 || !(c_all[0] > 0.0)) return {nan, nan};
  const std::size_t L = c_all.size() - 1;
  std::size_t W = 1;
  double tau = 0.5 + c_all[1] / c_all[0];
  while (W < L && (static_cast<double>(W) < c * std::max(tau, 0.5) || W < min_window)) {
    ++W;
    tau += c_all[W] / c_all[0];
  }
  if (window) *window = W;
  if (truncated) *truncated = static_cast<double>(W) < c * std::max(tau, 0.5) || W < min_window;
  auto rate = [&](const std::vector<double>& ck) {
    double s = ck[0];
    for (std::size_t k = 1; k <= W && k < ck.size(); ++k) s += 2.0 * ck[k];
    return sample_time * (s + 2.0 * fitted_tail(ck, W, tail_poles));
  };
  Estimate e;
  e.value = rate(c_all);
  if (tail) *tail = sample_time * 2.0 * fitted_tail(c_all, W, tail_poles);
  const std::size_t U = units.size();
  if (U < 2) {
    e.se = nan;
    return e;
  }
  std::vector<double> fi(U);
  const auto Ui = static_cast<std::ptrdiff_t>(U);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
  for (std::ptrdiff_t u = 0; u < Ui; ++u) {
    const auto uu = static_cast<std::size_t>(u);
    fi[uu] = rate(pooled_autocov(collect(uu)));
  }
  e.se = jackknife_se(fi);
  if (replicas) *replicas = fi;
  return e;
}

double jackknife_se(const std::vector<double>& fi) {
  const std::size_t n = fi.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double fbar = 0.0;
  for (double v : fi) fbar += v;
  fbar /= static_cast<double>(n);
  double ss = 0.0;
  for (double v : fi) ss += (v - fbar) * (v - fbar);
  return std::sqrt(ss * static_cast<double>(n - 1) / static_cast<double>(n));
}

namespace {
/// Delete-one-unit jackknife of a statistic of the unit set (f(mask) with mask[u] = use u).
Estimate jackknife_units(std::size_t U, const std::function<double(const std::vector<char>&)>& f) {
  std::vector<char> use(U, 1);
  Estimate e;
  e.value = f(use);
  if (U < 2) {  // no replica can be formed
    e.se = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  std::vector<double> fi(U);
  for (std::size_t u = 0; u < U; ++u) {
    use.assign(U, 1);
    use[u] = 0;
    fi[u] = f(use);
  }
  e.se = jackknife_se(fi);
  return e;
}

/// Autocovariances c_0..c_maxlag of the block means of the used units (grand mean removed).
std::vector<double> autocov(const UnitSeries& s, const std::vector<char>& use, std::size_t maxlag) {
  double mean = 0.0, n = 0.0;
  for (std::size_t u = 0; u < s.size(); ++u) {
    if (!use[u]) continue;
    for (const auto& tr : s[u])
      for (double v : tr) {
        mean += v;
        n += 1.0;
      }
  }
  mean /= n;
  std::vector<double> c(maxlag + 1, 0.0);
  for (std::size_t k = 0; k <= maxlag; ++k) {
    double a = 0.0, m = 0.0;
    for (std::size_t u = 0; u < s.size(); ++u) {
      if (!use[u]) continue;
      for (const auto& tr : s[u]) {
        for (std::size_t i = 0; i + k < tr.size(); ++i) a += (tr[i] - mean) * (tr[i + k] - mean);
        m += static_cast<double>(tr.size() - std::min(k, tr.size()));
      }
    }
    c[k] = m > 0 ? a / m : 0.0;
  }
  return c;
}
}  // namespace

Estimate variance_rate_autocov(const UnitSeries& series, double block_time, double c,
                               std::size_t* window) {
  const std::size_t U = series.size();
  const std::size_t len = (U && !series[0].empty()) ? series[0][0].size() : 0;
  if (len < 4)
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  // Window from all units (then fixed for the jackknife replicas).
  const std::vector<char> all(U, 1);
  const std::vector<double> c_all = autocov(series, all, len / 2);
  std::size_t W = 1;
  double tau = 0.5;
  for (; W < len / 2; ++W) {
    tau += c_all[W] / c_all[0];
    if (static_cast<double>(W) >= c * std::max(tau, 0.5)) break;
  }
  W = std::min(W, len / 2);
  if (window) *window = W;
  return jackknife_units(U, [&](const std::vector<char>& use) {
    const std::vector<double> ck = autocov(series, use, W);
    double s = ck[0];
    for (std::size_t k = 1; k <= W; ++k) s += 2.0 * ck[k];
    return block_time * s;
  });
}

Estimate variance_rate_batch(const UnitSeries& series, double block_time,
                             std::size_t batch_blocks) {
  const std::size_t U = series.size();
  return jackknife_units(U, [&](const std::vector<char>& use) {
    double mean = 0.0, sq = 0.0, n = 0.0;
    for (std::size_t u = 0; u < U; ++u) {
      if (!use[u]) continue;
      for (const auto& tr : series[u])
        for (std::size_t b0 = 0; b0 + batch_blocks <= tr.size(); b0 += batch_blocks) {
          double m = 0.0;
          for (std::size_t i = b0; i < b0 + batch_blocks; ++i) m += tr[i];
          m /= static_cast<double>(batch_blocks);
          mean += m;
          sq += m * m;
          n += 1.0;
        }
    }
    if (n < 2) return std::numeric_limits<double>::quiet_NaN();
    mean /= n;
    const double var = (sq / n - mean * mean) * n / (n - 1.0);
    return block_time * static_cast<double>(batch_blocks) * var;
  });
}

}  // namespace synctur
