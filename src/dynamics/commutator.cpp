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

namespace {

/// The first lags refined on a grid of step h = dt / r where the stiff rates (2 gamma_2, w_c)
/// are not resolved by dt: fine maps over one period and the drive prefactors at their points.
struct Refinement {
  int r = 1;  // refinement factor
  int L = 0;  // refined coarse lags (even), 0 = none
  double h = 0.0;
  std::vector<StateMat> fine;                 // fine maps, global fine phase k r + i
  std::array<std::vector<double>, 2> a_fine;  // a_l = -g_l' at the fine points
  int fine_maps = 0;                          // maps computed directly (half-period symmetry)
  double consistency = 0.0;                   // max_k |prod of r fine maps - Phi_k| / |Phi_k|
};

Refinement refine_first_lags(const Propagator& prop, const CommutatorOptions& opt) {
  const ModelParams& p = prop.params();
  const int n = prop.steps_per_period();
  const double dt = prop.dt();
  Refinement f;
  const double rho = std::max(2.0 * p.gamma_2, p.cutoff);
  if (rho * dt > opt.fast_resolution) {
    while (rho * dt / f.r > opt.fast_resolution) f.r *= 2;
    f.L = static_cast<int>(std::ceil(opt.fast_decay / (rho * dt)));
    if (f.L % 2) ++f.L;
    f.L = std::min(f.L, n);
  }
  f.h = dt / f.r;
  if (f.L == 0) return f;
  const int r = f.r, nf = n * r;
  const double h = f.h;
  f.fine.resize(nf);
  const int sub = std::max(1, (prop.substeps() + r - 1) / r);
  // half-period symmetry A(t + T/2) = S A(t) S (S = diag(1,1,1,1,-1)) when nf is even
  const int direct = (nf % 2 == 0) ? nf / 2 : nf;
  const StateSpace& ss = prop.state_space();
#pragma omp parallel for schedule(static) if (direct > 64)
  for (int i = 0; i < direct; ++i) f.fine[i] = propagate_homogeneous(ss, i * h, h, sub);
  if (direct < nf) {
    StateMat sign = StateMat::Ones();
    sign.row(kZ) *= -1.0;
    sign.col(kZ) *= -1.0;
    for (int i = 0; i < direct; ++i) f.fine[i + direct] = f.fine[i].cwiseProduct(sign);
  }
  f.fine_maps = direct;
  for (int k = 0; k < n; ++k) {
    StateMat P = StateMat::Identity();
    for (int i = 0; i < r; ++i) P = (f.fine[k * r + i] * P).eval();
    f.consistency = std::max(f.consistency, rel_max(P - prop.Phi(k), prop.Phi(k)));
  }
  for (int l = 0; l < 2; ++l) {
    f.a_fine[l].resize(nf);
    for (int i = 0; i < nf; ++i) f.a_fine[l][i] = -p.dg(l, i * h);
  }
  return f;
}

/// What every phase t_k of the lag sum shares (read-only inside the parallel loop).
struct LagSum {
  const Propagator& prop;
  const CommutatorOptions& opt;
  const Refinement& ref;
  Rows3 C{};                               // observables x_A, x_B, F_1
  std::array<std::vector<double>, 2> a{};  // a_l = -g_l' on the coarse grid
  bool two_grids = false;                  // also the stride-2 estimate (error bar)
  int K = 0;                               // Gregory order
  std::vector<double> wg{};                // its weights
  int jmax = 0;                            // coarse lags sampled: 0..jmax
  int nX = 0;                              // fine samples: 0..L r
};

/// Per-thread work space: the chains R_j = C U(t_k + j dt, t_k) and X_i = C U(t_k + i h, t_k).
struct LagChains {
  std::vector<Rows3> R, X;
  StateMat M;  // the one-period map U(t_k + T, t_k)
};

void build_chains(const LagSum& c, int k, LagChains& ch) {
  const int n = c.prop.steps_per_period();
  StateMat V = StateMat::Identity();
  for (int j = 0; j <= c.jmax; ++j) {
    if (j == n) ch.M = V;
    ch.R[j] = c.C * V;
    if (j < c.jmax) V = (c.prop.Phi((k + j) % n) * V).eval();
  }
  const int L = c.ref.L, r = c.ref.r;
  if (L == 0) return;
  StateMat Xm = StateMat::Identity();
  for (int i = 0; i <= L * r; ++i) {
    ch.X[i] = c.C * Xm;
    if (i < L * r) Xm = (c.ref.fine[(k * r + i) % (n * r)] * Xm).eval();
  }
}

/// Y = sum_{p >= 0 (or < lag_periods)} M^p Q M^pT; returns the Stein residual (relative).
double period_sum(const StateMat& M, const StateMat (&Q)[2], int lag_periods, StateMat (&Y)[2]) {
  double residual = 0.0;
  if (lag_periods == 0) {
    const SteinSolver stein(M);
    for (int lp = 0; lp < 2; ++lp) {
      Y[lp] = stein.solve(Q[lp]);
      const double qs = Q[lp].cwiseAbs().maxCoeff();
      const StateMat res_lp = Y[lp] - M * Y[lp] * M.transpose() - Q[lp];
      if (qs > 0.0) residual = std::max(residual, res_lp.cwiseAbs().maxCoeff() / qs);
    }
    return residual;
  }
  for (int lp = 0; lp < 2; ++lp) {
    Y[lp].setZero();
    for (int q = 0; q < lag_periods; ++q) Y[lp] = (Q[lp] + M * Y[lp] * M.transpose()).eval();
  }
  return residual;
}

/// int_0^inf dtau a_l(t_k + tau) M_ll'(t_k + tau, t_k) on the grid of stride s: the all-periods
/// samples at lags q < n, the p = 0 part corrected by Gregory's end weights and, with a
/// refinement, replaced on [0, L dt] by the fine grid.
double lag_integral(const LagSum& c, const LagChains& ch, const StateMat& Q, const StateMat& Y,
                    int k, int l, int s) {
  const int n = c.prop.steps_per_period();
  const int L = c.ref.L, r = c.ref.r, K = c.K;
  const double H = s * c.prop.dt();
  auto g0 = [&](int j) {  // p = 0 sample at coarse lag j
    return c.a[l][(k + j) % n] * ch.R[j].row(l).dot(Q * ch.R[j].row(2).transpose());
  };
  double all = 0.0;
  for (int q = 0; q < n; q += s)
    all += c.a[l][(k + q) % n] * ch.R[q].row(l).dot(Y * ch.R[q].row(2).transpose());
  if (L == 0) {
    double corr = -0.5 * g0(0);
    for (int i = 0; i <= K; ++i) corr += c.wg[i] * g0(i * s);
    return H * (all + corr);
  }
  double corr = -0.5 * g0(L);
  for (int j = 0; j < L; j += s) corr -= g0(j);
  for (int i = 0; i <= K; ++i) corr += c.wg[i] * g0(L + i * s);
  double val = H * (all + corr);
  // refined window [0, L dt] on the fine grid (stride s), Gregory at both ends
  const int Ks = std::min(K, std::max(0, (L * r / s) / 2));
  const std::vector<double> wf = gregory_weights(Ks);
  const int Nf = L * r / s;
  auto phi = [&](int i) {
    const int fi = i * s;
    return c.ref.a_fine[l][(k * r + fi) % (n * r)] *
           ch.X[fi].row(l).dot(Q * ch.X[fi].row(2).transpose());
  };
  double sum = -0.5 * (phi(0) + phi(Nf));
  for (int i = 0; i <= Nf; ++i) sum += phi(i);
  for (int i = 0; i <= Ks; ++i) sum += wf[i] * (phi(i) + phi(Nf - i));
  return val + s * c.ref.h * sum;
}

/// contrib[grid][l][l'] = a_l'(t_k) int_0^inf dtau a_l(t_k+tau) M_ll'(t_k+tau, t_k) at phase k;
/// returns the Stein residual.
double phase_contribution(const LagSum& c, int k, LagChains& ch, std::array<double, 8>& contrib) {
  contrib.fill(0.0);
  const ModelParams& p = c.prop.params();
  const Eigen::Matrix<double, kStateDim, 3> W =
      equal_time_commutator(p, c.prop.time(k)) * c.C.transpose();
  StateMat Q[2];
  for (int lp = 0; lp < 2; ++lp)
    Q[lp] = W.col(lp) * W.col(2).transpose() + W.col(2) * W.col(lp).transpose();
  build_chains(c, k, ch);
  StateMat Y[2];
  const double residual = period_sum(ch.M, Q, c.opt.lag_periods, Y);
  for (int grid = 0; grid < (c.two_grids ? 2 : 1); ++grid) {
    const int s = grid + 1;  // stride in phases and lags
    if (k % s) continue;
    for (int l = 0; l < 2; ++l)
      for (int lp = 0; lp < 2; ++lp)
        contrib[4 * grid + 2 * l + lp] = c.a[lp][k] * lag_integral(c, ch, Q[lp], Y[lp], k, l, s);
  }
  return residual;
}

/// D_*_comm from the summed I[grid][l][l'], the map error bound and, with two grids, the
/// error estimates D_*_err.
void finish_result(const double (&I)[2][2][2], bool two_grids, int n, const FloquetSpectrum& fs,
                   int lag_periods, CommutatorResult& res) {
  auto finish = [&](int grid, double& dA, double& dB, double& dX) {
    const double norm = two_grids && grid == 1 ? 2.0 / n : 1.0 / n;
    dA = 2.0 * I[grid][0][0] * norm;
    dB = 2.0 * I[grid][1][1] * norm;
    dX = 2.0 * (I[grid][0][1] + I[grid][1][0]) * norm;
  };
  finish(0, res.D_PA_comm, res.D_PB_comm, res.D_cross_comm);
  res.D_P_comm = res.D_PA_comm + res.D_PB_comm + res.D_cross_comm;
  const double mu = std::abs(fs.multipliers[0]);
  double amp = mu < 1.0 ? 1.0 / (1.0 - mu) : std::numeric_limits<double>::infinity();
  if (lag_periods > 0) amp = std::min(amp, static_cast<double>(lag_periods));
  const double acc = std::isfinite(res.map_accuracy) ? res.map_accuracy : 0.0;
  res.map_error_rel = (n * acc + res.stein_residual) * amp;
  if (!two_grids) {
    res.D_PA_err = res.D_PB_err = res.D_P_err = kNaN;
    return;
  }
  double A2, B2, X2;
  finish(1, A2, B2, X2);
  const double e = res.map_error_rel;
  res.D_PA_err = std::abs(res.D_PA_comm - A2) + e * std::abs(res.D_PA_comm);
  res.D_PB_err = std::abs(res.D_PB_comm - B2) + e * std::abs(res.D_PB_comm);
  res.D_P_err = std::abs(res.D_P_comm - (A2 + B2 + X2)) + e * std::abs(res.D_P_comm);
}

}  // namespace

CommutatorResult commutator_fluctuations(const Propagator& prop, const CommutatorOptions& opt) {
  if (const auto bad = opt.validate(); !bad.empty())
    throw std::invalid_argument("commutator: option " + bad.front().first + " " +
                                bad.front().second);
  const auto t_start = std::chrono::steady_clock::now();
  const int n = prop.steps_per_period();

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

  const Refinement ref = refine_first_lags(prop, opt);
  res.refine_factor = ref.r;
  res.refine_steps = ref.L;
  res.fine_maps = ref.fine_maps;
  res.refine_consistency = ref.consistency;

  LagSum c{prop, opt, ref};
  c.C = commutator_observables(prop.params());
  for (int l = 0; l < 2; ++l) {
    c.a[l].resize(n);
    for (int k = 0; k < n; ++k) c.a[l][k] = -prop.drive(k).dg(l);
  }
  c.two_grids = opt.error_estimate && n % 2 == 0 && n >= 4;
  c.K = opt.gregory_order;
  c.wg = gregory_weights(c.K);
  // Samples needed along the coarse chain: lags 0..max(n, L + 2K) (p = 0 part).
  c.jmax = std::max(n, ref.L + 2 * c.K + 2);
  c.nX = ref.L > 0 ? ref.L * ref.r + 1 : 0;

  // Per-phase contributions, summed over k in order afterwards (results independent of the
  // thread count).
  std::vector<std::array<double, 8>> contrib(n);
  std::vector<double> residual(n, 0.0);
#pragma omp parallel if (static_cast <long long>(n) * (c.jmax + c.nX) > 20000)
  {
    LagChains ch;
    ch.R.resize(c.jmax + 1);
    ch.X.resize(c.nX);
#pragma omp for schedule(dynamic, 4)
    for (int k = 0; k < n; ++k) residual[k] = phase_contribution(c, k, ch, contrib[k]);
  }
  res.matrix_products = static_cast<long long>(n) * (c.jmax + (c.nX > 0 ? c.nX - 1 : 0));
  // I[grid][l][l'] = avg_t' int_0^inf dtau a_l(t'+tau) a_l'(t') M_ll'(t'+tau, t')
  double I[2][2][2] = {};
  for (int k = 0; k < n; ++k) {
    for (int q = 0; q < 8; ++q) I[q / 4][(q / 2) % 2][q % 2] += contrib[k][q];
    res.stein_residual = std::max(res.stein_residual, residual[k]);
  }
  finish_result(I, c.two_grids, n, fs, opt.lag_periods, res);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return res;
}

}  // namespace synctur
