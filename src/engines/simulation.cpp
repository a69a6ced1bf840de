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
#include "noise/noise_stream.hpp"
#include "synctur/dynamics/quartic.hpp"
#include "synctur/numerics/batch_stats.hpp"
#include "synctur/numerics/rng_streams.hpp"
#include "synctur/physics/spectra.hpp"

namespace synctur {
namespace {

using namespace detail;

constexpr std::size_t kChunk = 4096;       // steps per noise refill / progress tick
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

/// The two noise streams of a unit (xi_1 driven, absent when the bath is off; xi_2 static) and
/// their current chunk: xi[0] is the last sample of the previous chunk, xi[1..c] the new ones.
struct UnitNoise {
  UnitNoise(const SimulationPlan& plan, std::uint32_t unit)
      : s2(plan.static_noise(), RngKey{plan.options().seed, unit, kStaticBathId}),
        xi1(kChunk + 1, 0.0),
        xi2(kChunk + 1, 0.0),
        q(static_cast<std::size_t>(plan.options().noise_decimation)),
        fine(q > 1 ? q * kChunk : 0) {
    if (plan.driven_noise())
      s1 = std::make_unique<NoiseStream>(*plan.driven_noise(),
                                         RngKey{plan.options().seed, unit, kDrivenBathId});
    if (s1) s1->fill(xi1.data(), 1);
    s2.fill(xi2.data(), 1);
  }
  /// The next c samples of both baths into xi[1..c].
  void fill_chunk(std::size_t c) {
    if (s1) fill(*s1, xi1.data() + 1, c);
    fill(s2, xi2.data() + 1, c);
  }
  /// After a chunk of c steps: its last sample becomes xi[0].
  void shift(std::size_t c) {
    xi1[0] = xi1[c];
    xi2[0] = xi2[c];
  }
  std::unique_ptr<NoiseStream> s1;
  NoiseStream s2;
  std::vector<double> xi1, xi2;

 private:
  // Next c samples xi(t_j), j = 1.., of a stream into dst (every q-th sample of the fine grid).
  void fill(NoiseStream& st, double* dst, std::size_t c) {
    if (q == 1) return st.fill(dst, c);
    st.fill(fine.data(), q * c);
    for (std::size_t i = 0; i < c; ++i) dst[i] = fine[q * i + q - 1];
  }
  std::size_t q;
  std::vector<double> fine;
};

/// The running sums of a unit's NT trajectories: the current period's step sums, the current
/// block's period sums, and the current correlation group's P_A, P_B sums.
template <int NT>
struct PeriodSums {
  double acc[NT][kNObs] = {};
  double blk[NT][kNObs] = {};
  double grp[NT][2] = {};
  std::int64_t period = 0;    // measured periods completed
  std::int64_t in_block = 0;  // periods accumulated in the current block
  std::int64_t in_group = 0;  // periods accumulated in the current group

  /// A measured period of n steps ended: power samples (means over groups of g periods) to
  /// corr[3 t + (0, 1, 2)] for P_A, P_B, P; the period into the block, written when full.
  void end_period(int n, std::int64_t g, const BlockLayout& bl, Autocorrelator* corr, double* out) {
    const bool group_done = ++in_group == g;
    for (int t = 0; t < NT; ++t) {
      grp[t][0] += acc[t][kPA];
      grp[t][1] += acc[t][kPB];
      if (group_done) {
        const double norm = 1.0 / (static_cast<double>(n) * static_cast<double>(g));
        corr[3 * t].add(grp[t][0] * norm);
        corr[3 * t + 1].add(grp[t][1] * norm);
        corr[3 * t + 2].add((grp[t][0] + grp[t][1]) * norm);
        grp[t][0] = grp[t][1] = 0.0;
      }
      for (int o = 0; o < kNObs; ++o) {
        blk[t][o] += acc[t][o];
        acc[t][o] = 0.0;
      }
    }
    if (group_done) in_group = 0;
    ++period;
    if (++in_block == bl.len) {
      write_block(n, bl, out);
      for (int t = 0; t < NT; ++t)
        for (int o = 0; o < kNObs; ++o) blk[t][o] = 0.0;
      in_block = 0;
    }
  }
  /// Writes the current block's means (out[(traj * blocks + b) * kNObs + obs]).  A last block
  /// shorter than bl.len is written too, but its sums stay (an extended run continues them).
  void write_block(int n, const BlockLayout& bl, double* out) const {
    const std::int64_t b = (period - 1) / bl.len;
    const double norm = 1.0 / (static_cast<double>(n) * static_cast<double>(in_block));
    for (int t = 0; t < NT; ++t)
      for (int o = 0; o < kNObs; ++o) out[(t * bl.count + b) * kNObs + o] = blk[t][o] * norm;
  }
};

/// One unit (1 or 2 trajectories sharing xi_2; the second has -xi_1): runs warm-up and
/// measurement, writes block means out[(traj * blocks + b) * kNObs + obs].  Returns false when
/// the checkpoint stopped it before the end (a stop request or the end of a round).
template <int NT, bool Quartic = false>
bool run_unit(const SimulationPlan& plan, std::uint32_t unit, const BlockLayout& bl,
              const ExecutionContext& ctx, double* out, Autocorrelator* corr,
              RunCheckpoint* ck = nullptr, int run = 0) {
  const Propagator& prop = plan.propagator();
  const ModelParams& p = plan.params();
  const int n = prop.steps_per_period();
  const double* maps = prop.data();
  const Propagator* half = plan.half_step_propagator();
  const double* hmaps = half ? half->data() : nullptr;
  const double m = p.mass, mg2 = p.mass * p.gamma_2;
  // Quartic potential (quartic.hpp): Strang splitting K(dt/2) M_k K(dt/2); the mid-step state
  // of Simpson's rule is K(dt/4) M_half K(dt/4).
  // (a separate instantiation: the linear code path is compiled exactly as without it)
  constexpr bool quartic = Quartic;
  const QuarticKick kick(p, 0.5 * prop.dt()), kick_mid(p, 0.25 * prop.dt());
  UnitNoise noise(plan, unit);
  std::vector<double>&xi1 = noise.xi1, &xi2 = noise.xi2;

  double s[NT][kStateDim] = {};
  PeriodSums<NT> sums;
  auto& acc = sums.acc;
  const std::int64_t warm = plan.warmup_periods() * n;
  const std::int64_t total = warm + plan.options().periods * n;
  std::int64_t j = 0;
  int k = 0;  // phase j mod n

  // Checkpoints (checkpoint.hpp): the complete state between two chunks as one record.
  const detail::UnitRecord rec{NT, bl.count, kNObs, corr[0].state_size()};
  auto bind = [&](auto& io) {
    io.count(j).count(k).count(sums.period).count(sums.in_block).count(sums.in_group);
    io.position(noise.s1.get()).position(&noise.s2).real(xi1[0]).real(xi2[0]);
    io.reals(&s[0][0], NT * kStateDim).reals(&acc[0][0], NT * kNObs);
    io.reals(&sums.blk[0][0], NT * kNObs).reals(&sums.grp[0][0], NT * 2);
    io.correlators(corr, 3 * NT).blocks(out);
  };
  auto save = [&](std::vector<double>& v) { rec.save(v, bind); };
  if (ck) {
    const std::vector<double>& r0 = ck->record(run, static_cast<int>(unit));
    if (!r0.empty()) rec.load(r0, bind);
    ck->unit_started(run, static_cast<int>(unit));
  }
  const std::int64_t j_start = j;

  while (j < total) {
    const std::size_t c = static_cast<std::size_t>(std::min<std::int64_t>(kChunk, total - j));
    noise.fill_chunk(c);
    for (std::size_t i = 0; i < c; ++i, ++j) {
      const double* M = maps + 45 * k;
      const double x1k = xi1[i], x2k = xi2[i], x1n = xi1[i + 1], x2n = xi2[i + 1];
      if (j >= warm) {
        // Instantaneous observables at t_k (weight w0) and, with Simpson's rule, at the
        // mid-step t_k + dt/2 (weight 2/3; w0 = 1/3, the end point being the next t_k).
        auto sample = [&](const DriveSample& d, const double* st, double n1, double n2, double w,
                          double* ac) { detail::sample_observables(d, st, n1, n2, m, mg2, w, ac); };
        const double w0 = half ? 1.0 / 3.0 : 1.0;
        for (int t = 0; t < NT; ++t) {
          const double a = t == 0 ? 1.0 : -1.0;
          sample(prop.drive(k), s[t], a * x1k, x2k, w0, acc[t]);
          if (half) {  // first half step (phase 2k of 2n), noise linear to the mid value
            const double x1m = 0.5 * a * (x1k + x1n), x2m = 0.5 * (x2k + x2n);
            double mid[kStateDim];
            if constexpr (quartic) {
              double pre[kStateDim];
              std::copy(s[t], s[t] + kStateDim, pre);
              kick_mid.apply(pre);
              apply_map(hmaps + 45 * 2 * k, pre, a * x1k, x2k, x1m, x2m, mid);
              kick_mid.apply(mid);
            } else {
              apply_map(hmaps + 45 * 2 * k, s[t], a * x1k, x2k, x1m, x2m, mid);
            }
            sample(half->drive(2 * k + 1), mid, x1m, x2m, 2.0 / 3.0, acc[t]);
          }
        }
      }
      for (int t = 0; t < NT; ++t) {
        const double a = t == 0 ? 1.0 : -1.0;
        double nx[kStateDim];
        if constexpr (quartic) kick.apply(s[t]);
        apply_map(M, s[t], a * x1k, x2k, a * x1n, x2n, nx);
        if constexpr (quartic) kick.apply(nx);
        for (int r = 0; r < kStateDim; ++r) s[t][r] = nx[r];
      }
      if (++k == n) {
        k = 0;
        // a measured period ended at grid point j
        if (j >= warm) sums.end_period(n, plan.correlation_periods(), bl, corr, out);
      }
    }
    noise.shift(c);
    ctx.tick();
    if (ck && j < total && ck->poll(run, static_cast<int>(unit), j - j_start, save)) return false;
  }
  if (sums.in_block > 0) sums.write_block(n, bl, out);  // the last, shorter block
  if (ck) {
    std::vector<double> v;
    save(v);
    ck->unit_finished(run, static_cast<int>(unit), std::move(v));
  }
  return true;
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
  if (!off_ && wb < 3.0 * p.cutoff)
    warnings_.push_back(
        "noise: band limit " + std::to_string(wb) + " < 3 w_c = " + std::to_string(3.0 * p.cutoff) +
        ": the Drude noise and memory are not resolved up to the cutoff; J_1 and the powers can "
        "be biased (docs/SIMULATION.md, \"Known limits\"): leave "
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
  const int M = static_cast<int>(mine.size());
  std::vector<char> finished(static_cast<std::size_t>(M), 0);
  // One pass over this process's unfinished units: to their end, or to the end of a round.
  auto pass = [&](bool& all_done) {
    std::string failure;
#pragma omp parallel for schedule(dynamic, 1) num_threads(ctx.thread_count())
    for (int i = 0; i < M; ++i) {
      const int u = mine[static_cast<std::size_t>(i)];
      if (finished[static_cast<std::size_t>(i)]) continue;
      if (ck && ck->stop_requested()) continue;  // stopping: units not started stay so
      try {
        double* out = sr.data.data() + per_unit * static_cast<std::size_t>(u);
        Autocorrelator* c = sr.corr.data() + static_cast<std::size_t>(u * NT * 3);
        const auto uu = static_cast<std::uint32_t>(u);
        const bool q = plan.params().quartic();  // quartic.hpp: Strang splitting
        bool f;
        if (NT == 2)
          f = q ? run_unit<2, true>(plan, uu, bl, ctx, out, c, ck, run)
                : run_unit<2>(plan, uu, bl, ctx, out, c, ck, run);
        else
          f = q ? run_unit<1, true>(plan, uu, bl, ctx, out, c, ck, run)
                : run_unit<1>(plan, uu, bl, ctx, out, c, ck, run);
        finished[static_cast<std::size_t>(i)] = f ? 1 : 0;
      } catch (const std::exception& e) {
#pragma omp critical(synctur_simulate_failure)
        if (failure.empty()) failure = e.what();
      }
    }
    all_done = std::all_of(finished.begin(), finished.end(), [](char f) { return f != 0; });
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
