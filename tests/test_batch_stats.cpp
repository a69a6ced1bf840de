// Tests of batch_stats.hpp: jackknife and integrated autocorrelation time against closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "synctur/batch_stats.hpp"

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
  const Estimate e = jackknife(s, [](const std::vector<double>& mm) { return 2.0 * mm[0] + mm[1]; });
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
