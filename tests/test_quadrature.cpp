#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "synctur/numerics/quadrature.hpp"

using namespace synctur;

// Known integrals over the real line, integrated together as one vector integrand.
TEST(Quadrature, KnownIntegralsAsOneVector) {
  const double eps = 1e-5;  // a Lorentzian far narrower than any panel without breakpoints
  auto f = [&](double w, double* o) {
    o[0] = 1.0 / (1.0 + w * w);                        // pi
    o[1] = std::exp(-w * w);                           // sqrt(pi)
    o[2] = eps / ((w - 0.7) * (w - 0.7) + eps * eps);  // pi (breakpoints at 0.7 +- k eps)
    o[3] = w / (1.0 + w * w * w * w);                  // 0 (odd)
    o[4] = 1.0 / std::cosh(w) / std::cosh(w);          // 2
  };
  std::vector<double> b{0.0, 0.7};
  for (double k : {1.0, 4.0, 16.0, 64.0}) {
    b.push_back(0.7 - k * eps);
    b.push_back(0.7 + k * eps);
  }
  QuadOptions o;
  o.rtol = 1e-12;
  QuadStats st;
  std::array<double, 5> l1;
  const auto I = integrate_real_line<5>(f, b, o, &st, &l1);
  EXPECT_TRUE(st.converged);
  const double pi = std::numbers::pi;
  EXPECT_NEAR(I[0] / pi, 1.0, 1e-11);
  EXPECT_NEAR(I[1] / std::sqrt(pi), 1.0, 1e-11);
  EXPECT_NEAR(I[2] / pi, 1.0, 1e-10);
  EXPECT_NEAR(I[3], 0.0, 1e-12 * l1[3]);
  EXPECT_NEAR(I[4] / 2.0, 1.0, 1e-11);
}

// Kronrod-21 integrates polynomials times a decaying weight exactly on a finite panel set:
// a Gaussian moment checks the tail mapping too.
TEST(Quadrature, GaussianMoments) {
  auto f = [](double w, double* o) {
    const double g = std::exp(-0.5 * w * w);
    o[0] = w * w * g;          // sqrt(2 pi)
    o[1] = w * w * w * w * g;  // 3 sqrt(2 pi)
  };
  QuadOptions o;
  o.rtol = 1e-12;
  const auto I = integrate_real_line<2>(f, {-1.0, 0.0, 1.0}, o);
  const double s = std::sqrt(2.0 * std::numbers::pi);
  EXPECT_NEAR(I[0] / s, 1.0, 1e-11);
  EXPECT_NEAR(I[1] / (3.0 * s), 1.0, 1e-11);
}

// Slowly decaying algebraic tails (1/w^2) are integrated to infinity, not truncated.
TEST(Quadrature, AlgebraicTails) {
  auto f = [](double w, double* o) { o[0] = 1.0 / (4.0 + w * w); };  // pi / 2
  QuadOptions o;
  o.rtol = 1e-12;
  const auto I = integrate_real_line<1>(f, {0.0}, o);
  EXPECT_NEAR(I[0] / (std::numbers::pi / 2.0), 1.0, 1e-11);
}
