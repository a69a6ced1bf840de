// Tests of the state-space form of the generalized Langevin equations (state_space.hpp).
// All assertions are deterministic; tolerances are round-off bounds (~1e-13 relative) unless
// a comment derives another.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include "support.hpp"
#include "synctur/physics/response.hpp"
#include "synctur/physics/state_space.hpp"

using namespace synctur;

namespace {

constexpr double kPi = std::numbers::pi;

using test::model;

// A generic parameter set: every term of the equations has a distinct, O(1) coefficient.
ModelParams generic() {
  ModelParams p = model(0.7, 0.3, 1.7, 2.3, kPi / 2, 0.5);
  p.mass = 1.9;
  p.phi = 0.9;
  p.omega_A = 1.1;
  p.omega_B = 0.45;
  return p;
}

StateVec random_state(std::mt19937_64& rng) {
  std::normal_distribution<double> n;
  StateVec s;
  for (int i = 0; i < kStateDim; ++i) s(i) = n(rng);
  return s;
}
NoiseVec random_noise(std::mt19937_64& rng) {
  std::normal_distribution<double> n;
  return NoiseVec(n(rng), n(rng));
}

}  // namespace

// The right-hand side is the set of Langevin equations written out component by component
// (physics notes, section 1), evaluated here independently of A(t), B(t).
TEST(StateSpace, RhsIsTheLangevinEquations) {
  const ModelParams p = generic();
  const StateSpace ss(p);
  std::mt19937_64 rng(7);
  for (double t : {0.0, 0.3, 1.234, 7.7, -2.1}) {
    const StateVec s = random_state(rng);
    const NoiseVec xi = random_noise(rng);
    const double gA = p.g(0, t), gB = p.g(1, t), dgA = p.dg(0, t), dgB = p.dg(1, t);
    const double xA = s(kXA), vA = s(kVA), xB = s(kXB), vB = s(kVB), z = s(kZ);
    const double m = p.mass;
    const double y1dot = dgA * xA + gA * vA + dgB * xB + gB * vB;
    StateVec expect;
    expect << vA,
        -p.omega_A * p.omega_A * xA - p.gamma_2 * (vA + vB) + xi(kXi2) / m +
            gA * (xi(kXi1) / m - z),
        vB,
        -p.omega_B * p.omega_B * xB - p.gamma_2 * (vA + vB) + xi(kXi2) / m +
            gB * (xi(kXi1) / m - z),
        -p.cutoff * z + p.gamma_1 * p.cutoff * y1dot;
    const StateVec got = ss.rhs(t, s, xi);
    EXPECT_LT((got - expect).norm(), 1e-13 * (1.0 + expect.norm())) << "t = " << t;
  }
}

// The drive sample agrees with ModelParams::g / dg, and g' is the time derivative of g
// (central difference, error ~ h^2 Omega^3 / 6 ~ 5e-10 for h = 1e-5).
TEST(StateSpace, DriveSampleAndDerivative) {
  const ModelParams p = generic();
  const StateSpace ss(p);
  for (double t : {0.0, 0.4, 2.9}) {
    const DriveSample d = ss.drive(t);
    EXPECT_NEAR(d.g_A, p.g(0, t), 1e-15);
    EXPECT_NEAR(d.g_B, p.g(1, t), 1e-15);
    EXPECT_NEAR(d.dg_A, p.dg(0, t), 1e-14);
    EXPECT_NEAR(d.dg_B, p.dg(1, t), 1e-14);
    const double h = 1e-5;
    EXPECT_NEAR(d.dg_A, (p.g(0, t + h) - p.g(0, t - h)) / (2 * h), 1e-8);
    EXPECT_NEAR(d.dg_B, (p.g(1, t + h) - p.g(1, t - h)) / (2 * h), 1e-8);
  }
}

// A(t) = A0 + A1 e^{iWt} + A-1 e^{-iWt} exactly (three harmonics), with A-1 = conj(A1); same
// for B.  Checked on a grid covering a period plus off-grid times.
TEST(StateSpace, HarmonicDecompositionIsExact) {
  for (const ModelParams& p :
       {generic(), model(100.0, 0.01, 200.0, 1.2), model(1.0, 0.01, 2.0, 1000.0)}) {
    const StateSpace ss(p);
    const auto& h = ss.harmonics();
    EXPECT_EQ((h.Am1 - h.A1.conjugate()).norm(), 0.0);
    EXPECT_EQ((h.Bm1 - h.B1.conjugate()).norm(), 0.0);
    for (int j = 0; j < 37; ++j) {
      const double t = 0.013 + j * p.period() / 17.0;
      const std::complex<double> e = std::polar(1.0, p.Omega * t);
      const StateMatC A = h.A0.cast<std::complex<double>>() + h.A1 * e + h.Am1 * std::conj(e);
      const InputMatC B = h.B0.cast<std::complex<double>>() + h.B1 * e + h.Bm1 * std::conj(e);
      const StateMat At = ss.A(t);
      const InputMat Bt = ss.B(t);
      const double scaleA = At.cwiseAbs().maxCoeff(), scaleB = Bt.cwiseAbs().maxCoeff();
      EXPECT_LT((A.real() - At).cwiseAbs().maxCoeff(), 1e-14 * scaleA);
      EXPECT_LT(A.imag().cwiseAbs().maxCoeff(), 1e-14 * scaleA);
      EXPECT_LT((B.real() - Bt).cwiseAbs().maxCoeff(), 1e-14 * scaleB);
      EXPECT_LT(B.imag().cwiseAbs().maxCoeff(), 1e-14 * scaleB);
    }
  }
}

// Half-period symmetry used by the propagator: g_l(t + T/2) = -g_l(t) so A(t + T/2) = S A S,
// B(t + T/2) = S B R with S = diag(1,1,1,1,-1), R = diag(-1,1).
TEST(StateSpace, HalfPeriodSymmetry) {
  const ModelParams p = generic();
  const StateSpace ss(p);
  StateMat S = StateMat::Identity();
  S(kZ, kZ) = -1.0;
  Eigen::Matrix2d R = Eigen::Matrix2d::Identity();
  R(kXi1, kXi1) = -1.0;
  for (double t : {0.0, 0.77, 2.5}) {
    EXPECT_LT((ss.A(t + 0.5 * p.period()) - S * ss.A(t) * S).cwiseAbs().maxCoeff(), 1e-13);
    EXPECT_LT((ss.B(t + 0.5 * p.period()) - S * ss.B(t) * R).cwiseAbs().maxCoeff(), 1e-13);
  }
}

// Observables: the forms are the paper's definitions, and the instantaneous energy balance
//   d/dt E_sys = P_A + P_B + F_1 y_1' + F_2 y_2'
// holds exactly (E_sys = sum m (v^2 + w^2 x^2)/2; this is the first law P + J_1 + J_2 = 0 once
// period-averaged in the steady state).  d/dt E_sys = grad E . rhs is evaluated analytically.
TEST(StateSpace, ObservablesAndEnergyBalance) {
  const ModelParams p = generic();
  const StateSpace ss(p);
  std::mt19937_64 rng(11);
  for (double t : {0.0, 0.5, 1.9, 3.3}) {
    const StateVec s = random_state(rng);
    const NoiseVec xi = random_noise(rng);
    const DriveSample d = ss.drive(t);
    const Observables o = ss.observe(t, s, xi);
    const double m = p.mass;
    EXPECT_NEAR(o.F1, xi(kXi1) - m * s(kZ), 1e-14);
    EXPECT_NEAR(o.F2, xi(kXi2) - m * p.gamma_2 * (s(kVA) + s(kVB)), 1e-14);
    EXPECT_NEAR(o.y2_dot, s(kVA) + s(kVB), 1e-14);
    EXPECT_NEAR(o.y1_dot, d.dg_A * s(kXA) + d.g_A * s(kVA) + d.dg_B * s(kXB) + d.g_B * s(kVB),
                1e-13);
    EXPECT_NEAR(o.P_A, -d.dg_A * s(kXA) * o.F1, 1e-13);
    EXPECT_NEAR(o.P_B, -d.dg_B * s(kXB) * o.F1, 1e-13);
    EXPECT_NEAR(o.J1, o.F1 * o.y1_dot, 1e-13);
    EXPECT_NEAR(o.J2, o.F2 * o.y2_dot, 1e-13);
    // P_l is the stated product of the shared pieces.
    EXPECT_NEAR(o.P_A, StateSpace::power_prefactor(0, d) * s(kXA) * ss.F1_form()(s, xi), 1e-13);
    EXPECT_NEAR(o.P_B, StateSpace::power_prefactor(1, d) * s(kXB) * ss.F1_form()(s, xi), 1e-13);

    const StateVec ds = ss.rhs(t, s, xi);
    const double dE = m * (s(kVA) * ds(kVA) + p.omega_A * p.omega_A * s(kXA) * ds(kXA) +
                           s(kVB) * ds(kVB) + p.omega_B * p.omega_B * s(kXB) * ds(kXB));
    EXPECT_NEAR(dE, o.P_A + o.P_B + o.J1 + o.J2, 1e-12 * (1.0 + std::abs(dE)));
    // The auxiliary variable obeys z' = -w_c z + gamma_1 w_c y_1' with the same y_1'.
    EXPECT_NEAR(ds(kZ), -p.cutoff * s(kZ) + p.gamma_1 * p.cutoff * o.y1_dot, 1e-13);
  }
}

// The memory acts on d/dt (g x): F_1 = xi_1 - int Gamma_1(t - s) d/ds y_1(s) ds with Gamma_1 =
// m gamma_1 w_c e^{-w_c t}.  Along a prescribed trajectory x_l(t) = cos(a_l t), v_l = x_l', the
// z equation integrated from z(0) = 0 must reproduce the convolution (computed by Simpson's rule
// on a fine grid; both errors < 1e-9 here).
TEST(StateSpace, AuxiliaryVariableIsTheDrudeMemory) {
  const ModelParams p = generic();
  const StateSpace ss(p);
  const double a[2] = {0.8, 1.3};
  auto y1 = [&](double t) {
    return p.g(0, t) * std::cos(a[0] * t) + p.g(1, t) * std::cos(a[1] * t);
  };
  auto y1dot = [&](double t) {
    StateVec s;
    s << std::cos(a[0] * t), -a[0] * std::sin(a[0] * t), std::cos(a[1] * t),
        -a[1] * std::sin(a[1] * t), 0.0;
    return ss.y1_dot_form(ss.drive(t))(s, NoiseVec::Zero());
  };
  // y1_dot_form is d/dt y_1 (central difference check).
  for (double t : {0.3, 1.1}) EXPECT_NEAR(y1dot(t), (y1(t + 1e-5) - y1(t - 1e-5)) / 2e-5, 1e-8);
  // Integrate z' = -w_c z + gamma_1 w_c y_1' with RK4 (h = 1e-3, error ~ h^4 ~ 1e-12).
  const double tend = 3.0, h = 1e-3;
  double z = 0.0;
  for (int i = 0; i < static_cast<int>(tend / h + 0.5); ++i) {
    const double t = i * h;
    auto f = [&](double tt, double zz) {
      return -p.cutoff * zz + p.gamma_1 * p.cutoff * y1dot(tt);
    };
    const double k1 = f(t, z), k2 = f(t + h / 2, z + h / 2 * k1), k3 = f(t + h / 2, z + h / 2 * k2),
                 k4 = f(t + h, z + h * k3);
    z += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  // m z(t) = int_0^t Gamma_1(t - s) y_1'(s) ds (Simpson, 6000 intervals).
  const int N = 6000;
  double conv = 0.0;
  for (int i = 0; i <= N; ++i) {
    const double s = tend * i / N;
    const double w = (i == 0 || i == N) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    conv += w * p.mass * p.gamma_1 * p.cutoff * std::exp(-p.cutoff * (tend - s)) * y1dot(s);
  }
  conv *= tend / N / 3.0;
  EXPECT_NEAR(p.mass * z, conv, 1e-9);
}

// With the driven bath switched off (gamma_1 = 0) A(t) is block triangular: its eigenvalues are
// -i w_k for the four roots w_k of D(w) (the static problem, response.hpp) and -w_c for z,
// at every t.  (x ~ e^{-i w t} solves the Langevin equations iff D(w) = 0.)
TEST(StateSpace, StaticEigenvaluesAreTheResponsePoles) {
  for (double g2 : {0.3, 1.0, 100.0}) {
    ModelParams p = model(g2, 0.0, 2.0, 1.2);
    const StateSpace ss(p);
    const auto poles = chi2_poles(p);
    Eigen::EigenSolver<StateMat> es(ss.A(0.37), false);
    std::vector<std::complex<double>> ev(es.eigenvalues().data(), es.eigenvalues().data() + 5);
    std::vector<std::complex<double>> expect;
    for (const auto& w : poles) expect.push_back(std::complex<double>(0.0, -1.0) * w);
    expect.emplace_back(-p.cutoff, 0.0);
    for (const auto& e : expect) {
      double best = 1e300;
      for (const auto& v : ev) best = std::min(best, std::abs(v - e));
      EXPECT_LT(best, 1e-9 * (1.0 + std::abs(e))) << "gamma_2 = " << g2 << " expected " << e;
    }
  }
}
