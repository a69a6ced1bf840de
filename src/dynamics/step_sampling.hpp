// Internal to the time-domain engine: the one definition of a step of the scheme and of the
// instantaneous observables it samples, shared by the trajectories (simulation.cpp) and by the
// deterministic expectation of the scheme (scheme_expectation.cpp), so that the two cannot
// drift apart.
#pragma once

#include "synctur/physics/state_space.hpp"

namespace synctur::detail {

/// One step map (5 x 9, row-major, columns (x_A, v_A, x_B, v_B, z, xi1_k, xi2_k, xi1_{k+1},
/// xi2_{k+1}); propagator.hpp) applied to state s and the noise at the two ends of the step.
inline void apply_map(const double* M, const double* s, double xi1k, double xi2k, double xi1n,
                      double xi2n, double* out) {
  for (int r = 0; r < kStateDim; ++r) {
    const double* R = M + 9 * r;
    out[r] = R[0] * s[0] + R[1] * s[1] + R[2] * s[2] + R[3] * s[3] + R[4] * s[4] + R[5] * xi1k +
             R[6] * xi2k + R[7] * xi1n + R[8] * xi2n;
  }
}

/// The sampled instantaneous observables, in this order.
enum Obs : int { kPA, kPB, kJ1, kJ2d, kXAXA, kXBXB, kXAXB, kNObs };

/// Adds w times the instantaneous observables at drive sample d, state st and noise (n1, n2)
/// to ac[kNObs]: P_l = -g_l' x_l F_1, J_1 = F_1 y_1', F_2 y_2', x_A^2, x_B^2, x_A x_B, with
/// F_1 = xi_1 - m z, F_2 = xi_2 - m gamma_2 y_2' (state_space.hpp).  m [mass], mg2 = m gamma_2.
inline void sample_observables(const DriveSample& d, const double* st, double n1, double n2,
                               double m, double mg2, double w, double* ac) {
  const double xA = st[0], vA = st[1], xB = st[2], vB = st[3], z = st[4];
  const double F1 = n1 - m * z;
  const double y1d = d.dg_A * xA + d.g_A * vA + d.dg_B * xB + d.g_B * vB;
  const double y2d = vA + vB;
  ac[kPA] -= w * d.dg_A * xA * F1;
  ac[kPB] -= w * d.dg_B * xB * F1;
  ac[kJ1] += w * F1 * y1d;
  ac[kJ2d] += w * (n2 - mg2 * y2d) * y2d;
  ac[kXAXA] += w * xA * xA;
  ac[kXBXB] += w * xB * xB;
  ac[kXAXB] += w * xA * xB;
}

}  // namespace synctur::detail
