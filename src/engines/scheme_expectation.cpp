// The scheme's deterministic expectation (scheme_expectation.hpp for the method).
#include "synctur/engines/scheme_expectation.hpp"

#include <omp.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "dynamics/stein.hpp"
#include "dynamics/step_sampling.hpp"

namespace synctur {
namespace {

using detail::kNObs;
using ObsArray = std::array<double, kNObs>;
using QuadForms = std::array<StateMat, kNObs>;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t d = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? d - 1 : d;
}

/// Everything the responses share: maps, drives, weights, free-tail forms W_k.
struct Scheme {
  const Propagator* prop = nullptr;
  const Propagator* half = nullptr;
  int n = 0;
  double m = 0.0, mg2 = 0.0;
  double w0 = 1.0, wm = 0.0;  // weights of t_k and of the mid-step
  std::vector<QuadForms> W;   // W[k][o]: sum over the free future from phase k of o

  /// All observables sampled in the step from phase k with state s and noise (xi_k, xi_{k+1})
  /// of both channels, added to ac.
  void sample_step(int k, const double* s, const double* xk, const double* xn, double* ac) const {
    detail::sample_observables(prop->drive(k), s, xk[0], xk[1], m, mg2, w0, ac);
    if (half) {
      const double x1m = 0.5 * (xk[0] + xn[0]), x2m = 0.5 * (xk[1] + xn[1]);
      double mid[kStateDim];
      detail::apply_map(half->data() + 45 * 2 * k, s, xk[0], xk[1], x1m, x2m, mid);
      detail::sample_observables(half->drive(2 * k + 1), mid, x1m, x2m, m, mg2, wm, ac);
    }
  }
};

/// The noise-free quadratic forms Q_k[o] (s^T Q s = what the step from phase k samples for a
/// state s and no noise), by polarisation of the sampling function itself.
QuadForms step_forms(const Scheme& sc, int k) {
  const double zero[2] = {0.0, 0.0};
  auto eval = [&](const StateVec& s) {
    ObsArray a{};
    sc.sample_step(k, s.data(), zero, zero, a.data());
    return a;
  };
  std::array<ObsArray, kStateDim> diag;
  for (int i = 0; i < kStateDim; ++i) diag[i] = eval(StateVec::Unit(i));
  QuadForms Q;
  for (auto& q : Q) q.setZero();
  for (int i = 0; i < kStateDim; ++i)
    for (int j = i; j < kStateDim; ++j) {
      if (i == j) {
        for (int o = 0; o < kNObs; ++o) Q[o](i, i) = diag[i][o];
        continue;
      }
      const ObsArray b = eval(StateVec::Unit(i) + StateVec::Unit(j));
      for (int o = 0; o < kNObs; ++o)
        Q[o](i, j) = Q[o](j, i) = 0.5 * (b[o] - diag[i][o] - diag[j][o]);
    }
  return Q;
}

/// W_k[o] = sum_{i >= 0} U(k+i, k)^T Q_{k+i}[o] U(k+i, k) for every phase k.
void free_tail_forms(Scheme& sc, int threads) {
  const int n = sc.n;
  std::vector<QuadForms> Q(static_cast<std::size_t>(n));
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int k = 0; k < n; ++k) Q[k] = step_forms(sc, k);
  // One period from phase 0, backwards: X_k = Q_k + Phi_k^T X_{k+1} Phi_k, X_n = 0.
  QuadForms X;
  for (auto& x : X) x.setZero();
  for (int k = n - 1; k >= 0; --k) {
    const StateMat P = sc.prop->Phi(k);
    for (int o = 0; o < kNObs; ++o) X[o] = Q[k][o] + P.transpose() * X[o] * P;
  }
  // W_0 = X_0 + M^T W_0 M (all later periods), then the other phases backwards from W_n = W_0.
  const detail::SteinSolver stein(sc.prop->monodromy().transpose());
  sc.W.assign(static_cast<std::size_t>(n), QuadForms{});
  for (int o = 0; o < kNObs; ++o) sc.W[0][o] = stein.solve(X[o]);
  QuadForms next = sc.W[0];
  for (int k = n - 1; k >= 1; --k) {
    const StateMat P = sc.prop->Phi(k);
    for (int o = 0; o < kNObs; ++o) sc.W[k][o] = Q[k][o] + P.transpose() * next[o] * P;
    next = sc.W[k];
  }
}

/// Sum over all times of the observables on the response to the unit white input g of the
/// filter h (channel c) on the grid of decimation q.  Returns the number of steps marched.
std::int64_t respond(const Scheme& sc, const std::vector<double>& h, int c, std::int64_t q,
                     std::int64_t g, double* ac) {
  const std::int64_t M = static_cast<std::int64_t>(h.size()) - 1, n = sc.n;
  auto noise = [&](std::int64_t j) {
    const std::int64_t i = q * j + M - g;
    return (i < -M || i > M) ? 0.0 : h[static_cast<std::size_t>(i < 0 ? -i : i)];
  };
  const std::int64_t j_end = floor_div(g, q);             // last grid sample with noise
  const std::int64_t j_start = -floor_div(2 * M - g, q);  // ceil((g - 2M)/q): the first one
  double s[kStateDim] = {};
  double xk[2] = {0.0, 0.0}, xn[2] = {0.0, 0.0};
  std::int64_t k = ((j_start - 1) % n + n) % n;
  for (std::int64_t j = j_start - 1; j <= j_end; ++j) {  // s_{j_start - 1} = 0
    xk[c] = noise(j);
    xn[c] = noise(j + 1);
    sc.sample_step(static_cast<int>(k), s, xk, xn, ac);
    double nx[kStateDim];
    detail::apply_map(sc.prop->data() + 45 * k, s, xk[0], xk[1], xn[0], xn[1], nx);
    for (int r = 0; r < kStateDim; ++r) s[r] = nx[r];
    if (++k == n) k = 0;
  }
  const Eigen::Map<const StateVec> sv(s);
  for (int o = 0; o < kNObs; ++o) ac[o] += sv.dot(sc.W[static_cast<std::size_t>(k)][o] * sv);
  return j_end - j_start + 2;
}

}  // namespace

SchemeExpectation scheme_expectation(const SimulationPlan& plan, const ExecutionContext& ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  const int nthreads = ctx.thread_count();
  Scheme sc;
  sc.prop = &plan.propagator();
  sc.half = plan.half_step_propagator();
  sc.n = sc.prop->steps_per_period();
  sc.m = plan.params().mass;
  sc.mg2 = plan.params().mass * plan.params().gamma_2;
  sc.w0 = sc.half ? 1.0 / 3.0 : 1.0;
  sc.wm = sc.half ? 2.0 / 3.0 : 0.0;
  free_tail_forms(sc, nthreads);

  const std::int64_t q = plan.options().noise_decimation;
  const std::int64_t inputs = q * sc.n;
  struct Channel {
    const NoisePlan* np;
    int c;
  };
  std::vector<Channel> channels;
  if (plan.driven_noise()) channels.push_back({plan.driven_noise(), 0});
  channels.push_back({&plan.static_noise(), 1});

  SchemeExpectation e;
  ObsArray total{};
  for (const Channel& ch : channels) {
    const std::vector<double>& h = ch.np->filter();
    std::vector<double> per(static_cast<std::size_t>(inputs * kNObs), 0.0);
    std::int64_t steps = 0;
#pragma omp parallel for schedule(dynamic, 16) num_threads(nthreads) reduction(+ : steps)
    for (std::int64_t g = 0; g < inputs; ++g)
      steps += respond(sc, h, ch.c, q, g, per.data() + g * kNObs);
    for (std::int64_t g = 0; g < inputs; ++g)  // in input order: thread-count independent
      for (int o = 0; o < kNObs; ++o) total[o] += per[static_cast<std::size_t>(g * kNObs + o)];
    e.steps += steps;
    e.responses += inputs;
  }
  for (double& v : total) v /= sc.n;
  e.P_A = total[detail::kPA];
  e.P_B = total[detail::kPB];
  e.J_1 = total[detail::kJ1];
  e.J_2_direct = total[detail::kJ2d];
  e.cov_xAxA = total[detail::kXAXA];
  e.cov_xBxB = total[detail::kXBXB];
  e.cov_xAxB = total[detail::kXAXB];
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

}  // namespace synctur
