// Quartic oscillators in the time-domain engine (issue 16, docs/CLASSICAL.md):
//
//   V_l(x) = m w_l^2 x^2 / 2 + lambda_l x^4 / 4,   lambda_l >= 0   (system.quartic_A, quartic_B)
//
// The equations of motion are those of state_space.hpp plus the force -lambda_l x_l^3 on
// oscillator l.  The engine integrates them by Strang splitting around the exact per-phase
// linear step map M_k (propagator.hpp):
//
//   s_{k+1} = K(dt/2) o M_k o K(dt/2) s_k,   K(h): v_l -= h lambda_l x_l^3 / m   (x, z unchanged)
//
// K(h) is the exact flow of the nonlinear vector field alone (it moves v only, at fixed x), so
// the scheme is symmetric and second order in dt for the deterministic part; with the noise
// entering M_k as the linear interpolant of its samples (propagator.hpp), the total error of
// the stationary averages is O(dt^2) (tests/test_quartic.cpp: dt ladder with common random
// numbers).  The drive acts through the couplings only, so the power and heat definitions are
// unchanged, and the quartic energy is part of E_sys (P + J_1 + J_2 = 0 still holds).
//
// Units: h [time]; lambda [energy/length^4]; m [mass]; the engine runs at m = 1 in mass-scaled
// coordinates (model.hpp, with_unit_mass: lambda -> lambda / m^2).
#pragma once

#include "synctur/numerics/madd.hpp"
#include "synctur/physics/model.hpp"
#include "synctur/physics/state_space.hpp"

namespace synctur {

/// The nonlinear kick K(h) of one model: v_l -= h lambda_l x_l^3 / m.
struct QuarticKick {
  double cA = 0.0, cB = 0.0;  ///< h lambda_l / m [1/(length^2 time)]
  QuarticKick() = default;
  QuarticKick(const ModelParams& p, double h)
      : cA(h * p.quartic_A / p.mass), cB(h * p.quartic_B / p.mass) {}
  /// Applies the kick to a state s = (x_A, v_A, x_B, v_B, z) in place (one multiply-add per
  /// velocity, madd.hpp: the same bits as every lane of the engine's kick_lanes).
  void apply(double* s) const {
    s[kVA] = madd(-(cA * s[kXA] * s[kXA]), s[kXA], s[kVA]);
    s[kVB] = madd(-(cB * s[kXB] * s[kXB]), s[kXB], s[kVB]);
  }
};

}  // namespace synctur
