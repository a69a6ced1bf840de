// Tests of the counter-based RNG and the coloured-noise generator.
//
// Statistical assertions compare an estimate with its target within Z standard errors, where
// the standard error is COMPUTED (from the spread over independent trajectories / segments /
// block boundaries, or from Bartlett's formula with the exact covariance of the generated
// sequence); Z = 5 (two-sided Gaussian tail 5.7e-7 per comparison).  Deterministic assertions
// use bounds derived in the comments.  All seeds are fixed.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <numeric>
#include <vector>

#include "noise/noise_stream.hpp"
#include "synctur/noise/noise.hpp"
#include "synctur/numerics/rng.hpp"

using namespace synctur;

namespace {

constexpr double kZ = 5.0;    // standard errors allowed in statistical comparisons
constexpr double kDt = 0.05;  // time step of the noise grid [1/omega_A]
constexpr double kPi = std::numbers::pi;

ModelParams params_T(double T) {
  ModelParams p;  // w_A = 1, w_B = 0.6, Omega = 2, gamma_2 = 1, gamma_1 = 0.01, w_c = 1.2
  p.T_1 = p.T_2 = T;
  return p;
}

struct Case {
  const char* name;
  bool drude;  // false: static Ohmic bath; true: driven Drude bath (cutoff 1.2)
  double T;
};

BathSpectrum bath_of(const Case& c) {
  const auto p = params_T(c.T);
  return c.drude ? driven_bath(p) : static_bath(p);
}
double band_of(const Case& c) {
  return effective_band_limit(params_T(c.T), kDt, NoiseOptions{});
}

// |C_n - C~_n| for the truncated filter: the discarded pairs give, by Cauchy-Schwarz,
// at most (2 sqrt(eps) + eps) C_0 with eps the relative tail energy; plus the quadrature
// tolerance of L_band (rtol 1e-11 of int |integrand| = C_0 at t = 0; x100 margin).
double covariance_bound(const NoisePlan& plan, double C0) {
  const double eps = plan.truncation_error();
  return (2.0 * std::sqrt(eps) + eps) * C0 + 1e-9 * C0;
}

// Exact covariance C~_k of the generated sequence for k = 0..2M (zero beyond).
std::vector<double> realised_cov(const NoisePlan& plan) {
  std::vector<double> c(2 * plan.half_taps() + 1);
  for (std::size_t k = 0; k < c.size(); ++k) c[k] = plan.realised_covariance(k);
  return c;
}

// Bartlett: variance of (1/n) sum_m x_m x_{m+lag} for a Gaussian sequence with covariance c
// (c_k = 0 for |k| > kmax):  (1/n) sum_k (c_k^2 + c_{k+lag} c_{k-lag}).
double bartlett_var(const std::vector<double>& c, std::size_t lag, double n) {
  const long kmax = static_cast<long>(c.size()) - 1;
  auto cc = [&](long k) {
    const long a = std::labs(k);
    return a > kmax ? 0.0 : c[static_cast<std::size_t>(a)];
  };
  const long L = static_cast<long>(lag);
  double s = 0.0;
  for (long k = -kmax - L; k <= kmax + L; ++k) s += cc(k) * cc(k) + cc(k + L) * cc(k - L);
  return s / n;
}

}  // namespace

// =============================================================================================
// RNG

// Known-answer vectors of Philox4x32-10 from Random123's tests/kat_vectors, through our
// (seed, trajectory, bath, block, pair) -> (key, counter) mapping.
TEST(Rng, PhiloxKnownAnswers) {
  struct Kat {
    std::uint32_t ctr[4], key[2], out[4];
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const auto& k : kats) {
    RngKey key{(std::uint64_t{k.key[1]} << 32) | k.key[0], k.ctr[3], k.ctr[2]};
    const auto r = philox_raw(key, k.ctr[1], k.ctr[0]);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(r[i], k.out[i]);
  }
}

// The vectorised kernel (own Philox lanes + polynomial ln/sin/cos) against Random123 + libm,
// following the documented index -> (pair, cos|sin) mapping, including the top of a block.
// Bound: a few ulp of the polynomial evaluation (series truncation < 1e-16).
TEST(Rng, KernelMatchesReference) {
  const RngKey keys[] = {{12345, 7, 1}, {0xdeadbeefcafef00dULL, 0xffffffff, 0}, {0, 0, 0}};
  const std::uint64_t firsts[] = {0, 5, (std::uint64_t{1} << 33) - 3000};
  for (const auto& key : keys)
    for (std::uint64_t first : firsts) {
      const std::size_t n = 3000;
      std::vector<double> z(n);
      fill_normal(key, 77, first, n, z.data());
      for (std::size_t k = 0; k < n; ++k) {
        const std::uint64_t i = first + k;
        const auto pair = static_cast<std::uint32_t>((i / 32) * 16 + (i % 16));
        const auto ref = box_muller_reference(philox_raw(key, 77, pair));
        const double r = (i % 32) < 16 ? ref[0] : ref[1];
        ASSERT_NEAR(z[k], r, 4e-15 * std::max(1.0, std::abs(r))) << "index " << i;
      }
    }
  std::vector<double> z(8);
  EXPECT_THROW(fill_normal(keys[0], 0, (std::uint64_t{1} << 33) - 4, 8, z.data()),
               std::out_of_range);
}

// Every sample is a pure function of its index: any split of a request gives the same bits.
TEST(Rng, SplitInvariance) {
  const RngKey key{99, 3, 1};
  const std::size_t n = 10007;
  std::vector<double> whole(n), parts(n);
  fill_normal(key, 5, 11, n, whole.data());
  std::size_t pos = 0, step = 1;
  while (pos < n) {
    const std::size_t take = std::min(step, n - pos);
    fill_normal(key, 5, 11 + pos, take, parts.data() + pos);
    pos += take;
    step = step * 3 % 97 + 1;  // irregular piece sizes 1..97
  }
  EXPECT_EQ(0, std::memcmp(whole.data(), parts.data(), n * sizeof(double)));
}

// Moments and tail probabilities of 2^22 normals, SEs exact for iid N(0,1):
// mean 1/sqrt(n), variance sqrt(2/n), third moment sqrt(15/n), fourth cumulant sqrt(96/n)
// (var(z^4) = 105 - 9 = 96), P(|z| > a) binomial sqrt(p(1-p)/n).
TEST(Rng, NormalDistribution) {
  const std::size_t n = std::size_t{1} << 22;
  std::vector<double> z(n);
  fill_normal(RngKey{2024, 0, 0}, 1, 0, n, z.data());
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  std::size_t tail[4] = {0, 0, 0, 0};
  for (double v : z) {
    const double v2 = v * v;
    s1 += v;
    s2 += v2;
    s3 += v2 * v;
    s4 += v2 * v2;
    for (int a = 0; a < 4; ++a)
      if (std::abs(v) > a + 1) ++tail[a];
  }
  const double dn = static_cast<double>(n);
  EXPECT_LT(std::abs(s1 / dn), kZ / std::sqrt(dn));
  EXPECT_LT(std::abs(s2 / dn - 1.0), kZ * std::sqrt(2.0 / dn));
  EXPECT_LT(std::abs(s3 / dn), kZ * std::sqrt(15.0 / dn));
  EXPECT_LT(std::abs(s4 / dn - 3.0), kZ * std::sqrt(96.0 / dn));
  for (int a = 0; a < 4; ++a) {
    const double p = std::erfc((a + 1) / std::numbers::sqrt2);
    EXPECT_LT(std::abs(static_cast<double>(tail[a]) / dn - p), kZ * std::sqrt(p * (1 - p) / dn))
        << "P(|z| > " << a + 1 << ")";
  }
}

// Changing any key component (seed, trajectory, bath, block) gives an uncorrelated sequence:
// sample correlation within 5 / sqrt(n).
TEST(Rng, KeyComponentsGiveIndependentStreams) {
  const std::size_t n = std::size_t{1} << 18;
  std::vector<double> a(n), b(n);
  fill_normal(RngKey{1, 2, 3}, 4, 0, n, a.data());
  const RngKey others[] = {{2, 2, 3}, {1, 3, 3}, {1, 2, 4}, {1, 2, 3}};
  const std::uint32_t blocks[] = {4, 4, 4, 5};
  for (int i = 0; i < 4; ++i) {
    fill_normal(others[i], blocks[i], 0, n, b.data());
    double c = 0.0;
    for (std::size_t k = 0; k < n; ++k) c += a[k] * b[k];
    EXPECT_LT(std::abs(c / static_cast<double>(n)), kZ / std::sqrt(static_cast<double>(n))) << i;
  }
}

// =============================================================================================
// options, band rule, taper, closed forms

TEST(NoiseOptions, ValidateNamesTheKeys) {
  EXPECT_TRUE(NoiseOptions{}.validate().empty());
  auto has = [](const NoiseOptions& o, const std::string& key) {
    for (const auto& [k, m] : o.validate())
      if (k == key) return true;
    return false;
  };
  NoiseOptions o;
  o.band_limit = -1;
  EXPECT_TRUE(has(o, "noise.band_limit"));
  o = {};
  o.taper = 0.0;
  EXPECT_TRUE(has(o, "noise.taper"));
  o = {};
  o.max_band_fraction = 1.0;
  EXPECT_TRUE(has(o, "noise.max_band_fraction"));
  o = {};
  o.filter_tol = 0.0;
  EXPECT_TRUE(has(o, "noise.filter_tol"));
  o = {};
  o.max_taps = 100;
  EXPECT_TRUE(has(o, "noise.max_taps"));
  o = {};
  o.block_log2 = 3;
  EXPECT_TRUE(has(o, "noise.block_log2"));
  TaperShape s;
  EXPECT_TRUE(taper_shape_from_string("cosine", &s));
  EXPECT_EQ(s, TaperShape::Cosine);
  EXPECT_TRUE(taper_shape_from_string(to_string(TaperShape::Smooth), &s));
  EXPECT_EQ(s, TaperShape::Smooth);
  EXPECT_FALSE(taper_shape_from_string("hann", &s));
}

// The rule: flat band >= max(4 Omega, Omega + max(w_A, w_B) + 5 max T), w_b below
// max_band_fraction * Nyquist; a coarse dt is reported.
TEST(NoiseOptions, BandLimitRule) {
  ModelParams p;  // Omega = 2, w_A = 1, T = 0.5: max(8, 2 + 1 + 2.5) = 8
  EXPECT_DOUBLE_EQ(required_flat_band(p), 8.0);
  NoiseOptions o;
  EXPECT_DOUBLE_EQ(default_band_limit(p, 0.05, o), 0.5 * kPi / 0.05);  // widest allowed
  EXPECT_TRUE(check_band_limit(p, 0.05, o).empty());
  p.Omega = 0.3;
  p.T_1 = 0.1;
  p.T_2 = 0.2;  // max(1.2, 0.3 + 1 + 1) = 2.3
  EXPECT_DOUBLE_EQ(required_flat_band(p), 2.3);
  p = ModelParams{};
  EXPECT_DOUBLE_EQ(default_band_limit(p, 0.5, o), 0.5 * kPi / 0.5);  // too coarse for the rule
  EXPECT_FALSE(check_band_limit(p, 0.5, o).empty());
  o.band_limit = 7.0;  // flat part 5.25 < 8
  EXPECT_FALSE(check_band_limit(p, 0.05, o).empty());
  o.band_limit = 70.0;  // above Nyquist 62.8
  EXPECT_FALSE(check_band_limit(p, 0.05, o).empty());
  EXPECT_THROW(NoisePlan(static_bath(p), 0.05, 70.0, NoiseOptions{}), std::invalid_argument);
  NoiseOptions small;
  small.block_log2 = 8;  // 256 < 2 L
  EXPECT_THROW(NoisePlan(static_bath(p), 0.05, 10.0, small), std::invalid_argument);
}

TEST(NoiseOptions, TaperShapes) {
  for (auto shape : {TaperShape::Cosine, TaperShape::Smooth}) {
    const double wb = 10.0, f = 0.25;
    EXPECT_EQ(noise_taper(0.0, wb, f, shape), 1.0);
    EXPECT_EQ(noise_taper(-7.5, wb, f, shape), 1.0);
    EXPECT_EQ(noise_taper(10.0, wb, f, shape), 0.0);
    EXPECT_EQ(noise_taper(12.0, wb, f, shape), 0.0);
    EXPECT_NEAR(noise_taper(8.75, wb, f, shape), 0.5, 1e-15);  // symmetric about the middle
    double prev = 1.0;
    for (double w = 7.5; w <= 10.0; w += 0.01) {
      const double W = noise_taper(w, wb, f, shape);
      EXPECT_LE(W, prev);
      EXPECT_NEAR(W + noise_taper(17.5 - w, wb, f, shape), 1.0, 1e-14);
      prev = W;
    }
  }
}

// Closed forms of the untapered L_s(t) (Matsubara series / Ei for Drude, -m gamma pi T^2 /
// sinh^2 for Ohmic) against the independent band quadrature with a band so wide (w_b = 1600,
// smooth taper from 800) that the cut-off part is below the quadrature tolerance; bound:
// 100 x the quadrature tolerance 1e-11 int |integrand| (= L_band(0)).
TEST(NoiseTargets, UntaperedClosedFormsMatchWideBandQuadrature) {
  const double wb = 1600.0, f = 0.5;
  const Case cases[] = {{"drude T=0", true, 0.0},   {"drude T=0.1", true, 0.1},
                        {"drude T=0.5", true, 0.5}, {"drude T=2", true, 2.0},
                        {"ohmic T=0", false, 0.0},  {"ohmic T=0.1", false, 0.1}};
  for (const auto& c : cases) {
    const auto bath = bath_of(c);
    const double l1 = L_band(bath, 0.0, wb, f, TaperShape::Smooth);
    for (double t : {0.5, 1.0, 2.0, 5.0}) {
      if (!c.drude && t > 2.0) continue;  // Ohmic: |L_s| ~ 1e-2 below the quadrature floor
      const double lb = L_band(bath, t, wb, f, TaperShape::Smooth);
      const double lu = L_untapered(bath, t);
      EXPECT_NEAR(lb, lu, 1e-9 * l1) << c.name << " t=" << t;
    }
  }
  EXPECT_TRUE(std::isnan(L_untapered(static_bath(params_T(0.5)), 0.0)));
}

// =============================================================================================
// the filter: realised covariance vs independent quadrature (deterministic)

const Case kCases[] = {
    {"ohmic_T0", false, 0.0}, {"ohmic_T0p1", false, 0.1}, {"ohmic_T0p5", false, 0.5},
    {"drude_T0", true, 0.0},  {"drude_T0p1", true, 0.1},  {"drude_T0p5", true, 0.5},
};

class NoiseCase : public ::testing::TestWithParam<Case> {};

// C~_n = sum_k h_k h_{k+n} (what the generator realises exactly) against L_band(n dt) from
// adaptive quadrature, at lags from 0 to beyond the filter support 2M.
TEST_P(NoiseCase, RealisedCovarianceMatchesQuadrature) {
  const Case c = GetParam();
  const auto bath = bath_of(c);
  const NoisePlan plan(bath, kDt, band_of(c), NoiseOptions{});
  const double C0 = L_band(bath, 0.0, plan.band_limit(), plan.taper(), plan.taper_shape());
  const double bound = covariance_bound(plan, C0);
  std::vector<std::size_t> lags;
  for (std::size_t n = 0; n < 20; ++n) lags.push_back(n);
  for (double n = 20; n < 3.0 * static_cast<double>(plan.half_taps()); n *= 1.5)
    lags.push_back(static_cast<std::size_t>(n));
  lags.push_back(2 * plan.half_taps());
  lags.push_back(2 * plan.half_taps() + 1);
  for (std::size_t n : lags) {
    const double t = kDt * static_cast<double>(n);
    const double target = L_band(bath, t, plan.band_limit(), plan.taper(), plan.taper_shape());
    EXPECT_NEAR(plan.realised_covariance(n), target, bound) << c.name << " lag " << n;
  }
  // the discarded tail is what the options ask for, or the automatic cap on taps binds (T = 0:
  // power-law tails; the cap spans 8/(0.02 pi) = 127 time units, at least 16385 taps)
  EXPECT_TRUE(plan.truncation_error() <= NoiseOptions{}.filter_tol ||
              (c.T == 0.0 && plan.taps() >= 16385 &&
               kDt * static_cast<double>(plan.half_taps()) >= 127.0 - kDt))
      << plan.taps() << " taps, truncation " << plan.truncation_error();
  RecordProperty("taps", static_cast<int>(plan.taps()));
}

// =============================================================================================
// statistics of generated noise against the targets

// 64 independent trajectories x 2^18 samples.  Asserts, with SEs from the spread over
// trajectories (autocovariance, kappa_4) or over the 4096 Welch segments (PSD):
//  - sample autocovariance at 40 lags (0 = the variance) vs L_band(t) from quadrature;
//  - those SEs agree with Bartlett's formula for the exact covariance (SE of an SE from K = 64
//    samples: 1/sqrt(2(K-1)));
//  - Welch PSD vs the estimator's exact expectation at every bin, and vs S(w) W(w)^2 up to
//    the (computed) window leakage, which is below 1 SE in >= 80 % of the in-band bins;
//  - the fourth cumulant of the one-point distribution is 0 within its SE (Gaussianity).
TEST_P(NoiseCase, StatisticsMatchTargets) {
  const Case c = GetParam();
  const auto bath = bath_of(c);
  const double wb = band_of(c);
  DiagnosticsOptions dopt;
  dopt.n_trajectories = 64;
  dopt.n_lags = 40;
  dopt.lag_stride = 3;
  dopt.welch_segment = 4096;
  const std::size_t n_total = dopt.n_trajectories << 18;
  const auto d = noise_diagnostics(bath, kDt, wb, NoiseOptions{}, 20240611, n_total, dopt);
  const NoisePlan plan(bath, kDt, wb, NoiseOptions{});
  const double C0 = d.acf_target[0];
  const double bound = covariance_bound(plan, C0);
  const double K = static_cast<double>(dopt.n_trajectories);
  const double per = static_cast<double>(n_total) / K;
  const auto cov = realised_cov(plan);
  for (std::size_t l = 0; l < d.acf.size(); ++l) {
    EXPECT_LT(std::abs(d.acf[l] - d.acf_target[l]), kZ * d.acf_se[l] + bound)
        << c.name << " t=" << d.lag_time[l];
    EXPECT_LT(std::abs(d.acf_realised[l] - d.acf_target[l]), bound);
    const std::size_t lag = l * dopt.lag_stride;
    const double se_bartlett =
        std::sqrt(bartlett_var(cov, lag, per - static_cast<double>(lag)) / K);
    EXPECT_LT(std::abs(d.acf_se[l] / se_bartlett - 1.0), kZ / std::sqrt(2.0 * (K - 1.0)))
        << c.name << " lag " << lag;
  }
  const double psd_max = *std::max_element(d.psd_target.begin(), d.psd_target.end());
  std::size_t in_band = 0, leaky = 0;
  for (std::size_t k = 0; k < d.psd.size(); ++k) {
    // roundoff floor: the expectation is an FFT of ~4096 terms of size C0, accurate to about
    // eps dt C0 sqrt(4096) ~ 1e-15 psd_max (visible only far outside the band); 1000x margin
    const double floor = 1e-12 * psd_max;
    EXPECT_LT(std::abs(d.psd[k] - d.psd_expected[k]), kZ * d.psd_se[k] + floor)
        << c.name << " w=" << d.omega[k];
    const double leak = std::abs(d.psd_expected[k] - d.psd_target[k]);
    EXPECT_LT(std::abs(d.psd[k] - d.psd_target[k]), kZ * d.psd_se[k] + leak + floor)
        << c.name << " w=" << d.omega[k];
    if (d.omega[k] > 0.0 && d.omega[k] < d.band_limit) {
      ++in_band;
      if (leak > d.psd_se[k]) ++leaky;
    }
  }
  EXPECT_GT(in_band, 300u);
  EXPECT_LT(static_cast<double>(leaky), 0.2 * static_cast<double>(in_band)) << c.name;
  EXPECT_LT(std::abs(d.kappa4), kZ * d.kappa4_se) << c.name;
  EXPECT_LT(d.kappa4_se, 0.05 * C0 * C0);  // the test has power: |k4| << 3 C0^2 is resolved
}

INSTANTIATE_TEST_SUITE_P(Baths, NoiseCase, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

// High-temperature limit of the Ohmic bath: S(w) -> 2 m gamma T, white within the band.
// T = 1000 >> w_b = 31.4 (the automatic band is capped at half Nyquist): the relative
// deviation (w/2T)^2/3 <= 1e-4 is asserted first.  Then the PSD is 2 m gamma T W(w)^2 within
// its SE (plus the computed window leakage), and the autocovariance is the white-noise one,
// (2 m gamma T / pi) int_0^{w_b} W^2 cos(w t) dw, evaluated by a composite Simpson rule
// independent of spectra.cpp.
TEST(NoiseStats, OhmicHighTemperatureIsWhiteInBand) {
  const Case c{"ohmic_T1000", false, 1000.0};
  const auto bath = bath_of(c);
  const double wb = band_of(c);
  const double white = 2.0 * bath.mass * bath.gamma * c.T;
  for (double w = 0.0; w < wb; w += 0.1) EXPECT_LT(std::abs(bath.S(w) / white - 1.0), 1e-4);
  DiagnosticsOptions dopt;
  dopt.n_trajectories = 64;
  dopt.n_lags = 30;
  dopt.lag_stride = 1;
  const auto d =
      noise_diagnostics(bath, kDt, wb, NoiseOptions{}, 777, dopt.n_trajectories << 16, dopt);
  NoiseOptions o;
  for (std::size_t k = 0; k < d.psd.size(); ++k) {
    const double W = noise_taper(d.omega[k], wb, o.taper, o.taper_shape);
    const double leak = std::abs(d.psd_expected[k] - d.psd_target[k]);
    EXPECT_LT(std::abs(d.psd[k] - white * W * W), kZ * d.psd_se[k] + leak + 1e-4 * white)
        << "w=" << d.omega[k];
  }
  for (std::size_t l = 0; l < d.acf.size(); ++l) {
    const double t = d.lag_time[l];
    const int n = 200000;  // Simpson on [0, w_b]
    const double h = wb / n;
    double s = 0.0;
    for (int j = 0; j <= n; ++j) {
      const double w = j * h;
      const double W = noise_taper(w, wb, o.taper, o.taper_shape);
      const double f = W * W * std::cos(w * t);
      s += (j == 0 || j == n ? 1.0 : (j % 2 ? 4.0 : 2.0)) * f;
    }
    const double target = white / kPi * s * h / 3.0;
    EXPECT_LT(std::abs(d.acf[l] - target), kZ * d.acf_se[l] + 1e-4 * std::abs(d.acf_target[0]))
        << "t=" << t;
  }
}

// =============================================================================================
// streaming: exactness, block boundaries, determinism, independence

// The overlap-save stream equals the direct finite sum xi_n = sum_k h_k e_{n+M-k} built from
// the documented white-noise keying, sample by sample across several block boundaries (so:
// no wrap-around, no boundary artefacts).  Bound: FFT roundoff, 64 eps log2(N) sum|h| max|e|.
TEST(NoiseStream, EqualsDirectConvolution) {
  const auto bath = static_bath(params_T(50.0));
  NoiseOptions o;
  o.block_log2 = 11;
  const NoisePlan plan(bath, kDt, 20.0, o);
  const std::size_t M = plan.half_taps(), L = plan.taps(), B = plan.block_size();
  ASSERT_GE(plan.fft_size(), 2 * L);
  const RngKey key{4242, 9, 1};
  const std::size_t nblocks = 6, n = nblocks * B;
  NoiseStream stream(plan, key);
  std::vector<double> x(n);
  for (std::size_t b = 0; b < nblocks; ++b) {
    const double* p = stream.next_block();
    std::copy(p, p + B, x.begin() + static_cast<std::ptrdiff_t>(b * B));
  }
  // white input w(g), g = -M .., is normal number 2^31 + g of Philox block 0 (docs/NOISE.md)
  std::vector<double> e(L - 1 + n);
  fill_normal(key, 0, (std::uint64_t{1} << 31) - M, L - 1 + n, e.data());
  const auto& h = plan.filter();
  double hsum = h[0], emax = 0.0;
  for (std::size_t k = 1; k <= M; ++k) hsum += 2.0 * std::abs(h[k]);
  for (double v : e) emax = std::max(emax, std::abs(v));
  const double tol = 64.0 * 2.2e-16 * std::log2(static_cast<double>(plan.fft_size())) * hsum * emax;
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0.0;
    const long Ml = static_cast<long>(M), il = static_cast<long>(i);
    for (long k = -Ml; k <= Ml; ++k)
      s += h[static_cast<std::size_t>(std::labs(k))] * e[static_cast<std::size_t>(il + Ml - k)];
    ASSERT_NEAR(x[i], s, tol) << "sample " << i << " (block " << i / B << ")";
  }

  // random access: reset to block 3 reproduces it bit for bit
  stream.reset(key, 3);
  EXPECT_EQ(stream.next_block_index(), 3u);
  EXPECT_EQ(0, std::memcmp(stream.next_block(), x.data() + 3 * B, B * sizeof(double)));
  // fill() in irregular pieces equals the blocks
  stream.reset(key, 0);
  std::vector<double> y(n);
  std::size_t pos = 0, step = 1;
  while (pos < n) {
    const std::size_t take = std::min(step, n - pos);
    stream.fill(y.data() + pos, take);
    pos += take;
    step = step * 7 % 1500 + 1;
  }
  EXPECT_EQ(0, std::memcmp(x.data(), y.data(), n * sizeof(double)));
}

// Statistical version at block boundaries: covariance estimated ONLY from pairs (m, m + n)
// that straddle a block boundary, one independent estimate per boundary (boundaries are B
// samples apart, far beyond the 2M support), against the exact C~_n; includes lags beyond the
// support (2M + 1, B, N, N + 17) where any wrap-around would show as a non-zero covariance.
TEST(NoiseStream, NoCorrelationArtefactsAcrossBlocks) {
  const auto bath = static_bath(params_T(0.5));
  NoiseOptions o;
  o.block_log2 = 12;
  const NoisePlan plan(bath, kDt, band_of({"", false, 0.5}), o);
  const std::size_t B = plan.block_size(), N = plan.fft_size(), M2 = 2 * plan.half_taps();
  const std::size_t nb = 1200, n = nb * B;
  std::vector<double> x(n);
  NoiseStream(plan, RngKey{31337, 0, 0}).fill(x.data(), n);
  const std::size_t lags[] = {1, 3, 10, 30, 100, 300, M2, M2 + 1, B, N, N + 17};
  for (std::size_t lag : lags) {
    std::vector<double> v;
    for (std::size_t b = 1; b < nb; ++b) {
      const std::size_t s = b * B;  // first sample of block b
      if (s + lag > n) break;
      double acc = 0.0;
      for (std::size_t m = s - lag; m < s; ++m) acc += x[m] * x[m + lag];
      v.push_back(acc / static_cast<double>(lag));
    }
    const double K = static_cast<double>(v.size());
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / K;
    double q = 0.0;
    for (double a : v) q += (a - mean) * (a - mean);
    const double se = std::sqrt(q / (K - 1.0) / K);
    EXPECT_LT(std::abs(mean - plan.realised_covariance(lag)), kZ * se) << "lag " << lag;
  }
}

// Bit-identical output with 1 and 2 OpenMP threads: 8 trajectories x 2 baths generated in an
// omp parallel for (dynamic schedule, so the thread-to-stream assignment changes).
TEST(NoiseStream, DeterministicAcrossThreadCounts) {
  const auto p = params_T(0.5);
  const NoisePlan plans[2] = {NoisePlan(static_bath(p), p, kDt, NoiseOptions{}),
                              NoisePlan(driven_bath(p), p, kDt, NoiseOptions{})};
  const int ntraj = 8;
  const std::size_t len = 3 * plans[0].block_size() + 17;
  auto run = [&](int threads) {
    std::vector<double> out(static_cast<std::size_t>(2 * ntraj) * len);
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
#pragma omp parallel for schedule(dynamic, 1)
    for (int i = 0; i < 2 * ntraj; ++i) {
      const int bath = i % 2, traj = i / 2;
      NoiseStream s(plans[bath], RngKey{555, static_cast<std::uint32_t>(traj),
                                        static_cast<std::uint32_t>(bath)});
      s.fill(out.data() + static_cast<std::size_t>(i) * len, len);
    }
    omp_set_num_threads(saved);
    return out;
  };
  const auto one = run(1), two = run(2);
  ASSERT_EQ(one.size(), two.size());
  EXPECT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * sizeof(double)));
}

// Streams of different trajectories, baths (same plan) or seeds are uncorrelated: sample
// cross-covariance at lags -3..3 within 5 SE, SE^2 = sum_k C~_k^2 / n (Bartlett, independent).
TEST(NoiseStream, DifferentKeysAreUncorrelated) {
  const auto bath = driven_bath(params_T(0.1));
  const NoisePlan plan(bath, kDt, band_of({"", true, 0.1}), NoiseOptions{});
  const std::size_t n = std::size_t{1} << 20;
  std::vector<double> a(n), b(n);
  NoiseStream(plan, RngKey{8, 0, 1}).fill(a.data(), n);
  double s2 = 0.0;
  for (std::size_t k = 0; k <= 2 * plan.half_taps(); ++k)
    s2 += (k == 0 ? 1.0 : 2.0) * std::pow(plan.realised_covariance(k), 2);
  const RngKey others[] = {{8, 1, 1}, {8, 0, 0}, {9, 0, 1}};
  for (const auto& key : others) {
    NoiseStream(plan, key).fill(b.data(), n);
    for (int lag = -3; lag <= 3; ++lag) {
      double c = 0.0;
      const std::size_t al = static_cast<std::size_t>(std::abs(lag));
      for (std::size_t m = 0; m + al < n; ++m) c += lag >= 0 ? a[m] * b[m + al] : a[m + al] * b[m];
      const double cnt = static_cast<double>(n - al);
      EXPECT_LT(std::abs(c / cnt), kZ * std::sqrt(s2 / cnt))
          << "key " << key.seed << "/" << key.trajectory << "/" << key.bath << " lag " << lag;
    }
  }
}

// NoisePlans may be built (and destroyed) from several threads at once: the FFTW planner calls
// are serialised inside; every thread gets the same filter.
TEST(NoisePlan, ConcurrentConstruction) {
  const auto bath = driven_bath(params_T(0.5));
  const double wb = band_of({"", true, 0.5});
  const NoisePlan ref(bath, kDt, wb, NoiseOptions{});
  int mismatches = 0;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(2);
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : mismatches)
  for (int i = 0; i < 8; ++i) {
    const NoisePlan plan(bath, kDt, wb, NoiseOptions{});
    NoiseStream a(plan, RngKey{1, static_cast<std::uint32_t>(i), 0});
    NoiseStream b(ref, RngKey{1, static_cast<std::uint32_t>(i), 0});
    if (plan.filter() != ref.filter() ||
        std::memcmp(a.next_block(), b.next_block(), plan.block_size() * sizeof(double)) != 0)
      ++mismatches;
  }
  omp_set_num_threads(saved);
  EXPECT_EQ(mismatches, 0);
}
