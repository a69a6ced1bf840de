// Internal to the time-domain engine: the hot loop.  A group of up to kMaxLanes units of work
// runs side by side in structure-of-arrays lanes (one step map application serves every lane;
// docs/SIMULATION.md "Lanes").  Each lane does exactly the arithmetic of a unit run alone
// (the file is compiled with -ffp-contract=off and writes its fused multiply-adds explicitly),
// so a unit's results are a pure function of (seed, unit) whatever group, lane width or thread
// ran it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engines/sampled_run.hpp"

namespace synctur {
class RunCheckpoint;
struct ExecutionContext;
}  // namespace synctur

namespace synctur::detail {

inline constexpr std::size_t kChunk = 4096;  // steps per noise refill / progress tick
inline constexpr int kMaxLanes = 8;          // units per group (8 doubles = one AVX-512 register)

/// One unit of work handed to run_units: its number, where its block means go
/// (out[(traj * blocks + b) * kNObs + obs]) and its 3 NT autocorrelators.
struct UnitSlot {
  std::uint32_t unit = 0;
  double* out = nullptr;
  Autocorrelator* corr = nullptr;
};

/// Runs `count` (1..kMaxLanes) units together, from their checkpoint records if any (all must
/// then be at the same step: recorded_step), through warm-up and measurement.  Returns false
/// when the checkpoint stopped them before the end (a stop request or the end of a round;
/// every unit's record is then saved).  Lane width: the smallest of 1, 2, 4, 8 >= count.
bool run_units(const SimulationPlan& plan, const UnitSlot* slots, int count, const BlockLayout& bl,
               const ExecutionContext& ctx, RunCheckpoint* ck, int run);

/// The step a unit's checkpoint record stands at (0 for an empty record: not started).
std::int64_t recorded_step(const std::vector<double>& record);

}  // namespace synctur::detail
