// The estimates of one simulate run from its samples (SampledRun: every unit's period-block
// means and streaming autocovariances): the means by the jackknife over the units' batch means
// (the open table mean_estimators(), whose formulas also give the scheme offsets), D_sym of
// the powers, the run description.  Typed (RunEstimates); the keys are spelled only by
// to_results (simulation_results.cpp).
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <complex>
#include <functional>
#include <optional>
#include <stdexcept>

#include "dynamics/step_sampling.hpp"
#include "engines/sampled_run.hpp"
#include "synctur/engines/scheme_expectation.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/numerics/batch_stats.hpp"

namespace synctur {
namespace {

using namespace detail;

constexpr double kMinBatchesPerUnit = 8.0;  // fewer: a warning that the errors are uncertain

/// The estimates that are functions of the period-averaged sample means m[kNObs], in output
/// order: the same formulas turn the scheme's exact expectation into its offsets.
struct MeanEstimator {
  const char* key;
  std::function<double(const std::vector<double>&)> f;
};
std::vector<MeanEstimator> mean_estimators(const ModelParams& p, bool driven_bath_off) {
  const double T1 = p.T_1, T2 = p.T_2;
  std::vector<MeanEstimator> v;
  if (!driven_bath_off) {
    v.push_back({"P_A", [](const auto& m) { return m[kPA]; }});
    v.push_back({"P_B", [](const auto& m) { return m[kPB]; }});
    v.push_back({"P", [](const auto& m) { return m[kPA] + m[kPB]; }});
    v.push_back({"J_1", [](const auto& m) { return m[kJ1]; }});
    v.push_back({"J_2", [](const auto& m) { return -(m[kPA] + m[kPB]) - m[kJ1]; }});
    // -J_1/T_1 - J_2/T_2 as theory and exact: +-inf at a zero temperature (the sign of the
    // sampled J there), NaN only for 0/0; its jackknife se is then NaN (docs/KEYS.md).
    v.push_back({"S_dot", [T1, T2](const auto& m) {
                   const double J1 = m[kJ1], J2 = -(m[kPA] + m[kPB]) - J1;
                   return -J1 / T1 - J2 / T2;
                 }});
    v.push_back({"eta", [](const auto& m) {
                   return (m[kPA] < 0.0 && m[kPB] > 0.0) ? -m[kPA] / m[kPB] : kNaN;
                 }});
  }
  v.push_back({"cov_xAxA", [](const auto& m) { return m[kXAXA]; }});
  v.push_back({"cov_xBxB", [](const auto& m) { return m[kXBXB]; }});
  v.push_back({"cov_xAxB", [](const auto& m) { return m[kXAXB]; }});
  // Eqs. 11, 25 (pearson, pearson_tilde) are of the bath-off state; the driven run's are *_driven.
  v.push_back({driven_bath_off ? "pearson" : "pearson_driven",
               [](const auto& m) { return m[kXAXB] / std::sqrt(m[kXAXA] * m[kXBXB]); }});
  v.push_back({driven_bath_off ? "pearson_tilde" : "pearson_tilde_driven",
               [](const auto& m) { return m[kXAXB] / m[kXAXA]; }});
  return v;
}

}  // namespace

std::vector<std::pair<std::string, double>> scheme_offsets(const SimulationPlan& plan,
                                                           const Results& reference,
                                                           const ExecutionContext& ctx,
                                                           SchemeExpectation* expectation) {
  const SchemeExpectation e = scheme_expectation(plan, ctx);
  if (expectation) *expectation = e;
  std::vector<double> m(kNObs, 0.0);
  m[kPA] = e.P_A;
  m[kPB] = e.P_B;
  m[kJ1] = e.J_1;
  m[kJ2d] = e.J_2_direct;
  m[kXAXA] = e.cov_xAxA;
  m[kXBXB] = e.cov_xBxB;
  m[kXAXB] = e.cov_xAxB;
  std::vector<std::pair<std::string, double>> out;
  for (const MeanEstimator& me : mean_estimators(plan.params(), plan.driven_bath_off())) {
    if (!reference.has(me.key)) continue;
    const double b = me.f(m) - reference.get(me.key);
    if (std::isfinite(b)) out.emplace_back(me.key, b);
  }
  return out;
}

namespace {

/// Integrated autocorrelation time of the unit-averaged block series (max over observables)
/// [blocks].
double tau_int_blocks(const SampledRun& sr) {
  double tau_blocks = 0.5;
  for (int o : {kPA, kPB, kJ1, kXAXA, kXBXB, kXAXB}) {
    std::vector<std::vector<double>> series(sr.U, std::vector<double>(sr.bl.count));
    for (int u = 0; u < sr.U; ++u)
      for (std::int64_t b = 0; b < sr.bl.count; ++b) {
        double v = 0.0;
        for (int t = 0; t < sr.NT; ++t) v += sr.block(u, t, b)[o];
        series[u][b] = v / sr.NT;
      }
    const double tau = integrated_autocorr_time(series);
    if (std::isfinite(tau)) tau_blocks = std::max(tau_blocks, tau);
  }
  return tau_blocks;
}

/// Batch length in whole blocks: simulation.batch_periods, or at least 10 tau_int and 20
/// relaxation times 1/(2 |slowest rate|) of the second moments (a slow mode of small amplitude
/// can dominate the variance of a mean while being invisible to the estimate of tau_int;
/// gamma_2 = 100: relaxation ~1300 time units) and periods/32.
std::int64_t batch_blocks_of(const SimulationPlan& plan, const BlockLayout& bl,
                             double tau_periods) {
  const SimulationOptions& opt = plan.options();
  std::int64_t batch_blocks;
  if (opt.batch_periods > 0) {
    batch_blocks = std::max<std::int64_t>(1, opt.batch_periods / bl.len);
  } else {
    const double relax_periods =
        1.0 / (2.0 * -plan.floquet().slowest_rate) / plan.params().period();
    const double want = std::max(
        {static_cast<double>(opt.periods) / 32.0, 10.0 * tau_periods, 20.0 * relax_periods});
    batch_blocks = static_cast<std::int64_t>(std::ceil(want / static_cast<double>(bl.len)));
  }
  return std::clamp<std::int64_t>(batch_blocks, 1, bl.count);
}

/// Batch means per unit (unit_samples) and per trajectory (traj_samples), and the consecutive
/// batch means of P_A within a unit (lag-1 pairs).
struct BatchMeans {
  SampleSet unit_samples{kNObs}, traj_samples{kNObs};
  std::vector<double> lag1_x, lag1_y;
};

BatchMeans batch_means(const SampledRun& sr, std::int64_t batch_blocks, std::int64_t periods) {
  BatchMeans bm;
  const int NT = sr.NT;
  const std::int64_t batches = sr.bl.count / batch_blocks;  // remainder joins the last batch
  for (int u = 0; u < sr.U; ++u) {
    std::vector<double> prev;
    for (std::int64_t q = 0; q < batches; ++q) {
      const std::int64_t b0 = q * batch_blocks;
      const std::int64_t b1 = (q + 1 == batches) ? sr.bl.count : b0 + batch_blocks;
      double w_total = 0.0;
      std::array<double, kNObs> um{};
      for (int t = 0; t < NT; ++t) {
        std::array<double, kNObs> tm{};
        double w = 0.0;
        for (std::int64_t b = b0; b < b1; ++b) {
          const double wb = static_cast<double>(sr.bl.periods_in(b, periods));
          for (int o = 0; o < kNObs; ++o) tm[o] += wb * sr.block(u, t, b)[o];
          w += wb;
        }
        for (int o = 0; o < kNObs; ++o) {
          tm[o] /= w;
          um[o] += tm[o] / NT;
        }
        bm.traj_samples.add(tm.data(), w);
        w_total = w;
      }
      bm.unit_samples.add(um.data(), w_total);
      if (!prev.empty()) {
        bm.lag1_x.push_back(prev[kPA]);
        bm.lag1_y.push_back(um[kPA]);
      }
      prev.assign(um.begin(), um.end());
    }
  }
  return bm;
}

/// Each unit's means of P_A, P_B, J_1 over the whole run (for the jackknife of the scheme
/// offsets and of D_comm).
void fill_unit_aggregates(const SampledRun& sr, std::int64_t periods, UnitAggregates& agg) {
  const int U = sr.U, NT = sr.NT;
  agg.means.assign(static_cast<std::size_t>(U), {});
  agg.weights.assign(static_cast<std::size_t>(U), 0.0);
  for (int u = 0; u < U; ++u)
    for (std::int64_t b = 0; b < sr.bl.count; ++b) {
      const double w = static_cast<double>(sr.bl.periods_in(b, periods));
      for (int t = 0; t < NT; ++t) {
        const double* v = sr.block(u, t, b);
        agg.means[u][0] += w * v[kPA] / NT;
        agg.means[u][1] += w * v[kPB] / NT;
        agg.means[u][2] += w * v[kJ1] / NT;
      }
      agg.weights[u] += w;
    }
  for (int u = 0; u < U; ++u)
    for (auto& m : agg.means[u]) m /= agg.weights[u];
}

/// The known poles of a power's autocovariance beyond the window: nu = (mu_i mu_j)^g (pairs of
/// Floquet multipliers, g periods per sample), one of each conjugate pair.
std::vector<std::complex<double>> autocovariance_poles(const SimulationPlan& plan) {
  std::vector<std::complex<double>> poles;
  const auto& mu = plan.floquet().multipliers;
  const double g = static_cast<double>(plan.correlation_periods());
  for (std::size_t i = 0; i < mu.size(); ++i)
    for (std::size_t j = i; j < mu.size(); ++j) {
      std::complex<double> nu = std::pow(mu[i] * mu[j], g);
      if (!(std::abs(nu) > 0.0)) continue;
      if (nu.imag() < 0.0) nu = std::conj(nu);
      bool seen = false;
      for (const auto& q : poles) seen = seen || std::abs(q - nu) <= 1e-12 * std::abs(nu);
      if (!seen) poles.push_back(nu);
    }
  return poles;
}

/// The units' streaming autocovariances of one power (which = 0: P_A, 1: P_B, 2: P).
std::vector<std::vector<const Autocorrelator*>> power_correlators(const SampledRun& sr, int which) {
  std::vector<std::vector<const Autocorrelator*>> units(sr.U);
  for (int u = 0; u < sr.U; ++u)
    for (int t = 0; t < sr.NT; ++t)
      units[u].push_back(&sr.corr[static_cast<std::size_t>((u * sr.NT + t) * 3 + which)]);
  return units;
}

/// Check on the same data as D_sym (value d, unit-deleted replicas reps, window W): the plain
/// window out to kTailWindowX relaxation times (at least x0) minus the reported value, with
/// the jackknife error of the difference; a warning when it is significant.  `threads`: those
/// of variance_rate's replicas.
Estimate window_tail_check(const std::vector<std::vector<const Autocorrelator*>>& units,
                           double sample_time, double relax, double x0, bool auto_window,
                           const Estimate& d, const std::vector<double>& reps, std::size_t W,
                           const char* key, std::vector<std::string>& warnings, int threads) {
  const double xt = std::max(kTailWindowX, x0);
  const auto w_tail = static_cast<std::size_t>(std::ceil(xt * relax / sample_time));
  std::size_t Wt = 0;
  bool tt = false;
  std::vector<double> reps_t;
  const Estimate dt =
      variance_rate(units, sample_time, 10.0, &Wt, &tt, w_tail, &reps_t, {}, nullptr, threads);
  std::vector<double> diff(reps.size());
  for (std::size_t u = 0; u < reps.size(); ++u) diff[u] = reps_t[u] - reps[u];
  const double tail = dt.value - d.value, tail_se = jackknife_se(diff);
  const bool significant = Wt > W && std::isfinite(tail_se) && std::abs(tail) > 3.0 * tail_se &&
                           std::abs(tail) > 0.25 * d.se;
  if (significant)
    warnings.push_back(
        "fluctuations: " + std::string(key) + "_sym's autocovariance out to " + fmt_g(xt) +
        " relaxation times differs from the reported value (window " + fmt_g(x0) +
        (auto_window ? " + fitted tail" : "") + ") by " + fmt_g(tail) + " +- " + fmt_g(tail_se) +
        " (" + fmt_g(tail / d.se) + " se of " + key + ")" +
        (auto_window ? ": report this" : ": set simulation.D_window = 0 (automatic)"));
  return {tail, tail_se};
}

/// D_sym of one power (which = 0: P_A, 1: P_B, 2: P) from the streaming autocovariances, with
/// the window-tail check and the batch-means check.  *W: the window used [samples].
DSymEstimate D_sym_of(const SimulationPlan& plan, const SampledRun& sr, int which, const char* key,
                      std::int64_t batch_blocks, UnitAggregates* agg, bool& truncated,
                      std::size_t* W, std::vector<std::string>& warnings) {
  const SimulationOptions& opt = plan.options();
  const ModelParams& p = plan.params();
  const int U = sr.U, NT = sr.NT;
  const BlockLayout& bl = sr.bl;
  const std::int64_t nb = (opt.periods % bl.len == 0) ? bl.count : bl.count - 1;
  const double block_time = static_cast<double>(bl.len) * p.period();
  const double sample_time = static_cast<double>(plan.correlation_periods()) * p.period();
  const std::vector<std::vector<const Autocorrelator*>> units = power_correlators(sr, which);
  bool trunc = false;
  // Window: Sokal's W >= 10 tau_int, and at least x decay times 1/(2 |slowest rate|) of the
  // second moments (a slow tail of small amplitude is invisible to tau_int).  Beyond the
  // window the autocovariance of a power decays like the products of the slowest Floquet
  // multipliers (Wick: products of two-point functions), so a plain window misses e^-x of
  // the slow part of D_sym (5% at x = 3: -8.7% on D_PA_sym at gamma_2 = 60, Omega = 2.5;
  // docs/SIMULATION.md section 4).  x = simulation.D_window (plain window), or with 0 (the
  // default) x = 3 plus that tail: c_k = sum Re(b nu^k) with the known poles that still
  // matter there, amplitudes fitted to the window's second half.
  const double relax = 1.0 / (2.0 * -plan.floquet().slowest_rate);
  const bool auto_window = opt.D_window == 0.0;
  const double x0 = auto_window ? kMinWindowX : opt.D_window;
  const auto w_min = static_cast<std::size_t>(std::ceil(x0 * relax / sample_time));
  const std::vector<std::complex<double>> poles =
      auto_window ? autocovariance_poles(plan) : std::vector<std::complex<double>>{};
  std::vector<double> reps;
  DSymEstimate e;
  e.sym =
      variance_rate(units, sample_time, 10.0, W, &trunc, w_min, &reps, poles, &e.tail, sr.threads);
  e.window_tail = window_tail_check(units, sample_time, relax, x0, auto_window, e.sym, reps, *W,
                                    key, warnings, sr.threads);
  e.window = x0;
  if (agg) {
    agg->D_sym[static_cast<std::size_t>(which)] = e.sym.value;
    agg->D_sym_replicas[static_cast<std::size_t>(which)] = reps;
  }
  truncated = truncated || trunc;
  UnitSeries s(U, std::vector<std::vector<double>>(NT, std::vector<double>(nb)));
  for (int u = 0; u < U; ++u)
    for (int t = 0; t < NT; ++t)
      for (std::int64_t b = 0; b < nb; ++b) {
        const double* v = sr.block(u, t, b);
        s[u][t][b] = which == 0 ? v[kPA] : which == 1 ? v[kPB] : v[kPA] + v[kPB];
      }
  e.batch = variance_rate_batch(s, block_time, static_cast<std::size_t>(batch_blocks));
  return e;
}

/// Symmetrised (classical-sampling) part of the long-time variance rates, Eq. 6:
/// D_sym = lim Var(int P)/t from the autocovariance of the block means (main estimate) and
/// from batch means (check).  Only whole blocks of equal length enter.
DSymEstimates D_sym_estimates(const SimulationPlan& plan, const SampledRun& sr,
                              std::int64_t batch_blocks, UnitAggregates* agg,
                              std::vector<std::string>& warnings) {
  DSymEstimates d;
  std::size_t window = 0;
  bool truncated = false;
  for (int which = 0; which < 3; ++which) {
    std::size_t W = 0;
    d.power[static_cast<std::size_t>(which)] = D_sym_of(
        plan, sr, which, DSymEstimates::kKeys[which], batch_blocks, agg, truncated, &W, warnings);
    if (which == 0) window = W;
  }
  d.window_periods = static_cast<double>(window * plan.correlation_periods());
  d.sample_periods = static_cast<double>(plan.correlation_periods());
  if (truncated)
    warnings.push_back(
        "fluctuations: the correlation window reached the largest stored lag; D_*_sym may miss "
        "the tail (longer runs do not help: report this)");
  return d;
}

/// Lag-1 correlation of consecutive batch means of P_A within a unit (should be ~0).
double lag1_correlation(const std::vector<double>& x, const std::vector<double>& y) {
  double mx = 0, my = 0;
  const std::size_t L = x.size();
  for (std::size_t i = 0; i < L; ++i) {
    mx += x[i];
    my += y[i];
  }
  double sxy = 0, sxx = 0, syy = 0;
  if (L > 2) {
    mx /= L;
    my /= L;
    for (std::size_t i = 0; i < L; ++i) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
  }
  return (L > 2 && sxx > 0 && syy > 0) ? sxy / std::sqrt(sxx * syy) : kNaN;
}

/// The run description: grid, lengths, seed, noise plans, batches, autocorrelation, and the
/// antithetic variance reduction factors (var of a trajectory's mean / 2 over a pair's).
RunDescription describe_run(const SimulationPlan& plan, const SampledRun& sr,
                            std::int64_t batch_blocks, const BatchMeans& bm, double tau_periods) {
  const SimulationOptions& opt = plan.options();
  RunDescription d;
  d.dt = plan.dt();
  d.steps_per_period = plan.steps_per_period();
  d.periods = opt.periods;
  d.warmup_periods = plan.warmup_periods();
  d.warmup_time = static_cast<double>(plan.warmup_periods()) * plan.params().period();
  d.trajectories = opt.trajectories;
  d.seed = opt.seed;
  d.antithetic = opt.antithetic;
  d.jackknife_units = sr.U;
  d.simpson_quadrature = plan.half_step_propagator() != nullptr;
  d.floquet_slowest_rate = plan.floquet().slowest_rate;
  d.band_limit = plan.static_noise().band_limit();
  d.noise_taps_static = plan.static_noise().taps();
  if (plan.driven_noise()) d.noise_taps_driven = plan.driven_noise()->taps();
  d.propagator_substeps = plan.propagator().substeps();
  d.batch_periods = batch_blocks * sr.bl.len;
  d.n_batches = bm.unit_samples.size();
  d.tau_int_periods = tau_periods;
  d.batch_over_tau = static_cast<double>(batch_blocks * sr.bl.len) / tau_periods;
  d.n_eff = static_cast<double>(sr.U) * static_cast<double>(opt.periods) / (2.0 * tau_periods);
  d.batch_lag1_corr = lag1_correlation(bm.lag1_x, bm.lag1_y);
  if (sr.NT == 2 && !plan.driven_bath_off()) {
    std::array<double, 3> vrf{};
    for (auto [i, o] : {std::pair{0, kPA}, {1, kPB}, {2, kJ1}})
      vrf[static_cast<std::size_t>(i)] =
          bm.traj_samples.variance(o) / 2.0 / bm.unit_samples.variance(o);
    d.antithetic_vrf = vrf;
  }
  return d;
}

/// The mean estimates (the table, then the driven run's diagnostics) by the jackknife over the
/// units' batch means.
std::vector<MeanEstimate> mean_estimates(const ModelParams& p, bool off, const BatchMeans& bm) {
  std::vector<MeanEstimate> v;
  auto est = [&](const std::string& key,
                 const std::function<double(const std::vector<double>&)>& f) {
    const Estimate e = jackknife(bm.unit_samples, f);
    v.push_back({key, e.value, e.se, std::nullopt, std::nullopt});
  };
  for (const MeanEstimator& me : mean_estimators(p, off)) est(me.key, me.f);
  if (!off) {
    est("J_2_direct", [](const auto& m) { return m[kJ2d]; });
    est("first_law_residual", [](const auto& m) { return m[kPA] + m[kPB] + m[kJ1] + m[kJ2d]; });
  }
  return v;
}

}  // namespace

RunEstimates detail::estimate_run(const SimulationPlan& plan, const SampledRun& sr,
                                  UnitAggregates* agg, std::chrono::steady_clock::time_point t0) {
  const SimulationOptions& opt = plan.options();
  const int U = sr.U;
  const double tau_periods = tau_int_blocks(sr) * static_cast<double>(sr.bl.len);
  const std::int64_t batch_blocks = batch_blocks_of(plan, sr.bl, tau_periods);
  const BatchMeans bm = batch_means(sr, batch_blocks, opt.periods);
  const bool off = plan.driven_bath_off();

  RunEstimates e;
  e.warnings = plan.warnings();  // then the run's own, in the order found
  e.means = mean_estimates(plan.params(), off, bm);
  if (agg && !off) fill_unit_aggregates(sr, opt.periods, *agg);
  if (!off) e.D = D_sym_estimates(plan, sr, batch_blocks, agg, e.warnings);
  e.run = describe_run(plan, sr, batch_blocks, bm, tau_periods);
  // Few batches per unit make the errors themselves uncertain, and low (docs/SIMULATION.md).
  if (U > 0 && static_cast<double>(bm.unit_samples.size()) / U < kMinBatchesPerUnit)
    e.warnings.push_back(
        "errors: only " + std::to_string(bm.unit_samples.size() / static_cast<std::size_t>(U)) +
        " batches per unit (batches must span >= 20 relaxation times and 10 tau_int): the "
        "standard errors are uncertain and tend to be low: run more periods");
  if (e.run.antithetic_vrf && (*e.run.antithetic_vrf)[0] < 1.0)
    e.warnings.push_back("antithetic pairs did not reduce the variance of P_A (factor " +
                         std::to_string((*e.run.antithetic_vrf)[0]) +
                         ", a pair costs ~1.5 single trajectories, not 2): the slow mode "
                         "dominates, simulation.antithetic = false may be as good");
  e.cost.steps_total = static_cast<double>(plan.steps_total());
  e.cost.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

const MeanEstimate* RunEstimates::mean(const std::string& key) const {
  for (const MeanEstimate& m : means)
    if (m.key == key) return &m;
  return nullptr;
}

MeanEstimate* RunEstimates::mean(const std::string& key) {
  for (MeanEstimate& m : means)
    if (m.key == key) return &m;
  return nullptr;
}

}  // namespace synctur
