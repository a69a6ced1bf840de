// The time-domain engine's sampling (docs/SIMULATION.md): SimulationPlan, the units of work
// (run_unit, the hot loop), their sharing between processes (and checkpoint rounds), and
// simulate_run, which hands the sampled run (sampled_run.hpp) to its estimates
// (simulation_estimates.cpp).
#include "synctur/engines/simulation.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <functional>
#include <stdexcept>

#include "dynamics/step_sampling.hpp"
#include "engines/sampled_run.hpp"
#include "engines/unit_record.hpp"
#include "engines/unit_runner.hpp"
#include "noise/noise_stream.hpp"
#include "synctur/dynamics/quartic.hpp"
#include "synctur/numerics/batch_stats.hpp"
#include "synctur/numerics/rng_streams.hpp"
#include "synctur/physics/spectra.hpp"

namespace synctur {
namespace {

using namespace detail;

constexpr std::int64_t kMaxBlocks = 4096;  // stored period blocks per trajectory

/// Refuses (InputRefusedError naming the key) runs whose step count overflows 64 bits or
/// whose per-unit storage cannot fit in memory, before anything is allocated.
void check_run_size(const SimulationOptions& opt, int n) {
  constexpr double kMaxSteps = 9.0e18;  // < 2^63: every step index stays representable
  const double per_traj = (static_cast<double>(std::max<std::int64_t>(opt.warmup_periods, 0)) +
                           static_cast<double>(opt.periods)) *
                          n;
  if (per_traj > kMaxSteps / std::max(1, opt.noise_decimation))
    throw InputRefusedError("simulation.periods: " + fmt_g(per_traj) +
                            " steps per trajectory exceed the 64-bit step counter");
  // Stored per trajectory: <= kMaxBlocks block means of kNObs observables and 3 streaming
  // autocorrelators (<= 3 x 1024 doubles each); per unit of work at least that.
  const double per_traj_bytes = 8.0 * (kMaxBlocks * kNObs + 3 * 3 * 1024);
  const double bytes = per_traj_bytes * opt.trajectories;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const double ram = pages > 0 && page > 0 ? static_cast<double>(pages) * page : 0.0;
  // The step maps: n phases, and 2n more for Simpson's mid-step samples (fig2a with
  // noise.band_limit = 1e308 asked for n = 1e8: 100 GB of maps, a bad_alloc before this check).
  const double map_bytes = 3.0 * n * sizeof(StepMatrix);
  if (ram > 0.0 && map_bytes > 0.5 * ram) {
    const char* key = opt.steps_per_period > 0     ? "simulation.steps_per_period"
                      : opt.noise.band_limit > 0.0 ? "noise.band_limit"
                                                   : "simulation.dt_accuracy";
    throw InputRefusedError(std::string(key) + ": gives " + std::to_string(n) +
                            " steps per period, whose step maps need about " +
                            fmt_g(map_bytes / 1073741824.0) +
                            " GiB, more than half of this "
                            "machine's " +
                            fmt_g(ram / 1073741824.0) + " GiB");
  }
  if (ram > 0.0 && bytes > 0.5 * ram)
    throw InputRefusedError("simulation.trajectories: " + std::to_string(opt.trajectories) +
                            " trajectories need about " + fmt_g(bytes / 1073741824.0) +
                            " GiB of accumulators, more than half of this machine's " +
                            fmt_g(ram / 1073741824.0) + " GiB");
}

std::int64_t block_length(std::int64_t periods) {
  return std::max<std::int64_t>(1, (periods + kMaxBlocks - 1) / kMaxBlocks);
}

/// After each process has run its units: every process gets every unit's block means and
/// autocorrelator states (a record of per_unit + corr states per unit), in unit order.
void share_unit_data(const Distribution& dist, int U, std::size_t per_unit,
                     std::vector<double>& data, std::vector<Autocorrelator>& corr) {
  const std::size_t per_corr = corr.empty() ? 0 : corr[0].state_size();
  const std::size_t nc = corr.size() / static_cast<std::size_t>(U);  // correlators per unit
  const std::size_t len = per_unit + nc * per_corr;
  std::vector<double> buf(len * static_cast<std::size_t>(U), 0.0), st;
  for (int u = 0; u < U; ++u) {
    if (!dist.owns(u)) continue;
    double* rec = buf.data() + len * static_cast<std::size_t>(u);
    std::copy_n(data.data() + per_unit * static_cast<std::size_t>(u), per_unit, rec);
    st.clear();
    for (std::size_t c = 0; c < nc; ++c) corr[static_cast<std::size_t>(u) * nc + c].save(st);
    std::copy(st.begin(), st.end(), rec + per_unit);
  }
  dist.share_units(buf, len, U);
  for (int u = 0; u < U; ++u) {
    const double* rec = buf.data() + len * static_cast<std::size_t>(u);
    std::copy_n(rec, per_unit, data.data() + per_unit * static_cast<std::size_t>(u));
    for (std::size_t c = 0; c < nc; ++c)
      corr[static_cast<std::size_t>(u) * nc + c].load(rec + per_unit + c * per_corr);
  }
}

/// Checkpoints under MPI: every process gets the records of the units the others ran (records
/// of `len` doubles; a unit its owner did not run keeps the record all processes loaded).
void share_records(const Distribution& dist, RunCheckpoint& ck, int run, int U, std::size_t len) {
  std::vector<double> buf((len + 1) * static_cast<std::size_t>(U), 0.0);
  for (int u = 0; u < U; ++u) {
    const std::vector<double>& r = ck.record(run, u);
    if (!dist.owns(u) || r.size() != len) continue;
    double* rec = buf.data() + (len + 1) * static_cast<std::size_t>(u);
    rec[0] = 1.0;
    std::copy(r.begin(), r.end(), rec + 1);
  }
  dist.share_units(buf, len + 1, U);
  for (int u = 0; u < U; ++u) {
    const double* rec = buf.data() + (len + 1) * static_cast<std::size_t>(u);
    if (rec[0] == 1.0) ck.set_record(run, u, std::vector<double>(rec + 1, rec + 1 + len));
  }
}

/// Every process's `mine` (the same size on all), in rank order, on every process.  Collective.
std::vector<double> gather_all(const Distribution* dist, const std::vector<double>& mine) {
  if (!dist || dist->size() == 1) return mine;
  const std::size_t n = mine.size();
  const int P = dist->size();
  std::vector<double> buf(n * static_cast<std::size_t>(P), 0.0);
  std::copy(mine.begin(), mine.end(), buf.begin() + static_cast<std::ptrdiff_t>(n) * dist->rank());
  dist->share_units(buf, n, P);  // record r is rank r's (Distribution::owns)
  return buf;
}

/// Periodic checkpoints in rounds (RunCheckpoint::rounds; needed under MPI, where a write is
/// collective).  `round` advances this process's unfinished units by at most ck.round_steps()
/// steps each (all_done: all finished) and returns their failure.  Between rounds the
/// processes agree on whether to stop (a stop request or a failure anywhere) or go on, and on
/// rank 0's plan_round (its clock): whether to write now (every unit's record is gathered,
/// rank 0's writer stores the image) and the next round's length.  Every record is a complete
/// state (no unit runs during a gather).  Returns this process's failure.
std::string sample_in_rounds(const Distribution* dist, RunCheckpoint& ck, int run, int U,
                             std::size_t len, const std::function<std::string(bool&)>& round) {
  auto steps = static_cast<std::int64_t>(kChunk);  // short first rounds measure the speed
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    ck.set_round_steps(steps);
    bool done = false;
    const std::string failure = round(done);
    ck.set_round_steps(0);
    const bool halt = !failure.empty() || ck.stop_requested();
    const std::vector<double> flags = gather_all(dist, {halt ? 1.0 : 0.0, done ? 1.0 : 0.0});
    bool any_halt = false, all_done = true;
    for (std::size_t i = 0; i < flags.size(); i += 2) {
      any_halt = any_halt || flags[i] != 0.0;
      all_done = all_done && flags[i + 1] != 0.0;
    }
    if (any_halt || all_done) return failure;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const RoundPlan rp = plan_round(ck.every_seconds(), ck.seconds_since_write(), secs, steps,
                                    static_cast<std::int64_t>(kChunk));
    const std::vector<double> d =  // rank 0's plan comes first
        gather_all(dist, {rp.write ? 1.0 : 0.0, static_cast<double>(rp.next_steps)});
    if (d[0] != 0.0) {
      if (dist && dist->size() > 1) share_records(*dist, ck, run, U, len);
      ck.write_now();
    }
    steps = static_cast<std::int64_t>(d[1]);
  }
}

}  // namespace

// --- plan --------------------------------------------------------------------------------
SimulationPlan::SimulationPlan(const ModelParams& p, const SimulationOptions& opt,
                               bool driven_bath_off)
    : p_(p), opt_(opt), off_(driven_bath_off) {
  for (const auto& bad : {p.validate(), opt.validate()})
    if (!bad.empty()) throw std::invalid_argument(bad.front().first + ": " + bad.front().second);
  if (off_) p_.gamma_1 = 0.0;
  const int n = synctur::steps_per_period(p, opt);
  check_run_size(opt, n);
  prop_ = std::make_unique<Propagator>(p_, n);
  if (uses_simpson(p_, opt, prop_->dt())) half_ = std::make_unique<Propagator>(p_, 2 * n);
  floquet_ = floquet_spectrum(*prop_);
  const StabilityReport st = check_stability(floquet_);
  if (!st.stable) throw NoSteadyStateError(st.message, st.slowest_rate);

  if (opt.warmup_periods >= 0) {
    warmup_ = opt.warmup_periods;
  } else {
    const double tw = suggested_warmup(floquet_, opt.warmup_decay);
    warmup_ = static_cast<std::int64_t>(std::llround(tw / p.period()));
  }
  batch_ = opt.batch_periods;
  {  // fluctuation sampling: lag window ~ 30 / (2 |slowest rate|) (second moments decay at twice
     // the amplitude rate), at most 512 lags of corr_periods_ periods each
    const double want = std::max(30.0, 2.0 * std::max(opt.D_window, kTailWindowX)) /
                        (2.0 * -floquet_.slowest_rate) / p.period();
    corr_periods_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(want / 512.0)));
    corr_lags_ = std::max<std::int64_t>(
        64, static_cast<std::int64_t>(std::ceil(want / static_cast<double>(corr_periods_))));
  }

  const double dt = prop_->dt();
  const double wb = effective_band_limit(p, dt, opt.noise);
  for (const auto& [key, msg] : check_band_limit(p, dt, opt.noise))
    warnings_.push_back(key + ": " + msg);
  // (with bias = "correct" the offsets of the unresolved band are computed and removed:
  // <key>_bias, docs/SIMULATION.md section 3b; the automatic cutoff_band relies on it)
  if (!off_ && wb < 3.0 * p.cutoff && opt.bias != "correct")
    warnings_.push_back(
        "noise: band limit " + std::to_string(wb) + " < 3 w_c = " + std::to_string(3.0 * p.cutoff) +
        ": the Drude noise and memory are not resolved up to the cutoff and simulation.bias = \"" +
        opt.bias +
        "\" does not remove the offsets; J_1 and the powers can be biased "
        "(docs/SIMULATION.md, \"Known limits\"): leave simulation.bias = \"correct\", or "
        "simulation.steps_per_period = 0 (automatic) with simulation.cutoff_band = 6");
  const double dt_noise = dt / opt.noise_decimation;
  if (!off_) noise1_ = std::make_unique<NoisePlan>(driven_bath(p), dt_noise, wb, opt.noise);
  noise2_ = std::make_unique<NoisePlan>(static_bath(p), dt_noise, wb, opt.noise);
  for (const NoisePlan* np : {noise1_.get(), noise2_.get()})
    if (np && np->truncation_error() > opt.noise.filter_tol)
      warnings_.push_back(
          std::string("noise: the ") + (np == noise1_.get() ? "driven" : "static") +
          " bath's filter reached its cap of " + std::to_string(np->taps()) +
          " taps: relative variance deficit " + fmt_g(np->truncation_error()) +
          " (noise.filter_tol " + fmt_g(opt.noise.filter_tol) +
          "): the noise's long-time correlations are cut (raise noise.max_taps: with "
          "simulation.bias = \"correct\" the effect on the means is in <key>_bias and removed)");
}

int SimulationPlan::units() const {
  return opt_.antithetic ? opt_.trajectories / 2 : opt_.trajectories;
}

std::uint64_t SimulationPlan::steps_total() const {
  return static_cast<std::uint64_t>(opt_.trajectories) *
         static_cast<std::uint64_t>(warmup_ + opt_.periods) *
         static_cast<std::uint64_t>(steps_per_period());
}

std::uint64_t SimulationPlan::progress_ticks() const {
  const std::uint64_t per_unit =
      static_cast<std::uint64_t>(warmup_ + opt_.periods) * steps_per_period();
  return static_cast<std::uint64_t>(units()) * ((per_unit + kChunk - 1) / kChunk);
}

// --- run ---------------------------------------------------------------------------------
double UnitAggregates::mean_without(int u, int c) const {
  double s = 0.0, w = 0.0;
  for (std::size_t v = 0; v < means.size(); ++v) {
    if (static_cast<int>(v) == u) continue;
    s += weights[v] * means[v][static_cast<std::size_t>(c)];
    w += weights[v];
  }
  return s / w;
}

namespace {

/// This process's unfinished units in lane groups (unit_runner.hpp): units at the same step
/// (all at 0 unless resumed from a checkpoint), in unit order, cut into groups of at most
/// ctx.max_lanes (0: kMaxLanes) units, fewer when that leaves threads idle.  Results do not
/// depend on the grouping (a lane computes the bits of its unit alone).
std::vector<std::vector<int>> lane_groups(const std::vector<int>& mine,
                                          const std::vector<char>& finished,
                                          const RunCheckpoint* ck, int run,
                                          const ExecutionContext& ctx) {
  std::vector<std::pair<std::int64_t, int>> todo;  // (step, unit)
  for (int u : mine)
    if (!finished[static_cast<std::size_t>(u)])
      todo.emplace_back(ck ? recorded_step(ck->record(run, u)) : 0, u);
  std::stable_sort(todo.begin(), todo.end());
  const int lanes = ctx.max_lanes > 0 ? std::min(ctx.max_lanes, kMaxLanes) : kMaxLanes;
  const int T = std::max(1, ctx.thread_count());
  const int n = static_cast<int>(todo.size());
  const int rounds = std::max(1, (n + T * lanes - 1) / (T * lanes));  // groups per thread
  const int size = std::clamp((n + T * rounds - 1) / (T * rounds), 1, lanes);
  std::vector<std::vector<int>> groups;
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const bool fresh = groups.empty() || static_cast<int>(groups.back().size()) == size ||
                       todo[i].first != todo[i - 1].first;
    if (fresh) groups.emplace_back();
    groups.back().push_back(todo[i].second);
  }
  return groups;
}

/// Runs the units of this process (all without a Distribution; round-robin over ranks) on the
/// threads, then shares every unit's data with every process (and, with a checkpoint, every
/// unit's record; a stop anywhere stops all: RunInterrupted).
SampledRun sample_units(const SimulationPlan& plan, const ExecutionContext& ctx, RunCheckpoint* ck,
                        int run) {
  const Distribution* dist = ctx.distribution;
  const SimulationOptions& opt = plan.options();
  SampledRun sr;
  sr.U = plan.units();
  sr.NT = plan.trajectories_per_unit();
  sr.threads = ctx.thread_count();
  const int U = sr.U, NT = sr.NT;
  BlockLayout& bl = sr.bl;
  bl.len = block_length(opt.periods);
  if (ck) bl.len = ck->begin_run(run, U, bl.len);  // an extended run keeps its block length
  bl.count = (opt.periods + bl.len - 1) / bl.len;
  sr.per_unit = static_cast<std::size_t>(NT * bl.count * kNObs);
  const std::size_t per_unit = sr.per_unit;
  sr.data.assign(per_unit * static_cast<std::size_t>(U), kNaN);
  sr.corr.assign(static_cast<std::size_t>(U * NT * 3),
                 Autocorrelator(static_cast<std::size_t>(plan.correlation_lags())));
  std::vector<int> mine;
  for (int u = 0; u < U; ++u)
    if (!dist || dist->owns(u)) mine.push_back(u);
  std::vector<char> finished(static_cast<std::size_t>(U), 0);
  // One pass over this process's unfinished units, in lane groups (unit_runner.hpp): to their
  // end, or to the end of a round.
  auto pass = [&](bool& all_done) {
    std::string failure;
    const std::vector<std::vector<int>> groups = lane_groups(mine, finished, ck, run, ctx);
    const int G = static_cast<int>(groups.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(ctx.thread_count())
    for (int g = 0; g < G; ++g) {
      if (ck && ck->stop_requested()) continue;  // stopping: units not started stay so
      const std::vector<int>& grp = groups[static_cast<std::size_t>(g)];
      try {
        std::vector<UnitSlot> slots;
        for (int u : grp)
          slots.push_back({static_cast<std::uint32_t>(u),
                           sr.data.data() + per_unit * static_cast<std::size_t>(u),
                           sr.corr.data() + static_cast<std::size_t>(u * NT * 3)});
        const bool f =
            run_units(plan, slots.data(), static_cast<int>(slots.size()), bl, ctx, ck, run);
        for (int u : grp) finished[static_cast<std::size_t>(u)] = f ? 1 : 0;
      } catch (const std::exception& e) {
#pragma omp critical(synctur_simulate_failure)
        if (failure.empty()) failure = e.what();
      }
    }
    all_done = std::all_of(mine.begin(), mine.end(),
                           [&](int u) { return finished[static_cast<std::size_t>(u)] != 0; });
    return failure;
  };
  // A unit's checkpoint record [doubles] (unit_record.hpp).
  const std::size_t len = 16 + static_cast<std::size_t>(NT * (kStateDim + 2 * kNObs + 2)) +
                          static_cast<std::size_t>(3 * NT) * sr.corr[0].state_size() + per_unit;
  bool all_done = false;
  std::string failure =
      ck && ck->rounds() ? sample_in_rounds(dist, *ck, run, U, len, pass) : pass(all_done);
  if (dist) failure = dist->first_failure(failure);
  if (!failure.empty()) throw std::runtime_error(failure);
  if (ck) {
    if (dist && dist->size() > 1) share_records(*dist, *ck, run, U, len);
    const bool stopped = ck->stop_requested();
    if (dist ? !dist->first_failure(stopped ? "stop" : "").empty() : stopped)
      throw RunInterrupted("simulate: stopped on request");
  }
  if (dist && dist->size() > 1) share_unit_data(*dist, U, per_unit, sr.data, sr.corr);
  return sr;
}

/// The block means of every trajectory (BlockSeries, --series): the run's raw data as is.
void fill_block_series(const SimulationPlan& plan, const SampledRun& sr, BlockSeries& bs) {
  static_assert(BlockSeries::kNColumns == kNObs, "BlockSeries::kColumns: the engine's kNObs");
  bs.Omega = plan.params().Omega;
  bs.dt = plan.dt();
  bs.units = sr.U;
  bs.trajectories_per_unit = sr.NT;
  bs.block_periods = sr.bl.len;
  bs.blocks = sr.bl.count;
  bs.periods = plan.options().periods;
  bs.means = sr.data;  // [unit][traj][block][obs]: the same layout
}

}  // namespace

RunEstimates simulate_run(const SimulationPlan& plan, const ExecutionContext& ctx,
                          UnitAggregates* agg, RunCheckpoint* ck, int run) {
  const auto t0 = std::chrono::steady_clock::now();
  const SampledRun sr = sample_units(plan, ctx, ck, run);
  if (agg && agg->series) fill_block_series(plan, sr, *agg->series);
  return estimate_run(plan, sr, agg, t0);
}

Results simulate(const SimulationPlan& plan, const ExecutionContext& ctx, UnitAggregates* agg,
                 RunCheckpoint* ck, int run) {
  return to_results(simulate_run(plan, ctx, agg, ck, run));
}

}  // namespace synctur
