// Cost of the coloured-noise generator, in ns per noise sample on one core:
//   BM_Rng          counter-based Philox + Box-Muller normals alone (fill_normal)
//   BM_FftFilter    overlap-save filtering alone (r2c + gain + c2r per block of B outputs,
//                   same FFT length and flags as the NoisePlan)
//   BM_NoiseStream  end to end (NoiseStream::next_block) per bath and temperature
// The counter "per_sample" (seconds per sample, e.g. 4.2ns) is the figure of merit; "taps" and
// "fft" describe the plan.
#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <vector>

#include "noise/noise_stream.hpp"
#include "synctur/noise/noise.hpp"
#include "synctur/numerics/rng.hpp"

using namespace synctur;

namespace {

constexpr double kDt = 0.05;  // [time], omega_A = 1 units

ModelParams params(double T) {
  ModelParams p;  // w_A = 1, w_B = 0.6, Omega = 2, w_c = 1.2
  p.T_1 = p.T_2 = T;
  return p;
}

BathSpectrum bath_for(int which, const ModelParams& p) {
  return which == 0 ? static_bath(p) : driven_bath(p);
}

void set_per_sample(benchmark::State& state, double samples) {
  // seconds per sample, printed with an SI prefix (e.g. "4.2n" = 4.2 ns)
  state.counters["per_sample"] =
      benchmark::Counter(samples, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(static_cast<int64_t>(samples));
}

void BM_Rng(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<double> buf(n);
  RngKey key{2024, 1, 0};
  std::uint32_t block = 0;
  for (auto _ : state) {
    fill_normal(key, ++block, 0, n, buf.data());
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  set_per_sample(state, static_cast<double>(state.iterations()) * static_cast<double>(n));
}
BENCHMARK(BM_Rng)->Arg(1 << 12)->Arg(1 << 15);

// args: bath (0 static Ohmic, 1 driven Drude), temperature in units of 1/1000, fftw_measure
void BM_FftFilter(benchmark::State& state) {
  const auto p = params(static_cast<double>(state.range(1)) * 1e-3);
  NoiseOptions opt;
  opt.fftw_measure = state.range(2) != 0;
  const NoisePlan plan(bath_for(static_cast<int>(state.range(0)), p), p, kDt, opt);
  const int N = static_cast<int>(plan.fft_size());
  const std::size_t B = plan.block_size();
  double* in = fftw_alloc_real(N);
  double* out = fftw_alloc_real(N);
  fftw_complex* spec = fftw_alloc_complex(N / 2 + 1);
  const unsigned flags = opt.fftw_measure ? FFTW_MEASURE : FFTW_ESTIMATE;
  fftw_plan r2c = fftw_plan_dft_r2c_1d(N, in, spec, flags);
  fftw_plan c2r = fftw_plan_dft_c2r_1d(N, spec, out, flags);
  std::vector<double> gain(N / 2 + 1, 1.0 / N);
  fill_normal(RngKey{1, 0, 0}, 0, 0, static_cast<std::size_t>(N), in);
  for (auto _ : state) {
    fftw_execute_dft_r2c(r2c, in, spec);
    double* s = &spec[0][0];
    for (int j = 0; j <= N / 2; ++j) {
      s[2 * j] *= gain[j];
      s[2 * j + 1] *= gain[j];
    }
    fftw_execute_dft_c2r(c2r, spec, out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  set_per_sample(state, static_cast<double>(state.iterations()) * static_cast<double>(B));
  state.counters["taps"] = static_cast<double>(plan.taps());
  state.counters["fft"] = N;
  fftw_destroy_plan(r2c);
  fftw_destroy_plan(c2r);
  fftw_free(in);
  fftw_free(out);
  fftw_free(spec);
}

void BM_NoiseStream(benchmark::State& state) {
  const auto p = params(static_cast<double>(state.range(1)) * 1e-3);
  NoiseOptions opt;
  opt.fftw_measure = state.range(2) != 0;
  const NoisePlan plan(bath_for(static_cast<int>(state.range(0)), p), p, kDt, opt);
  NoiseStream stream(plan, RngKey{7, 0, static_cast<std::uint32_t>(state.range(0))});
  for (auto _ : state) {
    const double* x = stream.next_block();
    benchmark::DoNotOptimize(x);
    benchmark::ClobberMemory();
  }
  set_per_sample(state,
                 static_cast<double>(state.iterations()) * static_cast<double>(plan.block_size()));
  state.counters["taps"] = static_cast<double>(plan.taps());
  state.counters["fft"] = static_cast<double>(plan.fft_size());
}

// End to end for the static bath as a function of the FFT length 2^block_log2
// (args: temperature in units of 1/1000, block_log2, fftw_measure).
void BM_NoiseStreamBlock(benchmark::State& state) {
  const auto p = params(static_cast<double>(state.range(0)) * 1e-3);
  NoiseOptions opt;
  opt.block_log2 = static_cast<int>(state.range(1));
  opt.fftw_measure = state.range(2) != 0;
  const NoisePlan plan(static_bath(p), p, kDt, opt);
  NoiseStream stream(plan, RngKey{7, 0, 0});
  for (auto _ : state) {
    const double* x = stream.next_block();
    benchmark::DoNotOptimize(x);
    benchmark::ClobberMemory();
  }
  set_per_sample(state,
                 static_cast<double>(state.iterations()) * static_cast<double>(plan.block_size()));
  state.counters["taps"] = static_cast<double>(plan.taps());
}
BENCHMARK(BM_NoiseStreamBlock)
    ->ArgNames({"mT", "block_log2", "measure"})
    ->ArgsProduct({{500}, {12, 13, 14, 15}, {0, 1}})
    ->ArgsProduct({{0}, {16, 17, 18}, {0, 1}});

void Configs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"bath", "mT", "measure"});
  for (int bath : {0, 1})
    for (int mT : {500, 100, 0})
      for (int measure : {0, 1}) b->Args({bath, mT, measure});
}
BENCHMARK(BM_FftFilter)->Apply(Configs);
BENCHMARK(BM_NoiseStream)->Apply(Configs);

}  // namespace

BENCHMARK_MAIN();
