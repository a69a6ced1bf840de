// Tests of the commutator part of the power fluctuations (commutator.hpp):
//  (1) gamma_1 -> 0: D_comm / gamma_1 -> the "-1" term of Eq. (18)/(B20), computed here
//      independently by frequency quadrature of J_1(w + Omega) chi_2''(w);
//  (2) convergence in the grid (steps per period), in the refinement of the first lags, and in
//      the lag cut-off (truncated sums -> the exact Stein tail);
//  (3) the equal-time commutators used by the library (canonical values) against their
//      definition from the engine's impulse responses and the kernels L_a (Drude exponential,
//      Ohmic m gamma_2 delta' integrated by parts), all orders in gamma_1; and the static limit
//      (driven bath off) of the commutator functions against the closed form from the poles of
//      chi_2 (response.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <complex>
#include <iomanip>
#include <iostream>
#include <numbers>
#include <vector>

#include "support.hpp"
#include "synctur/dynamics/commutator.hpp"
#include "synctur/dynamics/floquet.hpp"
#include "synctur/numerics/quadrature.hpp"
#include "synctur/physics/response.hpp"
#include "synctur/physics/spectra.hpp"

using namespace synctur;
using cplx = std::complex<double>;

namespace {

constexpr double kPi = std::numbers::pi;

using test::model;

/// The "-1" part of Eqs. (18), (B20) with the sign of D_comm (D = D_sym - D_comm):
///   D_Pl,comm^(1) = Omega^2 f_l^2 / (4 pi m) int dw J_1(w + Omega) chi^(ll)''(w),
///   D_P,comm^(1)  = Omega^2 / (4 pi m) int dw J_1(w + Omega) [f_A^2 chi^AA'' + f_B^2 chi^BB''
///                   + 2 cos(phi) f_A f_B chi^AB''].
/// Written here from the public response and spectra functions (not theory.cpp).
std::array<double, 3> minus_one_term(const ModelParams& p) {
  const BathSpectrum b = driven_bath(p);
  auto f = [&](double w, double* o) {
    const Chi2 c = chi2(p, w);
    const double j = b.J(w + p.Omega);
    o[0] = j * c.AA.imag();
    o[1] = j * c.BB.imag();
    o[2] = j * c.AB.imag();
  };
  std::vector<double> bp{0.0, -p.Omega};
  for (const cplx& z : chi2_poles(p))
    for (double k : {0.0, 1.0, 4.0, 16.0}) {
      bp.push_back(z.real() - k * std::abs(z.imag()));
      bp.push_back(z.real() + k * std::abs(z.imag()));
    }
  for (double k : {0.25, 1.0, 4.0}) {
    bp.push_back(k * p.cutoff - p.Omega);
    bp.push_back(-k * p.cutoff - p.Omega);
  }
  QuadOptions qo;
  qo.rtol = 1e-11;
  QuadStats st;
  const auto I = integrate_real_line<3>(f, bp, qo, &st);
  EXPECT_TRUE(st.converged);
  const double pre = p.Omega * p.Omega / (4.0 * kPi * p.mass);
  const double fA = p.f_A(), fB = p.f_B(), cp = std::cos(p.phi);
  return {pre * fA * fA * I[0], pre * fB * fB * I[1],
          pre * (fA * fA * I[0] + fB * fB * I[1] + 2.0 * cp * fA * fB * I[2])};
}

std::array<double, 3> values(const CommutatorResult& r) {
  return {r.D_PA_comm, r.D_PB_comm, r.D_P_comm};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// (1) Lowest order in gamma_1.  D_comm / gamma_1 = c0 + c1 gamma_1 + ...: the differences from
// the "-1" term c0 at gamma_1 = 1e-2 and 1e-3 shrink by ~10, and the two-point linear
// extrapolation to gamma_1 = 0 lands on c0 up to the O(gamma_1^2) remainder.
TEST(Commutator, LowestOrderIsMinusOneTermOfEq18) {
  struct Case {
    double W, phi, r;
  };
  const Case cases[] = {{2.0, kPi / 2, 0.0}, {0.7, kPi / 2, 0.0}, {2.0, 0.0, 0.5}, {0.7, 0.0, 0.5}};
  const char* names[3] = {"D_PA", "D_PB", "D_P "};
  for (const Case& c : cases) {
    ModelParams p = model(1.0, 1e-3, c.W, 1.2, c.phi, c.r);
    const auto lo = minus_one_term(p);  // proportional to gamma_1
    double ratio[2][3];
    p.gamma_1 = 1e-2;
    const auto d2 = values(commutator_fluctuations(p, 200));
    p.gamma_1 = 1e-3;
    // temperatures do not enter D_comm at all
    p.T_1 = 0.05;
    p.T_2 = 3.0;
    const auto d3 = values(commutator_fluctuations(p, 200));
    for (int i = 0; i < 3; ++i) {
      const double c0 = lo[i] / 1e-3;
      ratio[0][i] = d2[i] / 1e-2;
      ratio[1][i] = d3[i] / 1e-3;
      const double e2 = ratio[0][i] - c0, e3 = ratio[1][i] - c0;
      const double extrap = ratio[1][i] - (ratio[0][i] - ratio[1][i]) / 9.0;
      std::cout << std::setprecision(8) << "Omega " << c.W << " phi " << c.phi << " r " << c.r
                << "  " << names[i] << "/gamma_1: lowest " << c0 << "  g1=1e-2 " << ratio[0][i]
                << "  g1=1e-3 " << ratio[1][i] << "  diff ratio " << e2 / e3 << "  extrapolated "
                << extrap << " (rel " << (extrap - c0) / c0 << ")\n";
      EXPECT_GT(e2 / e3, 7.0) << names[i];  // shrinking ~linearly in gamma_1
      EXPECT_LT(e2 / e3, 13.0) << names[i];
      EXPECT_LT(std::abs(e3 / c0), 0.1) << names[i];
      // the linear extrapolation removes >= 95% of the deviation (the rest is O(gamma_1^2))
      EXPECT_LT(std::abs(extrap - c0), 0.05 * std::abs(e3)) << names[i];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (2a) Grid convergence: n = 50 ... 400 at gamma_2 = 1 (no refinement beyond n = 50) and
// gamma_2 = 100 (stiff: refined first lags), error estimates bound the actual errors (the cost
// is printed, not asserted: speed belongs to bench/).
TEST(Commutator, GridConvergenceAndErrorEstimate) {
  for (double g2 : {1.0, 100.0}) {
    const ModelParams p = model(g2, 0.01, 2.0, 1.2);
    const std::vector<int> ns = {50, 100, 200, 400};
    std::vector<CommutatorResult> rs;
    for (int n : ns) {
      const Propagator prop(p, n);
      rs.push_back(commutator_fluctuations(prop));
      const auto& r = rs.back();
      std::cout << std::setprecision(12) << "gamma_2 " << g2 << " n " << n << ": D_PA "
                << r.D_PA_comm << " +- " << std::setprecision(2) << r.D_PA_err << ", D_PB "
                << std::setprecision(12) << r.D_PB_comm << ", D_P " << r.D_P_comm
                << std::setprecision(3) << "  (r " << r.refine_factor << ", L " << r.refine_steps
                << ", " << r.seconds << " s + maps " << prop.setup_seconds() << " s, rate "
                << r.slowest_rate << ", map_error_rel " << r.map_error_rel << ")\n";
      EXPECT_LT(r.stein_residual, 1e-11);
      EXPECT_LT(r.refine_consistency, 1e-11);
    }
    const auto ref = values(rs.back());
    for (std::size_t i = 0; i + 1 < rs.size(); ++i) {
      const auto v = values(rs[i]);
      const double errs[3] = {rs[i].D_PA_err, rs[i].D_PB_err, rs[i].D_P_err};
      for (int c = 0; c < 3; ++c) {
        EXPECT_LE(std::abs(v[c] - ref[c]), errs[c] + 1e-12 * std::abs(ref[c]));
        EXPECT_LT(std::abs(v[c] - ref[c]), 1e-6 * std::abs(ref[c]));
      }
    }
    for (int c = 0; c < 3; ++c)  // n = 200 vs 400
      EXPECT_LT(std::abs(values(rs[2])[c] - ref[c]), 1e-9 * std::abs(ref[c]));
  }
}

// (2b) The refined window: halving fast_resolution (twice the sub-steps) and more Gregory
// terms change nothing at gamma_2 = 100; the plain trapezoid (order 0) is O(dt^2) off.
TEST(Commutator, RefinementAndEndCorrection) {
  const ModelParams p = model(100.0, 0.01, 2.0, 1.2);
  const Propagator prop(p, 100);
  CommutatorOptions o;
  const auto base = values(commutator_fluctuations(prop, o));
  o.fast_resolution = 0.05;
  const auto finer = values(commutator_fluctuations(prop, o));
  o.fast_resolution = 0.1;
  o.gregory_order = 6;
  const auto g6 = values(commutator_fluctuations(prop, o));
  o.gregory_order = 0;
  const auto g0 = values(commutator_fluctuations(prop, o));
  for (int c = 0; c < 3; ++c) {
    EXPECT_LT(std::abs(finer[c] - base[c]), 1e-9 * std::abs(base[c]));
    EXPECT_LT(std::abs(g6[c] - base[c]), 1e-9 * std::abs(base[c]));
    EXPECT_GT(std::abs(g0[c] - base[c]), 1e-9 * std::abs(base[c]));  // the correction matters
  }
}

// (2c) Lag cut-off: the direct sum truncated after P periods converges to the exact Stein tail
// at the rate of the product of two commutators, |mu_1|^(2P) = exp(2 rate P T).
TEST(Commutator, LagCutoffConvergesToExactTail) {
  const ModelParams p = model(1.0, 0.01, 2.0, 1.2);
  const Propagator prop(p, 100);
  const CommutatorResult exact = commutator_fluctuations(prop);
  const double rate = exact.slowest_rate, T = prop.period();
  double prev = 0.0;
  for (int P : {20, 40, 80, 160}) {
    CommutatorOptions o;
    o.lag_periods = P;
    o.error_estimate = false;
    const CommutatorResult r = commutator_fluctuations(prop, o);
    const double err = std::abs(r.D_PA_comm - exact.D_PA_comm) / std::abs(exact.D_PA_comm);
    const double bound = std::exp(2.0 * rate * P * T);
    std::cout << "lag periods " << P << ": relative difference " << err
              << " (exp(2 rate P T) = " << bound << ")\n";
    EXPECT_LT(err, 10.0 * bound + 1e-13);
    if (P > 20 && prev > 1e-11) {
      EXPECT_LT(err, 0.2 * prev);
    }
    prev = err;
  }
  EXPECT_LT(prev, 1e-11);
}

// Same numbers for any thread count (per-phase contributions are summed in order).
TEST(Commutator, ThreadIndependent) {
  const Propagator prop(model(100.0, 0.01, 2.0, 1.2), 64);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const CommutatorResult a = commutator_fluctuations(prop);
  omp_set_num_threads(2);
  const CommutatorResult b = commutator_fluctuations(prop);
  omp_set_num_threads(saved);
  EXPECT_EQ(a.D_PA_comm, b.D_PA_comm);
  EXPECT_EQ(a.D_PB_comm, b.D_PB_comm);
  EXPECT_EQ(a.D_P_comm, b.D_P_comm);
  EXPECT_EQ(a.D_P_err, b.D_P_err);
}

TEST(Commutator, RefusesWithoutSteadyStateAndBadOptions) {
  const ModelParams p = model(300.0, 0.01, 2.5, 1.2);  // growing Floquet mode (PROPAGATOR.md)
  const Propagator prop(p, 64);
  EXPECT_THROW(commutator_fluctuations(prop), NoSteadyStateError);
  CommutatorOptions o;
  o.gregory_order = 7;
  EXPECT_FALSE(o.validate().empty());
  EXPECT_THROW(commutator_fluctuations(model(1.0, 0.01, 2.0, 1.2), 16, o), std::invalid_argument);
  o = {};
  o.lag_periods = -1;
  EXPECT_FALSE(o.validate().empty());
  EXPECT_TRUE(CommutatorOptions{}.validate().empty());
}

// ---------------------------------------------------------------------------------------------
// (3a) The equal-time commutators Kplus(t) = K(t^+, t) of s~ = (x_A, v_A, x_B, v_B, -F_1/m),
// which the library takes from the canonical commutation relations, computed instead from
// their definition through the impulse responses R(t, t - tau) = U(t, t - tau) B(t - tau) and
// the noise commutators K_xi(t1, t2) = L_a(t1 - t2):
//   Ohmic:  int int R2(t1) m gamma_2 delta'(t1 - t2) R2(t2)^T
//             = (m gamma_2 / 2) int_0^inf dtau [r2'(tau) r2(tau)^T - r2(tau) r2'(tau)^T],
//           r2(tau) = U(t, t - tau) b2, r2' = U(t, t - tau) A(t - tau) b2 (by parts; the jump
//           of r2 at tau = 0 contributes a symmetric term that cancels);
//   Drude:  R1 = r1(tau) + d delta(tau), d = -e_z / m (the direct -xi_1/m of zeta), L_a(x) =
//           -c1 sgn(x) e^{-w_c |x|}, c1 = m gamma_1 w_c^2 / 2:
//             c1 (E - E^T) + c1 (h d^T - d h^T),  E = int dtau1 r1(tau1) g(tau1)^T,
//             g(tau1) = int_0^tau1 e^{-w_c (tau1 - tau2)} r1(tau2) dtau2,
//             h = int_0^inf r1(tau) e^{-w_c tau} dtau.
// Trapezoid rules (O(dt^2)) on two grids, Richardson-extrapolated.  Strong driven coupling
// (gamma_1 = 0.3 at gamma_2 = 1; 0.1 at gamma_2 = 5, where 0.3 pumps a Floquet mode) so that
// every gamma_1 entry is tested at all orders.
namespace {
StateMat equal_time_from_responses(const ModelParams& p, int n, int k, double tau_max) {
  const Propagator prop(p, n);
  const StateSpace& ss = prop.state_space();
  const double dt = prop.dt(), m = p.mass, c1 = 0.5 * m * p.gamma_1 * p.cutoff * p.cutoff;
  const double decay = std::exp(-p.cutoff * dt);
  StateVec d = StateVec::Zero();
  d(kZ) = -1.0 / m;
  const int J = static_cast<int>(std::ceil(tau_max / dt));
  StateMat V = StateMat::Identity();  // U(t_k, t_k - j dt)
  StateMat ohm = StateMat::Zero(), E = StateMat::Zero();
  StateVec h = StateVec::Zero(), g = StateVec::Zero(), r1_prev = StateVec::Zero();
  for (int j = 0; j <= J; ++j) {
    const int ph = ((k - j) % n + n) % n;  // phase of t_k - j dt
    const double w = (j == 0 || j == J) ? 0.5 : 1.0;
    const StateMat A = ss.A(prop.time(ph));
    const InputMat B = ss.B(prop.time(ph));
    const StateVec r2 = V * B.col(kXi2), r2p = V * (A * B.col(kXi2));
    ohm += w * dt * (r2p * r2.transpose() - r2 * r2p.transpose());
    const StateVec r1 = V * B.col(kXi1);
    if (j > 0) g = decay * g + 0.5 * dt * (decay * r1_prev + r1);
    E += w * dt * r1 * g.transpose();
    h += w * dt * std::exp(-p.cutoff * j * dt) * r1;
    r1_prev = r1;
    V = (V * prop.Phi((ph - 1 + n) % n)).eval();  // U(t_k, t_k - (j+1) dt)
  }
  return 0.5 * m * p.gamma_2 * ohm + c1 * (E - E.transpose()) +
         c1 * (h * d.transpose() - d * h.transpose());
}
}  // namespace

TEST(Commutator, EqualTimeCommutatorsFromResponsesAndKernels) {
  for (auto [g2, g1] : {std::pair{1.0, 0.3}, std::pair{5.0, 0.1}}) {
    const ModelParams p = model(g2, g1, 2.0, 1.2);
    const FloquetSpectrum fs = floquet_spectrum(p);
    ASSERT_LT(fs.slowest_rate, 0.0);
    const double tau_max = 36.0 / (2.0 * std::abs(fs.slowest_rate));  // e^-36 of the products
    const int n = 256;
    for (int k : {0, 96}) {  // t = 0 and t = 3T/8 on both grids
      const StateMat a = equal_time_from_responses(p, n, k, tau_max);
      const StateMat b = equal_time_from_responses(p, 2 * n, 2 * k, tau_max);
      const StateMat rich = (4.0 * b - a) / 3.0;
      StateMat canon = equal_time_commutator(p, k * p.period() / n);
      canon(kZ, kZ) = 0.0;  // equal time (the right limit adds the Drude jump L_a(0+)/m^2)
      const double err = (rich - canon).cwiseAbs().maxCoeff();
      std::cout << "gamma_2 " << g2 << ", t = " << k << "/" << n
                << " T: max |K_eq(responses) - "
                   "K_eq(canonical)| = "
                << err << " (trapezoid alone: " << (b - canon).cwiseAbs().maxCoeff()
                << "), K_vA,zeta = " << rich(kVA, kZ) << " vs " << canon(kVA, kZ) << "\n";
      EXPECT_LT(err, 2e-6);  // entries are O(0.5)
    }
  }
}

// (3b) Static limit (driven bath off): the commutator functions are -(1/2m) x the retarded
// responses chi_2^(ll')(tau), which the closed form from the four poles w_p of D(w) gives:
//   chi(tau) = -i sum_p Res[chi(w) e^{-i w tau}, w_p],  tau > 0,
// with chi^AA = -(w^2 - w_B^2 + i w gamma_2)/D, chi^AB = i w gamma_2 / D (response.hpp).  This
// checks the strictly Ohmic friction of the propagator and the canonical initial value.
TEST(Commutator, StaticLimitAgainstClosedForm) {
  for (double g2 : {0.3, 3.0}) {
    ModelParams p = model(g2, 1e-12, 2.0, 1.2);  // driven bath decoupled to O(1e-12)
    const Propagator prop(p, 200);
    const auto poles = chi2_poles(p);
    auto closed = [&](double tau, int which) {  // which: 0 AA, 1 BB, 2 AB
      cplx s = 0.0;
      for (int i = 0; i < 4; ++i) {
        const cplx w = poles[i];
        cplx dD = 1.0;  // D'(w_p) = prod_{q != p} (w_p - w_q)  (D is monic)
        for (int q = 0; q < 4; ++q)
          if (q != i) dD *= (w - poles[q]);
        const cplx iwg(0.0, 1.0);
        cplx num;
        if (which == 0)
          num = -(w * w - p.omega_B * p.omega_B + iwg * w * g2);
        else if (which == 1)
          num = -(w * w - p.omega_A * p.omega_A + iwg * w * g2);
        else
          num = iwg * w * g2;
        s += num / dD * std::exp(cplx(0.0, -1.0) * w * tau);
      }
      return (cplx(0.0, -1.0) * s).real();
    };
    const int lags = 2000;  // 20 periods
    const auto K = commutator_functions(prop, 37, lags);
    double worst = 0.0, scale = 0.0;
    for (int j = 1; j <= lags; ++j) {
      const double tau = j * prop.dt();
      const double eAA = -closed(tau, 0) / (2 * p.mass), eBB = -closed(tau, 1) / (2 * p.mass),
                   eAB = -closed(tau, 2) / (2 * p.mass);
      worst = std::max({worst, std::abs(K[j](0, 0) - eAA), std::abs(K[j](1, 1) - eBB),
                        std::abs(K[j](0, 1) - eAB), std::abs(K[j](1, 0) - eAB)});
      scale = std::max({scale, std::abs(eAA), std::abs(eBB)});
      // to lowest order the bath force F_1 is the free Drude force xi_1: K_FF = L_a(tau)
      const double La = driven_bath(p).L_a(tau);
      EXPECT_NEAR(K[j](2, 2), La, 1e-9 * 0.5 * p.gamma_1 * p.cutoff * p.cutoff);
    }
    std::cout << "static gamma_2 " << g2 << ": max |K_xx - (-chi/2m)| = " << worst << " (scale "
              << scale << ")\n";
    EXPECT_LT(worst, 1e-10 * scale);
  }
}
