#include "synctur/engines/simulation.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <functional>
#include <limits>
#include <stdexcept>

#include "dynamics/step_sampling.hpp"
#include "engines/unit_record.hpp"
#include "noise/noise_stream.hpp"
#include "synctur/dynamics/commutator.hpp"
#include "synctur/dynamics/quartic.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/scheme_expectation.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/numerics/batch_stats.hpp"
#include "synctur/numerics/rng_streams.hpp"
#include "synctur/physics/spectra.hpp"

namespace synctur {
namespace {

using namespace detail;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kChunk = 4096;        // steps per noise refill / progress tick
constexpr std::int64_t kMaxBlocks = 4096;   // stored period blocks per trajectory
constexpr double kMinBatchesPerUnit = 8.0;  // fewer: a warning that the errors are uncertain
constexpr double kMinWindowX = 3.0;         // D_sym window [relaxation times]: automatic start ...
constexpr double kTailWindowX = 8.0;        // ... and the wider window the tail test compares with

std::string fmt_g(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

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

/// Measured-phase layout: blocks of `len` periods (the last one possibly shorter).
struct BlockLayout {
  std::int64_t len = 1, count = 0;
  std::int64_t periods_in(std::int64_t b, std::int64_t periods) const {
    return std::min(len, periods - b * len);
  }
};

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

/// The estimates that are functions of the period-averaged sample means m[kNObs], in output
/// order: the same formulas turn the scheme's exact expectation into its offsets.
struct MeanEstimator {
  const char* key;
  std::function<double(const std::vector<double>&)> f;
};
std::vector<MeanEstimator> mean_estimators(const ModelParams& p, bool driven_bath_off) {
  const double T1 = p.T_1, T2 = p.T_2;
  std::vector<MeanEstimator> v;
  if (!driven_bath_off) {
    v.push_back({"P_A", [](const auto& m) { return m[kPA]; }});
    v.push_back({"P_B", [](const auto& m) { return m[kPB]; }});
    v.push_back({"P", [](const auto& m) { return m[kPA] + m[kPB]; }});
    v.push_back({"J_1", [](const auto& m) { return m[kJ1]; }});
    v.push_back({"J_2", [](const auto& m) { return -(m[kPA] + m[kPB]) - m[kJ1]; }});
    // -J_1/T_1 - J_2/T_2 as theory and exact: +-inf at a zero temperature (the sign of the
    // sampled J there), NaN only for 0/0; its jackknife se is then NaN (docs/KEYS.md).
    v.push_back({"S_dot", [T1, T2](const auto& m) {
                   const double J1 = m[kJ1], J2 = -(m[kPA] + m[kPB]) - J1;
                   return -J1 / T1 - J2 / T2;
                 }});
    v.push_back({"eta", [](const auto& m) {
                   return (m[kPA] < 0.0 && m[kPB] > 0.0) ? -m[kPA] / m[kPB] : kNaN;
                 }});
  }
  v.push_back({"cov_xAxA", [](const auto& m) { return m[kXAXA]; }});
  v.push_back({"cov_xBxB", [](const auto& m) { return m[kXBXB]; }});
  v.push_back({"cov_xAxB", [](const auto& m) { return m[kXAXB]; }});
  // Eqs. 11, 25 (pearson, pearson_tilde) are of the bath-off state; the driven run's are *_driven.
  v.push_back({driven_bath_off ? "pearson" : "pearson_driven",
               [](const auto& m) { return m[kXAXB] / std::sqrt(m[kXAXA] * m[kXBXB]); }});
  v.push_back({driven_bath_off ? "pearson_tilde" : "pearson_tilde_driven",
               [](const auto& m) { return m[kXAXB] / m[kXAXA]; }});
  return v;
}

}  // namespace

std::vector<std::pair<std::string, double>> scheme_offsets(const SimulationPlan& plan,
                                                           const Results& reference,
                                                           const ExecutionContext& ctx,
                                                           SchemeExpectation* expectation) {
  const SchemeExpectation e = scheme_expectation(plan, ctx);
  if (expectation) *expectation = e;
  std::vector<double> m(kNObs, 0.0);
  m[kPA] = e.P_A;
  m[kPB] = e.P_B;
  m[kJ1] = e.J_1;
  m[kJ2d] = e.J_2_direct;
  m[kXAXA] = e.cov_xAxA;
  m[kXBXB] = e.cov_xBxB;
  m[kXAXB] = e.cov_xAxB;
  std::vector<std::pair<std::string, double>> out;
  for (const MeanEstimator& me : mean_estimators(plan.params(), plan.driven_bath_off())) {
    if (!reference.has(me.key)) continue;
    const double b = me.f(m) - reference.get(me.key);
    if (std::isfinite(b)) out.emplace_back(me.key, b);
  }
  return out;
}

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

/// The raw data of one simulate() call: every unit's block means and streaming autocovariances.
struct SampledRun {
  int U = 0, NT = 1;
  BlockLayout bl;
  std::size_t per_unit = 0;          // doubles of block means per unit
  std::vector<double> data;          // [unit][traj][block][obs]
  std::vector<Autocorrelator> corr;  // [unit][traj][P_A, P_B, P]
  const double* block(int u, int t, std::int64_t b) const {
    return data.data() + per_unit * static_cast<std::size_t>(u) +
           static_cast<std::size_t>((t * bl.count + b) * kNObs);
  }
};

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

/// Integrated autocorrelation time of the unit-averaged block series (max over observables)
/// [blocks].
double tau_int_blocks(const SampledRun& sr) {
  double tau_blocks = 0.5;
  for (int o : {kPA, kPB, kJ1, kXAXA, kXBXB, kXAXB}) {
    std::vector<std::vector<double>> series(sr.U, std::vector<double>(sr.bl.count));
    for (int u = 0; u < sr.U; ++u)
      for (std::int64_t b = 0; b < sr.bl.count; ++b) {
        double v = 0.0;
        for (int t = 0; t < sr.NT; ++t) v += sr.block(u, t, b)[o];
        series[u][b] = v / sr.NT;
      }
    const double tau = integrated_autocorr_time(series);
    if (std::isfinite(tau)) tau_blocks = std::max(tau_blocks, tau);
  }
  return tau_blocks;
}

/// Batch length in whole blocks: simulation.batch_periods, or at least 10 tau_int and 20
/// relaxation times 1/(2 |slowest rate|) of the second moments (a slow mode of small amplitude
/// can dominate the variance of a mean while being invisible to the estimate of tau_int;
/// gamma_2 = 100: relaxation ~1300 time units) and periods/32.
std::int64_t batch_blocks_of(const SimulationPlan& plan, const BlockLayout& bl,
                             double tau_periods) {
  const SimulationOptions& opt = plan.options();
  std::int64_t batch_blocks;
  if (opt.batch_periods > 0) {
    batch_blocks = std::max<std::int64_t>(1, opt.batch_periods / bl.len);
  } else {
    const double relax_periods =
        1.0 / (2.0 * -plan.floquet().slowest_rate) / plan.params().period();
    const double want = std::max(
        {static_cast<double>(opt.periods) / 32.0, 10.0 * tau_periods, 20.0 * relax_periods});
    batch_blocks = static_cast<std::int64_t>(std::ceil(want / static_cast<double>(bl.len)));
  }
  return std::clamp<std::int64_t>(batch_blocks, 1, bl.count);
}

/// Batch means per unit (unit_samples) and per trajectory (traj_samples), and the consecutive
/// batch means of P_A within a unit (lag-1 pairs).
struct BatchMeans {
  SampleSet unit_samples{kNObs}, traj_samples{kNObs};
  std::vector<double> lag1_x, lag1_y;
};

BatchMeans batch_means(const SampledRun& sr, std::int64_t batch_blocks, std::int64_t periods) {
  BatchMeans bm;
  const int NT = sr.NT;
  const std::int64_t batches = sr.bl.count / batch_blocks;  // remainder joins the last batch
  for (int u = 0; u < sr.U; ++u) {
    std::vector<double> prev;
    for (std::int64_t q = 0; q < batches; ++q) {
      const std::int64_t b0 = q * batch_blocks;
      const std::int64_t b1 = (q + 1 == batches) ? sr.bl.count : b0 + batch_blocks;
      double w_total = 0.0;
      std::array<double, kNObs> um{};
      for (int t = 0; t < NT; ++t) {
        std::array<double, kNObs> tm{};
        double w = 0.0;
        for (std::int64_t b = b0; b < b1; ++b) {
          const double wb = static_cast<double>(sr.bl.periods_in(b, periods));
          for (int o = 0; o < kNObs; ++o) tm[o] += wb * sr.block(u, t, b)[o];
          w += wb;
        }
        for (int o = 0; o < kNObs; ++o) {
          tm[o] /= w;
          um[o] += tm[o] / NT;
        }
        bm.traj_samples.add(tm.data(), w);
        w_total = w;
      }
      bm.unit_samples.add(um.data(), w_total);
      if (!prev.empty()) {
        bm.lag1_x.push_back(prev[kPA]);
        bm.lag1_y.push_back(um[kPA]);
      }
      prev.assign(um.begin(), um.end());
    }
  }
  return bm;
}

/// Each unit's means of P_A, P_B, J_1 over the whole run (for the jackknife of the scheme
/// offsets and of D_comm).
void fill_unit_aggregates(const SampledRun& sr, std::int64_t periods, UnitAggregates& agg) {
  const int U = sr.U, NT = sr.NT;
  agg.means.assign(static_cast<std::size_t>(U), {});
  agg.weights.assign(static_cast<std::size_t>(U), 0.0);
  for (int u = 0; u < U; ++u)
    for (std::int64_t b = 0; b < sr.bl.count; ++b) {
      const double w = static_cast<double>(sr.bl.periods_in(b, periods));
      for (int t = 0; t < NT; ++t) {
        const double* v = sr.block(u, t, b);
        agg.means[u][0] += w * v[kPA] / NT;
        agg.means[u][1] += w * v[kPB] / NT;
        agg.means[u][2] += w * v[kJ1] / NT;
      }
      agg.weights[u] += w;
    }
  for (int u = 0; u < U; ++u)
    for (auto& m : agg.means[u]) m /= agg.weights[u];
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

/// The known poles of a power's autocovariance beyond the window: nu = (mu_i mu_j)^g (pairs of
/// Floquet multipliers, g periods per sample), one of each conjugate pair.
std::vector<std::complex<double>> autocovariance_poles(const SimulationPlan& plan) {
  std::vector<std::complex<double>> poles;
  const auto& mu = plan.floquet().multipliers;
  const double g = static_cast<double>(plan.correlation_periods());
  for (std::size_t i = 0; i < mu.size(); ++i)
    for (std::size_t j = i; j < mu.size(); ++j) {
      std::complex<double> nu = std::pow(mu[i] * mu[j], g);
      if (!(std::abs(nu) > 0.0)) continue;
      if (nu.imag() < 0.0) nu = std::conj(nu);
      bool seen = false;
      for (const auto& q : poles) seen = seen || std::abs(q - nu) <= 1e-12 * std::abs(nu);
      if (!seen) poles.push_back(nu);
    }
  return poles;
}

/// D_sym of one power (which = 0: P_A, 1: P_B, 2: P) from the streaming autocovariances, with
/// the window-tail check and the batch-means check.  Returns the window used [samples].
std::size_t D_sym_of(const SimulationPlan& plan, const SampledRun& sr, int which, const char* key,
                     std::int64_t batch_blocks, Results& r, UnitAggregates* agg, bool& truncated,
                     std::vector<std::string>& warnings) {
  const SimulationOptions& opt = plan.options();
  const ModelParams& p = plan.params();
  const int U = sr.U, NT = sr.NT;
  const BlockLayout& bl = sr.bl;
  const std::int64_t nb = (opt.periods % bl.len == 0) ? bl.count : bl.count - 1;
  const double block_time = static_cast<double>(bl.len) * p.period();
  const double sample_time = static_cast<double>(plan.correlation_periods()) * p.period();
  std::vector<std::vector<const Autocorrelator*>> units(U);
  for (int u = 0; u < U; ++u)
    for (int t = 0; t < NT; ++t)
      units[u].push_back(&sr.corr[static_cast<std::size_t>((u * NT + t) * 3 + which)]);
  std::size_t W = 0;
  bool trunc = false;
  // Window: Sokal's W >= 10 tau_int, and at least x decay times 1/(2 |slowest rate|) of the
  // second moments (a slow tail of small amplitude is invisible to tau_int).  Beyond the
  // window the autocovariance of a power decays like the products of the slowest Floquet
  // multipliers (Wick: products of two-point functions), so a plain window misses e^-x of
  // the slow part of D_sym (5% at x = 3: -8.7% on D_PA_sym at gamma_2 = 60, Omega = 2.5;
  // docs/SIMULATION.md section 4).  x = simulation.D_window (plain window), or with 0 (the
  // default) x = 3 plus that tail: c_k = sum Re(b nu^k) with the known poles that still
  // matter there, amplitudes fitted to the window's second half.
  const double relax = 1.0 / (2.0 * -plan.floquet().slowest_rate);
  const bool auto_window = opt.D_window == 0.0;
  const double x0 = auto_window ? kMinWindowX : opt.D_window;
  const auto w_min = static_cast<std::size_t>(std::ceil(x0 * relax / sample_time));
  const std::vector<std::complex<double>> poles =
      auto_window ? autocovariance_poles(plan) : std::vector<std::complex<double>>{};
  std::vector<double> reps;
  double fit = 0.0;
  const Estimate d = variance_rate(units, sample_time, 10.0, &W, &trunc, w_min, &reps, poles, &fit);
  r.set(std::string(key) + "_sym_tail", fit);
  {  // Check on the same data: the plain window out to kTailWindowX relaxation times minus
     // the reported value, with the jackknife error of the difference.
    const double xt = std::max(kTailWindowX, x0);
    const auto w_tail = static_cast<std::size_t>(std::ceil(xt * relax / sample_time));
    std::size_t Wt = 0;
    bool tt = false;
    std::vector<double> reps_t;
    const Estimate dt = variance_rate(units, sample_time, 10.0, &Wt, &tt, w_tail, &reps_t);
    std::vector<double> diff(reps.size());
    for (std::size_t u = 0; u < reps.size(); ++u) diff[u] = reps_t[u] - reps[u];
    const double tail = dt.value - d.value, tail_se = jackknife_se(diff);
    const bool significant = Wt > W && std::isfinite(tail_se) && std::abs(tail) > 3.0 * tail_se &&
                             std::abs(tail) > 0.25 * d.se;
    r.set(std::string(key) + "_sym_window_tail", tail, tail_se);
    if (significant)
      warnings.push_back(
          "fluctuations: " + std::string(key) + "_sym's autocovariance out to " + fmt_g(xt) +
          " relaxation times differs from the reported value (window " + fmt_g(x0) +
          (auto_window ? " + fitted tail" : "") + ") by " + fmt_g(tail) + " +- " + fmt_g(tail_se) +
          " (" + fmt_g(tail / d.se) + " se of " + key + ")" +
          (auto_window ? ": report this" : ": set simulation.D_window = 0 (automatic)"));
  }
  r.set(std::string(key) + "_sym", d.value, d.se);
  r.set(std::string(key) + "_sym_window", x0);
  if (agg) {
    agg->D_sym[static_cast<std::size_t>(which)] = d.value;
    agg->D_sym_replicas[static_cast<std::size_t>(which)] = reps;
  }
  truncated = truncated || trunc;
  UnitSeries s(U, std::vector<std::vector<double>>(NT, std::vector<double>(nb)));
  for (int u = 0; u < U; ++u)
    for (int t = 0; t < NT; ++t)
      for (std::int64_t b = 0; b < nb; ++b) {
        const double* v = sr.block(u, t, b);
        s[u][t][b] = which == 0 ? v[kPA] : which == 1 ? v[kPB] : v[kPA] + v[kPB];
      }
  const Estimate db = variance_rate_batch(s, block_time, static_cast<std::size_t>(batch_blocks));
  r.set(std::string(key) + "_sym_batch", db.value, db.se);
  return W;
}

/// Symmetrised (classical-sampling) part of the long-time variance rates, Eq. 6:
/// D_sym = lim Var(int P)/t from the autocovariance of the block means (main estimate) and
/// from batch means (check).  Only whole blocks of equal length enter.
void D_sym_estimates(const SimulationPlan& plan, const SampledRun& sr, std::int64_t batch_blocks,
                     Results& r, UnitAggregates* agg, std::vector<std::string>& warnings) {
  std::size_t window = 0;
  bool truncated = false;
  for (auto [which, key] : {std::pair{0, "D_PA"}, {1, "D_PB"}, {2, "D_P"}}) {
    const std::size_t W = D_sym_of(plan, sr, which, key, batch_blocks, r, agg, truncated, warnings);
    if (which == 0) window = W;
  }
  r.set("D_window_periods", static_cast<double>(window * plan.correlation_periods()));
  r.set("D_sample_periods", static_cast<double>(plan.correlation_periods()));
  if (truncated)
    warnings.push_back(
        "fluctuations: the correlation window reached the largest stored lag; D_*_sym may miss "
        "the tail (longer runs do not help: report this)");
}

/// Lag-1 correlation of consecutive batch means of P_A within a unit (should be ~0).
double lag1_correlation(const std::vector<double>& x, const std::vector<double>& y) {
  double mx = 0, my = 0;
  const std::size_t L = x.size();
  for (std::size_t i = 0; i < L; ++i) {
    mx += x[i];
    my += y[i];
  }
  double sxy = 0, sxx = 0, syy = 0;
  if (L > 2) {
    mx /= L;
    my /= L;
    for (std::size_t i = 0; i < L; ++i) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
  }
  return (L > 2 && sxx > 0 && syy > 0) ? sxy / std::sqrt(sxx * syy) : kNaN;
}

/// The run description keys: grid, lengths, seed, noise plans, batches.
void describe_run(const SimulationPlan& plan, const SampledRun& sr, std::int64_t batch_blocks,
                  const BatchMeans& bm, Results& r) {
  const SimulationOptions& opt = plan.options();
  r.set("dt", plan.dt());
  r.set("steps_per_period", plan.steps_per_period());
  r.set("periods", static_cast<double>(opt.periods));
  r.set("warmup_periods", static_cast<double>(plan.warmup_periods()));
  r.set("warmup_time", static_cast<double>(plan.warmup_periods()) * plan.params().period());
  r.set("trajectories", opt.trajectories);
  r.set("seed", static_cast<double>(opt.seed));
  r.set("antithetic", opt.antithetic ? 1.0 : 0.0);
  r.set("jackknife_units", sr.U);  // independent units behind every _se (antithetic pair = 1)
  r.set("simpson_quadrature", plan.half_step_propagator() ? 1.0 : 0.0);
  r.set("floquet_slowest_rate", plan.floquet().slowest_rate);
  r.set("band_limit", plan.static_noise().band_limit());
  r.set("noise_taps_static", static_cast<double>(plan.static_noise().taps()));
  if (plan.driven_noise())
    r.set("noise_taps_driven", static_cast<double>(plan.driven_noise()->taps()));
  r.set("propagator_substeps", plan.propagator().substeps());
  r.set("batch_periods", static_cast<double>(batch_blocks * sr.bl.len));
  r.set("n_batches", static_cast<double>(bm.unit_samples.size()));
}

}  // namespace

Results simulate(const SimulationPlan& plan, const ExecutionContext& ctx, UnitAggregates* agg,
                 RunCheckpoint* ck, int run) {
  const auto t0 = std::chrono::steady_clock::now();
  const ModelParams& p = plan.params();
  const SimulationOptions& opt = plan.options();
  const SampledRun sr = sample_units(plan, ctx, ck, run);
  if (agg && agg->series) fill_block_series(plan, sr, *agg->series);
  const int U = sr.U, NT = sr.NT;
  const double tau_periods = tau_int_blocks(sr) * static_cast<double>(sr.bl.len);
  const std::int64_t batch_blocks = batch_blocks_of(plan, sr.bl, tau_periods);
  const BatchMeans bm = batch_means(sr, batch_blocks, opt.periods);

  Results r;
  std::vector<std::string> extra_warnings;
  auto est = [&](const std::string& key,
                 const std::function<double(const std::vector<double>&)>& f) {
    const Estimate e = jackknife(bm.unit_samples, f);
    r.set(key, e.value, e.se);
  };
  const bool off = plan.driven_bath_off();
  for (const MeanEstimator& me : mean_estimators(p, off)) est(me.key, me.f);
  if (!off) {
    est("J_2_direct", [](const auto& m) { return m[kJ2d]; });
    est("first_law_residual", [](const auto& m) { return m[kPA] + m[kPB] + m[kJ1] + m[kJ2d]; });
  }
  if (agg && !off) fill_unit_aggregates(sr, opt.periods, *agg);
  if (!off) D_sym_estimates(plan, sr, batch_blocks, r, agg, extra_warnings);

  describe_run(plan, sr, batch_blocks, bm, r);
  // Few batches per unit make the errors themselves uncertain, and low (docs/SIMULATION.md).
  if (U > 0 && static_cast<double>(bm.unit_samples.size()) / U < kMinBatchesPerUnit)
    extra_warnings.push_back(
        "errors: only " + std::to_string(bm.unit_samples.size() / static_cast<std::size_t>(U)) +
        " batches per unit (batches must span >= 20 relaxation times and 10 tau_int): the "
        "standard errors are uncertain and tend to be low: run more periods");
  r.set("tau_int_periods", tau_periods);
  r.set("batch_over_tau", static_cast<double>(batch_blocks * sr.bl.len) / tau_periods);
  r.set("n_eff", static_cast<double>(U) * static_cast<double>(opt.periods) / (2.0 * tau_periods));
  r.set("batch_lag1_corr", lag1_correlation(bm.lag1_x, bm.lag1_y));
  if (NT == 2 && !off) {
    for (auto [o, key] : {std::pair{kPA, "P_A"}, {kPB, "P_B"}, {kJ1, "J_1"}}) {
      const double vs = bm.traj_samples.variance(o), vp = bm.unit_samples.variance(o);
      r.set(std::string("antithetic_vrf_") + key, vs / 2.0 / vp);
      if (o == kPA && vs / 2.0 / vp < 1.0)
        extra_warnings.push_back(
            "antithetic pairs did not reduce the variance of P_A (factor " +
            std::to_string(vs / 2.0 / vp) +
            ", a pair costs ~1.5 single trajectories, not 2): the slow mode dominates, "
            "simulation.antithetic = false may be as good");
    }
  }
  r.set("steps_total", static_cast<double>(plan.steps_total()));
  r.set("wall_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::string w;
  for (const auto& s : plan.warnings()) w += (w.empty() ? "" : "; ") + s;
  for (const auto& s : extra_warnings) w += (w.empty() ? "" : "; ") + s;
  if (!w.empty()) r.set_text("warnings", w);
  r.set_text("solver", "simulate");
  return r;
}

void merge_static_run(Results& r, const Results& q) {
  // Copies key k of `from` with its twins (_se, _bias, _uncorrected) to key `to` of r.
  auto copy = [&r](const Results& from, const std::string& k, const std::string& to) {
    r.set(to, from.get(k), from.get(k + "_se"));
    for (const char* twin : {"_bias", "_uncorrected"})
      if (from.has(k + twin)) r.set(to + twin, from.get(k + twin));
  };
  // Eqs. 11, 25 are bath 2 only (the driven run's ratios are pearson_driven, ...).
  for (const char* key : {"pearson", "pearson_tilde"}) copy(q, key, key);
  for (const char* key : {"cov_xAxA", "cov_xBxB", "cov_xAxB"})
    copy(q, key, std::string(key) + "_static");
  r.set("wall_s", r.get("wall_s") + q.get("wall_s"));
  r.set("steps_total", r.get("steps_total") + q.get("steps_total"));
}

namespace {

using Offsets = std::vector<std::pair<std::string, double>>;

/// Records the scheme offsets as <key>_bias and, when `correct`, removes them: <key> becomes
/// <key>_uncorrected - <key>_bias (same standard error: the offset is deterministic).
void apply_offsets(Results& r, const Offsets& offs, bool correct) {
  for (const auto& [k, b] : offs) {
    if (!r.has(k)) continue;
    r.set(k + "_bias", b);
    if (!correct) continue;
    const double v = r.get(k);
    r.set(k + "_uncorrected", v);
    r.set(k, v - b, r.get(k + "_se"));
  }
}

/// Appends a warning to r's "warnings" text ("; "-separated).
void add_warning(Results& r, const std::string& w) {
  for (const auto& [k, v] : r.texts())
    if (k == "warnings") return r.set_text("warnings", v + "; " + w);
  r.set_text("warnings", w);
}

/// With simulation.bias = "estimate": names every quantity whose offset is larger than a
/// quarter of its standard error (the run is precise enough to see its own bias), in a warning
/// added to `to`.
/// Names as in the merged output: the driven run's pearson* are *_driven, the bath-off run's
/// covariances cov_*_static.
void warn_visible_offsets(const Results& r, const Offsets& offs, bool bath_off, Results& to) {
  std::string names;
  for (const auto& [k, b] : offs) {
    const double se = r.has(k + "_se") ? r.get(k + "_se") : 0.0;
    if (!(se > 0.0) || std::abs(b) <= 0.25 * se) continue;
    std::string name = k;
    if (!bath_off && k.rfind("pearson", 0) == 0) name += "_driven";
    if (bath_off && k.rfind("cov_", 0) == 0) name += "_static";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%s (%.2g se)", names.empty() ? "" : ", ", name.c_str(),
                  b / se);
    names += buf;
  }
  if (!names.empty())
    add_warning(to,
                "bias: the discretisation offsets of " + names +
                    " exceed se/4 and are NOT removed (simulation.bias = \"estimate\"): use "
                    "simulation.bias = \"correct\" (exact removal, the default), or a smaller "
                    "dt (simulation.dt_accuracy, steps_per_period) and a wider noise.band_limit");
}

/// Removes the offsets of P_A, P_B, J_1 from every unit's means (the jackknifed combinations
/// Q, V, dP/dOmega are then built from corrected means).
void correct_unit_means(UnitAggregates& a, const Offsets& offs) {
  for (const auto& [k, b] : offs)
    for (int c = 0; c < 3; ++c)
      if (k == UnitAggregates::kKeys[c])
        for (auto& m : a.means) m[static_cast<std::size_t>(c)] -= b;
}

/// The band-limit part of the offset of D_PA_sym, D_PB_sym, D_P_sym: the exact steady state
/// with the plan's band-limited noise spectra (ExactOptions::noise_band_limit) minus the
/// unbanded one.  The time-step part is not included (measured below 0.05%: SIMULATION.md).
std::array<double, 3> band_offsets_of_D(const SimulationPlan& plan) {
  ExactOptions eo;
  eo.omega_derivative = false;
  const Results full = exact_point(plan.params(), eo);
  const NoiseOptions& no = plan.options().noise;
  eo.noise_band_limit = plan.static_noise().band_limit();
  eo.noise_taper = no.taper;
  eo.noise_taper_shape = no.taper_shape;
  const Results band = exact_point(plan.params(), eo);
  std::array<double, 3> out{};
  const char* keys[3] = {"D_PA_sym", "D_PB_sym", "D_P_sym"};
  for (int i = 0; i < 3; ++i)
    out[static_cast<std::size_t>(i)] = band.get(keys[i]) - full.get(keys[i]);
  return out;
}

/// The continuum reference of a driven plan's means: the exact steady state (means only).
Results exact_means(const ModelParams& p) {
  ExactOptions eo;
  eo.fluctuations = false;
  eo.omega_derivative = false;
  return exact_point(p, eo);
}

/// Issue 16: what the statistics and the potential mean for the run's keys (docs/KEYS.md):
/// classical = 1 (D = D_sym), semiclassical = 1 (quantum noise with lambda != 0) with one
/// warning line, and a warning when simulation.bias cannot be applied (lambda != 0).
void statistics_notes(Results& r, const ModelParams& p, const SimulationOptions& opt) {
  if (p.classical) r.set("classical", 1.0);
  if (!p.quartic()) return;
  if (!p.classical) {
    r.set("semiclassical", 1.0);
    add_warning(r,
                "semiclassical: quantum noise with system.quartic_A/B != 0 is the 'quantum "
                "thermal bath' approximation, exact for linear oscillators only (zero-point "
                "energy can leak between modes, D_comm is the linear part's): docs/CLASSICAL.md");
  }
  if (opt.bias != "off")
    add_warning(r,
                "bias: no discretisation offsets for system.quartic_A/B != 0 (the scheme "
                "expectation is linear): the means are NOT corrected, check dt convergence "
                "(simulation.dt_accuracy)");
}

}  // namespace

SimulationJob::SimulationJob(const ModelParams& p, const SimulationOptions& opt)
    : p_(p), opt_(opt) {
  // Mass-scaled coordinates (model.hpp, with_unit_mass): every plan runs at m = 1 and run()
  // rescales the length^2 keys by 1/m, so the same physics gives the same numbers at any mass.
  const ModelParams p1 = with_unit_mass(p);
  main_ = std::make_unique<SimulationPlan>(p1, opt);
  if (opt.pearson) {
    // The bath-off run gives only covariances (Pearson), which the in-step quadrature does not
    // change (docs/SIMULATION.md): grid points suffice there, 30% cheaper.
    SimulationOptions o = opt;
    o.quadrature = "left";
    off_ = std::make_unique<SimulationPlan>(p1, o, /*driven_bath_off=*/true);
  }
  if (opt.omega_derivative) {
    // Same grid (n), seed and band limit: the noise of the shifted runs is the same white noise
    // through slightly different filters (common random numbers).
    SimulationOptions o = opt;
    o.steps_per_period = main_->steps_per_period();
    if (o.noise.band_limit <= 0.0) o.noise.band_limit = main_->static_noise().band_limit();
    ModelParams q = p1;
    q.Omega = p1.Omega * (1.0 + opt.omega_step);
    plus_ = std::make_unique<SimulationPlan>(q, o);
    q.Omega = p1.Omega * (1.0 - opt.omega_step);
    minus_ = std::make_unique<SimulationPlan>(q, o);
  }
}

std::uint64_t SimulationJob::progress_ticks(const ExecutionContext& ctx) const {
  const std::uint64_t all = progress_ticks();
  if (ctx.processes() == 1) return all;
  const int U = main_->units();  // every run of the job has the same units
  return all / static_cast<std::uint64_t>(U) *
         static_cast<std::uint64_t>(ctx.distribution->owned_count(U));
}

std::uint64_t SimulationJob::progress_ticks() const {
  std::uint64_t t = main_->progress_ticks();
  for (const auto* pl : {off_.get(), plus_.get(), minus_.get()})
    if (pl) t += pl->progress_ticks();
  return t;
}

Results SimulationJob::run(const ExecutionContext& ctx, RunCheckpoint* ck) const {
  ctx.begin(progress_ticks(ctx));
  if (!ck) return run_all(ctx, nullptr);
  try {
    Results r = run_all(ctx, ck);
    return r;
  } catch (const RunInterrupted&) {
    ck->write_now();
    throw;
  }
}

namespace {

/// Sets key to f(-1) (all units) with the jackknife error of f(u) (unit u deleted), u < U.
void set_jackknifed(Results& r, const std::string& key, int U,
                    const std::function<double(int)>& f) {
  std::vector<double> reps(static_cast<std::size_t>(U));
  for (int u = 0; u < U; ++u) reps[static_cast<std::size_t>(u)] = f(u);
  r.set(key, f(-1), jackknife_se(reps));
}

/// The band-limit part of D_sym's offset (D_comm is exact on the grid): D_*_sym_bias, removed
/// from D_*_sym and its replicas when correcting.
void D_sym_band_offsets(const SimulationPlan& plan, bool correct, Results& r, UnitAggregates& a0) {
  const std::array<double, 3> b = band_offsets_of_D(plan);
  const char* keys[3] = {"D_PA_sym", "D_PB_sym", "D_P_sym"};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string K = keys[i];
    r.set(K + "_bias", b[i]);
    if (!correct) continue;
    r.set(K + "_uncorrected", r.get(K));
    r.set(K, r.get(K) - b[i], r.get(K + "_se"));
    a0.D_sym[i] -= b[i];
    for (double& v : a0.D_sym_replicas[i]) v -= b[i];
  }
}

/// Quantum fluctuations D = D_sym - D_comm (docs/FLUCTUATIONS.md) and the TUR ratios
/// Q = S_dot D / O^2 (Eq. 7), errors by the joint jackknife (covariances of S_dot, D, O).
/// Classical statistics: no commutator part, D = D_sym (D_*_comm = 0 exactly).
void fluctuation_keys(const ModelParams& p, const SimulationPlan& plan, const UnitAggregates& a0,
                      bool correct, Results& r) {
  const int U = static_cast<int>(a0.means.size());
  const CommutatorResult c =
      p.classical ? CommutatorResult{} : commutator_fluctuations(plan.propagator());
  const double comm[3] = {c.D_PA_comm, c.D_PB_comm, c.D_P_comm};
  const double err[3] = {c.D_PA_err, c.D_PB_err, c.D_P_err};
  const char* keys[3] = {"D_PA", "D_PB", "D_P"};
  const double T1 = p.T_1, T2 = p.T_2;
  auto sdot = [&](int u) {  // S_dot as in mean_estimators (+-inf at a zero temperature)
    const double PA = a0.mean_without(u, 0), PB = a0.mean_without(u, 1);
    const double J1 = a0.mean_without(u, 2), J2 = -(PA + PB) - J1;
    return -J1 / T1 - J2 / T2;
  };
  for (int i = 0; i < 3; ++i) {
    const std::string K = keys[i];
    const double comm_err = std::isfinite(err[i]) ? err[i] : 0.0;
    r.set(K + "_comm", comm[i]);
    r.set(K + "_comm_err", comm_err);
    // D_comm is deterministic: its error bar is the numerical one (no sampling error).
    r.set(K + "_comm_se", comm_err);
    auto D = [&, i](int u) {
      const double s = u < 0 ? a0.D_sym[i] : a0.D_sym_replicas[i][static_cast<std::size_t>(u)];
      return s - comm[i];
    };
    set_jackknifed(r, K, U, D);
    r.set(K + "_se", std::hypot(r.get(K + "_se"), comm_err));
    if (r.has(K + "_sym_bias")) {  // D = D_sym - D_comm: the offset is D_sym's
      r.set(K + "_bias", r.get(K + "_sym_bias"));
      if (correct) r.set(K + "_uncorrected", r.get(K) + r.get(K + "_sym_bias"));
    }
    auto O = [&, i](int u) {
      return i == 2 ? a0.mean_without(u, 0) + a0.mean_without(u, 1) : a0.mean_without(u, i);
    };
    set_jackknifed(r,
                   std::string("Q_") + (i == 0   ? "PA"
                                        : i == 1 ? "PB"
                                                 : "P"),
                   U, [&](int u) {
                     const double o = O(u);
                     return sdot(u) * D(u) / (o * o);
                   });
  }
}

/// Eq. 26 from the runs at Omega (1 +- h): dP_l/dOmega and V_Pl with joint jackknife errors.
void omega_derivative_keys(double Omega, double h, const UnitAggregates& a0,
                           const UnitAggregates& ap, const UnitAggregates& am, Results& r) {
  const int U = static_cast<int>(a0.means.size());
  for (int l = 0; l < 2; ++l) {
    const std::string L = l == 0 ? "A" : "B";
    auto deriv = [&, l](int u) {
      return (ap.mean_without(u, l) - am.mean_without(u, l)) / (2.0 * h * Omega);
    };
    set_jackknifed(r, "dP_" + L + "_dOmega", U, deriv);
    set_jackknifed(r, "V_P" + L, U, [&, l](int u) {
      const double x = 1.0 - Omega * deriv(u) / a0.mean_without(u, l);
      return 2.0 * x * x;
    });
  }
  r.set("omega_step", h);
}

/// --series (SimulationJob::collect_series): one BlockSeries per run in `runs` (main,
/// bath-off, Omega+, Omega-; null: no such run, and none after a null Omega+), each filled by
/// simulate() through its UnitAggregates.
void attach_series(std::vector<BlockSeries>& out, const std::array<UnitAggregates*, 4>& runs) {
  static const char* names[4] = {"main", "bath_off", "omega_plus", "omega_minus"};
  out.clear();
  out.reserve(4);  // no reallocation: the aggregates point into it
  for (std::size_t i = 0; i < 4; ++i) {
    if (!runs[i] || (i == 3 && !runs[2])) continue;
    out.emplace_back().run = names[i];
    runs[i]->series = &out.back();
  }
}

/// The plans run at unit mass (constructor): x^2 = x~^2 / m (model.hpp, with_unit_mass).
void series_to_mass(std::vector<BlockSeries>& out, double mass) {
  if (mass == 1.0) return;
  for (BlockSeries& bs : out)
    for (std::size_t i = 0; i < bs.means.size(); ++i)
      if (i % kNObs >= static_cast<std::size_t>(kXAXA)) bs.means[i] /= mass;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Results SimulationJob::run_all(const ExecutionContext& ctx, RunCheckpoint* ck) const {
  // The scheme offsets are those of a linear scheme (scheme_expectation.hpp): none for a
  // quartic potential (quartic.hpp), whose runs carry the discretisation error uncorrected.
  const bool quartic = p_.quartic();
  const bool bias_on = opt_.bias != "off" && !quartic, correct = bias_on && opt_.bias == "correct";
  double bias_seconds = 0.0;
  // Offsets of a plan's means from the continuum (scheme_expectation.hpp), timed.
  auto offsets = [&](const SimulationPlan& plan, const Results& reference) {
    const auto t = std::chrono::steady_clock::now();
    Offsets o = scheme_offsets(plan, reference, ctx);
    bias_seconds += seconds_since(t);
    return o;
  };
  // Sampling first (all runs: a stop then loses no post-processing), then the estimates.
  UnitAggregates a0, ap, am, aq;
  if (series_) attach_series(*series_, {&a0, off_ ? &aq : nullptr, plus_ ? &ap : nullptr, &am});
  Results r = simulate(*main_, ctx, &a0, ck, 0);
  Results q, rp, rm;
  if (off_) q = simulate(*off_, ctx, &aq, ck, 1);
  if (plus_) {
    rp = simulate(*plus_, ctx, &ap, ck, 2);
    rm = simulate(*minus_, ctx, &am, ck, 3);
  }
  if (ck) ck->write_now();  // the final state
  ctx.sampled();
  if (series_) series_to_mass(*series_, p_.mass);
  if (bias_on) {
    const Offsets o = offsets(*main_, exact_means(main_->params()));
    apply_offsets(r, o, correct);
    if (correct) correct_unit_means(a0, o);
    if (!correct) warn_visible_offsets(r, o, false, r);
  }
  if (off_) {
    // Bath 2 alone: theory's static covariances are exact at gamma_1 = 0.
    if (bias_on) {
      const Offsets o = offsets(*off_, theory_point(with_unit_mass(p_)));
      apply_offsets(q, o, correct);
      if (!correct) warn_visible_offsets(q, o, true, r);
    }
    merge_static_run(r, q);
  }
  r.set("bias_corrected", correct ? 1.0 : 0.0);
  statistics_notes(r, p_, opt_);
  if (opt_.commutator) {
    if (bias_on) {
      const auto t = std::chrono::steady_clock::now();
      D_sym_band_offsets(*main_, correct, r, a0);
      bias_seconds += seconds_since(t);
    }
    const auto c0 = std::chrono::steady_clock::now();
    fluctuation_keys(p_, *main_, a0, correct, r);
    r.set("commutator_seconds", seconds_since(c0));
  }
  if (plus_) {
    if (correct) {
      correct_unit_means(ap, offsets(*plus_, exact_means(plus_->params())));
      correct_unit_means(am, offsets(*minus_, exact_means(minus_->params())));
    }
    r.set("wall_s", r.get("wall_s") + rp.get("wall_s") + rm.get("wall_s"));
    r.set("steps_total", r.get("steps_total") + rp.get("steps_total") + rm.get("steps_total"));
    omega_derivative_keys(p_.Omega, opt_.omega_step, a0, ap, am, r);
  }
  if (bias_on) r.set("bias_seconds", bias_seconds);
  rescale_from_unit_mass(r, p_.mass);  // plans at m = 1 (constructor)
  return r;
}

Results simulate(const ModelParams& p, const SimulationOptions& opt, const ExecutionContext& ctx) {
  return SimulationJob(p, opt).run(ctx);
}

}  // namespace synctur
