#include "common.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cluster.hpp"
#include "synctur/dynamics/floquet.hpp"
#include "synctur/engines/simulation_options.hpp"
#include "synctur/io/checkpoint_file.hpp"

namespace synctur::cli {

namespace {

const std::vector<OptionSpec>& common_options() {
  static const std::vector<OptionSpec> opts = {
      {"--set", "KEY=VALUE", "override a key of CONFIG, e.g. --set drive.Omega=2 (repeatable)"},
      {"--format", "json|csv", "output format (the metavar lists the accepted values)"},
      {"--output", "FILE",
       "write to FILE instead of stdout (a file atomically; a FIFO or device in place; - is "
       "stdout); also -o FILE"},
      {"--threads", "N", "number of threads for sweeps (default: all cores)"},
      {"--progress", "", "show a progress line on stderr even when it is not a terminal"},
      {"--no-sweep", "", "ignore the [sweep] table: run the base point only"},
      {"--help", "", "show this help"},
  };
  return opts;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

namespace {

/// The spec of option `name`, or a UsageError with a did-you-mean.
const OptionSpec& find_option(const std::string& command, const std::string& name,
                              const std::vector<OptionSpec>& all) {
  // The last spec of that name: a command's own spec overrides the common one (--format).
  for (auto o = all.rbegin(); o != all.rend(); ++o)
    if (o->name == name) return *o;
  std::vector<std::string> names;
  for (const auto& o : all) names.push_back(o.name);
  const std::string m = io::closest_match(name, names);
  throw UsageError(command + ": unknown option '" + name + "'" +
                   (m.empty() ? "" : " (did you mean '" + m + "'?)") + "; see 'synctur " + command +
                   " --help'");
}

/// --format VALUE: one of the spec's metavar alternatives ("json|csv"; a command can override
/// it), else a UsageError listing them.
void check_format(const std::string& command, const OptionSpec& spec, const std::string& value) {
  std::vector<std::string> formats;
  for (std::size_t b = 0;;) {
    const auto bar = spec.metavar.find('|', b);
    formats.push_back(spec.metavar.substr(b, bar == std::string::npos ? bar : bar - b));
    if (bar == std::string::npos) break;
    b = bar + 1;
  }
  if (std::find(formats.begin(), formats.end(), value) != formats.end()) return;
  std::string list;
  for (std::size_t k = 0; k < formats.size(); ++k)
    list += (k == 0 ? "" : k + 1 == formats.size() ? " or " : ", ") + formats[k];
  throw UsageError(command + ": --format must be " + list + " (got '" + value + "')");
}

/// Stores one parsed option in a.
void apply_option(Args& a, const OptionSpec& spec, const std::string& value) {
  const std::string& name = spec.name;
  if (name == "--set") {
    a.sets.push_back(value);
  } else if (name == "--format") {
    check_format(a.command, spec, value);
    a.format = value;
  } else if (name == "--output") {
    if (value.empty()) throw UsageError(a.command + ": --output needs a file name");
    a.output = value;
  } else if (name == "--threads") {
    a.threads = static_cast<int>(parse_int("--threads", value, 1, 4096));
  } else if (name == "--progress") {
    a.progress = true;
  } else if (name == "--no-sweep") {
    a.no_sweep = true;
  } else if (name == "--help") {
    a.help = true;
  } else {
    a.extra[name] = value;
  }
}

/// CONFIG (exactly one positional word, except `simulate --resume FILE`), and the -o check.
void take_config(Args& a, const std::vector<std::string>& positional) {
  const std::string& command = a.command;
  // `simulate --resume FILE` takes the input from the checkpoint (no CONFIG).
  if (positional.empty() && a.extra.count("--resume")) {
    io::resolve_output(a.output, {a.extra.at("--resume")});
    return;
  }
  if (positional.empty())
    throw UsageError(command + ": missing CONFIG (a TOML file); see 'synctur " + command +
                     " --help'");
  if (positional.size() > 1)
    throw UsageError(command + ": unexpected argument '" + positional[1] +
                     "' (only one CONFIG file)");
  a.config = positional[0];
  // Refuse an unusable -o now (a directory, the input itself, ...), before anything is
  // computed; emit() applies the same rule when it writes.
  io::resolve_output(a.output, input_files(a));
}

}  // namespace

Args parse_args(const std::string& command, const std::vector<std::string>& words,
                const std::vector<OptionSpec>& extra) {
  Args a;
  a.command = command;
  std::vector<OptionSpec> all = common_options();
  all.insert(all.end(), extra.begin(), extra.end());
  std::vector<std::string> positional;
  bool options_done = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    if (options_done || w.size() < 2 || w[0] != '-') {
      positional.push_back(w);
      continue;
    }
    if (w == "--") {
      options_done = true;
      continue;
    }
    if (w == "-h") w = "--help";
    if (w == "-o") w = "--output";
    std::string name = w, value;
    bool has_value = false;
    if (const auto eq = w.find('='); eq != std::string::npos && w.rfind("--", 0) == 0) {
      name = w.substr(0, eq);
      value = w.substr(eq + 1);
      has_value = true;
    }
    const OptionSpec& spec = find_option(command, name, all);
    if (spec.metavar.empty()) {
      if (has_value) throw UsageError(command + ": option '" + name + "' takes no value");
    } else if (!has_value) {
      if (i + 1 >= words.size())
        throw UsageError(command + ": option '" + name + "' needs a value (" + spec.metavar + ")");
      value = words[++i];
    }
    apply_option(a, spec, value);
  }
  if (!a.help) take_config(a, positional);
  return a;
}

void print_command_help(std::ostream& os, const std::string& command, const std::string& summary,
                        const std::vector<OptionSpec>& extra, const std::string& details) {
  os << "usage: synctur " << command << " CONFIG [options]\n\n" << summary << "\n";
  if (!details.empty()) os << "\n" << details << "\n";
  os << "\noptions:\n";
  auto line = [&](const OptionSpec& o) {
    std::string head = "  " + o.name + (o.metavar.empty() ? "" : " " + o.metavar);
    if (head.size() < 24)
      head.resize(24, ' ');
    else
      head += "  ";
    os << head << o.help << "\n";
  };
  for (const auto& o : extra) line(o);
  for (const auto& o : common_options())
    if (std::none_of(extra.begin(), extra.end(),
                     [&](const OptionSpec& e) { return e.name == o.name; }))
      line(o);
  os << "\nInput keys and the [sweep] syntax: docs/INPUTS.md.  Exit status: 0 success, 1 runtime\n"
        "failure, 2 bad command line or bad input (one line on stderr, no output file), 3 no\n"
        "periodic steady state (theory, exact, simulate, validate; one line naming the rate).\n";
}

io::Config load(const Args& a, const std::vector<OptionSet>& option_sets) {
  std::vector<std::string> sets = a.sets;
  for (const auto& o : option_sets) sets.push_back(o.key + "=" + o.value);
  try {
    io::Config cfg = io::load_config(a.config, sets);
    if (a.no_sweep) io::resolve_auto_cutoff_band(cfg, false);  // the echo of the base point
    return cfg;
  } catch (const io::ConfigError& e) {
    // A bad value that came from an option is reported under the option's name (it is applied
    // last, so it is the value in force): "--seed: must be >= 0 (got -1)", not "--set ...".
    const std::string prefix = "--set " + e.key() + ": ";
    const std::string what = e.what();
    if (e.source() == "--set" && what.rfind(prefix, 0) == 0)
      for (auto it = option_sets.rbegin(); it != option_sets.rend(); ++it)
        if (it->key == e.key())
          throw io::ConfigError(it->option + ": " + what.substr(prefix.size()), it->option,
                                e.key());
    throw;
  }
}

io::Provenance provenance(const Args& a) {
  io::Provenance p;
  p.command = a.command;
  p.input = a.config;
  p.overrides = a.sets;
  p.ranks = cluster_size();
  return p;
}

std::string format_or(const Args& a, const std::string& fallback) {
  return a.format.empty() ? fallback : a.format;
}

ExecutionContext context(const Args& a, ProgressSink* progress) {
  ExecutionContext ctx;
  ctx.threads = a.threads;
  ctx.progress = progress;
  ctx.distribution = cluster();
  return ctx;
}

std::vector<std::string> input_files(const Args& a) {
  return {a.config};
}

void emit(const Args& a, const std::function<void(std::ostream&)>& writer) {
  io::write_output(a.output, writer, input_files(a));
}

void emit_table(const Args& a, const io::Provenance& prov, const io::Config& cfg,
                const io::Table& t) {
  if (format_or(a, "csv") == "csv")
    emit(a, [&](std::ostream& os) { io::write_csv(os, prov, t); });
  else
    emit(a, [&](std::ostream& os) { io::write_json_table(os, prov, cfg, t, true); });
}

std::string point_task(long i, const std::function<Results()>& solve) {
  try {
    std::string out = "R";  // appended, not "R" + s: GCC 12 warns (-Wrestrict) on the insert
    out += solve().serialize();
    return out;
  } catch (const std::exception& e) {
    return "Esweep point " + std::to_string(i + 1) + ": " + e.what();
  }
}

std::vector<Results> collect_points(const std::vector<std::string>& outputs) {
  std::vector<Results> res;
  for (const std::string& o : outputs) {
    if (o.empty() || o[0] != 'R')
      throw std::runtime_error(o.empty() ? "sweep: lost point" : o.substr(1));
    res.push_back(Results::deserialize(o.substr(1)));
  }
  return res;
}

std::vector<Results> run_sweep(const Args& a, const io::Config& cfg,
                               const std::vector<SweepPoint>& pts, const std::string& label,
                               const std::function<Results(const ModelParams&)>& solve) {
  if (cluster_size() > 1)  // points over the processes, each with up to thread_count(a) at once
    return collect_points(
        cluster()->map_tasks(static_cast<long>(pts.size()), context(a).thread_count(), [&](long i) {
          return point_task(i, [&] { return solve(pts[static_cast<std::size_t>(i)].params); });
        }));
  Progress progress(label, progress_wanted(a, cfg));
  std::vector<Results> res = app::run_sweep(pts, context(a, &progress), solve);
  progress.finish();
  return res;
}

void emit_point(const Args& a, const io::Provenance& prov, const io::Config& cfg,
                const Results& r) {
  if (format_or(a, "json") == "json") {
    emit(a, [&](std::ostream& os) { io::write_json_point(os, prov, cfg, r); });
  } else {
    const io::Table t = io::results_table(model_keys(), {model_row(cfg.model)}, {r});
    emit(a, [&](std::ostream& os) { io::write_csv(os, prov, t); });
  }
}

void emit_sweep(const Args& a, const io::Provenance& prov, const io::Config& cfg,
                const std::vector<SweepPoint>& pts, const std::vector<Results>& res) {
  emit_table(a, prov, cfg, app::sweep_table(cfg, pts, res));
}

double parse_real(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  double v = 0.0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v))
    throw UsageError(option + ": expected a finite number (got '" + text + "')");
  return v;
}

long long parse_int(const std::string& option, const std::string& text, long long lo,
                    long long hi) {
  std::size_t used = 0;
  long long v = 0;
  bool in_range = true;
  try {
    v = std::stoll(text, &used);
  } catch (const std::out_of_range&) {
    used = text.size();  // an integer, too large for 64 bits
    in_range = false;
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || std::isspace(static_cast<unsigned char>(text[0])))
    throw UsageError(option + ": expected an integer (got '" + text + "')");
  if (!in_range || v < lo || v > hi)
    throw UsageError(option + ": must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "] (got " + text + ")");
  return v;
}

bool progress_wanted(const Args& a, const io::Config& cfg) {
  return cfg.progress == "always" ||
         (cfg.progress == "auto" && (a.progress || ::isatty(STDERR_FILENO) == 1));
}

Progress::Progress(std::string label, bool enabled, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      enabled_(enabled && is_root()),  // under MPI only rank 0 shows progress
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::begin(std::uint64_t total) {
  total_ = static_cast<std::size_t>(total);
  start_ = last_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  finish();
}

void Progress::tick() {
  const std::size_t done = ++done_;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < 2.0) return;
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  if (shown_ && std::chrono::duration<double>(now - last_).count() < 0.5 && done < total_) return;
  last_ = now;
  shown_ = true;
  const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const double eta = frac > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
  std::fprintf(stderr, "\r%s: %5.1f%% (%zu/%zu), elapsed %.0f s, ETA %.0f s   ", label_.c_str(),
               100.0 * frac, done, total_, elapsed, eta);
  std::fflush(stderr);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (shown_) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "\r%s: %zu/%zu %s in %.1f s%30s\n", label_.c_str(), done_.load(), total_,
                 unit_.c_str(), elapsed, "");
    std::fflush(stderr);
  }
}

/// The exit status of a failure: 2 bad command line or input (including an output path or a
/// run refused as too large), 3 no periodic steady state, 1 anything else.
int exit_status(const std::exception& e) {
  if (dynamic_cast<const io::ConfigError*>(&e) || dynamic_cast<const UsageError*>(&e) ||
      dynamic_cast<const io::OutputPathError*>(&e) || dynamic_cast<const InputRefusedError*>(&e) ||
      dynamic_cast<const io::CheckpointError*>(&e))
    return 2;
  if (dynamic_cast<const NoSteadyStateError*>(&e)) return 3;
  return 1;
}

int run_guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "error: " << one_line(e.what()) << std::endl;
    return exit_status(e);
  }
}

}  // namespace synctur::cli
