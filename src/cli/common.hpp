// What every subcommand shares: option parsing, config loading, output, progress, errors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "synctur/io/config.hpp"
#include "synctur/io/output.hpp"

namespace synctur::cli {

/// Bad command line: reported as one line, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A command-specific option ("--w-min"); common options are added by parse_args.
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

/// The config with the command's --set overrides.
io::Config load(const Args& a, const std::vector<std::string>& extra_sets = {});
io::Provenance provenance(const Args& a);
/// The output format: --format, or `fallback` when not given.
std::string format_or(const Args& a, const std::string& fallback);
/// Number of OpenMP threads to use.
int thread_count(const Args& a);
/// Write to -o FILE atomically, or to stdout.
void emit(const Args& a, const std::function<void(std::ostream&)>& writer);
/// Write a table of sweep rows as CSV (the default) or JSON, per --format.
void emit_table(const Args& a, const io::Provenance& prov, const io::Config& cfg,
                const io::Table& t);

/// Parse a number given to an option; UsageError naming the option otherwise.
double parse_real(const std::string& option, const std::string& text);
long long parse_int(const std::string& option, const std::string& text);

/// "label: 42.0% (840/2000), ETA 12 s" on stderr, updated at most twice a second, only after
/// the first 2 s and only when enabled (stderr is a terminal, or --progress).  Thread safe.
class Progress {
 public:
  /// `unit` names what is counted in the final line ("points", "chunks").
  Progress(std::string label, std::size_t total, bool enabled, std::string unit = "points");
  ~Progress();
  void tick();
  void finish();

 private:
  std::string label_, unit_;
  std::size_t total_;
  bool enabled_;
  std::atomic<std::size_t> done_{0};
  std::chrono::steady_clock::time_point start_, last_;
  std::mutex mutex_;
  bool shown_ = false, finished_ = false;
};
bool progress_wanted(const Args& a);

/// Run a command body: ConfigError and UsageError -> "error: ..." and 2; NoSteadyStateError ->
/// "error: ..." and 3; any other exception -> "error: ..." and 1.  Always exactly one line on stderr.
int run_guarded(const std::function<int()>& body);

/// Subcommands.
int theory_main(const std::vector<std::string>& words);
int response_main(const std::vector<std::string>& words);
int simulate_main(const std::vector<std::string>& words);
int noise_main(const std::vector<std::string>& words);

}  // namespace synctur::cli
