// Tests of batch_stats.hpp: jackknife and integrated autocorrelation time against closed forms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

#include "synctur/numerics/batch_stats.hpp"

using namespace synctur;

// For a linear function of equal-weight samples the jackknife error is exactly the textbook
// standard error of the mean, sd / sqrt(N).
TEST(BatchStats, JackknifeOfLinearFunctionIsStandardError) {
  SampleSet s(2);
  std::mt19937_64 g(1);
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<double> x;
  for (int i = 0; i < 50; ++i) {
    const double v[2] = {n(g), 3.0};
    x.push_back(v[0]);
    s.add(v, 1.0);
  }
  double m = 0, ss = 0;
  for (double v : x) m += v;
  m /= x.size();
  for (double v : x) ss += (v - m) * (v - m);
  const double se = std::sqrt(ss / (x.size() - 1) / x.size());
  const Estimate e =
      jackknife(s, [](const std::vector<double>& mm) { return 2.0 * mm[0] + mm[1]; });
  EXPECT_NEAR(e.value, 2.0 * m + 3.0, 1e-12);
  EXPECT_NEAR(e.se, 2.0 * se, 1e-12);
  EXPECT_NEAR(s.variance(0), ss / (x.size() - 1), 1e-12);
}

// Ratio of means: jackknife agrees with the delta method to O(1/N).
TEST(BatchStats, JackknifeOfRatioMatchesDeltaMethod) {
  SampleSet s(2);
  std::mt19937_64 g(2);
  std::normal_distribution<double> n(0.0, 1.0);
  const int N = 4000;
  for (int i = 0; i < N; ++i) {
    const double a = 1.0 + 0.1 * n(g), b = 2.0 + 0.1 * n(g);
    const double v[2] = {a, b};
    s.add(v, 1.0);
  }
  const Estimate e = jackknife(s, [](const std::vector<double>& m) { return m[0] / m[1]; });
  // delta: var(a/b) ~ (0.1^2/b^2 + a^2 0.1^2 / b^4) / N
  const double se = std::sqrt((0.01 / 4.0 + 0.01 / 16.0) / N);
  EXPECT_NEAR(e.value, 0.5, 5.0 * se);
  EXPECT_NEAR(e.se / se, 1.0, 0.05);
}

// AR(1) x_t = rho x_{t-1} + e_t has tau_int = (1 + rho) / (2 (1 - rho)).
TEST(BatchStats, IntegratedAutocorrelationTimeOfAr1) {
  for (double rho : {0.0, 0.5, 0.9}) {
    std::mt19937_64 g(3);
    std::normal_distribution<double> n(0.0, 1.0);
    std::vector<std::vector<double>> series(16, std::vector<double>(20000));
    for (auto& s : series) {
      double x = n(g) / std::sqrt(1 - rho * rho);
      for (auto& v : s) {
        x = rho * x + n(g);
        v = x;
      }
    }
    const double want = (1 + rho) / (2 * (1 - rho));
    std::size_t W = 0;
    const double tau = integrated_autocorr_time(series, 6.0, &W);
    // Madras-Sokal variance of the windowed estimator: var(tau) ~ 2 (2W + 1) tau^2 / N; the
    // truncation bias rho^(W+1)/(1 - rho) is negligible for W ~ 6 tau.
    const double sd = want * std::sqrt(2.0 * (2.0 * W + 1.0) / (16.0 * 20000.0));
    EXPECT_NEAR(tau, want, 4.0 * sd + std::pow(rho, W + 1) / (1 - rho)) << rho << " W=" << W;
  }
}

// The streaming autocorrelator reproduces the direct two-pass autocovariance (pooled over
// series, grand mean subtracted) to round-off: series longer than the ring (it wraps), and
// series shorter than max_lag (the lags are capped at the shortest series' length - 1).
TEST(BatchStats, StreamingAutocovarianceEqualsDirect) {
  for (const auto& [L, len] : {std::pair<std::size_t, int>{7, 100}, {50, 20}}) {
    std::mt19937_64 g(5);
    std::normal_distribution<double> n(1.0, 2.0);
    std::vector<std::vector<double>> xs(3);
    std::vector<Autocorrelator> cs(3, Autocorrelator(L));
    for (std::size_t s = 0; s < 3; ++s)
      for (int i = 0; i < len + 10 * static_cast<int>(s); ++i) {
        const double v = n(g);
        xs[s].push_back(v);
        cs[s].add(v);
      }
    const auto c = pooled_autocov({&cs[0], &cs[1], &cs[2]});
    double mu = 0, cnt = 0;
    for (const auto& x : xs)
      for (double v : x) mu += v, cnt += 1;
    mu /= cnt;
    const std::size_t lags = std::min(L, static_cast<std::size_t>(len) - 1);
    ASSERT_EQ(c.size(), lags + 1) << L;
    for (std::size_t k = 0; k <= lags; ++k) {
      double a = 0, m = 0;
      for (const auto& x : xs) {
        for (std::size_t i = 0; i + k < x.size(); ++i) a += (x[i] - mu) * (x[i + k] - mu);
        m += static_cast<double>(x.size() - k);
      }
      EXPECT_NEAR(c[k], a / m, 1e-12) << "L = " << L << ", k = " << k;
    }
  }
}

// AR(1) with unit innovations sampled every dt: D = dt sigma_x^2 (1 + rho)/(1 - rho) with
// sigma_x^2 = 1/(1 - rho^2), i.e. D = dt / (1 - rho)^2.  Over 12 independent replicas the
// estimates scatter around D as their jackknife errors say: the replica mean lies within 4
// standard errors of D, and the observed scatter agrees with the mean jackknife error within
// the sampling uncertainty of a standard deviation from 12 values (factor 1.8 either way).
TEST(BatchStats, VarianceRateOfAr1) {
  const double rho = 0.8, dt = 0.5, want = dt / ((1 - rho) * (1 - rho));
  const int U = 8, N = 20000, R = 12;
  std::mt19937_64 g(6);
  std::normal_distribution<double> n(0.0, 1.0);
  double sum = 0, sum2 = 0, se_mean = 0;
  for (int rep = 0; rep < R; ++rep) {
    std::vector<Autocorrelator> cs(U, Autocorrelator(200));
    for (auto& c : cs) {
      double x = n(g) / std::sqrt(1 - rho * rho);
      for (int i = 0; i < N; ++i) {
        x = rho * x + n(g);
        c.add(x);
      }
    }
    std::vector<std::vector<const Autocorrelator*>> units(U);
    for (int u = 0; u < U; ++u) units[u] = {&cs[u]};
    bool trunc = true;
    const Estimate e = variance_rate(units, dt, 10.0, nullptr, &trunc);
    EXPECT_FALSE(trunc);
    if (rep == 0) {  // the replicas on 2 threads: the same bits
      std::vector<double> r1, r2;
      const Estimate a = variance_rate(units, dt, 10.0, nullptr, nullptr, 1, &r1, {}, nullptr, 1);
      const Estimate b = variance_rate(units, dt, 10.0, nullptr, nullptr, 1, &r2, {}, nullptr, 2);
      EXPECT_EQ(a.value, b.value);
      EXPECT_EQ(a.se, b.se);
      EXPECT_EQ(r1, r2);
      EXPECT_EQ(a.value, e.value);
    }
    sum += e.value;
    sum2 += e.value * e.value;
    se_mean += e.se / R;
  }
  const double mean = sum / R, sd = std::sqrt((sum2 / R - mean * mean) * R / (R - 1.0));
  EXPECT_NEAR(mean, want, 4.0 * sd / std::sqrt(R)) << mean << " sd " << sd;
  EXPECT_GT(sd / se_mean, 1.0 / 1.8) << sd << " vs jackknife " << se_mean;
  EXPECT_LT(sd / se_mean, 1.8) << sd << " vs jackknife " << se_mean;
}

// One unit, or too few samples for a lag-1 autocovariance: no error bar can be formed, but the
// per-unit replicas still exist (NaN), one per unit (SimulationJob indexes them per unit; a run
// with 2 trajectories = 1 antithetic unit used to crash on the empty vector).
TEST(BatchStats, VarianceRateReplicasExistWithoutAnEstimate) {
  Autocorrelator a(8), b(8), c(8);
  for (int i = 0; i < 100; ++i) a.add(std::sin(0.3 * i));
  std::vector<double> reps = {1.0, 2.0, 3.0};
  const Estimate one = variance_rate({{&a}}, 1.0, 10.0, nullptr, nullptr, 0, &reps);
  EXPECT_TRUE(std::isfinite(one.value));
  EXPECT_TRUE(std::isnan(one.se));
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_TRUE(std::isnan(reps[0]));
  b.add(1.0);  // a single sample: no lag-1 autocovariance
  c.add(2.0);
  const Estimate none = variance_rate({{&b}, {&c}}, 1.0, 10.0, nullptr, nullptr, 0, &reps);
  EXPECT_TRUE(std::isnan(none.value));
  ASSERT_EQ(reps.size(), 2u);
  EXPECT_TRUE(std::isnan(reps[0]) && std::isnan(reps[1]));
}

// save/load moves an Autocorrelator between processes (MPI) exactly: the loaded copy gives the
// same pooled autocovariances bit for bit and keeps accumulating identically.
TEST(BatchStats, AutocorrelatorSaveLoadIsExact) {
  std::mt19937_64 g(7);
  std::normal_distribution<double> nd;
  for (std::size_t n : {0u, 3u, 40u, 1000u}) {  // fewer values than lags, and many more
    Autocorrelator a(16), b(16);
    for (std::size_t i = 0; i < n; ++i) a.add(nd(g));
    std::vector<double> st;
    a.save(st);
    ASSERT_EQ(st.size(), a.state_size());
    b.load(st.data());
    EXPECT_EQ(b.count(), a.count());
    for (int i = 0; i < 25; ++i) {
      const double x = nd(g);
      a.add(x);
      b.add(x);
    }
    const std::vector<double> ca = pooled_autocov({&a}), cb = pooled_autocov({&b});
    ASSERT_EQ(ca.size(), cb.size());
    for (std::size_t k = 0; k < ca.size(); ++k)
      EXPECT_EQ(ca[k], cb[k]) << "n = " << n << ", lag " << k;
  }
}

// The tail model: a slow AR(1) (pole rho_s, known) plus a fast one, with the window forced to
// 3 decay times of the slow part.  The plain window misses 2 rho_s^{W+1}/(1 + rho_s) of the
// slow part's D (4.7%, about 6 standard errors of the mean of the replicas here); with the
// known pole the fitted tail restores D within 4 standard errors, and the fitted tail itself
// agrees with the exact one.
TEST(BatchStats, VarianceRateTailModelRemovesTheWindowBias) {
  const double rs = 0.97, rf = 0.5, dt = 1.0;
  const double Ds = dt / ((1 - rs) * (1 - rs)), Df = dt / ((1 - rf) * (1 - rf));
  const int U = 8, N = 100000, R = 8;
  const std::size_t W = static_cast<std::size_t>(std::ceil(3.0 / -std::log(rs)));
  const double c0s = 1.0 / (1 - rs * rs);
  const double tail_exact = dt * 2.0 * c0s * std::pow(rs, static_cast<double>(W + 1)) / (1 - rs);
  std::mt19937_64 g(17);
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<double> plain, fit, tails;
  for (int rep = 0; rep < R; ++rep) {
    std::vector<Autocorrelator> cs(U, Autocorrelator(4 * W));
    for (auto& c : cs) {
      double s = n(g) / std::sqrt(1 - rs * rs), f = n(g) / std::sqrt(1 - rf * rf);
      for (int i = 0; i < N; ++i) {
        s = rs * s + n(g);
        f = rf * f + n(g);
        c.add(s + f);
      }
    }
    std::vector<std::vector<const Autocorrelator*>> units(U);
    for (int u = 0; u < U; ++u) units[u] = {&cs[u]};
    std::size_t w = 0;
    plain.push_back(variance_rate(units, dt, 0.1, &w, nullptr, W).value);
    ASSERT_EQ(w, W);
    double t = 0.0;
    fit.push_back(variance_rate(units, dt, 0.1, nullptr, nullptr, W, nullptr, {rs}, &t).value);
    tails.push_back(t);
  }
  auto mean_se = [](const std::vector<double>& v) {
    double m = 0, m2 = 0;
    for (double x : v) m += x / v.size();
    for (double x : v) m2 += (x - m) * (x - m) / (v.size() - 1.0);
    return std::pair{m, std::sqrt(m2 / v.size())};
  };
  const double want = Ds + Df;
  const auto [mp, sp] = mean_se(plain);
  const auto [mf, sf] = mean_se(fit);
  const auto [mt, st] = mean_se(tails);
  EXPECT_GT(want - mp, 4.0 * sp) << "the plain window should miss the tail: " << mp << " vs "
                                 << want;
  EXPECT_NEAR(mf, want, 4.0 * sf) << "fitted tail";
  EXPECT_NEAR(mt, tail_exact, 4.0 * st);
}
