// The "Config -> Results / table" step of each command, shared by the command-line front end
// (src/cli) and the Python module (python/): one implementation, so the CLI's JSON and the
// module's dicts have the same keys and the same bits.  No printing, no files, no exit codes,
// no progress display here: callers pass callbacks (counted ticks) and present the outcome.
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

#include "synctur/engines/distribution.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/sweep.hpp"
#include "synctur/io/config.hpp"
#include "synctur/io/output.hpp"
#include "synctur/numerics/results.hpp"

namespace synctur::app {

/// Called (from any thread) once per unit of work done: a sweep point or a chunk of steps.
using Tick = std::function<void()>;
/// Called once, before the work starts, with the number of ticks that will follow.
using Start = std::function<void(std::uint64_t total)>;

/// A bad command option (not a bad input): the CLI reports it as a usage error (exit 2).
struct OptionError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// --- point-or-sweep machinery (theory, exact) ----------------------------------------------
/// The model parameters of a point in model_keys() order (the leading output columns).
std::vector<double> model_row(const ModelParams& p);
/// Evaluate `solve` at every sweep point (OpenMP over points, dynamic schedule, `threads`
/// threads; results in sweep order, so the output does not depend on the thread count).  The
/// first exception is rethrown as std::runtime_error("sweep point i: ...").  `tick` after
/// each point.
std::vector<Results> run_sweep(const std::vector<SweepPoint>& pts, int threads,
                               const std::function<Results(const ModelParams&)>& solve,
                               const Tick& tick = {});
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
/// exact periodic steady state at the simulated gamma_1).
void add_references(Results& r, const ModelParams& p, const io::Config& cfg);
/// `synctur simulate` at one point: SimulationJob(p, cfg.simulation) run with `threads`
/// threads, plus the references.  `start` gets the number of chunk ticks before the run,
/// `sampled` is called when the sampling is done (before the references are computed).
/// With `dist` (distribution.hpp, MPI) the units are shared by the processes (collective).
/// With `checkpoint` the run resumes from and writes checkpoints (engines/checkpoint.hpp).
/// With `series` every run's block means are stored there (SimulationJob::collect_series).
Results simulate_point(const ModelParams& p, const io::Config& cfg, int threads,
                       const Tick& tick = {}, const Start& start = {}, const Tick& sampled = {},
                       const Distribution* dist = nullptr, RunCheckpoint* checkpoint = nullptr,
                       std::vector<BlockSeries>* series = nullptr);
/// `synctur simulate` over a sweep, one point after the other; a point without a periodic
/// steady state is a row with steady_state = 0 and floquet_slowest_rate.  `point_tick` after
/// each point, `chunk_tick` after each chunk of steps.
std::vector<Results> simulate_sweep(const std::vector<SweepPoint>& pts, const io::Config& cfg,
                                    int threads, const Tick& point_tick = {},
                                    const Tick& chunk_tick = {});

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
/// bad gamma1_levels.  `start` gets the number of chunk ticks of the main simulation, `sampled`
/// is called when it is done; `level_tick` per chunk of the extra gamma_1 levels' runs (not
/// counted by `start`).
ValidateReport validate_point(const io::Config& cfg, const ValidateOptions& opt, int threads,
                              const Tick& tick = {}, const Start& start = {},
                              const Tick& sampled = {}, const Tick& level_tick = {},
                              const Distribution* dist = nullptr);

// --- noise ----------------------------------------------------------------------------------
struct NoiseReport {
  io::Table table;                   ///< bath,kind,x,value,se,target,expected,z (docs/NOISE.md)
  std::vector<std::string> summary;  ///< the lines the CLI prints on stderr after the output
};
/// `synctur noise` at the base point of cfg, with `threads` OpenMP threads.  Throws
/// io::ConfigError for inconsistent [noise] keys.
NoiseReport noise_report(const io::Config& cfg, int threads);

}  // namespace synctur::app
