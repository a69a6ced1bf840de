// Cost of the time-domain engine, in ns per time step per trajectory, everything included
// (noise of both baths: Philox + FFT filtering; the 5x9 step map; accumulation of the
// observables), and its parallel speed-up:
//   BM_Simulate/antithetic:1|0/simpson:1|0/lanes:1|8
//                                            one core, 16 trajectories, per_step = ns per
//                                            trajectory-step (simpson:0 = quadrature "left";
//                                            lanes = ExecutionContext::max_lanes)
//   BM_StepKernel<W>                         the step map + observables alone on W lanes
//   BM_NoiseOnly                             the two baths' noise alone, per step (the floor)
//   BM_Speedup                               the same run on 1 and 2 threads, timed back to
//                                            back in each iteration: counter "speedup"
//   BM_VarianceRate/units:U/threads:T        the estimate of D (variance_rate: pooled
//                                            autocovariances, jackknife over U units of 2
//                                            trajectories, 512 lags, 4000 samples each; the
//                                            replicas on T threads)
//   BM_PropagatorSetup/Om:W                  the step maps of the production grid (n = 2000)
//                                            at gamma_2 = 100, Omega = W (counter substeps)
//   BM_Commutator/g2:G/n:N                   D_comm (commutator.hpp) on n steps per period at
//                                            gamma_2 = G, Omega = 2 (the maps built outside)
// (the last two were wall-clock assertions in tests/test_propagator.cpp, < 0.5 s, and
// tests/test_commutator.cpp, < 1 s per point; speed is measured here, not asserted there.)
// Model: the quick-start point (gamma_2 = 1, gamma_1 = 0.01, w_c = 1.2, Omega = 2, T = 0.5),
// automatic dt (122 steps per period).  Run:
//   cmake -B build -DSYNCTUR_BUILD_BENCH=ON && cmake --build build -j2 && ./build/bench_simulate
#include <benchmark/benchmark.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <vector>

#include "dynamics/step_sampling.hpp"
#include "noise/noise_stream.hpp"
#include "synctur/dynamics/commutator.hpp"
#include "synctur/dynamics/propagator.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/numerics/batch_stats.hpp"
#include "synctur/physics/spectra.hpp"

using namespace synctur;

namespace {

ModelParams quick() {
  ModelParams p;
  p.T_1 = p.T_2 = 0.5;
  return p;
}

SimulationOptions options(bool antithetic, int trajectories, long periods, bool simpson = true) {
  SimulationOptions o;
  o.quadrature = simpson ? "simpson" : "left";
  o.trajectories = trajectories;
  o.periods = periods;
  o.warmup_periods = 0;
  o.antithetic = antithetic;
  o.pearson = false;
  return o;
}

void per_step(benchmark::State& state, double steps) {
  state.counters["per_step"] =
      benchmark::Counter(steps, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Simulate(benchmark::State& state) {
  const bool anti = state.range(0) != 0;
  const SimulationPlan plan(quick(), options(anti, 16, 2500, state.range(1) != 0));
  ExecutionContext ctx{1};
  ctx.max_lanes = static_cast<int>(state.range(2));
  double steps = 0;
  for (auto _ : state) {
    const Results r = simulate(plan, ctx);
    benchmark::DoNotOptimize(r.get("P_A"));
    steps += r.get("steps_total");
  }
  per_step(state, steps);
  state.counters["steps_per_period"] = plan.steps_per_period();
}
BENCHMARK(BM_Simulate)
    ->ArgNames({"antithetic", "simpson", "lanes"})
    ->ArgsProduct({{1, 0}, {0, 1}, {1, 8}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The floor of the step without the noise: the step map and the grid-point observables of
// W lanes (detail::apply_map_lanes, sample_lanes) on stored noise, per trajectory-step.
template <int W>
void BM_StepKernel(benchmark::State& state) {
  const SimulationPlan plan(quick(), options(false, 2, 10));
  const Propagator& prop = plan.propagator();
  const int n = prop.steps_per_period();
  std::vector<double> xi(4097 * W);
  for (std::size_t i = 0; i < xi.size(); ++i) xi[i] = std::sin(0.37 * static_cast<double>(i));
  alignas(64) detail::LaneState<W> s = {}, nx;
  alignas(64) detail::LaneSums<W> acc = {};
  double steps = 0;
  int k = 0;
  for (auto _ : state) {
    for (int i = 0; i < 4096; ++i) {
      const double* x = xi.data() + i * W;
      detail::sample_lanes<W>(prop.drive(k), s, x, x, 1.0, 1.0, 1.0, acc);
      detail::apply_map_lanes<W>(prop.data() + 45 * k, s, x, x, x + W, x + W, nx);
      for (int r = 0; r < kStateDim; ++r)
        for (int l = 0; l < W; ++l) s[r][l] = nx[r][l];
      if (++k == n) k = 0;
    }
    benchmark::DoNotOptimize(acc);
    steps += 4096.0 * W;
  }
  per_step(state, steps);
}
BENCHMARK(BM_StepKernel<1>);
BENCHMARK(BM_StepKernel<8>);

void BM_NoiseOnly(benchmark::State& state) {
  const SimulationPlan plan(quick(), options(true, 2, 10));
  NoiseStream a(*plan.driven_noise(), RngKey{1, 0, 1}), b(plan.static_noise(), RngKey{1, 0, 2});
  std::vector<double> x(4096), y(4096);
  double steps = 0;
  for (auto _ : state) {
    a.fill(x.data(), x.size());
    b.fill(y.data(), y.size());
    benchmark::DoNotOptimize(x.data());
    benchmark::DoNotOptimize(y.data());
    steps += 4096;
  }
  per_step(state, steps);
}
BENCHMARK(BM_NoiseOnly);

// The end-of-run estimate of a variance rate over U units: the serial part of a run that
// grows with the number of units (U jackknife replicas over all correlators).
void BM_VarianceRate(benchmark::State& state) {
  const int U = static_cast<int>(state.range(0));
  std::vector<Autocorrelator> corr(static_cast<std::size_t>(2 * U), Autocorrelator(512));
  std::uint64_t x = 12345;
  for (auto& c : corr)
    for (int i = 0; i < 4000; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;  // any values will do
      c.add(static_cast<double>(x >> 11) * 0x1.0p-53);
    }
  std::vector<std::vector<const Autocorrelator*>> units(static_cast<std::size_t>(U));
  for (int u = 0; u < U; ++u)
    units[static_cast<std::size_t>(u)] = {&corr[static_cast<std::size_t>(2 * u)],
                                          &corr[static_cast<std::size_t>(2 * u + 1)]};
  const int threads = static_cast<int>(state.range(1));
  for (auto _ : state)
    benchmark::DoNotOptimize(
        variance_rate(units, 1.0, 10.0, nullptr, nullptr, 1, nullptr, {}, nullptr, threads).se);
}
BENCHMARK(BM_VarianceRate)
    ->ArgNames({"units", "threads"})
    ->Args({8, 1})
    ->Args({64, 1})
    ->Args({256, 1})
    ->Args({256, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Speedup(benchmark::State& state) {
  const SimulationPlan plan(quick(), options(true, 16, 10000));
  double t1 = 0, t2 = 0;
  for (auto _ : state) {
    auto s = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(simulate(plan, ExecutionContext{1}).get("P_A"));
    auto m = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(simulate(plan, ExecutionContext{2}).get("P_A"));
    auto e = std::chrono::steady_clock::now();
    t1 += std::chrono::duration<double>(m - s).count();
    t2 += std::chrono::duration<double>(e - m).count();
  }
  state.counters["t1_s"] = t1 / state.iterations();
  state.counters["t2_s"] = t2 / state.iterations();
  state.counters["speedup"] = t1 / t2;
}
BENCHMARK(BM_Speedup)->Unit(benchmark::kSecond)->Iterations(3)->UseRealTime();

ModelParams driven(double gamma_2, double Omega) {
  ModelParams p;  // gamma_1 = 0.01, w_c = 1.2, T = 0.5
  p.gamma_2 = gamma_2;
  p.Omega = Omega;
  return p;
}

void BM_PropagatorSetup(benchmark::State& state) {
  const ModelParams p = driven(100.0, static_cast<double>(state.range(0)));
  int substeps = 0;
  for (auto _ : state) {
    const Propagator pr(p, 2000);
    substeps = pr.substeps();
    benchmark::DoNotOptimize(pr.accuracy_estimate());
  }
  state.counters["substeps"] = substeps;
}
BENCHMARK(BM_PropagatorSetup)->ArgName("Om")->Arg(2)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_Commutator(benchmark::State& state) {
  const Propagator prop(driven(static_cast<double>(state.range(0)), 2.0),
                        static_cast<int>(state.range(1)));
  long long products = 0;
  for (auto _ : state) {
    const CommutatorResult r = commutator_fluctuations(prop);
    products = r.matrix_products;
    benchmark::DoNotOptimize(r.D_PA_comm);
  }
  state.counters["matrix_products"] = static_cast<double>(products);
}
BENCHMARK(BM_Commutator)
    ->ArgNames({"g2", "n"})
    ->ArgsProduct({{1, 100}, {50, 100, 200, 400}})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
