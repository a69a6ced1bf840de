// synctur simulate: trajectories of the quantum Langevin equations at the point of CONFIG (or
// at every point of its [sweep], one after the other), period-averaged observables with
// standard errors, and the lowest-order theory values beside them.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <tuple>

#include "cluster.hpp"
#include "common.hpp"
#include "synctur/app/commands.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/sweep.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/io/block_series.hpp"
#include "synctur/io/checkpoint_file.hpp"

namespace synctur::cli {

namespace {

const char* kSummary =
    "Time-domain simulation: trajectories of the coupled generalized Langevin equations driven\n"
    "by synthesised quantum noise (exact per-phase step maps), period-averaged powers, heat\n"
    "currents, entropy production and covariances, each with a standard error (_se).";
const char* kDetails =
    "Numerics in [simulation] and [noise] (docs/INPUTS.md, docs/SIMULATION.md).  Output: one\n"
    "JSON object (default for a point) or CSV rows (sweep): the theory key names with _se twins,\n"
    "<key>_exact = the exact steady state (the reference), <key>_theory = lowest order,\n"
    "<key>_bias = the discretisation's computed offset, and the run description (dt, warm-up,\n"
    "Floquet rate,\n"
    "batches, steps_total, wall_s).  A comparison table goes to stderr unless --quiet.\n"
    "Exit status 3: no periodic steady state (a Floquet mode grows).";

const std::vector<OptionSpec> kOptions = {
    {"--seed", "S", "override simulation.seed"},
    {"--quiet", "", "no comparison table on stderr"},
    {"--checkpoint", "FILE",
     "write the run's state to FILE (atomically) periodically and at the end"},
    {"--checkpoint-every", "SECONDS", "wall time between checkpoints (default 600)"},
    {"--resume", "FILE",
     "continue the run of checkpoint FILE (no CONFIG; --set simulation.periods=N extends it)"},
    {"--series", "FILE",
     "also write every trajectory's period-block means (powers, currents, x moments) to FILE "
     "as CSV (docs/CHECKPOINT.md)"},
};

void print_table(std::ostream& os, const Results& r, int threads) {
  char line[256];
  std::snprintf(line, sizeof line, "%-20s %14s %11s %14s %8s %14s %12s\n", "quantity", "simulate",
                "+- se", "exact", "z", "theory", "(ex-th)/|th|");
  os << line;
  for (const auto& k : app::compared_keys()) {
    if (!r.has(k)) continue;
    const double v = r.get(k), se = r.has(k + "_se") ? r.get(k + "_se") : NAN;
    const double ex = r.has(k + "_exact") ? r.get(k + "_exact") : NAN;
    const std::string tk = k.substr(0, k.find("_driven")) + "_theory";
    const double th = r.has(tk) ? r.get(tk) : NAN;
    std::snprintf(line, sizeof line, "%-20s %14.6e %11.3e %14.6e %8.2f %14.6e %12.3e\n", k.c_str(),
                  v, se, ex, (v - ex) / se, th, (ex - th) / std::fabs(th));
    os << line;
  }
  std::snprintf(line, sizeof line,
                "dt = %.4g (%d steps/period), warm-up %.0f periods, %.0f trajectories x %.0f "
                "periods, %.3g trajectory-steps in %.1f s on %d threads (%.1f ns per step and "
                "trajectory on one thread)\n",
                r.get("dt"), static_cast<int>(r.get("steps_per_period")), r.get("warmup_periods"),
                r.get("trajectories"), r.get("periods"), r.get("steps_total"), r.get("wall_s"),
                threads, 1e9 * r.get("wall_s") * threads / r.get("steps_total"));
  os << line;
  if (r.has("P_A") && !r.has("P_A_exact"))
    os << "(no exact or theory reference: both are linear solvers and system.quartic_A/B != 0; "
          "the means carry the scheme's discretisation error, O(dt^2), uncorrected)\n";
  else
    os << "(exact: the periodic steady state at this gamma_1, all orders (synctur exact): the "
          "reference; z = (simulate - exact)/se.  theory: lowest order in gamma_1.  pearson, "
          "pearson_tilde: driven bath off (bath 2 alone, exact = the gamma_1 -> 0 value); *_driven "
          "and cov_*: the driven state.  Means carry the scheme's computed offset " +
              std::string(r.get("bias_corrected") == 1.0 ? "removed" : "NOT removed") +
              " (simulation.bias, <key>_bias))\n";
  // The run's warnings (also in the JSON's "warnings"), one line each.
  for (const auto& [k, v] : r.texts()) {
    if (k != "warnings") continue;
    std::size_t a = 0;
    while (a < v.size()) {
      const std::size_t b = std::min(v.find("; ", a), v.size());
      os << "warning: " << v.substr(a, b - a) << "\n";
      a = b + 2;
    }
  }
}

// SIGINT / SIGTERM while checkpointing: the first asks the units to stop at their next chunk
// (the checkpoint is then written, exit status 4), the second ends the process at once (the
// last checkpoint stays valid: files are replaced atomically).
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signals = 0;
extern "C" void on_stop_signal(int sig) {
  const std::sig_atomic_t seen = g_signals;
  g_signals = seen + 1;
  if (seen > 0) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_stop.store(true);
}
void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

/// The input of a run: CONFIG with --set and --seed, or (--resume) the checkpoint's input with
/// the overrides given now replacing those of the same key; anything but a larger
/// simulation.periods is refused on resume (exit 2, file untouched).
struct RunInput {
  io::Config cfg;
  io::Provenance prov;
  io::CheckpointMeta meta;
  CheckpointImage image;
  bool resuming = false;
};
RunInput load_input(const Args& a) {
  std::vector<OptionSet> extra;
  if (a.extra.count("--seed"))
    extra.push_back(
        {"--seed", "simulation.seed", std::to_string(parse_int("--seed", a.extra.at("--seed")))});
  RunInput in;
  in.resuming = a.extra.count("--resume") > 0;
  if (in.resuming && !a.config.empty())
    throw UsageError("simulate: --resume FILE takes no CONFIG (the checkpoint holds the input)");
  in.prov = provenance(a);
  if (!in.resuming) {
    in.cfg = load(a, extra);
    in.meta.source = a.config;
    in.meta.overrides = in.prov.overrides;
    for (const auto& o : extra) in.meta.overrides.push_back(o.key + "=" + o.value);
    in.meta.periods = in.cfg.simulation.periods;
    return in;
  }
  std::tie(in.meta, in.image) = io::read_checkpoint(a.extra.at("--resume"));
  std::vector<std::string> now = a.sets;
  for (const auto& o : extra) now.push_back(o.key + "=" + o.value);
  std::vector<std::string> sets;
  for (const auto& o : in.meta.overrides)
    if (std::none_of(now.begin(), now.end(), [&](const std::string& n) {
          return io::override_key(n) == io::override_key(o);
        }))
      sets.push_back(o);
  sets.insert(sets.end(), now.begin(), now.end());
  in.cfg = io::parse_config(in.meta.config_text, in.meta.source, sets);
  io::check_resume(in.meta, in.cfg);
  in.prov.input = in.meta.source;
  in.prov.overrides = sets;
  in.meta.overrides = sets;
  in.meta.periods = in.cfg.simulation.periods;
  return in;
}

/// The files a run writes besides -o, checked before anything runs.
struct RunFiles {
  std::string checkpoint;  ///< --checkpoint (or the --resume file); "" = none
  double every = 600.0;    ///< --checkpoint-every [s]
  std::string series;      ///< --series; "" = none
};
RunFiles check_files(const Args& a, const RunInput& in) {
  RunFiles f;
  const bool sweep = in.cfg.sweep && !a.no_sweep;
  if (in.resuming) f.checkpoint = a.extra.at("--resume");
  if (a.extra.count("--checkpoint")) f.checkpoint = a.extra.at("--checkpoint");
  if (a.extra.count("--checkpoint-every")) {
    f.every = parse_real("--checkpoint-every", a.extra.at("--checkpoint-every"));
    if (!(f.every > 0.0))
      throw UsageError("--checkpoint-every: must be > 0 seconds (got " +
                       a.extra.at("--checkpoint-every") + ")");
    if (f.checkpoint.empty()) throw UsageError("--checkpoint-every: needs --checkpoint FILE");
  }
  if (!f.checkpoint.empty() && sweep)
    throw UsageError(
        "--checkpoint: a [sweep] input cannot be checkpointed (one point per run: "
        "--no-sweep, or one input file per point)");
  if (!f.checkpoint.empty() && a.output == f.checkpoint)
    throw UsageError("-o: the output file is the checkpoint file");
  f.series = a.extra.count("--series") ? a.extra.at("--series") : "";
  if (f.series.empty()) return f;
  if (sweep)
    throw UsageError(
        "--series: a [sweep] input has no single series (one point per run: "
        "--no-sweep, or one input file per point)");
  if (f.series == a.output || f.series == f.checkpoint)
    throw UsageError("--series: " + f.series + " is also the " +
                     (f.series == a.output ? "-o output" : "checkpoint") + " file");
  io::resolve_output(f.series, input_files(a));  // refused now, not after the run
  return f;
}

/// The run's checkpoint (null without --checkpoint): rank 0 writes `in.meta` with the image;
/// a fresh run writes an empty one at once (the path works); SIGINT/SIGTERM stop the run.
std::unique_ptr<RunCheckpoint> open_checkpoint(const Args& a, RunInput& in, const RunFiles& f) {
  if (f.checkpoint.empty()) return nullptr;
  if (!in.resuming) in.meta.config_text = read_text(a.config);
  in.meta.resolved = io::resolved_values(in.cfg);
  const std::string path = f.checkpoint;
  const io::CheckpointMeta* meta = &in.meta;
  auto ck = std::make_unique<RunCheckpoint>(
      [meta, path](const CheckpointImage& img) {
        if (is_root()) io::write_checkpoint(path, *meta, img);
      },
      f.every, &g_stop, std::move(in.image));
  ck->set_rounds(cluster_size() > 1);  // periodic writes by rounds under MPI
  if (!in.resuming) ck->write_now();
  install_stop_handlers();
  return ck;
}

/// One point: the run (exit 4 when a signal stopped it), the stderr table, the series, -o.
int simulate_one_point(const Args& a, const RunInput& in, const RunFiles& f, RunCheckpoint* ck) {
  const io::Config& cfg = in.cfg;
  Results r;
  std::vector<BlockSeries> series;
  try {
    Progress progress("simulate", progress_wanted(a, cfg), "chunks");
    r = app::simulate_point(cfg.model, cfg, context(a, &progress), ck,
                            f.series.empty() ? nullptr : &series);
  } catch (const RunInterrupted&) {
    if (is_root())
      std::cerr << "simulate: interrupted; state saved in " << f.checkpoint
                << "; resume with: synctur simulate --resume " << f.checkpoint
                << " [-o OUT] [--threads T]" << std::endl;
    return 4;
  }
  if (a.extra.count("--quiet") == 0) print_table(std::cerr, r, context(a).thread_count());
  if (!f.series.empty() && is_root())  // every process has every unit's data
    io::write_output(
        f.series,
        [&](std::ostream& os) { io::write_block_series(os, in.prov, cfg.simulation.seed, series); },
        input_files(a));
  emit_point(a, in.prov, cfg, r);
  return 0;
}

/// A [sweep]: whole points over the MPI processes (one at a time per process), or all here.
int simulate_sweep_points(const Args& a, const RunInput& in) {
  const io::Config& cfg = in.cfg;
  const std::vector<SweepPoint> pts = expand_sweep(*cfg.sweep, cfg.model);
  std::vector<Results> res;
  if (cluster_size() > 1) {
    res = collect_points(cluster()->map_tasks(static_cast<long>(pts.size()), 1, [&](long i) {
      return point_task(i, [&] {
        ExecutionContext one = context(a);
        one.distribution = nullptr;  // this process runs the whole point
        return app::simulate_sweep({pts[static_cast<std::size_t>(i)]}, cfg, one).at(0);
      });
    }));
  } else {
    Progress progress("simulate", progress_wanted(a, cfg));
    res = app::simulate_sweep(pts, cfg, context(a, &progress));
    progress.finish();
  }
  emit_sweep(a, in.prov, cfg, pts, res);
  return 0;
}

}  // namespace

int simulate_main(const std::vector<std::string>& words) {
  return run_guarded([&] {
    const Args a = parse_args("simulate", words, kOptions);
    if (a.help) {
      print_command_help(std::cout, "simulate", kSummary, kOptions, kDetails);
      return 0;
    }
    RunInput in = load_input(a);
    const RunFiles files = check_files(a, in);
    const std::unique_ptr<RunCheckpoint> ck = open_checkpoint(a, in, files);
    if (!in.cfg.sweep || a.no_sweep) return simulate_one_point(a, in, files, ck.get());
    return simulate_sweep_points(a, in);
  });
}

}  // namespace synctur::cli
