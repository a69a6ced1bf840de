// Cost of the lowest-order theory engine (src/engines/theory.cpp, docs/THEORY.md "Cost"):
//   BM_TheoryPoint     one theory_point() per iteration (typed, no keys) at representative points:
//                      gamma_2 in {1, 100}, w_c in {1.2, 1000}, Omega in {0.3, 2, 200},
//                      T_1 = T_2 = T in {0.01, 0.5} (other parameters: ModelParams defaults).
//                      Counters: "evals" integrand evaluations per point, "per_eval" time per
//                      evaluation, "converged" (1 when the quadrature met its tolerance).
//   BM_Fig3Map         the 200 x 200 map of Fig. 3(b), inputs/fig3_wc1.2.toml, on `threads`
//                      OpenMP threads; one map per iteration, wall-clock time.
//   BM_Fig3MapSpeedup  the same map on 1 then on 2 threads in the same iteration; counters
//                      "wall_1", "wall_2" [s], "speedup" = wall_1 / wall_2, and the process CPU
//                      time "cpu_1", "cpu_2" [s] (cpu_2 > wall_2: both cores busy; a speed-up
//                      well below 2 with cpu_2 ~ wall_2 means the cores were shared).
// The map goes through the same calls as `synctur theory CONFIG` with a [sweep]
// (src/cli/theory_cmd.cpp): io::load_config, expand_sweep, then theory_point and to_results for
// every point in an OpenMP parallel for with schedule(dynamic); the CSV output is not included. The
// input is read from $SYNCTUR_SOURCE_DIR/inputs (default: this source tree).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "synctur/engines/sweep.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/io/config.hpp"

using namespace synctur;

namespace {

void BM_TheoryPoint(benchmark::State& state) {
  ModelParams p;
  p.gamma_2 = static_cast<double>(state.range(0));
  p.cutoff = static_cast<double>(state.range(1)) * 0.1;
  p.Omega = static_cast<double>(state.range(2)) * 0.1;
  p.T_1 = p.T_2 = static_cast<double>(state.range(3)) * 0.01;
  const TheoryOptions opt;
  double evals = 0, converged = 0;
  for (auto _ : state) {
    const TheoryResult r = theory_point(p, opt);
    evals = static_cast<double>(r.evaluations);
    converged = r.steady_state && r.quadrature_converged ? 1.0 : 0.0;
    benchmark::DoNotOptimize(evals);
  }
  state.counters["evals"] = evals;
  state.counters["converged"] = converged;
  // seconds per integrand evaluation, printed with an SI prefix (e.g. "95n")
  state.counters["per_eval"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * evals,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_TheoryPoint)
    ->ArgNames({"g2", "wc_x10", "Om_x10", "T_x100"})
    ->ArgsProduct({{1, 100}, {12, 10000}, {3, 20, 2000}, {1, 50}})
    ->Unit(benchmark::kMicrosecond);

struct Map {
  std::vector<SweepPoint> points;
  TheoryOptions theory;
};

const Map& fig3_map() {
  static const Map m = [] {
    const char* env = std::getenv("SYNCTUR_SOURCE_DIR");
    const std::string dir = env ? env : SYNCTUR_SOURCE_DIR;
    const io::Config cfg = io::load_config(dir + "/inputs/fig3_wc1.2.toml");
    return Map{expand_sweep(*cfg.sweep, cfg.model), cfg.theory};
  }();
  return m;
}

struct MapRun {
  double wall;       // wall-clock time [s]
  double cpu;        // CPU time of the process, all threads [s]
  double evals;      // per point
  long unconverged;  // points where the quadrature did not converge
};

/// One map on `threads` threads, as `synctur theory` runs a sweep.
MapRun run_map(const Map& m, int threads) {
  const long n = static_cast<long>(m.points.size());
  std::vector<Results> res(m.points.size());
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (long i = 0; i < n; ++i) res[i] = to_results(theory_point(m.points[i].params, m.theory));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  MapRun r{wall, cpu, 0.0, 0};
  for (const Results& x : res) {
    r.evals += x.get("evaluations");
    r.unconverged += x.get("quadrature_converged") != 1.0;
  }
  r.evals /= static_cast<double>(n);
  return r;
}

void BM_Fig3Map(benchmark::State& state) {
  const Map& m = fig3_map();
  const int threads = static_cast<int>(state.range(0));
  MapRun r{};
  for (auto _ : state) {
    r = run_map(m, threads);
    state.SetIterationTime(r.wall);
  }
  state.counters["points"] = static_cast<double>(m.points.size());
  state.counters["cpu"] = r.cpu;
  state.counters["evals"] = r.evals;
  state.counters["unconverged"] = static_cast<double>(r.unconverged);
  // wall seconds per point (all threads together), e.g. "250u"
  state.counters["per_point"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(m.points.size()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Fig3Map)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

void BM_Fig3MapSpeedup(benchmark::State& state) {
  const Map& m = fig3_map();
  MapRun one{}, two{};
  for (auto _ : state) {
    one = run_map(m, 1);
    two = run_map(m, 2);
    state.SetIterationTime(one.wall + two.wall);
  }
  state.counters["wall_1"] = one.wall;
  state.counters["wall_2"] = two.wall;
  state.counters["speedup"] = one.wall / two.wall;
  state.counters["cpu_1"] = one.cpu;
  state.counters["cpu_2"] = two.cpu;
  state.counters["evals"] = two.evals;
  state.counters["unconverged"] = static_cast<double>(one.unconverged + two.unconverged);
}
BENCHMARK(BM_Fig3MapSpeedup)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
