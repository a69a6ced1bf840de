// The static problem (bath nu = 2 only, all orders in gamma_2): the 2x2 response matrix
// chi_2(w) of paper Eq. (8)-(10), x(w) = chi_2(w) xi(w) / m, and its poles.
#pragma once

#include <array>
#include <complex>

#include "synctur/physics/model.hpp"

namespace synctur {

using cplx = std::complex<double>;

/// chi_2(w) entries.  Eq. (9) corrected: the diagonal carries the PARTNER's frequency,
///   chi^(AA) = -(w^2 - w_B^2 + i w gamma_2) / D(w),  chi^(BB) = -(w^2 - w_A^2 + i w gamma_2) /
///   D(w), chi^(AB) = chi^(BA) = i w gamma_2 / D(w), D(w) = (w^2 - w_A^2)(w^2 - w_B^2) + i w (2 w^2
///   - w_A^2 - w_B^2) gamma_2          (Eq. 10).
/// Units: [1/frequency^2].
struct Chi2 {
  cplx AA, BB, AB;
};

cplx chi2_denominator(const ModelParams& p, double w);
Chi2 chi2(const ModelParams& p, double w);

/// The four roots of D(w) = 0 in the complex w plane (all with Im w < 0: the static
/// problem is stable for gamma_2 > 0 and w_A != w_B).  Sorted by real part.
std::array<cplx, 4> chi2_poles(const ModelParams& p);

/// Eigenvalues (ascending) of the real symmetric matrix chi_2''(w) (Fig. 2a).
std::array<double, 2> chi2_imag_eigenvalues(const ModelParams& p, double w);

}  // namespace synctur
