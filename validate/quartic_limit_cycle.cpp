// Measurement for docs/CLASSICAL.md ("parametric instability"): does a quartic term confine
// the linearly unstable (parametrically pumped) motion into a steady state?
//
// At gamma_2 = 300, Omega = 2.5 (paper's pair, gamma_1 = 0.01, w_c = 1.2, T = 0.1) the
// noise-free linear system has a growing Floquet mode (rate +1.56e-4, e-folding 6400), so
// `synctur simulate` refuses the point (exit 3), with or without lambda.  This program bypasses
// that check: it marches trajectories with the engine's own pieces (Propagator, NoisePlan,
// QuarticKick: the same Strang step as simulation.cpp) and prints, per block of periods, the
// means of x_A^2, x_B^2 and P_A, so one sees whether they saturate (a noisy limit cycle) and
// how long it takes.
//
// Build (from the repository root, after building the libraries in build/):
//   g++ -O2 -march=native -std=c++20 -fopenmp -Iinclude -Isrc -I/usr/include/eigen3
//   validate/quartic_limit_cycle.cpp \
//     -Lbuild -lsynctur_engines -lsynctur_noise -lsynctur_dynamics -lsynctur_physics
//     -lsynctur_numerics -lfftw3 \ -o build/quartic_limit_cycle
// Run: build/quartic_limit_cycle LAMBDA [STATISTICS=classical|quantum] [PERIODS] [GAMMA_2]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "noise/noise_stream.hpp"
#include "synctur/dynamics/propagator.hpp"
#include "synctur/dynamics/quartic.hpp"
#include "synctur/engines/simulation_options.hpp"
#include "synctur/noise/noise.hpp"
#include "synctur/physics/spectra.hpp"

using namespace synctur;

int main(int argc, char** argv) {
  const double lambda = argc > 1 ? std::atof(argv[1]) : 0.1;
  const bool classical = argc > 2 ? std::string(argv[2]) == "classical" : true;
  const long periods = argc > 3 ? std::atol(argv[3]) : 200000;
  ModelParams p;
  p.gamma_2 = argc > 4 ? std::atof(argv[4]) : 300.0;
  p.Omega = 2.5;
  p.T_1 = p.T_2 = 0.1;
  p.classical = classical;
  p.quartic_A = p.quartic_B = lambda;
  SimulationOptions so;
  const int n = steps_per_period(p, so);
  const Propagator prop(p, n);
  const double dt = prop.dt();
  const double wb = effective_band_limit(p, dt, so.noise);
  const NoisePlan n1(driven_bath(p), dt, wb, so.noise), n2(static_bath(p), dt, wb, so.noise);
  NoiseStream s1(n1, RngKey{3, 0, 1}), s2(n2, RngKey{3, 0, 2});
  const QuarticKick half(p, 0.5 * dt);
  std::printf("# lambda = %g, %s, gamma_2 = %g, Omega = %g, T = %g, n = %d, dt = %g\n", lambda,
              classical ? "classical" : "quantum", p.gamma_2, p.Omega, p.T_1, n, dt);
  std::printf("# block_end_time  <x_A^2>  <x_B^2>  <(x_A+x_B)^2>  <(x_A-x_B)^2>  <P_A>\n");
  const long block = std::max(1L, periods / 40);
  std::vector<double> x1(n + 1), x2(n + 1);
  s1.fill(x1.data(), 1);
  s2.fill(x2.data(), 1);
  double s[kStateDim] = {};
  double acc[5] = {};
  for (long per = 0; per < periods; ++per) {
    s1.fill(x1.data() + 1, n);
    s2.fill(x2.data() + 1, n);
    for (int k = 0; k < n; ++k) {
      const DriveSample& d = prop.drive(k);
      const double xA = s[kXA], xB = s[kXB];
      acc[0] += xA * xA;
      acc[1] += xB * xB;
      acc[2] += (xA + xB) * (xA + xB);
      acc[3] += (xA - xB) * (xA - xB);
      acc[4] -= d.dg_A * xA * (x1[k] - p.mass * s[kZ]);
      half.apply(s);
      const StateVec nx = prop.step(k, Eigen::Map<const StateVec>(s), NoiseVec(x1[k], x2[k]),
                                    NoiseVec(x1[k + 1], x2[k + 1]));
      for (int r = 0; r < kStateDim; ++r) s[r] = nx[r];
      half.apply(s);
    }
    x1[0] = x1[n];
    x2[0] = x2[n];
    if ((per + 1) % block == 0) {
      const double norm = 1.0 / (static_cast<double>(block) * n);
      std::printf("%.4g %.6g %.6g %.6g %.6g %.6g\n", (per + 1) * prop.period(), acc[0] * norm,
                  acc[1] * norm, acc[2] * norm, acc[3] * norm, acc[4] * norm);
      std::fflush(stdout);
      for (double& a : acc) a = 0.0;
    }
  }
  return 0;
}
