// Commutator part of the power fluctuations in the time domain.  Derivation, conventions and
// error control: docs/FLUCTUATIONS.md.
#include "synctur/dynamics/commutator.hpp"

#include <Eigen/LU>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "dynamics/stein.hpp"
#include "synctur/dynamics/floquet.hpp"

namespace synctur {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kGregoryMax = 6;

using Rows3 = Eigen::Matrix<double, 3, kStateDim>;
using detail::SteinSolver;

/// Weights w_0..w_K of the Gregory end correction at the left end of a trapezoid rule:
///   int_0^inf f ~ h [f_0/2 + f_1 + ...] + h sum_i w_i f_i,
/// from  + D/12 - D^2/24 + 19 D^3/720 - 3 D^4/160 + 863 D^5/60480 - 275 D^6/24192  (D: forward
/// difference at f_0).  The right end of a finite interval uses the same weights on the
/// reversed samples.
std::vector<double> gregory_weights(int K) {
  static const double g[kGregoryMax] = {1.0 / 12.0,   -1.0 / 24.0,     19.0 / 720.0,
                                        -3.0 / 160.0, 863.0 / 60480.0, -275.0 / 24192.0};
  std::vector<double> w(K + 1, 0.0);
  for (int k = 1; k <= K; ++k) {
    double binom = 1.0;  // C(k, i)
    for (int i = 0; i <= k; ++i) {
      w[i] += g[k - 1] * (((k - i) % 2) ? -1.0 : 1.0) * binom;
      binom = binom * (k - i) / (i + 1);
    }
  }
  return w;
}

double rel_max(const StateMat& diff, const StateMat& ref) {
  const double s = ref.cwiseAbs().maxCoeff();
  return s > 0.0 ? diff.cwiseAbs().maxCoeff() / s : diff.cwiseAbs().maxCoeff();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> CommutatorOptions::validate() const {
  std::vector<std::pair<std::string, std::string>> bad;
  if (lag_periods < 0) bad.emplace_back("lag_periods", "must be >= 0 (0 = exact infinite sum)");
  if (gregory_order < 0 || gregory_order > kGregoryMax)
    bad.emplace_back("gregory_order", "must be in [0, 6]");
  if (!(fast_resolution > 0.0 && fast_resolution <= 2.0))
    bad.emplace_back("fast_resolution", "must be in (0, 2]");
  if (!(fast_decay >= 1.0 && fast_decay <= 200.0))
    bad.emplace_back("fast_decay", "must be in [1, 200]");
  return bad;
}

StateMat equal_time_commutator(const ModelParams& p, double t) {
  StateMat K = StateMat::Zero();
  const double h = 0.5 / p.mass;
  K(kXA, kVA) = h;
  K(kVA, kXA) = -h;
  K(kXB, kVB) = h;
  K(kVB, kXB) = -h;
  const double c = p.gamma_1 * p.cutoff * h;  // gamma_1 w_c / 2m
  const double gA = p.g(0, t), gB = p.g(1, t);
  K(kVA, kZ) = -c * gA;
  K(kZ, kVA) = c * gA;
  K(kVB, kZ) = -c * gB;
  K(kZ, kVB) = c * gB;
  K(kZ, kZ) = -c * p.cutoff;  // -gamma_1 w_c^2 / 2m: L_a(0^+) / m^2, the Drude jump
  return K;
}

Eigen::Matrix<double, 3, kStateDim> commutator_observables(const ModelParams& p) {
  Rows3 C = Rows3::Zero();
  C(0, kXA) = 1.0;
  C(1, kXB) = 1.0;
  C(2, kZ) = -p.mass;  // F_1 = -m zeta
  return C;
}

std::vector<Eigen::Matrix3d> commutator_functions(const Propagator& prop, int k, int lags) {
  const int n = prop.steps_per_period();
  if (k < 0 || k >= n || lags < 0)
    throw std::invalid_argument("commutator_functions: need 0 <= k < n and lags >= 0");
  const ModelParams& p = prop.params();
  const Rows3 C = commutator_observables(p);
  const Eigen::Matrix<double, kStateDim, 3> W =
      equal_time_commutator(p, prop.time(k)) * C.transpose();
  std::vector<Eigen::Matrix3d> out(lags + 1);
  StateMat V = StateMat::Identity();
  for (int j = 0; j <= lags; ++j) {
    out[j] = C * V * W;
    V = (prop.Phi((k + j) % n) * V).eval();
  }
  return out;
}

CommutatorResult commutator_fluctuations(const ModelParams& p, int steps_per_period,
                                         const CommutatorOptions& opt) {
  const Propagator prop(p, steps_per_period);
  return commutator_fluctuations(prop, opt);
}

CommutatorResult commutator_fluctuations(const Propagator& prop, const CommutatorOptions& opt) {
  if (const auto bad = opt.validate(); !bad.empty())
    throw std::invalid_argument("commutator: option " + bad.front().first + " " +
                                bad.front().second);
  const auto t_start = std::chrono::steady_clock::now();
  const ModelParams& p = prop.params();
  const StateSpace& ss = prop.state_space();
  const int n = prop.steps_per_period();
  const double dt = prop.dt();

  CommutatorResult res;
  res.steps_per_period = n;
  res.lag_periods = opt.lag_periods;
  res.map_accuracy = prop.accuracy_estimate();

  // --- steady state: the lag sum converges iff every Floquet multiplier is inside the circle.
  const FloquetSpectrum fs = floquet_spectrum(prop);
  res.slowest_rate = fs.slowest_rate;
  if (opt.lag_periods == 0) {
    const StabilityReport st = check_stability(fs);
    if (!st.stable) throw NoSteadyStateError("commutator: " + st.message, st.slowest_rate);
  }

  const Rows3 C = commutator_observables(p);
  const bool two_grids = opt.error_estimate && n % 2 == 0 && n >= 4;
  const int K = opt.gregory_order;

  // --- drive prefactors a_l = -g_l' on the grid
  std::array<std::vector<double>, 2> a;
  for (int l = 0; l < 2; ++l) {
    a[l].resize(n);
    for (int k = 0; k < n; ++k) a[l][k] = -prop.drive(k).dg(l);
  }

  // --- refinement of the first lags (stiff rates not resolved by dt)
  const double rho = std::max(2.0 * p.gamma_2, p.cutoff);
  int r = 1, L = 0;
  if (rho * dt > opt.fast_resolution) {
    while (rho * dt / r > opt.fast_resolution) r *= 2;
    L = static_cast<int>(std::ceil(opt.fast_decay / (rho * dt)));
    if (L % 2) ++L;
    L = std::min(L, n);
  }
  res.refine_factor = r;
  res.refine_steps = L;
  const double h = dt / r;
  std::vector<StateMat> fine;                 // fine maps, global fine phase k r + i
  std::array<std::vector<double>, 2> a_fine;  // a_l at the fine points
  if (L > 0) {
    const int nf = n * r;
    fine.resize(nf);
    const int sub = std::max(1, (prop.substeps() + r - 1) / r);
    // half-period symmetry A(t + T/2) = S A(t) S (S = diag(1,1,1,1,-1)) when nf is even
    const int direct = (nf % 2 == 0) ? nf / 2 : nf;
#pragma omp parallel for schedule(static) if (direct > 64)
    for (int i = 0; i < direct; ++i) fine[i] = propagate_homogeneous(ss, i * h, h, sub);
    if (direct < nf) {
      StateMat sign = StateMat::Ones();
      sign.row(kZ) *= -1.0;
      sign.col(kZ) *= -1.0;
      for (int i = 0; i < direct; ++i) fine[i + direct] = fine[i].cwiseProduct(sign);
    }
    res.fine_maps = direct;
    for (int k = 0; k < n; ++k) {
      StateMat P = StateMat::Identity();
      for (int i = 0; i < r; ++i) P = (fine[k * r + i] * P).eval();
      res.refine_consistency =
          std::max(res.refine_consistency, rel_max(P - prop.Phi(k), prop.Phi(k)));
    }
    for (int l = 0; l < 2; ++l) {
      a_fine[l].resize(nf);
      for (int i = 0; i < nf; ++i) a_fine[l][i] = -p.dg(l, i * h);
    }
  }

  // Samples needed along the coarse chain: lags 0..max(n, L + 2K) (p = 0 part).
  const int jmax = std::max(n, L + 2 * K + 2);
  const int nX = L > 0 ? L * r + 1 : 0;

  // contrib[k][grid][l][l'] = a_l'(t_k) int_0^inf dtau a_l(t_k+tau) M_ll'(t_k+tau, t_k); summed
  // over k in order afterwards (results independent of the thread count).
  std::vector<std::array<double, 8>> contrib(n);
  std::vector<double> residual(n, 0.0);
  const long long products = static_cast<long long>(n) * (jmax + (nX > 0 ? nX - 1 : 0));

  const std::vector<double> wg = gregory_weights(K);

#pragma omp parallel if (static_cast <long long>(n) * (jmax + nX) > 20000)
  {
    std::vector<Rows3> R(jmax + 1);
    std::vector<Rows3> X(nX);
#pragma omp for schedule(dynamic, 4)
    for (int k = 0; k < n; ++k) {
      contrib[k].fill(0.0);
      const double tk = prop.time(k);
      const Eigen::Matrix<double, kStateDim, 3> W = equal_time_commutator(p, tk) * C.transpose();
      StateMat Q[2];
      for (int lp = 0; lp < 2; ++lp)
        Q[lp] = W.col(lp) * W.col(2).transpose() + W.col(2) * W.col(lp).transpose();

      // coarse chain V_j = U(t_k + j dt, t_k); R_j = C V_j; M = V_n
      StateMat V = StateMat::Identity(), M;
      for (int j = 0; j <= jmax; ++j) {
        if (j == n) M = V;
        R[j] = C * V;
        if (j < jmax) V = (prop.Phi((k + j) % n) * V).eval();
      }
      // fine chain X_i = U(t_k + i h, t_k), i <= L r
      if (L > 0) {
        StateMat Xm = StateMat::Identity();
        for (int i = 0; i <= L * r; ++i) {
          X[i] = C * Xm;
          if (i < L * r) Xm = (fine[(k * r + i) % (n * r)] * Xm).eval();
        }
      }
      // Y = sum_{p >= 0 (or < P)} M^p Q M^pT
      StateMat Y[2];
      if (opt.lag_periods == 0) {
        const SteinSolver stein(M);
        for (int lp = 0; lp < 2; ++lp) {
          Y[lp] = stein.solve(Q[lp]);
          const double qs = Q[lp].cwiseAbs().maxCoeff();
          const StateMat res_lp = Y[lp] - M * Y[lp] * M.transpose() - Q[lp];
          if (qs > 0.0) residual[k] = std::max(residual[k], res_lp.cwiseAbs().maxCoeff() / qs);
        }
      } else {
        for (int lp = 0; lp < 2; ++lp) {
          Y[lp].setZero();
          for (int q = 0; q < opt.lag_periods; ++q)
            Y[lp] = (Q[lp] + M * Y[lp] * M.transpose()).eval();
        }
      }

      for (int grid = 0; grid < (two_grids ? 2 : 1); ++grid) {
        const int s = grid + 1;  // stride in phases and lags
        if (k % s) continue;
        const double H = s * dt;
        const int Ks = std::min(K, std::max(0, (L * r / s) / 2));
        const std::vector<double> wf = gregory_weights(Ks);
        for (int l = 0; l < 2; ++l)
          for (int lp = 0; lp < 2; ++lp) {
            // p = 0 sample at coarse lag j, and the all-periods sample at lag q < n
            auto g0 = [&](int j) {
              return a[l][(k + j) % n] * R[j].row(l).dot(Q[lp] * R[j].row(2).transpose());
            };
            double all = 0.0;
            for (int q = 0; q < n; q += s)
              all += a[l][(k + q) % n] * R[q].row(l).dot(Y[lp] * R[q].row(2).transpose());
            double val;
            if (L == 0) {
              double corr = -0.5 * g0(0);
              for (int i = 0; i <= K; ++i) corr += wg[i] * g0(i * s);
              val = H * (all + corr);
            } else {
              double corr = -0.5 * g0(L);
              for (int j = 0; j < L; j += s) corr -= g0(j);
              for (int i = 0; i <= K; ++i) corr += wg[i] * g0(L + i * s);
              val = H * (all + corr);
              // refined window [0, L dt] on the fine grid (stride s), Gregory at both ends
              const int Nf = L * r / s;
              auto phi = [&](int i) {
                const int fi = i * s;
                return a_fine[l][(k * r + fi) % (n * r)] *
                       X[fi].row(l).dot(Q[lp] * X[fi].row(2).transpose());
              };
              double sum = -0.5 * (phi(0) + phi(Nf));
              for (int i = 0; i <= Nf; ++i) sum += phi(i);
              for (int i = 0; i <= Ks; ++i) sum += wf[i] * (phi(i) + phi(Nf - i));
              val += s * h * sum;
            }
            contrib[k][4 * grid + 2 * l + lp] = a[lp][k] * val;
          }
      }
    }
  }  // omp parallel
  res.matrix_products = products;
  // I[grid][l][l'] = avg_t' int_0^inf dtau a_l(t'+tau) a_l'(t') M_ll'(t'+tau, t')
  double I[2][2][2] = {};
  for (int k = 0; k < n; ++k) {
    for (int c = 0; c < 8; ++c) I[c / 4][(c / 2) % 2][c % 2] += contrib[k][c];
    res.stein_residual = std::max(res.stein_residual, residual[k]);
  }

  auto finish = [&](int grid, double& dA, double& dB, double& dX) {
    const double norm = two_grids && grid == 1 ? 2.0 / n : 1.0 / n;
    dA = 2.0 * I[grid][0][0] * norm;
    dB = 2.0 * I[grid][1][1] * norm;
    dX = 2.0 * (I[grid][0][1] + I[grid][1][0]) * norm;
  };
  finish(0, res.D_PA_comm, res.D_PB_comm, res.D_cross_comm);
  res.D_P_comm = res.D_PA_comm + res.D_PB_comm + res.D_cross_comm;
  {
    const double mu = std::abs(fs.multipliers[0]);
    double amp = mu < 1.0 ? 1.0 / (1.0 - mu) : std::numeric_limits<double>::infinity();
    if (opt.lag_periods > 0) amp = std::min(amp, static_cast<double>(opt.lag_periods));
    const double acc = std::isfinite(res.map_accuracy) ? res.map_accuracy : 0.0;
    res.map_error_rel = (n * acc + res.stein_residual) * amp;
  }
  if (two_grids) {
    double A2, B2, X2;
    finish(1, A2, B2, X2);
    const double e = res.map_error_rel;
    res.D_PA_err = std::abs(res.D_PA_comm - A2) + e * std::abs(res.D_PA_comm);
    res.D_PB_err = std::abs(res.D_PB_comm - B2) + e * std::abs(res.D_PB_comm);
    res.D_P_err = std::abs(res.D_P_comm - (A2 + B2 + X2)) + e * std::abs(res.D_P_comm);
  } else {
    res.D_PA_err = res.D_PB_err = res.D_P_err = kNaN;
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return res;
}

}  // namespace synctur
