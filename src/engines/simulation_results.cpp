// The edge of the time-domain engine: its typed estimates (simulation_estimates.hpp) -> the key
// vocabulary (Results, docs/KEYS.md), in the order of the output.  Here, in the engines layer,
// because the names are the engine's (the same as theory's and exact's, which return Results
// themselves): io only formats Results, and every caller (app for the CLI and Python, validate,
// tests, benchmarks) gets the same keys from this one function.
#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "synctur/engines/simulation_estimates.hpp"

namespace synctur {
namespace {

/// "X", "X_se".
void put(Results& r, const std::string& key, const Estimate& e) {
  r.set(key, e.value, e.se);
}

/// The run's D_sym estimates and its window, D_*_sym_tail ... D_sample_periods.
void put_D_sym(Results& r, const DSymEstimates& D) {
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string K = DSymEstimates::kKeys[i];
    const DSymEstimate& d = D.power[i];
    r.set(K + "_sym_tail", d.tail);
    put(r, K + "_sym_window_tail", d.window_tail);
    put(r, K + "_sym", d.sym);
    r.set(K + "_sym_window", d.window);
    put(r, K + "_sym_batch", d.batch);
  }
  r.set("D_window_periods", D.window_periods);
  r.set("D_sample_periods", D.sample_periods);
}

void put_description(Results& r, const RunDescription& d) {
  r.set("dt", d.dt);
  r.set("steps_per_period", d.steps_per_period);
  r.set("periods", static_cast<double>(d.periods));
  r.set("warmup_periods", static_cast<double>(d.warmup_periods));
  r.set("warmup_time", d.warmup_time);
  r.set("trajectories", d.trajectories);
  r.set("seed", static_cast<double>(d.seed));
  r.set("antithetic", d.antithetic ? 1.0 : 0.0);
  r.set("jackknife_units", d.jackknife_units);
  r.set("simpson_quadrature", d.simpson_quadrature ? 1.0 : 0.0);
  r.set("floquet_slowest_rate", d.floquet_slowest_rate);
  r.set("band_limit", d.band_limit);
  r.set("noise_taps_static", static_cast<double>(d.noise_taps_static));
  if (d.noise_taps_driven) r.set("noise_taps_driven", static_cast<double>(*d.noise_taps_driven));
  r.set("propagator_substeps", d.propagator_substeps);
  r.set("batch_periods", static_cast<double>(d.batch_periods));
  r.set("n_batches", static_cast<double>(d.n_batches));
  r.set("tau_int_periods", d.tau_int_periods);
  r.set("batch_over_tau", d.batch_over_tau);
  r.set("n_eff", d.n_eff);
  r.set("batch_lag1_corr", d.batch_lag1_corr);
  if (d.antithetic_vrf) {
    const char* keys[3] = {"P_A", "P_B", "J_1"};
    for (std::size_t i = 0; i < 3; ++i)
      r.set(std::string("antithetic_vrf_") + keys[i], (*d.antithetic_vrf)[i]);
  }
}

/// A run's keys up to its cost (`cost`: the run's, or the job's total).
void put_run(Results& r, const RunEstimates& e, const RunCost& cost) {
  for (const MeanEstimate& m : e.means) r.set(m.key, m.value, m.se);
  if (e.D) put_D_sym(r, *e.D);
  put_description(r, e.run);
  r.set("steps_total", cost.steps_total);
  r.set("wall_s", cost.wall_s);
}

/// The means' <key>_bias, <key>_uncorrected.
void put_mean_offsets(Results& r, const std::vector<MeanEstimate>& means) {
  for (const MeanEstimate& m : means) {
    if (m.bias) r.set(m.key + "_bias", *m.bias);
    if (m.uncorrected) r.set(m.key + "_uncorrected", *m.uncorrected);
  }
}

/// D_*_sym_bias, D_*_sym_uncorrected.
void put_D_sym_offsets(Results& r, const DSymEstimates& D) {
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string K = std::string(DSymEstimates::kKeys[i]) + "_sym";
    if (D.power[i].bias) r.set(K + "_bias", *D.power[i].bias);
    if (D.power[i].uncorrected) r.set(K + "_uncorrected", *D.power[i].uncorrected);
  }
}

/// The bath-off run's mean `key` as `name`, with its offsets.
void put_bath_off_mean(Results& r, const RunEstimates& q, const std::string& key,
                       const std::string& name) {
  const MeanEstimate* m = q.mean(key);
  if (!m) throw std::logic_error("to_results: the bath-off run has no " + key);
  r.set(name, m->value, m->se);
  if (m->bias) r.set(name + "_bias", *m->bias);
  if (m->uncorrected) r.set(name + "_uncorrected", *m->uncorrected);
}

void put_fluctuations(Results& r, const std::array<FluctuationEstimate, 3>& fl) {
  const char* Q[3] = {"Q_PA", "Q_PB", "Q_P"};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string K = DSymEstimates::kKeys[i];
    const FluctuationEstimate& f = fl[i];
    r.set(K + "_comm", f.comm);
    r.set(K + "_comm_err", f.comm_err);
    r.set(K + "_comm_se", f.comm_err);  // deterministic: its error is the numerical one
    put(r, K, f.D);
    if (f.bias) r.set(K + "_bias", *f.bias);
    if (f.uncorrected) r.set(K + "_uncorrected", *f.uncorrected);
    put(r, Q[i], f.Q);
  }
}

void put_omega_derivative(Results& r, const OmegaDerivative& od) {
  const char* L[2] = {"A", "B"};
  for (std::size_t l = 0; l < 2; ++l) {
    put(r, std::string("dP_") + L[l] + "_dOmega", od.dP_dOmega[l]);
    put(r, std::string("V_P") + L[l], od.V_P[l]);
  }
  r.set("omega_step", od.omega_step);
}

/// "warnings" ("; "-separated: the run's, then the job's) and "solver"; the run's warnings come
/// before "solver", a job's alone after it.
void put_texts(Results& r, const std::vector<std::string>& run,
               const std::vector<std::string>& job) {
  std::string w;
  for (const auto& s : run) w += (w.empty() ? "" : "; ") + s;
  const bool before_solver = !w.empty();
  bool any = before_solver;
  for (const auto& s : job) {
    w = any ? w + "; " + s : s;
    any = true;
  }
  if (before_solver) r.set_text("warnings", w);
  r.set_text("solver", "simulate");
  if (!before_solver && any) r.set_text("warnings", w);
}

}  // namespace

Results to_results(const RunEstimates& run) {
  Results r;
  put_run(r, run, run.cost);
  put_mean_offsets(r, run.means);
  if (run.D) put_D_sym_offsets(r, *run.D);
  put_texts(r, run.warnings, {});
  return r;
}

Results to_results(const SimulationEstimates& job) {
  Results r;
  put_run(r, job.main, job.total);
  put_mean_offsets(r, job.main.means);
  if (job.bath_off) {
    // Eqs. 11, 25 are bath 2 only (the driven run's ratios are pearson_driven, ...).
    for (const char* key : {"pearson", "pearson_tilde"})
      put_bath_off_mean(r, *job.bath_off, key, key);
    for (const char* key : {"cov_xAxA", "cov_xBxB", "cov_xAxB"})
      put_bath_off_mean(r, *job.bath_off, key, std::string(key) + "_static");
  }
  r.set("bias_corrected", job.bias_corrected ? 1.0 : 0.0);
  if (job.classical) r.set("classical", 1.0);
  if (job.semiclassical) r.set("semiclassical", 1.0);
  if (job.main.D) put_D_sym_offsets(r, *job.main.D);
  if (job.fluctuations) put_fluctuations(r, *job.fluctuations);
  if (job.commutator_seconds) r.set("commutator_seconds", *job.commutator_seconds);
  if (job.omega) put_omega_derivative(r, *job.omega);
  if (job.bias_seconds) r.set("bias_seconds", *job.bias_seconds);
  put_texts(r, job.main.warnings, job.warnings);
  return r;
}

}  // namespace synctur
