#include "synctur/dynamics/propagator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <unsupported/Eigen/MatrixFunctions>

namespace synctur {

namespace {

constexpr int kAug = kStateDim + 2 * kNoiseDim;  // 9: (s, p, q)
using AugMat = Eigen::Matrix<double, kAug, kAug>;

// An element of the Lie algebra of the augmented generators: the 9x9 matrix whose top five
// rows are `top` and whose bottom rows are c N, N = [[0, 0, I], [0, 0, 0]] (the input
// interpolation block, rows 5-6, columns 7-8).  Commutators of such matrices have c = 0, and
//   [P, Q]_top = P_X Q_top - Q_X P_top + (c_Q P_Y - c_P Q_Y) in columns 7-8
// (X = columns 0-4, Y = columns 5-6), so they cost two 5x5 by 5x9 products instead of two
// 9x9 products.
struct AugGen {
  Eigen::Matrix<double, kStateDim, kAug> top;
  double c = 0.0;
  AugGen operator+(const AugGen& o) const { return {top + o.top, c + o.c}; }
  AugGen operator-(const AugGen& o) const { return {top - o.top, c - o.c}; }
  friend AugGen operator*(double a, const AugGen& g) { return {a * g.top, a * g.c}; }
  AugGen operator/(double a) const { return {top / a, c / a}; }
  AugMat full() const {
    AugMat M = AugMat::Zero();
    M.topRows<kStateDim>() = top;
    M(kStateDim, kStateDim + kNoiseDim) = c;
    M(kStateDim + 1, kStateDim + kNoiseDim + 1) = c;
    return M;
  }
};

AugGen comm(const AugGen& P, const AugGen& Q) {
  AugGen R;
  R.top.noalias() = P.top.leftCols<kStateDim>() * Q.top;
  R.top.noalias() -= Q.top.leftCols<kStateDim>() * P.top;
  R.top.rightCols<kNoiseDim>() +=
      Q.c * P.top.middleCols<kNoiseDim>(kStateDim) - P.c * Q.top.middleCols<kNoiseDim>(kStateDim);
  R.c = 0.0;
  return R;
}

StateMat comm(const StateMat& x, const StateMat& y) {
  return x * y - y * x;
}

// Sixth-order Magnus exponent over [a, a + h] for Y' = M(t) Y (Blanes, Casas & Ros, BIT 40
// (2000) 434; Blanes et al., Phys. Rep. 470 (2009) 151, Eqs. 251 and 257), with the three
// Gauss-Legendre nodes c = 1/2 - sqrt(15)/10, 1/2, 1/2 + sqrt(15)/10:
//   a1 = h M2,  a2 = sqrt(15) h / 3 (M3 - M1),  a3 = 10 h / 3 (M3 - 2 M2 + M1),
//   C1 = [a1, a2],  C2 = -[a1, 2 a3 + C1] / 60,
//   Omega = a1 + a3 / 12 + [-20 a1 - a3 + C1, a2 + C2] / 240.
template <class Mat, class F>
Mat magnus6_exponent(const F& M_of_t, double a, double h) {
  static const double s15 = std::sqrt(15.0);
  const Mat M1 = M_of_t(a + (0.5 - s15 / 10.0) * h);
  const Mat M2 = M_of_t(a + 0.5 * h);
  const Mat M3 = M_of_t(a + (0.5 + s15 / 10.0) * h);
  const Mat a1 = h * M2;
  const Mat a2 = (s15 * h / 3.0) * (M3 - M1);
  const Mat a3 = (10.0 * h / 3.0) * (M3 - 2.0 * M2 + M1);
  const Mat C1 = comm(a1, a2);
  const Mat C2 = (-1.0 / 60.0) * comm(a1, 2.0 * a3 + C1);
  return a1 + a3 / 12.0 + comm(-20.0 * a1 - a3 + C1, a2 + C2) / 240.0;
}

// Augmented generator [[A(t), B(t), 0], [0, 0, I/dt], [0, 0, 0]] for a grid step of length dt.
AugGen augmented(const StateSpace& ss, double t, double inv_dt) {
  const DriveSample d = ss.drive(t);
  AugGen M;
  M.top.leftCols<kStateDim>() = ss.A(d);
  M.top.middleCols<kNoiseDim>(kStateDim) = ss.B(d);
  M.top.rightCols<kNoiseDim>().setZero();
  M.c = inv_dt;
  return M;
}

}  // namespace

StepMatrix compute_step_matrix(const StateSpace& ss, double t0, double dt, int substeps) {
  if (substeps < 1) throw std::invalid_argument("compute_step_matrix: substeps must be >= 1");
  const double h = dt / substeps, inv_dt = 1.0 / dt;
  auto M_of_t = [&](double t) { return augmented(ss, t, inv_dt); };
  AugMat E = AugMat::Identity();
  for (int j = 0; j < substeps; ++j) {
    const AugMat Ej = magnus6_exponent<AugGen>(M_of_t, t0 + j * h, h).full().exp();
    E = (Ej * E).eval();
  }
  // E = [[Phi, G0 + G1, G1], [0, I, I], [0, 0, I]] acting on (s_k, xi_k, xi_{k+1} - xi_k).
  StepMatrix S;
  S.leftCols<kStateDim>() = E.topLeftCorner<kStateDim, kStateDim>();
  const InputMat E12 = E.block<kStateDim, kNoiseDim>(0, kStateDim);
  const InputMat E13 = E.block<kStateDim, kNoiseDim>(0, kStateDim + kNoiseDim);
  S.middleCols<kNoiseDim>(kStateDim) = E12 - E13;
  S.rightCols<kNoiseDim>() = E13;
  return S;
}

StateMat propagate_homogeneous(const StateSpace& ss, double t0, double T, int substeps) {
  if (substeps < 1) throw std::invalid_argument("propagate_homogeneous: substeps must be >= 1");
  const double h = T / substeps;
  auto A_of_t = [&](double t) { return ss.A(t); };
  StateMat U = StateMat::Identity();
  for (int j = 0; j < substeps; ++j) {
    const StateMat Om = magnus6_exponent<StateMat>(A_of_t, t0 + j * h, h);
    U = (Om.exp() * U).eval();
  }
  return U;
}

double step_matrix_difference(const StepMatrix& a, const StepMatrix& b) {
  if (!a.allFinite() || !b.allFinite()) return std::numeric_limits<double>::infinity();
  double worst = 0.0;
  const int starts[3] = {0, kStateDim, kStateDim + kNoiseDim};
  const int widths[3] = {kStateDim, kNoiseDim, kNoiseDim};
  for (int blk = 0; blk < 3; ++blk) {
    for (int i = 0; i < kStateDim; ++i) {
      double diff = 0.0, scale = 0.0;
      for (int j = starts[blk]; j < starts[blk] + widths[blk]; ++j) {
        diff = std::max(diff, std::abs(a(i, j) - b(i, j)));
        scale = std::max(scale, std::abs(b(i, j)));
      }
      if (diff == 0.0) continue;
      worst = std::max(worst, scale > 0.0 ? diff / scale : std::numeric_limits<double>::infinity());
    }
  }
  return worst;
}

Propagator::SubstepChoice Propagator::choose_substeps(const ModelParams& p,
                                                      const PropagatorOptions& opt) const {
  // Probe phases spread over the period; double m until the m-vs-2m difference meets tol,
  // or stops decreasing (round-off floor), or m reaches the cap.
  const int P = std::min(opt.probe_phases, n_);
  std::vector<int> probes(P);
  for (int j = 0; j < P; ++j) probes[j] = static_cast<int>((static_cast<long>(j) * n_) / P);
  // Start where the sub-step resolves the fastest constant rate, h max(2 gamma_2, w_c, Omega,
  // w_A, w_B) <= 2: coarser sub-steps are never accurate and their Magnus commutators can
  // overflow.
  const double rho = std::max({2.0 * p.gamma_2, p.cutoff, p.Omega, p.omega_A, p.omega_B});
  int m = 1;
  while (m < opt.max_substeps && dt_ * rho / m > 2.0) m *= 2;
  std::vector<StepMatrix> coarse(P), fine(P);
  for (int j = 0; j < P; ++j) coarse[j] = compute_step_matrix(ss_, time(probes[j]), dt_, m);
  double prev = std::numeric_limits<double>::infinity();
  while (true) {
    // the difference between m/2 and m (infinite if not measured)
    if (2 * m > opt.max_substeps) return {m, prev};
    double d = 0.0;
    for (int j = 0; j < P; ++j) {
      fine[j] = compute_step_matrix(ss_, time(probes[j]), dt_, 2 * m);
      d = std::max(d, step_matrix_difference(coarse[j], fine[j]));
    }
    // In the asymptotic regime of the 6th-order method the difference d estimates the error
    // of the coarser member m (that of 2m is ~d/64).  Accept m when d meets tol and the
    // previous difference shows the asymptotic decrease (ratio >= 8); else accept 2m when d
    // meets tol; a difference that no longer decreases below 1e-10 is the round-off floor.
    if (d <= opt.tol) {
      const bool asymptotic = std::isfinite(prev) && d * 8.0 <= prev;
      return {asymptotic ? m : 2 * m, d};
    }
    if (d > 0.5 * prev && d < 1e-10) return {2 * m, d};
    prev = d;
    coarse.swap(fine);
    m *= 2;
  }
}

Propagator::Propagator(const ModelParams& p, int steps_per_period, const PropagatorOptions& opt)
    : ss_(p), n_(steps_per_period) {
  const auto t_start = std::chrono::steady_clock::now();
  if (n_ < 1) throw std::invalid_argument("Propagator: steps_per_period must be >= 1");
  if (!(opt.tol > 0.0)) throw std::invalid_argument("Propagator: tol must be > 0");
  if (opt.substeps < 0 || opt.max_substeps < 1 || opt.probe_phases < 1)
    throw std::invalid_argument("Propagator: substeps >= 0, max_substeps >= 1, probe_phases >= 1");
  period_ = p.period();
  dt_ = period_ / n_;
  maps_.resize(n_);
  drive_.resize(n_);
  for (int k = 0; k < n_; ++k) drive_[k] = ss_.drive(time(k));

  if (opt.substeps > 0) {
    substeps_ = opt.substeps;
    accuracy_ = std::numeric_limits<double>::quiet_NaN();
  } else {
    const SubstepChoice c = choose_substeps(p, opt);
    substeps_ = c.m;
    accuracy_ = c.accuracy;
  }
  // Half-period symmetry: g_l(t + T/2) = -g_l(t) gives A(t + T/2) = S A(t) S and
  // B(t + T/2) = S B(t) R with S = diag(1, 1, 1, 1, -1), R = diag(-1, 1), hence
  // M_{k + n/2} = S M_k diag(S, R, R) for even n: only half of the phases are integrated.
  const int n_direct = (n_ % 2 == 0) ? n_ / 2 : n_;
#pragma omp parallel for schedule(static) if (n_direct > 16)
  for (int k = 0; k < n_direct; ++k) maps_[k] = compute_step_matrix(ss_, time(k), dt_, substeps_);
  if (n_direct < n_) {
    StepMatrix sign = StepMatrix::Ones();
    sign.row(kZ) *= -1.0;                            // S on the left
    sign.col(kZ) *= -1.0;                            // S on the Phi block
    sign.col(kStateDim + kXi1) *= -1.0;              // R on the G0 block
    sign.col(kStateDim + kNoiseDim + kXi1) *= -1.0;  // R on the G1 block
    for (int k = 0; k < n_direct; ++k) maps_[k + n_direct] = maps_[k].cwiseProduct(sign);
  }
  for (const StepMatrix& M : maps_)
    if (!M.allFinite())
      throw std::runtime_error(
          "Propagator: non-finite step map (substeps = " + std::to_string(substeps_) +
          "); refine the grid or raise max_substeps");
  setup_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
}

void Propagator::step_many(
    int k, Eigen::Ref<Eigen::Matrix<double, kStateDim, Eigen::Dynamic>> S,
    const Eigen::Ref<const Eigen::Matrix<double, kNoiseDim, Eigen::Dynamic>>& Xk,
    const Eigen::Ref<const Eigen::Matrix<double, kNoiseDim, Eigen::Dynamic>>& Xk1) const {
  const StepMatrix& M = maps_[k];
  const StateMat Phi = M.leftCols<kStateDim>();
  const InputMat G0 = M.middleCols<kNoiseDim>(kStateDim);
  const InputMat G1 = M.rightCols<kNoiseDim>();
  for (Eigen::Index j = 0; j < S.cols(); ++j) {  // column by column: no heap temporaries
    const StateVec next = Phi * S.col(j) + G0 * Xk.col(j) + G1 * Xk1.col(j);
    S.col(j) = next;
  }
}

StateMat Propagator::monodromy() const {
  StateMat U = StateMat::Identity();
  for (int k = 0; k < n_; ++k) U = (Phi(k) * U).eval();
  return U;
}

}  // namespace synctur
