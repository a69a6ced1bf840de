#include "synctur/dynamics/floquet.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace synctur {

namespace {
std::string sci(double v, const char* f = "%.2e") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
}  // namespace

FloquetSpectrum floquet_spectrum(const StateMat& monodromy, double period) {
  if (!(period > 0.0)) throw std::invalid_argument("floquet_spectrum: period must be > 0");
  FloquetSpectrum fs;
  fs.period = period;
  fs.monodromy = monodromy;
  Eigen::EigenSolver<StateMat> es(monodromy, /*computeEigenvectors=*/false);
  if (es.info() != Eigen::Success)
    throw std::runtime_error("floquet_spectrum: eigenvalue computation failed");
  for (int j = 0; j < kStateDim; ++j) fs.multipliers[j] = es.eigenvalues()(j);
  std::sort(fs.multipliers.begin(), fs.multipliers.end(),
            [](const std::complex<double>& a, const std::complex<double>& b) {
              return std::abs(a) > std::abs(b);
            });
  for (int j = 0; j < kStateDim; ++j) {
    const std::complex<double> mu = fs.multipliers[j];
    const double mag = std::abs(mu);
    fs.exponents[j] = mag > 0.0 ? std::log(mu) / period
                                : std::complex<double>(-std::numeric_limits<double>::infinity(), 0);
  }
  fs.slowest_rate = fs.exponents[0].real();
  return fs;
}

FloquetSpectrum floquet_spectrum(const Propagator& prop) {
  return floquet_spectrum(prop.monodromy(), prop.period());
}

namespace {
// max over rows i of max_j |a_ij - b_ij| / max_j |b_ij| (0/0 = 0; non-finite -> inf).
double row_relative_difference(const StateMat& a, const StateMat& b) {
  if (!a.allFinite() || !b.allFinite()) return std::numeric_limits<double>::infinity();
  double worst = 0.0;
  for (int i = 0; i < kStateDim; ++i) {
    const double diff = (a.row(i) - b.row(i)).cwiseAbs().maxCoeff();
    const double scale = b.row(i).cwiseAbs().maxCoeff();
    if (diff == 0.0) continue;
    worst = std::max(worst, scale > 0.0 ? diff / scale : std::numeric_limits<double>::infinity());
  }
  return worst;
}
}  // namespace

StateMat monodromy_matrix(const ModelParams& p, double tol, double* accuracy, int* steps) {
  if (!(tol > 0.0)) throw std::invalid_argument("monodromy_matrix: tol must be > 0");
  const StateSpace ss(p);
  const double half = 0.5 * p.period();
  StateMat S = StateMat::Identity();
  S(kZ, kZ) = -1.0;
  auto mono = [&](int N) {
    const StateMat U = propagate_homogeneous(ss, 0.0, half, N);
    return StateMat(S * U * S * U);
  };
  constexpr int kMaxSteps = 1 << 20;
  const double rho = std::max({2.0 * p.gamma_2, p.cutoff, p.Omega, p.omega_A, p.omega_B});
  int N = 1;
  while (N < kMaxSteps && half * rho / N > 2.0) N *= 2;
  StateMat prev = mono(N);
  double dprev = std::numeric_limits<double>::infinity(), d = dprev;
  while (2 * N <= kMaxSteps) {
    const StateMat next = mono(2 * N);
    d = row_relative_difference(prev, next);
    prev = next;
    N *= 2;
    if (d <= tol || (d > 0.5 * dprev && d < 1e-10)) break;
    dprev = d;
  }
  if (!prev.allFinite()) throw std::runtime_error("monodromy_matrix: non-finite result");
  if (accuracy) *accuracy = d;
  if (steps) *steps = N;
  return prev;
}

FloquetSpectrum floquet_spectrum(const ModelParams& p, double tol) {
  int N = 0;
  FloquetSpectrum fs = floquet_spectrum(monodromy_matrix(p, tol, nullptr, &N), p.period());
  // When the period is long against the slowest relaxation time (|rate| T > ~650, e.g.
  // Omega = 1e-4 at the quick start) every multiplier underflows and the rates read -inf.
  // Then the half-period map is recomputed as a product renormalised by powers of 2 after
  // each of the same N Magnus steps, so that its largest eigenvalue, the slowest mode's, keeps
  // its exponent: rate = 2 (ln|nu| + E ln 2) / T.  Modes below 1e-12 of it stay -inf (their
  // multipliers are not resolved).  Elsewhere nothing changes.
  if (std::abs(fs.multipliers[0]) > 1e-280) return fs;
  const StateSpace ss(p);
  const double half = 0.5 * p.period(), h = half / N;
  StateMat S = StateMat::Identity();
  S(kZ, kZ) = -1.0;
  StateMat U = StateMat::Identity();
  long E = 0;  // U_true = U 2^E
  for (int j = 0; j < N; ++j) {
    U = (propagate_homogeneous(ss, j * h, h, 1) * U).eval();
    int e = 0;
    std::frexp(U.cwiseAbs().maxCoeff(), &e);
    U = (U * std::ldexp(1.0, -e)).eval();
    E += e;
  }
  if (!U.allFinite()) return fs;
  Eigen::EigenSolver<StateMat> es(StateMat(S * U), /*computeEigenvectors=*/false);
  if (es.info() != Eigen::Success) return fs;
  std::array<std::complex<double>, kStateDim> nu;
  for (int j = 0; j < kStateDim; ++j) nu[j] = es.eigenvalues()(j);
  std::sort(nu.begin(), nu.end(), [](const std::complex<double>& a, const std::complex<double>& b) {
    return std::abs(a) > std::abs(b);
  });
  const double top = std::abs(nu[0]), T = p.period();
  for (int j = 0; j < kStateDim; ++j) {
    const double a = std::abs(nu[j]);
    const double re = a > 1e-12 * top ? 2.0 * (std::log(a) + E * std::log(2.0)) / T
                                      : -std::numeric_limits<double>::infinity();
    fs.exponents[j] = {re, std::arg(nu[j] * nu[j]) / T};
  }
  fs.slowest_rate = fs.exponents[0].real();
  return fs;
}

double suggested_warmup(const FloquetSpectrum& fs, double decay) {
  if (!(decay > 0.0 && decay < 1.0))
    throw std::invalid_argument("suggested_warmup: decay must be in (0, 1)");
  if (!(fs.slowest_rate < 0.0)) return std::numeric_limits<double>::infinity();
  const double t = std::log(1.0 / decay) / (-fs.slowest_rate);
  return std::ceil(t / fs.period) * fs.period;
}

StabilityReport check_stability(const FloquetSpectrum& fs, double marginal_rate) {
  if (!(marginal_rate >= 0.0))
    throw std::invalid_argument("check_stability: marginal_rate must be >= 0");
  StabilityReport r;
  r.slowest_rate = fs.slowest_rate;
  const double rate = fs.slowest_rate;
  const double mu = std::abs(fs.multipliers[0]);
  const std::string per =
      "multiplier |mu| = " + sci(mu, "%.10g") + " per drive period T = " + sci(fs.period, "%.4g");
  if (std::isnan(rate)) {
    r.stable = false;
    r.message =
        "no periodic steady state can be established: the Floquet rate is NaN "
        "(non-finite monodromy matrix)";
  } else if (rate < -marginal_rate) {
    r.stable = true;
    r.message = "periodic steady state: slowest Floquet mode decays at rate " + sci(rate, "%+.2e") +
                " (omega units; relaxation time " + sci(-1.0 / rate) + ", suggested warm-up " +
                sci(suggested_warmup(fs)) + " for a 1e-8 decay), " + per;
  } else if (rate <= marginal_rate) {
    r.stable = false;
    r.message = "no periodic steady state: slowest Floquet mode is marginal, rate " +
                sci(rate, "%+.2e") + " (omega units) is zero within " + sci(marginal_rate) + ", " +
                per;
  } else {
    r.stable = false;
    r.message = "no periodic steady state: Floquet mode grows at rate " + sci(rate, "%+.2e") +
                " (omega units; e-folding time " + sci(1.0 / rate) +
                "): the drive pumps the oscillators parametrically, " + per;
  }
  return r;
}

}  // namespace synctur
