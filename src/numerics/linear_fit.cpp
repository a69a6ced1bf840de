#include "synctur/numerics/linear_fit.hpp"

#include <cmath>

namespace synctur {

LinearFit weighted_linear_fit(const std::vector<double>& x, const std::vector<double>& y,
                              const std::vector<double>& se) {
  double S = 0, Sx = 0, Sxx = 0, Sy = 0, Sxy = 0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double w = 1.0 / (se[k] * se[k]);
    S += w;
    Sx += w * x[k];
    Sxx += w * x[k] * x[k];
    Sy += w * y[k];
    Sxy += w * x[k] * y[k];
  }
  LinearFit f;
  const double det = S * Sxx - Sx * Sx;
  f.a = (Sxx * Sy - Sx * Sxy) / det;
  f.b = (S * Sxy - Sx * Sy) / det;
  f.a_se = std::sqrt(Sxx / det);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double r = (y[k] - f.a - f.b * x[k]) / se[k];
    f.chi2 += r * r;
  }
  f.dof = static_cast<double>(x.size()) - 2.0;
  return f;
}

}  // namespace synctur
