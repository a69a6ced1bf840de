// The exact expectation of the time-domain engine's estimators, without sampling: what
// `simulate` converges to as its statistical error goes to zero, for ITS discretisation.
//
// The scheme (simulation.hpp) is linear: the state on the grid is s_{j+1} = Phi_k s_j +
// G0_k xi_j + G1_k xi_{j+1} (propagator.hpp, k = j mod n), and each bath's noise is the FIR
// filter of the synthesiser applied to white Gaussian inputs e_g (noise.hpp):
// xi_j = sum_|i|<=M h_i e_{q j + M - i} (q = simulation.noise_decimation).  Every sampled
// observable o (powers, currents, covariances) is a quadratic form in (s_j, xi_j) (and in the
// mid-step state of Simpson's rule), so its steady-state expectation is the sum over the
// independent white inputs of o evaluated on the deterministic response to ONE unit input:
//
//   <o>_period = (1/n) sum_{bath} sum_{g = 0}^{q n - 1} sum_{j in Z} o_j(s^(g)_j, xi^(g)_j)
//
// (inputs g and g + q n give the same response one period later).  Each response is marched
// with the engine's own step maps and sampling function through the L = 2M + 1 samples where
// its noise is non-zero; after that it evolves freely, and the rest of the infinite time sum is
// s^T W_k s with W_k = sum_i U(k + i, k)^T Q_{k+i} U(k + i, k), from a backward recursion over
// the phases and one 5x5 Stein equation for the monodromy (no truncation of the relaxation).
//
// So everything the estimator's mean depends on is included exactly: the time step and the
// in-step interpolation of the noise, the quadrature rule, the band limit and taper, the
// filter truncation and the decimation.  Compared with the continuum exact solution
// (exact.hpp), the difference is the systematic error ("bias") of the discretisation; compared
// with a simulation, the difference must be statistical only (a strong test of the engine).
//
// Cost: 2 q n responses of ~L steps each (+ the mid-steps with Simpson's rule); OpenMP over the
// inputs, result independent of the thread count (summed in input order).
//
// Units: hbar = k_B = 1; powers and currents [energy/time]; covariances [length^2].
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "synctur/engines/simulation.hpp"

namespace synctur {

/// The expected period averages of one SimulationPlan's sampled observables.
struct SchemeExpectation {
  double P_A = 0.0, P_B = 0.0;  ///< <-g_l' x_l F_1> [energy/time]
  double J_1 = 0.0;             ///< <F_1 y_1'> [energy/time]
  double J_2_direct = 0.0;      ///< <F_2 y_2'> as sampled (simulate's J_2_direct) [energy/time]
  double cov_xAxA = 0.0, cov_xBxB = 0.0, cov_xAxB = 0.0;  ///< [length^2]

  long long responses = 0;  ///< unit-input responses marched [count]
  long long steps = 0;      ///< scheme steps marched in them [count]
  double seconds = 0.0;     ///< wall time [s]
};

/// Computes the expectation for `plan` on ctx.threads OpenMP threads.  Needs the plan's steady
/// state (guaranteed by SimulationPlan's constructor).  Pure function, no I/O.
SchemeExpectation scheme_expectation(const SimulationPlan& plan, const ExecutionContext& ctx = {});

/// The offsets <key>_scheme - <key>_reference of simulate's mean estimates (P_A P_B P J_1 J_2
/// S_dot eta cov_xAxA cov_xBxB cov_xAxB pearson_driven pearson_tilde_driven; only the covariance
/// keys and pearson pearson_tilde for a driven-bath-off plan), each estimate's formula applied to
/// the scheme's expectation: the systematic error of the discretisation when `reference` is the
/// continuum steady state (exact_point for a driven plan; the static covariances of theory_point,
/// which are exact at gamma_1 = 0, for a bath-off plan).  Keys whose offset is not finite (S_dot at
/// T = 0, eta where undefined) are left out.  *expectation (if given) receives the expectation.
std::vector<std::pair<std::string, double>> scheme_offsets(
    const SimulationPlan& plan, const Results& reference, const ExecutionContext& ctx,
    SchemeExpectation* expectation = nullptr);

}  // namespace synctur
