// Tests of the Floquet analysis (floquet.hpp): the static limit against the poles of the
// response function (response.hpp), independent RK4 monodromy matrices, grid independence,
// and the steady-state verdicts.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <iostream>
#include <limits>
#include <numbers>
#include <vector>

#include "support.hpp"
#include "synctur/dynamics/floquet.hpp"
#include "synctur/physics/response.hpp"

using namespace synctur;
using cplx = std::complex<double>;

namespace {

using test::model;

// Monodromy by classical RK4 of U' = A(t) U over one period (independent of the Magnus code).
StateMat rk4_monodromy(const ModelParams& p, int steps) {
  const StateSpace ss(p);
  const double h = p.period() / steps;
  StateMat U = StateMat::Identity();
  for (int i = 0; i < steps; ++i) {
    const double t = i * h;
    const StateMat A0 = ss.A(t), Am = ss.A(t + h / 2), A1 = ss.A(t + h);
    const StateMat k1 = A0 * U, k2 = Am * (U + h / 2 * k1), k3 = Am * (U + h / 2 * k2),
                   k4 = A1 * (U + h * k3);
    U += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return U;
}

double wrap(double x, double W) {
  return x - W * std::round(x / W);
}

}  // namespace

// gamma_1 -> 0: the Floquet exponents of the static pair are -i w_k for the four roots w_k of
// D(w) plus -w_c for z.  Rates Re lambda = Im w_k (to O(gamma_1) = 1e-10), frequencies
// Im lambda = -Re w_k modulo Omega.  Moderate gamma_2 so that every multiplier is resolvable.
TEST(Floquet, StaticLimitMatchesResponsePoles) {
  for (auto [g2, W] : {std::pair{0.5, 2.0}, std::pair{0.3, 5.0}, std::pair{2.0, 1.3}}) {
    const ModelParams p = model(g2, 1e-10, W, 1.2);
    const FloquetSpectrum fs = floquet_spectrum(p);
    const auto poles = chi2_poles(p);
    std::vector<cplx> expect;
    for (const cplx& w : poles) expect.push_back(cplx(0.0, -1.0) * w);
    expect.emplace_back(-p.cutoff, 0.0);
    // the expected multipliers must be well separated for the matching to be meaningful
    for (std::size_t i = 0; i < expect.size(); ++i)
      for (std::size_t j = i + 1; j < expect.size(); ++j)
        ASSERT_GT(std::abs(std::exp(expect[i] * fs.period) - std::exp(expect[j] * fs.period)),
                  1e-3);
    std::vector<bool> used(kStateDim, false);
    for (const cplx& e : expect) {
      int best = -1;
      double dist = 1e300;
      for (int j = 0; j < kStateDim; ++j) {
        const double d = std::abs(fs.multipliers[j] - std::exp(e * fs.period));
        if (!used[j] && d < dist) dist = d, best = j;
      }
      ASSERT_GE(best, 0);
      used[best] = true;
      EXPECT_LT(dist, 1e-9) << "gamma_2 = " << g2 << " Omega = " << W << " exponent " << e;
      // ln|mu| / T carries the absolute error of mu (~1e-12) divided by |mu| T
      const double tol = 1e-9 + 1e-12 / (std::abs(std::exp(e * fs.period)) * fs.period);
      EXPECT_NEAR(fs.exponents[best].real(), e.real(), tol);
      EXPECT_NEAR(wrap(fs.exponents[best].imag() - e.imag(), W), 0.0, tol);
      EXPECT_LE(std::abs(fs.exponents[best].imag()), 0.5 * W * (1 + 1e-15));
    }
    // The slowest rate is that of the least damped pole.
    double slow = -p.cutoff;
    for (const cplx& w : poles) slow = std::max(slow, w.imag());
    EXPECT_NEAR(fs.slowest_rate, slow, 1e-9);
  }
}

// Strong damping gamma_2 = 100: the slow synchronised modes of the static problem are resolved
// (the fast ones have |mu| ~ e^{-2 gamma_2 T}, below round-off); gamma_1 -> 0 reproduces the
// slowest pole, and the rate shift is linear in gamma_1 for small gamma_1 (perturbation theory).
// The gamma_1 = 0.01 value is checked against an independent RK4 monodromy matrix.
TEST(Floquet, StrongDampingSlowestRate) {
  const ModelParams p0 = model(100.0, 1e-12, 2.0, 1.2);
  double slow = -p0.cutoff;
  for (const cplx& w : chi2_poles(p0)) slow = std::max(slow, w.imag());
  const double r0 = floquet_spectrum(p0).slowest_rate;
  EXPECT_NEAR(r0, slow, 1e-9 * 1e-0);
  const double r1 = floquet_spectrum(model(100.0, 1e-4, 2.0, 1.2)).slowest_rate;
  const double r2 = floquet_spectrum(model(100.0, 2e-4, 2.0, 1.2)).slowest_rate;
  EXPECT_NEAR((r2 - r0) / (r1 - r0), 2.0, 0.02);

  const ModelParams p = model(100.0, 0.01, 2.0, 1.2);
  const FloquetSpectrum fs = floquet_spectrum(p);
  // RK4 with h = T/20000 (gamma_2 h = 0.016, well inside RK4's stability region): error in the
  // slow multiplier ~ T h^4 ~ 1e-15.
  const FloquetSpectrum ref = floquet_spectrum(rk4_monodromy(p, 20000), p.period());
  EXPECT_NEAR(fs.slowest_rate, ref.slowest_rate, 1e-9);
  EXPECT_NEAR(std::abs(fs.multipliers[1]), std::abs(ref.multipliers[1]), 1e-9);
  std::cout << "[ Floquet ] gamma_2 = 100, Omega = 2, w_c = 1.2: slowest rate " << r0
            << " (gamma_1 -> 0; least damped pole of D: " << slow << "), " << fs.slowest_rate
            << " (gamma_1 = 0.01), d rate / d gamma_1 at 0 = " << (r1 - r0) / 1e-4 << "\n";
}

// The monodromy (and so the rates) does not depend on the grid the step maps live on, and the
// direct computation (monodromy_matrix) agrees with the product of the step maps.
TEST(Floquet, IndependentOfGrid) {
  const ModelParams p = model(30.0, 0.05, 2.0, 1.2);
  double acc = 0.0;
  int N = 0;
  const FloquetSpectrum d = floquet_spectrum(monodromy_matrix(p, 1e-12, &acc, &N), p.period());
  EXPECT_LE(acc, 1e-12);
  std::cout << "[ Floquet ] direct monodromy: " << N << " Magnus steps per half period, change "
            << acc << "\n";
  for (int n : {64, 250, 1001}) {
    const FloquetSpectrum a = floquet_spectrum(Propagator(p, n));
    EXPECT_NEAR(a.slowest_rate, d.slowest_rate, 1e-10) << "n = " << n;
    for (int j = 0; j < 3; ++j) EXPECT_LT(std::abs(a.multipliers[j] - d.multipliers[j]), 1e-10);
  }
}

// The known unstable point (physics notes, section 6): gamma_2 = 300, gamma_1 = 0.01, Omega =
// 2.5, w_c = 1.2 has no periodic steady state.  Independently confirmed by RK4 (|mu| > 1).
TEST(Floquet, UnstableCaseIsFlagged) {
  ModelParams p = model(300.0, 0.01, 2.5, 1.2);
  p.omega_A = 1.0;
  p.omega_B = 0.6;
  p.phi = std::numbers::pi / 2;
  p.r = 0.0;
  p.mass = 1.0;
  const FloquetSpectrum fs = floquet_spectrum(p);
  const StabilityReport r = check_stability(fs);
  std::cout << "[ Floquet ] " << r.message << "\n";
  EXPECT_FALSE(r.stable);
  EXPECT_GT(r.slowest_rate, 0.0);
  EXPECT_NE(r.message.find("no periodic steady state"), std::string::npos);
  EXPECT_NE(r.message.find("grows at rate +"), std::string::npos);
  EXPECT_EQ(suggested_warmup(fs), std::numeric_limits<double>::infinity());
  // RK4, h = T/40000: gamma_2 h = 0.019.
  const FloquetSpectrum ref = floquet_spectrum(rk4_monodromy(p, 40000), p.period());
  EXPECT_GT(std::abs(ref.multipliers[0]), 1.0);
  EXPECT_NEAR(fs.slowest_rate, ref.slowest_rate, 1e-9);
}

// Fast drive Omega = 200 is stable at gamma_2 = 1 and 100; the warm-up is the 1e-8 decay time
// rounded up to whole periods.
TEST(Floquet, FastDriveIsStable) {
  for (double g2 : {1.0, 100.0}) {
    const FloquetSpectrum fs = floquet_spectrum(model(g2, 0.01, 200.0, 1.2));
    const StabilityReport r = check_stability(fs);
    std::cout << "[ Floquet ] gamma_2 = " << g2 << ", Omega = 200: " << r.message << "\n";
    EXPECT_TRUE(r.stable);
    EXPECT_LT(r.slowest_rate, 0.0);
    EXPECT_EQ(r.message.rfind("periodic steady state", 0), 0u);
    const double tw = suggested_warmup(fs), t8 = std::log(1e8) / -fs.slowest_rate;
    EXPECT_GE(tw, t8);
    EXPECT_LT(tw, t8 + fs.period * (1 + 1e-12));
    EXPECT_NEAR(std::remainder(tw, fs.period), 0.0, 1e-9 * tw);
  }
}

// No damping at all (gamma_1 = gamma_2 = 0): free oscillators, |mu| = 1 for four modes.  The
// check calls this marginal, not stable.
TEST(Floquet, MarginalCaseIsNotStable) {
  const FloquetSpectrum fs = floquet_spectrum(model(0.0, 0.0, 2.0, 1.2));
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(std::abs(fs.multipliers[j]), 1.0, 1e-12);
  const StabilityReport r = check_stability(fs, 1e-10);
  EXPECT_FALSE(r.stable);
  EXPECT_NE(r.message.find("marginal"), std::string::npos) << r.message;
}
