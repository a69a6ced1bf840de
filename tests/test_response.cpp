#include <gtest/gtest.h>

#include <cmath>

#include "synctur/physics/response.hpp"

using namespace synctur;

namespace {
ModelParams base(double g2) {
  ModelParams p;
  p.gamma_2 = g2;
  return p;
}
}  // namespace

// chi_2 is the inverse of the Langevin matrix M(w) = diag(w_l^2 - w^2) - i w gamma_2 [[1,1],[1,1]].
TEST(Response, InverseOfLangevinMatrix) {
  for (double g2 : {0.01, 1.0, 100.0}) {
    const auto p = base(g2);
    for (double w : {-3.0, -0.7, 0.1, 0.77, 1.3, 40.0}) {
      const Chi2 c = chi2(p, w);
      const cplx iwg(0.0, w * g2);
      const cplx mAA = p.omega_A * p.omega_A - w * w - iwg,
                 mBB = p.omega_B * p.omega_B - w * w - iwg, mAB = -iwg;
      // M * chi = 1
      EXPECT_LT(std::abs(mAA * c.AA + mAB * c.AB - 1.0), 1e-12);
      EXPECT_LT(std::abs(mAA * c.AB + mAB * c.BB), 1e-12);
      EXPECT_LT(std::abs(mAB * c.AA + mBB * c.AB), 1e-12);
      EXPECT_LT(std::abs(mAB * c.AB + mBB * c.BB - 1.0), 1e-12);
    }
  }
}

// gamma_2 -> 0: each diagonal element is the bare oscillator response 1/(w_l^2 - w^2).
TEST(Response, WeakDampingLimitIsSingleOscillator) {
  const auto p = base(1e-9);
  for (double w : {0.3, 0.8, 1.5}) {
    const Chi2 c = chi2(p, w);
    EXPECT_NEAR(c.AA.real(), 1.0 / (1.0 - w * w), 1e-6);
    EXPECT_NEAR(c.BB.real(), 1.0 / (0.36 - w * w), 1e-6);
    EXPECT_NEAR(std::abs(c.AB), 0.0, 1e-6);
  }
}

// Poles are zeros of D, lie in the lower half plane, and at strong damping one pair sits at
// +-w_bar with half-width ((w_A^2 - w_B^2)/2)^2 / (4 w_bar^2 gamma_2) (leading order in 1/gamma_2).
TEST(Response, PolesAndSynchronisedWidth) {
  for (double g2 : {0.01, 1.0, 100.0, 1000.0}) {
    const auto p = base(g2);
    const auto poles = chi2_poles(p);
    for (const auto& z : poles) {
      EXPECT_LT(z.imag(), 0.0);
      const double a2 = 1.0, b2 = 0.36;
      const cplx d = (z * z - a2) * (z * z - b2) + cplx(0, 1) * z * (2.0 * z * z - a2 - b2) * g2;
      EXPECT_LT(std::abs(d), 1e-9 * (1.0 + g2 * std::pow(std::abs(z), 3)));
    }
  }
  const double g2 = 1000.0, wbar2 = 0.68, delta2 = std::pow((1.0 - 0.36) / 2.0, 2);
  const auto poles = chi2_poles(base(g2));
  const cplx sync = poles[3];  // largest real part: +w_bar
  EXPECT_NEAR(sync.real(), std::sqrt(wbar2), 1e-3);
  EXPECT_NEAR(-sync.imag() / (delta2 / (4.0 * wbar2 * g2)), 1.0, 1e-2);
}

// chi'' is odd in w and the eigenvalues of chi'' bracket its diagonal.
TEST(Response, ImaginaryPartOddAndEigenvalues) {
  const auto p = base(3.0);
  for (double w : {0.2, 0.9, 2.0}) {
    const Chi2 a = chi2(p, w), b = chi2(p, -w);
    EXPECT_NEAR(a.AA.imag(), -b.AA.imag(), 1e-14);
    EXPECT_NEAR(a.AB.real(), b.AB.real(), 1e-14);
    const auto e = chi2_imag_eigenvalues(p, w);
    EXPECT_NEAR(e[0] + e[1], a.AA.imag() + a.BB.imag(), 1e-13);
    EXPECT_NEAR(e[0] * e[1], a.AA.imag() * a.BB.imag() - a.AB.imag() * a.AB.imag(), 1e-13);
  }
}
