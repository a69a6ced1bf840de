// The time-domain engine: trajectories of the coupled generalized Langevin equations
// (state_space.hpp) driven by synthesised quantum noise (noise.hpp), integrated with the exact
// per-phase step maps (propagator.hpp), and period-averaged observables with standard errors.
//
// Data flow of a run (docs/SIMULATION.md):
//   SimulationPlan(p, opt)   validates, picks dt = T/n, builds the step maps, checks the
//                            Floquet multipliers (throws NoSteadyStateError when a mode grows),
//                            picks the warm-up, builds one NoisePlan per bath;
//   simulate(plan, ctx)      runs "units" (an antithetic pair of trajectories, or one
//                            trajectory) in parallel; every unit's noise is a pure function of
//                            (seed, unit, bath), and the reduction is done in unit order, so
//                            the result is bit-identical for any thread count;
//   -> RunEstimates          typed estimates (simulation_estimates.hpp), each with its
//                            standard error; SimulationJob::run combines the runs of a point
//                            into SimulationEstimates;
//   to_results               the key vocabulary of docs/KEYS.md (same names as `synctur
//                            theory`), once, at the edge (the CLI, Python, validate).
//
// Units: hbar = k_B = 1; frequencies, rates and temperatures in the same unit (omega_A = 1 in
// the shipped inputs); times in its inverse; powers and heat currents [energy/time].
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "synctur/dynamics/floquet.hpp"
#include "synctur/dynamics/propagator.hpp"
#include "synctur/engines/checkpoint.hpp"
#include "synctur/engines/simulation_estimates.hpp"
#include "synctur/engines/simulation_options.hpp"
#include "synctur/noise/noise.hpp"
#include "synctur/numerics/distribution.hpp"
#include "synctur/numerics/execution_context.hpp"
#include "synctur/numerics/results.hpp"
#include "synctur/physics/model.hpp"

namespace synctur {

class ExactCache;  // exact.hpp

/// Everything a run needs, fixed before the first step.  Immutable; shared by all threads.
class SimulationPlan {
 public:
  /// Throws std::invalid_argument for invalid p or opt (message "key: reason"), and
  /// NoSteadyStateError (floquet.hpp) when the noise-free periodic system has a growing or
  /// marginal Floquet mode.  `driven_bath_off`: gamma_1 = 0 and xi_1 = 0 (static bath only;
  /// the Pearson coefficients of Eqs. 11, 25); the time grid (Omega, n) is kept.
  SimulationPlan(const ModelParams& p, const SimulationOptions& opt, bool driven_bath_off = false);

  const ModelParams& params() const { return p_; }
  const SimulationOptions& options() const { return opt_; }
  bool driven_bath_off() const { return off_; }
  int steps_per_period() const { return prop_->steps_per_period(); }
  double dt() const { return prop_->dt(); }  ///< [time]
  std::int64_t warmup_periods() const { return warmup_; }
  std::int64_t batch_periods() const { return batch_; }  ///< 0 = decided after the run
  /// The powers enter the fluctuation estimate as means over this many periods [count] ...
  std::int64_t correlation_periods() const { return corr_periods_; }
  /// ... with streaming autocovariances up to this many such samples [count].
  std::int64_t correlation_lags() const { return corr_lags_; }
  const Propagator& propagator() const { return *prop_; }
  /// Half-step maps (2n steps per period) for the mid-step observables of Simpson's rule, or
  /// nullptr when SimulationOptions::quadrature is "left".
  const Propagator* half_step_propagator() const { return half_.get(); }
  const FloquetSpectrum& floquet() const { return floquet_; }
  const NoisePlan* driven_noise() const { return noise1_.get(); }  ///< null when bath off
  const NoisePlan& static_noise() const { return *noise2_; }
  /// Problems of the band choice (check_band_limit) as one-line warnings.
  const std::vector<std::string>& warnings() const { return warnings_; }

  int units() const;  ///< independent units: pairs (antithetic) or trajectories
  int trajectories_per_unit() const { return opt_.antithetic ? 2 : 1; }
  /// Trajectory-steps of the whole run, warm-up included.
  std::uint64_t steps_total() const;
  /// Number of progress ticks simulate() will report (one per chunk of steps of a unit).
  std::uint64_t progress_ticks() const;

 private:
  ModelParams p_;
  SimulationOptions opt_;
  bool off_;
  std::unique_ptr<Propagator> prop_;
  std::unique_ptr<Propagator> half_;
  FloquetSpectrum floquet_;
  std::int64_t warmup_ = 0, batch_ = 0, corr_periods_ = 1, corr_lags_ = 64;
  std::unique_ptr<NoisePlan> noise1_, noise2_;
  std::vector<std::string> warnings_;
};

/// The period-block means of every trajectory of one run (`synctur simulate --series`,
/// docs/CHECKPOINT.md): the raw samples behind the means, for users' own statistics.  They are
/// classical samples of the symmetrised noise: a quantum D from them needs the commutator
/// term D_comm (docs/FLUCTUATIONS.md).  Uncorrected: the scheme offsets (<key>_bias) are not
/// removed.
struct BlockSeries {
  /// The observables of a block mean, in order: the powers and heat currents [energy/time],
  /// then x_A^2, x_B^2, x_A x_B [length^2] (whose means are the cov_* keys).
  static constexpr const char* kColumns[] = {"P_A",      "P_B",      "J_1",     "J_2_direct",
                                             "cov_xAxA", "cov_xBxB", "cov_xAxB"};
  static constexpr int kNColumns = 7;
  std::string run;  ///< "main", "bath_off", "omega_plus", "omega_minus"
  double Omega = 0.0, dt = 0.0;
  int units = 0, trajectories_per_unit = 1;
  std::int64_t block_periods = 0, blocks = 0, periods = 0;  ///< block b has periods_in(b)
  std::vector<double> means;                                ///< [unit][trajectory][block][column]
  std::int64_t periods_in(std::int64_t b) const {
    return b + 1 < blocks ? block_periods : periods - b * block_periods;
  }
  const double* at(int u, int t, std::int64_t b) const {
    return means.data() +
           ((static_cast<std::size_t>(u) * static_cast<std::size_t>(trajectories_per_unit) +
             static_cast<std::size_t>(t)) *
                static_cast<std::size_t>(blocks) +
            static_cast<std::size_t>(b)) *
               kNColumns;
  }
};

/// Per-unit aggregates of a run, for estimates that combine several runs or the fluctuations
/// with the means (delete-one-unit jackknife with all covariances).
struct UnitAggregates {
  /// Order of the observables in `means`.
  static constexpr const char* kKeys[] = {"P_A", "P_B", "J_1"};
  std::vector<std::array<double, 3>> means;           ///< per unit, period-weighted [energy/time]
  std::vector<double> weights;                        ///< per unit: measured periods [count]
  std::array<double, 3> D_sym{};                      ///< D_PA_sym, D_PB_sym, D_P_sym (all units)
  std::array<std::vector<double>, 3> D_sym_replicas;  ///< the same without unit u
  /// Means of observable c without unit u (u = -1: all units).
  double mean_without(int u, int c) const;
  /// When set, simulate_run() stores the run's block means there (at the plan's unit mass).
  BlockSeries* series = nullptr;
};

/// Run the plan on ctx.threads OpenMP threads; ctx.tick() after each chunk of steps of any unit
/// (from any thread; SimulationPlan::progress_ticks() of them in all, this process's share
/// under a distribution).  The estimates (RunEstimates, in the plan's units):
///   means: P_A P_B P J_1 J_2 S_dot eta cov_xAxA cov_xBxB cov_xAxB pearson_driven
///   pearson_tilde_driven (cov_* pearson pearson_tilde for a driven-bath-off plan), each with
///   its se, then J_2_direct (diagnostic, UV dominated) and first_law_residual = P + J_1 +
///   J_2_direct; D_sym of the powers (driven plans); the run description (grid, lengths, seed,
///   noise plans, batches, tau_int, n_eff, antithetic VRFs); the cost; the warnings.
/// With the driven bath off only the covariances and Pearson coefficients are meaningful.
/// With ctx.distribution (distribution.hpp) this process runs only its share of the units and
/// every process returns the same, bit-identical estimates (collective: all processes call it).
/// With a RunCheckpoint (checkpoint.hpp) the units resume from and publish their states as
/// run number `run` of the checkpoint; throws RunInterrupted when its stop flag was raised.
RunEstimates simulate_run(const SimulationPlan& plan, const ExecutionContext& ctx = {},
                          UnitAggregates* aggregates = nullptr, RunCheckpoint* checkpoint = nullptr,
                          int run = 0);

/// Edge convenience: to_results(simulate_run(...)), the keys of docs/KEYS.md.
Results simulate(const SimulationPlan& plan, const ExecutionContext& ctx = {},
                 UnitAggregates* aggregates = nullptr, RunCheckpoint* checkpoint = nullptr,
                 int run = 0);

/// A whole `synctur simulate` point: the driven run, plus (opt.pearson) the driven-bath-off
/// run for Eqs. 11, 25, plus (opt.omega_derivative) the paired runs at Omega (1 +- h) with the
/// same grid and seed (common random numbers) for dP_l/dOmega and the bound V_Pl (Eq. 26).
/// All plans are built (and checked) by the constructor.
class SimulationJob {
 public:
  SimulationJob(const ModelParams& p, const SimulationOptions& opt);
  /// Progress ticks of all runs (all units).
  std::uint64_t progress_ticks() const;
  /// The driven run's estimates with the combined ones (SimulationEstimates): the bath-off
  ///   run's (pearson, pearson_tilde, static covariances), the scheme offsets (removed per
  ///   simulation.bias), D = D_sym - D_comm and Q, dP_A_dOmega, dP_B_dOmega, V_PA, V_PB (paired
  ///   runs), each with its se by a delete-one-unit jackknife over the runs together; the
  ///   job's total cost.  In the job's units: the plans run at unit mass (with_unit_mass) and
  ///   the estimates whose key has mass_exponent -1 (the covariances, model.hpp) are divided by
  ///   the mass here, in the typed struct (to_results converts without rescaling).
  ///   Reports to ctx.progress: begin(progress_ticks(ctx)), a tick per chunk, sampled() when
  ///   the sampling of all runs is done (the deterministic post-processing follows).
  ///   With ctx.distribution every run's units are shared by the processes (collective); the
  ///   deterministic parts (offsets, D_comm) are computed by every process (no communication).
  ///   With a RunCheckpoint: every run resumes from and publishes to it, the final state is
  ///   written when the sampling is done; a stop writes it and rethrows RunInterrupted.
  SimulationEstimates run(const ExecutionContext& ctx = {},
                          RunCheckpoint* checkpoint = nullptr) const;
  /// Progress ticks this process reports (its share of the units of every run).
  std::uint64_t progress_ticks(const ExecutionContext& ctx) const;
  /// run() then stores every run's block means in *out (job order: main, bath_off,
  /// omega_plus, omega_minus), in the units of the output (cov_* columns at the job's mass).
  void collect_series(std::vector<BlockSeries>* out) { series_ = out; }
  /// run() then takes its exact solves (the continuum references of the scheme offsets, the
  /// band offsets of D_sym) from *cache and leaves them there, for the caller's own exact
  /// solves at the same point (simulate's references exact_*, validate's exact column).
  void share_exact(ExactCache* cache) { cache_ = cache; }

 private:
  SimulationEstimates run_all(const ExecutionContext& ctx, RunCheckpoint* ck) const;
  ModelParams p_;
  SimulationOptions opt_;
  std::unique_ptr<SimulationPlan> main_, off_, plus_, minus_;
  std::vector<BlockSeries>* series_ = nullptr;
  ExactCache* cache_ = nullptr;
};

/// Edge convenience: to_results(SimulationJob(p, opt).run(ctx)), the keys of docs/KEYS.md.
Results simulate(const ModelParams& p, const SimulationOptions& opt,
                 const ExecutionContext& ctx = {});

}  // namespace synctur
