// weighted_linear_fit: exact lines, the closed-form intercept error, chi^2 of known residuals.
#include <gtest/gtest.h>

#include <cmath>

#include "synctur/numerics/linear_fit.hpp"

namespace synctur {
namespace {

TEST(LinearFit, RecoversAnExactLineWithZeroChi2) {
  const std::vector<double> x = {0.1, 0.05, 0.025, 0.0125}, se = {1.0, 0.5, 2.0, 1.5};
  std::vector<double> y;
  for (double xi : x) y.push_back(3.0 - 7.0 * xi);
  const LinearFit f = weighted_linear_fit(x, y, se);
  EXPECT_NEAR(f.a, 3.0, 1e-13);
  EXPECT_NEAR(f.b, -7.0, 1e-12);
  EXPECT_NEAR(f.chi2, 0.0, 1e-20);
  EXPECT_EQ(f.dof, 2.0);
}

TEST(LinearFit, TwoPointsGiveTheLineThroughThemAndItsPropagatedIntercept) {
  // a = (x2 y1 - x1 y2)/(x2 - x1): var(a) = (x2 se1)^2/(x2-x1)^2 + (x1 se2)^2/(x2-x1)^2.
  const double x1 = 1.0, x2 = 3.0, s1 = 0.2, s2 = 0.7, y1 = 5.0, y2 = 2.0;
  const LinearFit f = weighted_linear_fit({x1, x2}, {y1, y2}, {s1, s2});
  EXPECT_NEAR(f.a, (x2 * y1 - x1 * y2) / (x2 - x1), 1e-13);
  EXPECT_NEAR(f.b, (y2 - y1) / (x2 - x1), 1e-13);
  const double d = x2 - x1;
  EXPECT_NEAR(f.a_se, std::sqrt(x2 * x2 * s1 * s1 + x1 * x1 * s2 * s2) / d, 1e-13);
  EXPECT_EQ(f.dof, 0.0);
}

TEST(LinearFit, Chi2CountsTheNormalisedResidualsOfAFlatLine) {
  // Symmetric residuals +-r around y = 1 at equal weights about the mean x: the fit is y = 1
  // and chi^2 = 4 r^2 / se^2.
  const double r = 0.3, se = 0.5;
  const LinearFit f =
      weighted_linear_fit({0, 1, 2, 3}, {1 + r, 1 - r, 1 - r, 1 + r}, {se, se, se, se});
  EXPECT_NEAR(f.a, 1.0, 1e-14);
  EXPECT_NEAR(f.b, 0.0, 1e-14);
  EXPECT_NEAR(f.chi2, 4.0 * r * r / (se * se), 1e-13);
}

}  // namespace
}  // namespace synctur
