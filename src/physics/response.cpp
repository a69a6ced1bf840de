#include "synctur/physics/response.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <unsupported/Eigen/Polynomials>

namespace synctur {

cplx chi2_denominator(const ModelParams& p, double w) {
  const double a2 = p.omega_A * p.omega_A, b2 = p.omega_B * p.omega_B, w2 = w * w;
  return cplx((w2 - a2) * (w2 - b2), w * (2.0 * w2 - a2 - b2) * p.gamma_2);
}

Chi2 chi2(const ModelParams& p, double w) {
  const double a2 = p.omega_A * p.omega_A, b2 = p.omega_B * p.omega_B, w2 = w * w;
  const cplx inv = 1.0 / chi2_denominator(p, w);
  const cplx iwg(0.0, w * p.gamma_2);
  return {-(w2 - b2 + iwg) * inv, -(w2 - a2 + iwg) * inv, iwg * inv};
}

std::array<cplx, 4> chi2_poles(const ModelParams& p) {
  // D(w) = w^4 + 2 i g w^3 - (a2 + b2) w^2 - i g (a2 + b2) w + a2 b2
  const double a2 = p.omega_A * p.omega_A, b2 = p.omega_B * p.omega_B, g = p.gamma_2;
  Eigen::Matrix<cplx, 5, 1> c;
  c << cplx(a2 * b2, 0.0), cplx(0.0, -g * (a2 + b2)), cplx(-(a2 + b2), 0.0), cplx(0.0, 2.0 * g),
      cplx(1.0, 0.0);
  Eigen::PolynomialSolver<cplx, 4> solver;
  solver.compute(c);
  std::array<cplx, 4> r;
  for (int i = 0; i < 4; ++i) {
    // one Newton polish on D itself for accuracy of narrow poles
    cplx z = solver.roots()[i];
    for (int it = 0; it < 3; ++it) {
      const cplx z2 = z * z;
      const cplx d =
          z2 * z2 + cplx(0, 2 * g) * z2 * z - (a2 + b2) * z2 - cplx(0, g * (a2 + b2)) * z + a2 * b2;
      const cplx dd =
          4.0 * z2 * z + cplx(0, 6 * g) * z2 - 2.0 * (a2 + b2) * z - cplx(0, g * (a2 + b2));
      if (std::abs(dd) == 0.0) break;
      z -= d / dd;
    }
    r[i] = z;
  }
  std::sort(r.begin(), r.end(), [](cplx x, cplx y) { return x.real() < y.real(); });
  return r;
}

std::array<double, 2> chi2_imag_eigenvalues(const ModelParams& p, double w) {
  const Chi2 c = chi2(p, w);
  const double a = c.AA.imag(), b = c.BB.imag(), d = c.AB.imag();
  const double m = 0.5 * (a + b), h = std::hypot(0.5 * (a - b), d);
  return {m - h, m + h};
}

}  // namespace synctur
