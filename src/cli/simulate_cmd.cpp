// synctur simulate: trajectories of the quantum Langevin equations at the point of CONFIG (or
// at every point of its [sweep], one after the other), period-averaged observables with
// standard errors, and the lowest-order theory values beside them.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cluster.hpp"
#include "common.hpp"
#include "synctur/app/commands.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/sweep.hpp"
#include "synctur/engines/theory.hpp"

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

/// app::simulate_point (the job's run and the references) with a progress line; with `dist`
/// the units are shared by the processes (a point run under MPI).
Results run_point(const ModelParams& p, const io::Config& cfg, int threads, bool show_progress,
                  const Distribution* dist) {
  std::unique_ptr<Progress> progress;
  Results r = app::simulate_point(
      p, cfg, threads, [&progress] { progress->tick(); },
      [&](std::uint64_t total) {
        progress = std::make_unique<Progress>("simulate", total, show_progress, "chunks");
      },
      [&progress] { progress->finish(); }, dist);
  return r;
}

}  // namespace

int simulate_main(const std::vector<std::string>& words) {
  return run_guarded([&] {
    const Args a = parse_args("simulate", words, kOptions);
    if (a.help) {
      print_command_help(std::cout, "simulate", kSummary, kOptions, kDetails);
      return 0;
    }
    std::vector<OptionSet> extra;
    if (a.extra.count("--seed"))
      extra.push_back(
          {"--seed", "simulation.seed", std::to_string(parse_int("--seed", a.extra.at("--seed")))});
    const io::Config cfg = load(a, extra);
    const io::Provenance prov = provenance(a);
    const int threads = thread_count(a);
    const bool quiet = a.extra.count("--quiet") > 0;
    const bool want_progress = cfg.simulation.progress == "always" ||
                               (cfg.simulation.progress == "auto" && progress_wanted(a));

    if (!cfg.sweep || a.no_sweep) {
      const Results r = run_point(cfg.model, cfg, threads, want_progress, cluster());
      if (!quiet) print_table(std::cerr, r, threads);
      emit_point(a, prov, cfg, r);
      return 0;
    }

    const std::vector<SweepPoint> pts = expand_sweep(*cfg.sweep, cfg.model);
    std::vector<Results> res;
    if (cluster_size() > 1) {  // whole points over the processes, one at a time per process
      res = collect_points(cluster()->map_tasks(static_cast<long>(pts.size()), 1, [&](long i) {
        return point_task(i, [&] {
          return app::simulate_sweep({pts[static_cast<std::size_t>(i)]}, cfg, threads).at(0);
        });
      }));
    } else {
      Progress progress("simulate", pts.size(), want_progress);
      res = app::simulate_sweep(pts, cfg, threads, [&progress] { progress.tick(); });
      progress.finish();
    }
    emit_sweep(a, prov, cfg, pts, res);
    return 0;
  });
}

}  // namespace synctur::cli
