// The per-block series of `synctur simulate --series FILE` (docs/CHECKPOINT.md, "Per-block
// series"): every trajectory's period-block means of every run of the job as CSV, with a '#'
// header saying what they are.
#pragma once

#include <ostream>
#include <vector>

#include "synctur/engines/simulation.hpp"
#include "synctur/io/output.hpp"

namespace synctur::io {

/// The column header line (without newline): run,unit,trajectory,block,periods, then
/// BlockSeries::kColumns.
std::string block_series_columns();

/// The '#' comment lines (provenance, seed, dt, block length, runs, the meaning of every
/// column with its unit), the column header, then one row per (run, unit, trajectory, block)
/// in that order; numbers in the shortest round-trip form.
void write_block_series(std::ostream& os, const Provenance& prov, std::uint64_t seed,
                        const std::vector<BlockSeries>& series);

}  // namespace synctur::io
