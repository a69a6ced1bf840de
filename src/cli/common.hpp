// What every subcommand shares: option parsing, config loading, output, progress, errors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "synctur/app/commands.hpp"
#include "synctur/engines/sweep.hpp"
#include "synctur/io/config.hpp"
#include "synctur/io/output.hpp"

namespace synctur::cli {

/// Bad command line: reported as one line, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A command-specific option ("--w-min"); common options are added by parse_args.  A command
/// option with the name of a common one replaces it (validate's "--format" with metavar
/// "text|json": for --format the metavar lists the accepted values).
struct OptionSpec {
  std::string name;     ///< "--w-min"
  std::string metavar;  ///< "W" (empty: a flag without value)
  std::string help;
};

struct Args {
  std::string command;
  std::string config;             ///< the CONFIG positional argument
  std::vector<std::string> sets;  ///< --set k=v, in order
  std::string format;             ///< "json", "csv" or "" (command default)
  std::string output;             ///< -o FILE; "" = stdout
  int threads = 0;                ///< --threads N; 0 = all cores (OpenMP default)
  bool progress = false;          ///< --progress: progress line even if stderr is no terminal
  bool no_sweep = false;          ///< --no-sweep: ignore [sweep], run the base point
  bool help = false;
  std::map<std::string, std::string> extra;  ///< command-specific options given ("" for flags)
};

/// Parse argv (the words after the command name).  Throws UsageError.
Args parse_args(const std::string& command, const std::vector<std::string>& words,
                const std::vector<OptionSpec>& extra);

void print_command_help(std::ostream& os, const std::string& command, const std::string& summary,
                        const std::vector<OptionSpec>& extra, const std::string& details = {});

/// A command option that sets a config key ("--seed" -> simulation.seed).
struct OptionSet {
  std::string option;  ///< "--seed"
  std::string key;     ///< "simulation.seed"
  std::string value;   ///< TOML text
};
/// The config with the command's --set overrides, then the options' keys (an error in one of
/// those names the option).
io::Config load(const Args& a, const std::vector<OptionSet>& option_sets = {});
io::Provenance provenance(const Args& a);
/// The output format: --format, or `fallback` when not given.
std::string format_or(const Args& a, const std::string& fallback);
/// The execution context of a command: --threads (0 = all cores), the MPI cluster (or none),
/// and `progress` (may be null).
ExecutionContext context(const Args& a, ProgressSink* progress = nullptr);
/// The files a command reads (CONFIG): -o may not name one of them.
std::vector<std::string> input_files(const Args& a);
/// Write to -o FILE (io::write_output: a regular file atomically, a FIFO or device in place,
/// stdout by default); refuses (exit 2) a directory or an input file.
void emit(const Args& a, const std::function<void(std::ostream&)>& writer);
/// Write a table of sweep rows as CSV (the default) or JSON, per --format.
void emit_table(const Args& a, const io::Provenance& prov, const io::Config& cfg,
                const io::Table& t);

/// Point-or-sweep machinery shared by the solver commands (theory, exact).
/// The model parameters of a point in model_keys() order (moved to src/app/common.cpp).
using app::model_row;
/// app::run_sweep with --threads and a progress line (OpenMP over points, results in sweep
/// order).  The first exception is rethrown as std::runtime_error("sweep point i: ...").
/// A sweep point as a task of Distribution::map_tasks: "R" + the serialized Results, or "E" +
/// "sweep point i: message" (solve's exception).  collect_points: the Results in order, or
/// throws the first failure (in point order).
std::string point_task(long i, const std::function<Results()>& solve);
std::vector<Results> collect_points(const std::vector<std::string>& outputs);
std::vector<Results> run_sweep(const Args& a, const io::Config& cfg,
                               const std::vector<SweepPoint>& pts, const std::string& label,
                               const std::function<Results(const ModelParams&)>& solve);
/// One point: JSON (default) or a one-row CSV, per --format.
void emit_point(const Args& a, const io::Provenance& prov, const io::Config& cfg, const Results& r);
/// Sweep rows (app::sweep_table: model keys, the sweep's derived columns, then the result
/// keys) through emit_table.
void emit_sweep(const Args& a, const io::Provenance& prov, const io::Config& cfg,
                const std::vector<SweepPoint>& pts, const std::vector<Results>& res);

/// Parse a number given to an option; UsageError naming the option otherwise.
double parse_real(const std::string& option, const std::string& text);
/// An integer in [lo, hi]: "OPTION: expected an integer (got 'x')" or "OPTION: must be in
/// [lo, hi] (got x)" otherwise (also for integers beyond 64 bits).
long long parse_int(const std::string& option, const std::string& text,
                    long long lo = std::numeric_limits<long long>::min(),
                    long long hi = std::numeric_limits<long long>::max());

/// "label: 42.0% (840/2000), ETA 12 s" on stderr, updated at most twice a second, only after
/// the first 2 s and only when enabled (stderr is a terminal, or --progress) and on rank 0 of
/// an MPI run.  Thread safe.  The engines report to it through an ExecutionContext.
class Progress : public ProgressSink {
 public:
  /// `unit` names what is counted in the final line ("points", "chunks").
  Progress(std::string label, bool enabled, std::string unit = "points");
  ~Progress() override;
  void begin(std::uint64_t total) override;  ///< the count; the clock starts here
  void tick() override;
  void sampled() override { finish(); }
  void finish();

 private:
  std::string label_, unit_;
  std::size_t total_ = 0;
  bool enabled_;
  std::atomic<std::size_t> done_{0};
  std::chrono::steady_clock::time_point start_, last_;
  std::mutex mutex_;
  bool shown_ = false, finished_ = false;
};
/// The one rule: simulation.progress = "always", or "auto" and (--progress or stderr is a
/// terminal).
bool progress_wanted(const Args& a, const io::Config& cfg);

/// Run a command body: ConfigError, UsageError, io::OutputPathError, InputRefusedError ->
/// "error: ..." and 2; NoSteadyStateError ->
/// "error: ..." and 3; any other exception -> "error: ..." and 1.  Always exactly one line on
/// stderr.
int run_guarded(const std::function<int()>& body);

/// Subcommands.
int theory_main(const std::vector<std::string>& words);
int response_main(const std::vector<std::string>& words);
int simulate_main(const std::vector<std::string>& words);
int noise_main(const std::vector<std::string>& words);
int exact_main(const std::vector<std::string>& words);
int validate_main(const std::vector<std::string>& words);

}  // namespace synctur::cli
