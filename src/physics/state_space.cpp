#include "synctur/physics/state_space.hpp"

#include <cmath>

namespace synctur {

namespace {

using cplx = std::complex<double>;

// The drive-independent part of A (everything at g = g' = 0).
StateMat A_static(const ModelParams& p) {
  StateMat A = StateMat::Zero();
  const double g2 = p.gamma_2;
  A(kXA, kVA) = 1.0;
  A(kXB, kVB) = 1.0;
  A(kVA, kXA) = -p.omega_A * p.omega_A;
  A(kVB, kXB) = -p.omega_B * p.omega_B;
  A(kVA, kVA) = -g2;
  A(kVA, kVB) = -g2;
  A(kVB, kVA) = -g2;
  A(kVB, kVB) = -g2;
  A(kZ, kZ) = -p.cutoff;
  return A;
}

// The part of A linear in the drive (gA, gB, dgA, dgB); Scalar may be complex (harmonics).
template <class Scalar>
Eigen::Matrix<Scalar, kStateDim, kStateDim> A_drive(const ModelParams& p, Scalar gA, Scalar gB,
                                                    Scalar dgA, Scalar dgB) {
  Eigen::Matrix<Scalar, kStateDim, kStateDim> A;
  A.setZero();
  // v_l' = ... - g_l z
  A(kVA, kZ) = -gA;
  A(kVB, kZ) = -gB;
  // z' = ... + gamma_1 w_c (g_A' x_A + g_A v_A + g_B' x_B + g_B v_B)
  const double k = p.gamma_1 * p.cutoff;
  A(kZ, kXA) = k * dgA;
  A(kZ, kVA) = k * gA;
  A(kZ, kXB) = k * dgB;
  A(kZ, kVB) = k * gB;
  return A;
}

// The part of B linear in the drive: v_l' = ... + g_l xi_1 / m.
template <class Scalar>
Eigen::Matrix<Scalar, kStateDim, kNoiseDim> B_drive(const ModelParams& p, Scalar gA, Scalar gB) {
  Eigen::Matrix<Scalar, kStateDim, kNoiseDim> B;
  B.setZero();
  B(kVA, kXi1) = gA / p.mass;
  B(kVB, kXi1) = gB / p.mass;
  return B;
}

InputMat B_static(const ModelParams& p) {
  InputMat B = InputMat::Zero();
  B(kVA, kXi2) = 1.0 / p.mass;
  B(kVB, kXi2) = 1.0 / p.mass;
  return B;
}

}  // namespace

StateSpace::StateSpace(const ModelParams& p) : p_(p), fA_(p.f_A()), fB_(p.f_B()) {
  // g_A = f_A cos(W t)      -> e^{+iWt} coefficient f_A / 2
  // g_B = f_B cos(W t + phi) -> f_B e^{i phi} / 2
  // g_l' = -W f_l sin(...)   -> i W (coefficient of g_l)
  const cplx cA(0.5 * fA_, 0.0);
  const cplx cB = 0.5 * fB_ * std::polar(1.0, p.phi);
  const cplx iW(0.0, p.Omega);
  h_.A0 = A_static(p);
  h_.A1 = A_drive<cplx>(p, cA, cB, iW * cA, iW * cB);
  h_.Am1 = h_.A1.conjugate();
  h_.B0 = B_static(p);
  h_.B1 = B_drive<cplx>(p, cA, cB);
  h_.Bm1 = h_.B1.conjugate();
}

DriveSample StateSpace::drive(double t) const {
  const double a = p_.Omega * t;
  const double ca = std::cos(a), sa = std::sin(a);
  const double cb = std::cos(a + p_.phi), sb = std::sin(a + p_.phi);
  return {fA_ * ca, fB_ * cb, -p_.Omega * fA_ * sa, -p_.Omega * fB_ * sb};
}

StateMat StateSpace::A(const DriveSample& d) const {
  return h_.A0 + A_drive<double>(p_, d.g_A, d.g_B, d.dg_A, d.dg_B);
}

InputMat StateSpace::B(const DriveSample& d) const {
  return h_.B0 + B_drive<double>(p_, d.g_A, d.g_B);
}

LinearForm StateSpace::F1_form() const {
  LinearForm f;
  f.s_coef(kZ) = -p_.mass;
  f.xi_coef(kXi1) = 1.0;
  return f;
}

LinearForm StateSpace::F2_form() const {
  LinearForm f;
  f.s_coef(kVA) = -p_.mass * p_.gamma_2;
  f.s_coef(kVB) = -p_.mass * p_.gamma_2;
  f.xi_coef(kXi2) = 1.0;
  return f;
}

LinearForm StateSpace::y1_dot_form(const DriveSample& d) const {
  LinearForm f;
  f.s_coef(kXA) = d.dg_A;
  f.s_coef(kVA) = d.g_A;
  f.s_coef(kXB) = d.dg_B;
  f.s_coef(kVB) = d.g_B;
  return f;
}

LinearForm StateSpace::y2_dot_form() const {
  LinearForm f;
  f.s_coef(kVA) = 1.0;
  f.s_coef(kVB) = 1.0;
  return f;
}

Observables StateSpace::observe(const DriveSample& d, const StateVec& s, const NoiseVec& xi) const {
  Observables o;
  o.F1 = F1_form()(s, xi);
  o.F2 = F2_form()(s, xi);
  o.y1_dot = y1_dot_form(d)(s, xi);
  o.y2_dot = y2_dot_form()(s, xi);
  o.P_A = power_prefactor(0, d) * s(kXA) * o.F1;
  o.P_B = power_prefactor(1, d) * s(kXB) * o.F1;
  o.J1 = o.F1 * o.y1_dot;
  o.J2 = o.F2 * o.y2_dot;
  return o;
}

double StateSpace::system_energy(const StateVec& s) const {
  const double wa2 = p_.omega_A * p_.omega_A, wb2 = p_.omega_B * p_.omega_B;
  return 0.5 * p_.mass *
         (s(kVA) * s(kVA) + wa2 * s(kXA) * s(kXA) + s(kVB) * s(kVB) + wb2 * s(kXB) * s(kXB));
}

}  // namespace synctur
