// Internal to the time-domain engine: the one definition of a step of the scheme and of the
// instantaneous observables it samples, shared by the trajectories (unit_runner.cpp) and by the
// deterministic expectation of the scheme (scheme_expectation.cpp), so that the two cannot
// drift apart.
//
// The kernels act on W lanes at once (structure of arrays: value r of lane l at [r][l]); every
// multiply-add is an explicit fused multiply-add (madd) and every other operation is written out,
// so that a lane computes exactly the same bits as W = 1, vectorised or not, under any
// -ffp-contract setting (the lanes never mix: no horizontal operation).
#pragma once

#include "synctur/dynamics/quartic.hpp"
#include "synctur/numerics/madd.hpp"
#include "synctur/physics/state_space.hpp"

namespace synctur::detail {

/// W lanes of a state (x_A, v_A, x_B, v_B, z).
template <int W>
using LaneState = double[kStateDim][W];

/// One step map (5 x 9, row-major, columns (x_A, v_A, x_B, v_B, z, xi1_k, xi2_k, xi1_{k+1},
/// xi2_{k+1}); propagator.hpp) applied to W lanes of state s and the noise at the two ends of
/// the step (n1k[l] ... n2n[l]).  out must not alias s.
template <int W>
inline void apply_map_lanes(const double* M, const LaneState<W>& s, const double* n1k,
                            const double* n2k, const double* n1n, const double* n2n,
                            LaneState<W>& out) {
  for (int r = 0; r < kStateDim; ++r) {
    const double* R = M + 9 * r;
#pragma omp simd
    for (int l = 0; l < W; ++l) {
      double v = R[0] * s[0][l];
      v = madd(R[1], s[1][l], v);
      v = madd(R[2], s[2][l], v);
      v = madd(R[3], s[3][l], v);
      v = madd(R[4], s[4][l], v);
      v = madd(R[5], n1k[l], v);
      v = madd(R[6], n2k[l], v);
      v = madd(R[7], n1n[l], v);
      out[r][l] = madd(R[8], n2n[l], v);
    }
  }
}

/// The sampled instantaneous observables, in this order.
enum Obs : int { kPA, kPB, kJ1, kJ2d, kXAXA, kXBXB, kXAXB, kNObs };

/// W lanes of the observables' sums.
template <int W>
using LaneSums = double[kNObs][W];

/// Adds w times the instantaneous observables at drive sample d, lane states st and noise
/// (n1[l], n2[l]) to ac: P_l = -g_l' x_l F_1, J_1 = F_1 y_1', F_2 y_2', x_A^2, x_B^2, x_A x_B,
/// with F_1 = xi_1 - m z, F_2 = xi_2 - m gamma_2 y_2' (state_space.hpp).  m [mass],
/// mg2 = m gamma_2.
template <int W>
inline void sample_lanes(const DriveSample& d, const LaneState<W>& st, const double* n1,
                         const double* n2, double m, double mg2, double w, LaneSums<W>& ac) {
#pragma omp simd
  for (int l = 0; l < W; ++l) {
    const double xA = st[kXA][l], vA = st[kVA][l], xB = st[kXB][l], vB = st[kVB][l];
    const double F1 = madd(-m, st[kZ][l], n1[l]);
    double y1d = d.dg_A * xA;
    y1d = madd(d.g_A, vA, y1d);
    y1d = madd(d.dg_B, xB, y1d);
    y1d = madd(d.g_B, vB, y1d);
    const double y2d = vA + vB;
    const double F2 = madd(-mg2, y2d, n2[l]);
    ac[kPA][l] = madd(-(w * d.dg_A * xA), F1, ac[kPA][l]);
    ac[kPB][l] = madd(-(w * d.dg_B * xB), F1, ac[kPB][l]);
    ac[kJ1][l] = madd(w * F1, y1d, ac[kJ1][l]);
    ac[kJ2d][l] = madd(w * F2, y2d, ac[kJ2d][l]);
    ac[kXAXA][l] = madd(w * xA, xA, ac[kXAXA][l]);
    ac[kXBXB][l] = madd(w * xB, xB, ac[kXBXB][l]);
    ac[kXAXB][l] = madd(w * xA, xB, ac[kXAXB][l]);
  }
}

/// The quartic kick (quartic.hpp) on W lanes, the same arithmetic as QuarticKick::apply.
template <int W>
inline void kick_lanes(const QuarticKick& K, LaneState<W>& s) {
#pragma omp simd
  for (int l = 0; l < W; ++l) {
    const double xA = s[kXA][l], xB = s[kXB][l];
    s[kVA][l] = madd(-(K.cA * xA * xA), xA, s[kVA][l]);
    s[kVB][l] = madd(-(K.cB * xB * xB), xB, s[kVB][l]);
  }
}

/// One state (the lane kernels at W = 1): apply_map_lanes.
inline void apply_map(const double* M, const double* s, double xi1k, double xi2k, double xi1n,
                      double xi2n, double* out) {
  LaneState<1> a, b;
  for (int r = 0; r < kStateDim; ++r) a[r][0] = s[r];
  apply_map_lanes<1>(M, a, &xi1k, &xi2k, &xi1n, &xi2n, b);
  for (int r = 0; r < kStateDim; ++r) out[r] = b[r][0];
}

/// One state (the lane kernels at W = 1): sample_lanes into ac[kNObs].
inline void sample_observables(const DriveSample& d, const double* st, double n1, double n2,
                               double m, double mg2, double w, double* ac) {
  LaneState<1> a;
  LaneSums<1> acc;
  for (int r = 0; r < kStateDim; ++r) a[r][0] = st[r];
  for (int o = 0; o < kNObs; ++o) acc[o][0] = ac[o];
  sample_lanes<1>(d, a, &n1, &n2, m, mg2, w, acc);
  for (int o = 0; o < kNObs; ++o) ac[o] = acc[o][0];
}

}  // namespace synctur::detail
