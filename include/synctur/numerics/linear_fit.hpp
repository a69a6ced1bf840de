// Weighted least-squares straight line y = a + b x with known standard errors (used by
// `synctur validate --gamma1-extrapolation`, the gamma_1 -> 0 intercept of X/gamma_1).
#pragma once

#include <vector>

namespace synctur {

struct LinearFit {
  double a = 0.0;     ///< intercept
  double b = 0.0;     ///< slope
  double a_se = 0.0;  ///< standard error of the intercept, from the given se (not rescaled)
  double chi2 = 0.0;  ///< sum of squared normalised residuals
  double dof = 0.0;   ///< points - 2
};

/// Fits y_k = a + b x_k with weights 1/se_k^2.  Needs >= 2 points with distinct x and se > 0
/// (otherwise the results are not finite).
LinearFit weighted_linear_fit(const std::vector<double>& x, const std::vector<double>& y,
                              const std::vector<double>& se);

}  // namespace synctur
