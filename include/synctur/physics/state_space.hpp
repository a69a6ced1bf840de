// The generalized Langevin equations of the model as a periodic linear state-space system,
//
//   s'(t) = A(t) s(t) + B(t) xi(t),     s = (x_A, v_A, x_B, v_B, z),   xi = (xi_1, xi_2),
//
// with xi_1 the force of the driven Drude-Lorentz bath (nu = 1) and xi_2 that of the static
// Ohmic bath (nu = 2).  For l = A, B (physics notes, section 1):
//
//   x_l' = v_l
//   v_l' = -w_l^2 x_l - gamma_2 (v_A + v_B) + xi_2 / m + g_l(t) (xi_1 / m - z)
//   z'   = -w_c z + gamma_1 w_c y_1',        y_1' = sum_l (g_l'(t) x_l + g_l(t) v_l)
//
// z is the exact Markovian embedding of the Drude memory, F_1 = xi_1 - m z (the memory acts on
// d/dt (g x), not on g x').  g_l = g_1^(l)(t), g_l' from ModelParams::g / ModelParams::dg.
// A(t) is linear in (g_A, g_B, g_A', g_B'), hence has exactly three Fourier harmonics:
//
//   A(t) = A_0 + A_1 e^{i Omega t} + A_{-1} e^{-i Omega t},   A_{-1} = conj(A_1),
//
// and the same holds for B(t) (Hill's method for the exact solver needs these).
//
// Units (hbar = k_B = 1): t [time]; x [length]; v [length/time]; z [force/mass] =
// [length/time^2]; xi [force]; A [1/time] in the sense s' = A s (entries mix the units of the
// components); B [1/mass].  Everything else follows ModelParams.
#pragma once

#include <Eigen/Core>
#include <complex>

#include "synctur/physics/model.hpp"

namespace synctur {

inline constexpr int kStateDim = 5;  ///< dimension of s
inline constexpr int kNoiseDim = 2;  ///< dimension of xi

/// Components of the state vector s.
enum StateIndex : int { kXA = 0, kVA = 1, kXB = 2, kVB = 3, kZ = 4 };
/// Components of the noise vector xi.
enum NoiseIndex : int { kXi1 = 0, kXi2 = 1 };

using StateVec = Eigen::Matrix<double, kStateDim, 1>;
using NoiseVec = Eigen::Matrix<double, kNoiseDim, 1>;
using StateMat = Eigen::Matrix<double, kStateDim, kStateDim>;
using InputMat = Eigen::Matrix<double, kStateDim, kNoiseDim>;
using StateMatC = Eigen::Matrix<std::complex<double>, kStateDim, kStateDim>;
using InputMatC = Eigen::Matrix<std::complex<double>, kStateDim, kNoiseDim>;

/// The drive at one instant: g_l = g_1^(l)(t) [1] and g_l' = d g_l / dt [frequency].
struct DriveSample {
  double g_A = 0.0, g_B = 0.0;                             ///< [1]
  double dg_A = 0.0, dg_B = 0.0;                           ///< [frequency]
  double g(int l) const { return l == 0 ? g_A : g_B; }     ///< l = 0 (A) or 1 (B)
  double dg(int l) const { return l == 0 ? dg_A : dg_B; }  ///< l = 0 (A) or 1 (B)
};

/// Harmonic decomposition A(t) = A0 + A1 e^{i Omega t} + Am1 e^{-i Omega t}, same for B.
/// Am1 = conj(A1), Bm1 = conj(B1).
struct StateSpaceHarmonics {
  StateMat A0;
  StateMatC A1, Am1;
  InputMat B0;
  InputMatC B1, Bm1;
};

/// A linear functional of (s, xi):  value = s_coef . s + xi_coef . xi.  Units: those of the
/// observable divided by those of the component it multiplies.
struct LinearForm {
  Eigen::Matrix<double, 1, kStateDim> s_coef = Eigen::Matrix<double, 1, kStateDim>::Zero();
  Eigen::Matrix<double, 1, kNoiseDim> xi_coef = Eigen::Matrix<double, 1, kNoiseDim>::Zero();
  double operator()(const StateVec& s, const NoiseVec& xi) const {
    return s_coef.dot(s) + xi_coef.dot(xi);
  }
};

/// Instantaneous observables at one (t, s, xi).  The period average of the *_dot / power
/// fields over the periodic steady state gives the paper's currents:
///   P_l = < -g_l'(t) x_l F_1 >    (paper Eq. 5 with B2; positive = power into the oscillators)
///   J_nu = < F_nu y_nu' >         (heat current from bath nu towards the oscillators)
/// and the exact balance d/dt E_sys = P_A + P_B + F_1 y_1' + F_2 y_2' holds instant by instant
/// (E_sys = sum_l m (v_l^2 + w_l^2 x_l^2) / 2), whence P + J_1 + J_2 = 0 on average.
struct Observables {
  double F1 = 0.0;      ///< F_1 = xi_1 - m z                          [force]
  double F2 = 0.0;      ///< F_2 = xi_2 - m gamma_2 (v_A + v_B)        [force]
  double y1_dot = 0.0;  ///< y_1' = sum_l (g_l' x_l + g_l v_l)         [length/time]
  double y2_dot = 0.0;  ///< y_2' = v_A + v_B                          [length/time]
  double P_A = 0.0;     ///< P_A(t) = -g_A'(t) x_A F_1                 [energy/time]
  double P_B = 0.0;     ///< P_B(t) = -g_B'(t) x_B F_1                 [energy/time]
  double J1 = 0.0;      ///< F_1 y_1' (heat current integrand, bath 1) [energy/time]
  double J2 = 0.0;      ///< F_2 y_2' (heat current integrand, bath 2) [energy/time]
};

/// The model as a state-space system.  Cheap to copy; immutable after construction.
class StateSpace {
 public:
  /// Does not validate p (callers use ModelParams::validate); gamma_1 = 0 is allowed (the
  /// driven bath decouples, useful in tests).
  explicit StateSpace(const ModelParams& p);

  const ModelParams& params() const { return p_; }
  double period() const { return p_.period(); }  ///< 2 pi / Omega [time]

  /// The drive g_l(t), g_l'(t) at time t [time].
  DriveSample drive(double t) const;

  /// A(t), B(t) at time t [time].
  StateMat A(double t) const { return A(drive(t)); }
  InputMat B(double t) const { return B(drive(t)); }
  /// The same from a precomputed drive sample (A, B are affine in it).
  StateMat A(const DriveSample& d) const;
  InputMat B(const DriveSample& d) const;

  /// The three-harmonic decomposition of A and B (computed once at construction).
  const StateSpaceHarmonics& harmonics() const { return h_; }

  /// s' = A(t) s + B(t) xi  [state/time].
  StateVec rhs(double t, const StateVec& s, const NoiseVec& xi) const {
    const DriveSample d = drive(t);
    return A(d) * s + B(d) * xi;
  }

  // --- observables: the ONE definition shared by the time-domain engine and the exact solver.
  /// F_1 = xi_1 - m z (time independent)  [force].
  LinearForm F1_form() const;
  /// F_2 = xi_2 - m gamma_2 (v_A + v_B)  [force].
  LinearForm F2_form() const;
  /// y_1' = sum_l (g_l' x_l + g_l v_l)  [length/time].
  LinearForm y1_dot_form(const DriveSample& d) const;
  /// y_2' = v_A + v_B  [length/time].
  LinearForm y2_dot_form() const;
  /// P_l(t) = -g_l'(t) x_l F_1 is the product  power_prefactor(l, d) * x_l * F_1, with x_l =
  /// s(2 l) and F_1 from F1_form:  returns -g_l'  [frequency].
  static double power_prefactor(int l, const DriveSample& d) { return -d.dg(l); }

  /// All instantaneous observables from the forms above.  t [time].
  Observables observe(const DriveSample& d, const StateVec& s, const NoiseVec& xi) const;
  Observables observe(double t, const StateVec& s, const NoiseVec& xi) const {
    return observe(drive(t), s, xi);
  }

  /// E_sys = sum_l m (v_l^2 + w_l^2 x_l^2) / 2  [energy] (no interaction energy).
  double system_energy(const StateVec& s) const;

 private:
  ModelParams p_;
  double fA_, fB_;
  StateSpaceHarmonics h_;
};

}  // namespace synctur
