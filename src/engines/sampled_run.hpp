// Internal to the engines layer: the raw data of one simulate run (every unit's period-block
// means and streaming autocovariances), handed from the sampling (simulation.cpp) to the
// estimates (simulation_estimates.cpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "dynamics/step_sampling.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/numerics/batch_stats.hpp"

namespace synctur::detail {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMinWindowX = 3.0;   // D_sym window [relaxation times]: automatic start ...
constexpr double kTailWindowX = 8.0;  // ... and the wider window the tail test compares with

/// "%.3g" (warnings and refusals).
inline std::string fmt_g(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

/// Measured-phase layout: blocks of `len` periods (the last one possibly shorter).
struct BlockLayout {
  std::int64_t len = 1, count = 0;
  std::int64_t periods_in(std::int64_t b, std::int64_t periods) const {
    return std::min(len, periods - b * len);
  }
};

/// The raw data of one simulate() call: every unit's block means and streaming autocovariances.
struct SampledRun {
  int U = 0, NT = 1;
  BlockLayout bl;
  std::size_t per_unit = 0;          // doubles of block means per unit
  std::vector<double> data;          // [unit][traj][block][obs]
  std::vector<Autocorrelator> corr;  // [unit][traj][P_A, P_B, P]
  int threads = 1;                   // for the estimates (bit-identical for any count)
  const double* block(int u, int t, std::int64_t b) const {
    return data.data() + per_unit * static_cast<std::size_t>(u) +
           static_cast<std::size_t>((t * bl.count + b) * kNObs);
  }
};

/// The estimates of a sampled run (simulation_estimates.cpp); `agg` (if given) receives the
/// per-unit aggregates of a driven run; cost.wall_s counts from t0.
RunEstimates estimate_run(const SimulationPlan& plan, const SampledRun& sr, UnitAggregates* agg,
                          std::chrono::steady_clock::time_point t0);

}  // namespace synctur::detail
