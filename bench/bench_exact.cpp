// Cost of the exact all-orders solver (`synctur exact`, src/engines/exact.cpp) per parameter point
// on one core, against the goal of 0.2 s per point:
//   BM_ExactPoint/g2:G/wc:W/Om_x10:O/fl:F   gamma_2 = G, w_c = W (1 = 1.2, 1000 = 1000),
//                                           Omega = O/10, T = 0.1; F = 1 with fluctuations
//                                           (D, Q), 0 means only; V_P* (Omega derivative) off
//   BM_ExactOmegaDerivative                 the extra cost of dP/dOmega and V_P* at the quick start
// Counters: evals (integrand evaluations), hill_N (harmonics).  Run:
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSYNCTUR_BUILD_BENCH=ON
//   cmake --build build-bench --target bench_exact && ./build-bench/bench_exact
#include <benchmark/benchmark.h>

#include "synctur/engines/exact.hpp"

using namespace synctur;

namespace {

ModelParams point(double g2, double wc, double Omega) {
  ModelParams p;  // m = 1, w_A = 1, w_B = 0.6, gamma_1 = 0.01, phi = pi/2, r = 0
  p.gamma_2 = g2;
  p.cutoff = wc;
  p.Omega = Omega;
  p.T_1 = p.T_2 = 0.1;
  return p;
}

void BM_ExactPoint(benchmark::State& state) {
  const double wc = state.range(1) == 1 ? 1.2 : static_cast<double>(state.range(1));
  const ModelParams p = point(static_cast<double>(state.range(0)), wc, state.range(2) / 10.0);
  ExactOptions o;
  o.fluctuations = state.range(3) != 0;
  o.omega_derivative = false;
  ExactResult r;
  for (auto _ : state) {
    r = exact_point(p, o);
    benchmark::DoNotOptimize(r.steady->P_A);
  }
  const ExactNumerics& n = r.steady->numerics;
  state.counters["evals"] = static_cast<double>(n.evaluations);
  state.counters["hill_N"] = n.hill_N;
  state.counters["converged"] = n.quadrature_converged && n.hill_converged ? 1.0 : 0.0;
}
BENCHMARK(BM_ExactPoint)
    ->ArgNames({"g2", "wc", "Om_x10", "fl"})
    ->ArgsProduct({{1, 100}, {1, 1000}, {3, 200}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

void BM_ExactOmegaDerivative(benchmark::State& state) {
  ModelParams p = point(1.0, 1.2, 2.0);
  p.T_1 = p.T_2 = 0.5;
  ExactOptions o;
  o.fluctuations = false;
  o.omega_derivative = state.range(0) != 0;
  for (auto _ : state) benchmark::DoNotOptimize(exact_point(p, o).steady->P_A);
}
BENCHMARK(BM_ExactOmegaDerivative)->ArgName("with")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
