// The "Config -> Results / table" step of each command, shared by the command-line front end
// (src/cli) and the Python module (python/): one implementation, so the CLI's JSON and the
// module's dicts have the same keys and the same bits.  No printing, no files, no exit codes,
// no progress display here: callers pass an ExecutionContext (threads, a ProgressSink for the
// counted ticks, the process group) and present the outcome.
//
// Moved from src/cli without change of behaviour (see docs/ARCHITECTURE.md):
//   model_row, run_sweep (minus its Progress), the table of emit_sweep  <- src/cli/common.cpp
//   the exact point with its steady-state check, the unstable-rows message <- src/cli/exact_cmd.cpp
//   kCompared, add_references, run_point (minus its Progress), the sweep loop
//                                                                        <-
//                                                                        src/cli/simulate_cmd.cpp
//   the body of validate_main between load and emit                      <-
//   src/cli/validate_cmd.cpp the body of noise_main between load and emit <- src/cli/noise_cmd.cpp
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/sweep.hpp"
#include "synctur/io/config.hpp"
#include "synctur/io/output.hpp"
#include "synctur/numerics/execution_context.hpp"
#include "synctur/numerics/results.hpp"

namespace synctur::app {

/// A bad command option (not a bad input): the CLI reports it as a usage error (exit 2).
struct OptionError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// --- point-or-sweep machinery (theory, exact) ----------------------------------------------
/// The model parameters of a point in model_keys() order (the leading output columns).
std::vector<double> model_row(const ModelParams& p);
/// Evaluate `solve` at every sweep point (OpenMP over points, dynamic schedule, ctx.threads
/// threads; results in sweep order, so the output does not depend on the thread count).  The
/// first exception is rethrown as std::runtime_error("sweep point i: ...").  Progress:
/// ctx.begin(points), ctx.poll() before and ctx.tick() after each point.  (ctx.distribution
/// is not used: the CLI deals whole points to the processes itself.)
std::vector<Results> run_sweep(const std::vector<SweepPoint>& pts, const ExecutionContext& ctx,
                               const std::function<Results(const ModelParams&)>& solve);
/// Sweep rows: model keys, the sweep's derived columns, then the result keys (results_table).
io::Table sweep_table(const io::Config& cfg, const std::vector<SweepPoint>& pts,
                      const std::vector<Results>& res);

// --- exact ----------------------------------------------------------------------------------
/// `synctur exact` at one point: exact_point() with its steady-state verdict as the text
/// steady_state_message.  Throws NoSteadyStateError (the Floquet verdict, the rate) when the
/// point has no periodic steady state.
Results exact_steady_point(const ModelParams& p, const ExactOptions& opt);
/// ExactOptions with the [exact] keys of cfg (exact.rtol, exact.atol_rel, exact.hill_tol).
ExactOptions exact_options(const io::Config& cfg);
/// "exact: n of N sweep points have no periodic steady state (...)" or "" when all have one.
std::string unstable_rows_message(const std::vector<Results>& res);

// --- simulate -------------------------------------------------------------------------------
/// Keys compared with `theory` and `exact` (same names in all three).
const std::vector<std::string>& compared_keys();
/// The references beside the simulation: <key>_theory (lowest order) and <key>_exact (the
/// exact periodic steady state at the simulated gamma_1).  With a cache, the exact solve is
/// taken from it when the job already made it (SimulationJob::share_exact).
void add_references(Results& r, const ModelParams& p, const io::Config& cfg,
                    ExactCache* cache = nullptr);
/// `synctur simulate` at one point: SimulationJob(p, cfg.simulation).run(ctx) (progress: the
/// job's begin, chunk ticks and sampled(), before the references are computed), converted
/// to the keys (to_results, simulation_estimates.hpp), plus the references.  With
/// ctx.distribution (MPI) the units are shared by the processes (collective).  With
/// `checkpoint` the run resumes from and writes checkpoints (engines/checkpoint.hpp).  With
/// `series` every run's block means are stored there (SimulationJob::collect_series).
Results simulate_point(const ModelParams& p, const io::Config& cfg,
                       const ExecutionContext& ctx = {}, RunCheckpoint* checkpoint = nullptr,
                       std::vector<BlockSeries>* series = nullptr);
/// `synctur simulate` over a sweep, one point after the other; a point without a periodic
/// steady state is a row with steady_state = 0 and floquet_slowest_rate.  Progress:
/// ctx.begin(points), a tick per point, ctx.poll() per chunk of steps.
std::vector<Results> simulate_sweep(const std::vector<SweepPoint>& pts, const io::Config& cfg,
                                    const ExecutionContext& ctx = {});

/// The SimulationJob of cfg.simulation at p.  A refusal of the run's size (InputRefusedError
/// naming a key) names `--set KEY` when that key came from a --set override.
SimulationJob make_job(const ModelParams& p, const io::Config& cfg);

// --- validate -------------------------------------------------------------------------------
struct ValidateOptions {
  double tolerance_z = 4.0;                ///< pass iff every |z| < tolerance_z (> 0)
  std::optional<long long> gamma1_levels;  ///< --gamma1-extrapolation K (2..10), or none
};
struct ValidateReport {
  Results out;         ///< the JSON object's result keys
  std::string text;    ///< the text-format table (--format text), complete
  bool passed = true;  ///< every |z| < tolerance_z
  int compared = 0;    ///< quantities counted
  std::size_t failed = 0;
  std::string failed_text;  ///< "P_A (z = +4.20), ..."
};
/// `synctur validate` at the base point of cfg.  Throws NoSteadyStateError; OptionError for a
/// bad gamma1_levels.  Progress: the main simulation's begin, chunk ticks and sampled(); the
/// extra gamma_1 levels' runs only poll() (not counted).
ValidateReport validate_point(const io::Config& cfg, const ValidateOptions& opt,
                              const ExecutionContext& ctx = {});

// --- noise ----------------------------------------------------------------------------------
struct NoiseReport {
  io::Table table;                   ///< bath,kind,x,value,se,target,expected,z (docs/NOISE.md)
  std::vector<std::string> summary;  ///< the lines the CLI prints on stderr after the output
};
/// `synctur noise` at the base point of cfg, on ctx.threads OpenMP threads.  Throws
/// io::ConfigError for inconsistent [noise] keys.
NoiseReport noise_report(const io::Config& cfg, const ExecutionContext& ctx = {});

}  // namespace synctur::app
