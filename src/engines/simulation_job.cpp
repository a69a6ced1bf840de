// SimulationJob: a whole `synctur simulate` point from its runs (driven; bath-off for Eqs. 11,
// 25; Omega (1 +- h) for Eq. 26): sampling of all runs first, then the combination into
// SimulationEstimates: the scheme offsets (<key>_bias, removed per simulation.bias), D = D_sym -
// D_comm and the TUR ratios, the Omega derivatives, the job's cost (summed once), the mass.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "dynamics/step_sampling.hpp"
#include "synctur/dynamics/commutator.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/scheme_expectation.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/numerics/batch_stats.hpp"

namespace synctur {
namespace {

using Offsets = std::vector<std::pair<std::string, double>>;

/// Records the scheme offsets as the means' bias and, when `correct`, removes them: the value
/// becomes uncorrected - bias (same standard error: the offset is deterministic).
void apply_offsets(RunEstimates& run, const Offsets& offs, bool correct) {
  for (const auto& [k, b] : offs) {
    MeanEstimate* m = run.mean(k);
    if (!m) continue;
    m->bias = b;
    if (!correct) continue;
    m->uncorrected = m->value;
    m->value = m->value - b;
  }
}

/// With simulation.bias = "estimate": names every quantity whose offset is larger than a
/// quarter of its standard error (the run is precise enough to see its own bias), in a warning
/// appended to `warnings`.
/// Names as in the output: the driven run's pearson* are *_driven, the bath-off run's
/// covariances cov_*_static.
void warn_visible_offsets(const RunEstimates& run, const Offsets& offs, bool bath_off,
                          std::vector<std::string>& warnings) {
  std::string names;
  for (const auto& [k, b] : offs) {
    const MeanEstimate* m = run.mean(k);
    const double se = m ? m->se : 0.0;
    if (!(se > 0.0) || std::abs(b) <= 0.25 * se) continue;
    std::string name = k;
    if (!bath_off && k.rfind("pearson", 0) == 0) name += "_driven";
    if (bath_off && k.rfind("cov_", 0) == 0) name += "_static";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%s (%.2g se)", names.empty() ? "" : ", ", name.c_str(),
                  b / se);
    names += buf;
  }
  if (!names.empty())
    warnings.push_back(
        "bias: the discretisation offsets of " + names +
        " exceed se/4 and are NOT removed (simulation.bias = \"estimate\"): use "
        "simulation.bias = \"correct\" (exact removal, the default), or a smaller "
        "dt (simulation.dt_accuracy, steps_per_period) and a wider noise.band_limit");
}

/// Removes the offsets of P_A, P_B, J_1 from every unit's means (the jackknifed combinations
/// Q, V, dP/dOmega are then built from corrected means).
void correct_unit_means(UnitAggregates& a, const Offsets& offs) {
  for (const auto& [k, b] : offs)
    for (int c = 0; c < 3; ++c)
      if (k == UnitAggregates::kKeys[c])
        for (auto& m : a.means) m[static_cast<std::size_t>(c)] -= b;
}

/// One exact solve, through the cache when there is one (SimulationJob::share_exact).
ExactResult exact_solve(const ModelParams& p, const ExactOptions& eo, ExactCache* cache) {
  return cache ? cache->get(p, eo) : exact_point(p, eo);
}

/// D_PA_sym, D_PB_sym, D_P_sym of an exact result (NaN without a steady state).
std::array<double, 3> exact_D_sym(const ExactResult& r) {
  std::array<double, 3> out;
  out.fill(std::numeric_limits<double>::quiet_NaN());
  if (r.steady && r.steady->fluctuations)
    for (std::size_t i = 0; i < 3; ++i) out[i] = (*r.steady->fluctuations)[i].D_sym;
  return out;
}

/// The band-limit part of the offset of D_PA_sym, D_PB_sym, D_P_sym: the exact steady state
/// with the plan's band-limited noise spectra (ExactOptions::noise_band_limit) minus the
/// unbanded one.  The time-step part is not included (measured below 0.05%: SIMULATION.md).
std::array<double, 3> band_offsets_of_D(const SimulationPlan& plan, ExactCache* cache) {
  ExactOptions eo;
  eo.omega_derivative = false;
  const std::array<double, 3> full = exact_D_sym(exact_solve(plan.params(), eo, cache));
  const NoiseOptions& no = plan.options().noise;
  eo.noise_band_limit = plan.static_noise().band_limit();
  eo.noise_taper = no.taper;
  eo.noise_taper_shape = no.taper_shape;
  const std::array<double, 3> band = exact_D_sym(exact_solve(plan.params(), eo, cache));
  std::array<double, 3> out{};
  for (std::size_t i = 0; i < 3; ++i) out[i] = band[i] - full[i];
  return out;
}

/// The continuum reference of a driven plan's means: the exact steady state (means only), as
/// the keys of the mean-estimator table (scheme_offsets).
Results exact_means(const ModelParams& p, ExactCache* cache) {
  ExactOptions eo;
  eo.fluctuations = false;
  eo.omega_derivative = false;
  return to_results(exact_solve(p, eo, cache));
}

/// Issue 16: what the statistics and the potential mean for the job (docs/KEYS.md):
/// classical (D = D_sym), semiclassical (quantum noise with lambda != 0) with one warning line,
/// and a warning when simulation.bias cannot be applied (lambda != 0).
void statistics_notes(SimulationEstimates& e, const ModelParams& p, const SimulationOptions& opt) {
  e.classical = p.classical;
  if (!p.quartic()) return;
  if (!p.classical) {
    e.semiclassical = true;
    e.warnings.push_back(
        "semiclassical: quantum noise with system.quartic_A/B != 0 is the 'quantum "
        "thermal bath' approximation, exact for linear oscillators only (zero-point "
        "energy can leak between modes, D_comm is the linear part's): docs/CLASSICAL.md");
  }
  if (opt.bias != "off")
    e.warnings.push_back(
        "bias: no discretisation offsets for system.quartic_A/B != 0 (the scheme "
        "expectation is linear): the means are NOT corrected, check dt convergence "
        "(simulation.dt_accuracy)");
}

}  // namespace

SimulationJob::SimulationJob(const ModelParams& p, const SimulationOptions& opt)
    : p_(p), opt_(opt) {
  // Mass-scaled coordinates (model.hpp, with_unit_mass): every plan runs at m = 1 and run()
  // rescales the length^2 keys by 1/m, so the same physics gives the same numbers at any mass.
  const ModelParams p1 = with_unit_mass(p);
  main_ = std::make_unique<SimulationPlan>(p1, opt);
  if (opt.pearson) {
    // The bath-off run gives only covariances (Pearson), which the in-step quadrature does not
    // change (docs/SIMULATION.md): grid points suffice there, 30% cheaper.
    SimulationOptions o = opt;
    o.quadrature = "left";
    off_ = std::make_unique<SimulationPlan>(p1, o, /*driven_bath_off=*/true);
  }
  if (opt.omega_derivative) {
    // Same grid (n), seed and band limit: the noise of the shifted runs is the same white noise
    // through slightly different filters (common random numbers).
    SimulationOptions o = opt;
    o.steps_per_period = main_->steps_per_period();
    if (o.noise.band_limit <= 0.0) o.noise.band_limit = main_->static_noise().band_limit();
    ModelParams q = p1;
    q.Omega = p1.Omega * (1.0 + opt.omega_step);
    plus_ = std::make_unique<SimulationPlan>(q, o);
    q.Omega = p1.Omega * (1.0 - opt.omega_step);
    minus_ = std::make_unique<SimulationPlan>(q, o);
  }
}

std::uint64_t SimulationJob::progress_ticks(const ExecutionContext& ctx) const {
  const std::uint64_t all = progress_ticks();
  if (ctx.processes() == 1) return all;
  const int U = main_->units();  // every run of the job has the same units
  return all / static_cast<std::uint64_t>(U) *
         static_cast<std::uint64_t>(ctx.distribution->owned_count(U));
}

std::uint64_t SimulationJob::progress_ticks() const {
  std::uint64_t t = main_->progress_ticks();
  for (const auto* pl : {off_.get(), plus_.get(), minus_.get()})
    if (pl) t += pl->progress_ticks();
  return t;
}

SimulationEstimates SimulationJob::run(const ExecutionContext& ctx, RunCheckpoint* ck) const {
  ctx.begin(progress_ticks(ctx));
  if (!ck) return run_all(ctx, nullptr);
  try {
    return run_all(ctx, ck);
  } catch (const RunInterrupted&) {
    ck->write_now();
    throw;
  }
}

namespace {

/// f(-1) (all units) with the jackknife error of f(u) (unit u deleted), u < U.
Estimate jackknifed(int U, const std::function<double(int)>& f) {
  std::vector<double> reps(static_cast<std::size_t>(U));
  for (int u = 0; u < U; ++u) reps[static_cast<std::size_t>(u)] = f(u);
  return {f(-1), jackknife_se(reps)};
}

/// The band-limit part of D_sym's offset (D_comm is exact on the grid): D_*_sym's bias, removed
/// from D_*_sym and its replicas when correcting.
void D_sym_band_offsets(const SimulationPlan& plan, ExactCache* cache, bool correct,
                        DSymEstimates& D, UnitAggregates& a0) {
  const std::array<double, 3> b = band_offsets_of_D(plan, cache);
  for (std::size_t i = 0; i < 3; ++i) {
    DSymEstimate& d = D.power[i];
    d.bias = b[i];
    if (!correct) continue;
    d.uncorrected = d.sym.value;
    d.sym.value = d.sym.value - b[i];
    a0.D_sym[i] -= b[i];
    for (double& v : a0.D_sym_replicas[i]) v -= b[i];
  }
}

/// Quantum fluctuations D = D_sym - D_comm (docs/FLUCTUATIONS.md) and the TUR ratios
/// Q = S_dot D / O^2 (Eq. 7), errors by the joint jackknife (covariances of S_dot, D, O).
/// Classical statistics: no commutator part, D = D_sym (D_*_comm = 0 exactly).  D_sym's offset
/// (D_sym: the main run's) is D's.
std::array<FluctuationEstimate, 3> fluctuations(const ModelParams& p, const SimulationPlan& plan,
                                                const UnitAggregates& a0,
                                                const DSymEstimates& D_sym, bool correct) {
  const int U = static_cast<int>(a0.means.size());
  const CommutatorResult c =
      p.classical ? CommutatorResult{} : commutator_fluctuations(plan.propagator());
  const double comm[3] = {c.D_PA_comm, c.D_PB_comm, c.D_P_comm};
  const double err[3] = {c.D_PA_err, c.D_PB_err, c.D_P_err};
  const double T1 = p.T_1, T2 = p.T_2;
  auto sdot = [&](int u) {  // S_dot as in mean_estimators (+-inf at a zero temperature)
    const double PA = a0.mean_without(u, 0), PB = a0.mean_without(u, 1);
    const double J1 = a0.mean_without(u, 2), J2 = -(PA + PB) - J1;
    return -J1 / T1 - J2 / T2;
  };
  std::array<FluctuationEstimate, 3> out;
  for (int i = 0; i < 3; ++i) {
    FluctuationEstimate& f = out[static_cast<std::size_t>(i)];
    f.comm = comm[i];
    // D_comm is deterministic: its error bar is the numerical one (no sampling error).
    f.comm_err = std::isfinite(err[i]) ? err[i] : 0.0;
    auto D = [&, i](int u) {
      const double s = u < 0 ? a0.D_sym[i] : a0.D_sym_replicas[i][static_cast<std::size_t>(u)];
      return s - comm[i];
    };
    f.D = jackknifed(U, D);
    f.D.se = std::hypot(f.D.se, f.comm_err);
    if (const auto& b = D_sym.power[static_cast<std::size_t>(i)].bias) {  // D = D_sym - D_comm
      f.bias = *b;
      if (correct) f.uncorrected = f.D.value + *b;
    }
    auto O = [&, i](int u) {
      return i == 2 ? a0.mean_without(u, 0) + a0.mean_without(u, 1) : a0.mean_without(u, i);
    };
    f.Q = jackknifed(U, [&](int u) {
      const double o = O(u);
      return sdot(u) * D(u) / (o * o);
    });
  }
  return out;
}

/// Eq. 26 from the runs at Omega (1 +- h): dP_l/dOmega and V_Pl with joint jackknife errors.
OmegaDerivative omega_derivative(double Omega, double h, const UnitAggregates& a0,
                                 const UnitAggregates& ap, const UnitAggregates& am) {
  const int U = static_cast<int>(a0.means.size());
  OmegaDerivative od;
  for (int l = 0; l < 2; ++l) {
    auto deriv = [&, l](int u) {
      return (ap.mean_without(u, l) - am.mean_without(u, l)) / (2.0 * h * Omega);
    };
    od.dP_dOmega[static_cast<std::size_t>(l)] = jackknifed(U, deriv);
    od.V_P[static_cast<std::size_t>(l)] = jackknifed(U, [&, l](int u) {
      const double x = 1.0 - Omega * deriv(u) / a0.mean_without(u, l);
      return 2.0 * x * x;
    });
  }
  od.omega_step = h;
  return od;
}

/// The plans run at unit mass (constructor): the mean estimates of dimension length^2 (their
/// key's mass_exponent, model.hpp: the covariances) scale as 1/m, with their se and offsets.
void to_job_mass(SimulationEstimates& e, double mass) {
  if (mass == 1.0) return;
  auto scale = [mass](RunEstimates& run) {
    for (MeanEstimate& m : run.means) {
      if (mass_exponent(m.key) != -1) continue;
      m.value = m.value / mass;
      m.se = m.se / mass;
      if (m.bias) m.bias = *m.bias / mass;
      if (m.uncorrected) m.uncorrected = *m.uncorrected / mass;
    }
  };
  scale(e.main);
  if (e.bath_off) scale(*e.bath_off);
}

/// --series (SimulationJob::collect_series): one BlockSeries per run in `runs` (main,
/// bath-off, Omega+, Omega-; null: no such run, and none after a null Omega+), each filled by
/// simulate_run() through its UnitAggregates.
void attach_series(std::vector<BlockSeries>& out, const std::array<UnitAggregates*, 4>& runs) {
  static const char* names[4] = {"main", "bath_off", "omega_plus", "omega_minus"};
  out.clear();
  out.reserve(4);  // no reallocation: the aggregates point into it
  for (std::size_t i = 0; i < 4; ++i) {
    if (!runs[i] || (i == 3 && !runs[2])) continue;
    out.emplace_back().run = names[i];
    runs[i]->series = &out.back();
  }
}

/// The plans run at unit mass (constructor): x^2 = x~^2 / m (model.hpp, with_unit_mass).
void series_to_mass(std::vector<BlockSeries>& out, double mass) {
  if (mass == 1.0) return;
  for (BlockSeries& bs : out)
    for (std::size_t i = 0; i < bs.means.size(); ++i)
      if (i % detail::kNObs >= static_cast<std::size_t>(detail::kXAXA)) bs.means[i] /= mass;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

SimulationEstimates SimulationJob::run_all(const ExecutionContext& ctx, RunCheckpoint* ck) const {
  // The scheme offsets are those of a linear scheme (scheme_expectation.hpp): none for a
  // quartic potential (quartic.hpp), whose runs carry the discretisation error uncorrected.
  const bool quartic = p_.quartic();
  const bool bias_on = opt_.bias != "off" && !quartic, correct = bias_on && opt_.bias == "correct";
  double bias_seconds = 0.0;
  // Offsets of a plan's means from the continuum (scheme_expectation.hpp), timed.
  auto offsets = [&](const SimulationPlan& plan, const Results& reference) {
    const auto t = std::chrono::steady_clock::now();
    Offsets o = scheme_offsets(plan, reference, ctx);
    bias_seconds += seconds_since(t);
    return o;
  };
  // Sampling first (all runs: a stop then loses no post-processing), then the estimates.
  UnitAggregates a0, ap, am, aq;
  if (series_) attach_series(*series_, {&a0, off_ ? &aq : nullptr, plus_ ? &ap : nullptr, &am});
  SimulationEstimates e;
  e.main = simulate_run(*main_, ctx, &a0, ck, 0);
  RunCost plus_cost, minus_cost;
  if (off_) e.bath_off = simulate_run(*off_, ctx, &aq, ck, 1);
  if (plus_) {
    plus_cost = simulate_run(*plus_, ctx, &ap, ck, 2).cost;
    minus_cost = simulate_run(*minus_, ctx, &am, ck, 3).cost;
  }
  if (ck) ck->write_now();  // the final state
  ctx.sampled();
  if (series_) series_to_mass(*series_, p_.mass);
  if (bias_on) {
    const Offsets o = offsets(*main_, exact_means(main_->params(), cache_));
    apply_offsets(e.main, o, correct);
    if (correct) correct_unit_means(a0, o);
    if (!correct) warn_visible_offsets(e.main, o, false, e.warnings);
  }
  if (off_ && bias_on) {
    // Bath 2 alone: theory's static covariances are exact at gamma_1 = 0.
    const Offsets o = offsets(*off_, to_results(theory_point(with_unit_mass(p_))));
    apply_offsets(*e.bath_off, o, correct);
    if (!correct) warn_visible_offsets(*e.bath_off, o, true, e.warnings);
  }
  e.bias_corrected = correct;
  statistics_notes(e, p_, opt_);
  if (opt_.commutator) {
    if (bias_on) {
      const auto t = std::chrono::steady_clock::now();
      D_sym_band_offsets(*main_, cache_, correct, *e.main.D, a0);
      bias_seconds += seconds_since(t);
    }
    const auto c0 = std::chrono::steady_clock::now();
    e.fluctuations = fluctuations(p_, *main_, a0, *e.main.D, correct);
    e.commutator_seconds = seconds_since(c0);
  }
  if (plus_) {
    if (correct) {
      correct_unit_means(ap, offsets(*plus_, exact_means(plus_->params(), cache_)));
      correct_unit_means(am, offsets(*minus_, exact_means(minus_->params(), cache_)));
    }
    e.omega = omega_derivative(p_.Omega, opt_.omega_step, a0, ap, am);
  }
  e.total = e.main.cost;  // the job's cost: its runs in job order
  for (const RunCost* c : {e.bath_off ? &e.bath_off->cost : nullptr, plus_ ? &plus_cost : nullptr,
                           plus_ ? &minus_cost : nullptr})
    if (c) {
      e.total.steps_total += c->steps_total;
      e.total.wall_s += c->wall_s;
    }
  if (bias_on) e.bias_seconds = bias_seconds;
  to_job_mass(e, p_.mass);
  return e;
}

Results simulate(const ModelParams& p, const SimulationOptions& opt, const ExecutionContext& ctx) {
  return to_results(SimulationJob(p, opt).run(ctx));
}

}  // namespace synctur
