// What the time-domain engine returns, typed: the estimates of one run (simulate_run) and of a
// whole `synctur simulate` point (SimulationJob::run).  Inside the engine the estimates travel
// in these structs; the key vocabulary of docs/KEYS.md (Results) is produced once, at the edge,
// by to_results (src/engines/simulation_results.cpp).
//
// Units: as simulation.hpp.  A RunEstimates is in the units of its plan (SimulationJob's plans
// run at unit mass); SimulationEstimates is in the job's units (the length^2 estimates rescaled
// to the job's mass: see SimulationJob::run).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "synctur/numerics/batch_stats.hpp"
#include "synctur/numerics/results.hpp"

namespace synctur {

/// One mean estimate: a row of the engine's open table of (key, formula of the period-averaged
/// sample means) (P_A ... pearson_tilde_driven; pearson pearson_tilde cov_* of a bath-off run)
/// or a diagnostic (J_2_direct, first_law_residual).  `key` is the quantity's name (docs/KEYS.md).
struct MeanEstimate {
  std::string key;
  double value = 0.0;          ///< the estimate (offset removed when `uncorrected` is set)
  double se = 0.0;             ///< its jackknife standard error (the offset is deterministic)
  std::optional<double> bias;  ///< <key>_bias: the discretisation offset (scheme_offsets)
  std::optional<double> uncorrected;  ///< <key>_uncorrected: the value before its removal
};

/// The symmetrised long-time variance rate D_sym of one power (docs/SIMULATION.md section 4).
struct DSymEstimate {
  Estimate sym;                ///< D_*_sym: window + fitted tail [energy^2/time]
  double tail = 0.0;           ///< D_*_sym_tail: the fitted tail's part of it
  Estimate window_tail;        ///< D_*_sym_window_tail: a wider plain window minus sym (check)
  double window = 0.0;         ///< D_*_sym_window: the window [relaxation times]
  Estimate batch;              ///< D_*_sym_batch: from batch means (check)
  std::optional<double> bias;  ///< D_*_sym_bias: the band-limit part of the offset
  std::optional<double> uncorrected;  ///< D_*_sym_uncorrected
};

/// D_sym of the three powers, in the order P_A, P_B, P (keys D_PA_sym, D_PB_sym, D_P_sym).
struct DSymEstimates {
  static constexpr const char* kKeys[] = {"D_PA", "D_PB", "D_P"};
  std::array<DSymEstimate, 3> power;
  double window_periods = 0.0;  ///< D_window_periods: P_A's window [periods]
  double sample_periods = 0.0;  ///< D_sample_periods: periods per autocovariance sample
};

/// The run description: grid, lengths, seed, noise plans, batches, autocorrelation.
struct RunDescription {
  double dt = 0.0;  ///< [time]
  int steps_per_period = 0;
  std::int64_t periods = 0, warmup_periods = 0;
  double warmup_time = 0.0;  ///< [time]
  int trajectories = 0;
  std::uint64_t seed = 0;
  bool antithetic = false;
  int jackknife_units = 0;  ///< independent units behind every se (antithetic pair = 1)
  bool simpson_quadrature = false;
  double floquet_slowest_rate = 0.0, band_limit = 0.0;
  std::size_t noise_taps_static = 0;
  std::optional<std::size_t> noise_taps_driven;  ///< none for a driven-bath-off run
  int propagator_substeps = 0;
  std::int64_t batch_periods = 0;
  std::size_t n_batches = 0;
  double tau_int_periods = 0.0, batch_over_tau = 0.0, n_eff = 0.0, batch_lag1_corr = 0.0;
  /// antithetic_vrf_P_A, _P_B, _J_1 (antithetic pairs of a driven run only).
  std::optional<std::array<double, 3>> antithetic_vrf;
};

/// What a run (or a job: all its runs) cost.
struct RunCost {
  double steps_total = 0.0;  ///< trajectory-steps, warm-up included [count]
  double wall_s = 0.0;       ///< [s]
};

/// The estimates of one run (simulate_run, simulation.hpp).
struct RunEstimates {
  std::vector<MeanEstimate> means;  ///< the mean-estimator table's order, then the diagnostics
  std::optional<DSymEstimates> D;   ///< driven runs only
  RunDescription run;
  RunCost cost;
  std::vector<std::string> warnings;  ///< the plan's, then the run's
  /// The mean estimate named `key`, or nullptr.
  const MeanEstimate* mean(const std::string& key) const;
  MeanEstimate* mean(const std::string& key);
};

/// Quantum fluctuations of one power, D = D_sym - D_comm, and its TUR ratio Q.
struct FluctuationEstimate {
  double comm = 0.0;                  ///< D_*_comm (deterministic)
  double comm_err = 0.0;              ///< its numerical error (keys D_*_comm_err and D_*_comm_se)
  Estimate D;                         ///< D_*: se = jackknife (+) comm_err in quadrature
  std::optional<double> bias;         ///< D_*_bias (D_sym's)
  std::optional<double> uncorrected;  ///< D_*_uncorrected
  Estimate Q;                         ///< Q_*: S_dot D / O^2 (Eq. 7)
};

/// Eq. 26 from the paired runs at Omega (1 +- h), in the order A, B.
struct OmegaDerivative {
  std::array<Estimate, 2> dP_dOmega;  ///< dP_A_dOmega, dP_B_dOmega [energy]
  std::array<Estimate, 2> V_P;        ///< V_PA, V_PB
  double omega_step = 0.0;            ///< h
};

/// A whole `synctur simulate` point (SimulationJob::run).
struct SimulationEstimates {
  RunEstimates main;                     ///< the driven run (its cost: that run's alone)
  std::optional<RunEstimates> bath_off;  ///< pearson, pearson_tilde, cov_*_static come from it
  bool bias_corrected = false;           ///< the offsets were removed (simulation.bias)
  bool classical = false;                ///< classical statistics: D = D_sym
  bool semiclassical = false;            ///< quantum noise with a quartic potential
  std::optional<std::array<FluctuationEstimate, 3>> fluctuations;  ///< D_PA, D_PB, D_P
  std::optional<double> commutator_seconds;
  std::optional<OmegaDerivative> omega;
  std::optional<double> bias_seconds;
  RunCost total;                      ///< all runs of the job
  std::vector<std::string> warnings;  ///< the job's, after the main run's
};

/// The key vocabulary (docs/KEYS.md), in the order of the output: every estimate "X" with
/// "X_se", the offsets as "X_bias" / "X_uncorrected", the run description, the texts
/// "warnings" ("; "-separated) and "solver".  The only place the engine's keys are spelled
/// (apart from the mean-estimator table's names).
Results to_results(const RunEstimates& run);
/// The same for a job: the main run's keys with the job's total cost, its offsets, the bath-off
/// run's pearson, pearson_tilde and cov_*_static (with their offsets), the flags, the
/// fluctuations and the Omega derivatives.  The other runs' warnings are not reported.
Results to_results(const SimulationEstimates& job);

}  // namespace synctur
