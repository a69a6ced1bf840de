// The hot loop of the time-domain engine (unit_runner.hpp): units of work in SIMD lanes.
// Compiled with -ffp-contract=off (CMakeLists.txt): the kernels (dynamics/step_sampling.hpp)
// write their fused multiply-adds explicitly, so a lane's bits do not depend on the lane width.
#include "engines/unit_runner.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "dynamics/step_sampling.hpp"
#include "engines/unit_record.hpp"
#include "noise/noise_stream.hpp"
#include "synctur/dynamics/quartic.hpp"
#include "synctur/engines/checkpoint.hpp"
#include "synctur/numerics/execution_context.hpp"
#include "synctur/numerics/rng_streams.hpp"

namespace synctur::detail {
namespace {

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

/// Everything of one lane (unit) that is not in the SIMD arrays: its noise, its period sums,
/// and its state as the checkpoint record holds it.
template <int NT>
struct Lane {
  Lane(const SimulationPlan& plan, const UnitSlot& s) : slot(s), noise(plan, s.unit) {}
  UnitSlot slot;
  UnitNoise noise;
  PeriodSums<NT> sums;
  double state[NT][kStateDim] = {};
};

/// A group of units in W lanes: the SIMD state and period sums (lanes >= count stay zero) and
/// the lanes' own data.
template <int NT, int W>
struct Group {
  alignas(64) LaneState<W> s[NT] = {};
  alignas(64) LaneSums<W> acc[NT] = {};
  std::vector<Lane<NT>> lanes;
  std::int64_t j = 0;  // steps done (warm-up included)
  int k = 0;           // phase j mod n

  // The SIMD arrays of lane l to/from its Lane (before a save, after a load); the step sums
  // alone at the end of a period.
  void gather_sums(int l) {
    Lane<NT>& L = lanes[static_cast<std::size_t>(l)];
    for (int t = 0; t < NT; ++t)
      for (int o = 0; o < kNObs; ++o) L.sums.acc[t][o] = acc[t][o][l];
  }
  void gather(int l) {
    Lane<NT>& L = lanes[static_cast<std::size_t>(l)];
    for (int t = 0; t < NT; ++t)
      for (int r = 0; r < kStateDim; ++r) L.state[t][r] = s[t][r][l];
    gather_sums(l);
  }
  void scatter(int l) {
    const Lane<NT>& L = lanes[static_cast<std::size_t>(l)];
    for (int t = 0; t < NT; ++t) {
      for (int r = 0; r < kStateDim; ++r) s[t][r][l] = L.state[t][r];
      for (int o = 0; o < kNObs; ++o) acc[t][o][l] = L.sums.acc[t][o];
    }
  }
  /// The record fields of lane l, in the order of the unit record (unit_record.hpp); j and k
  /// are the group's.
  template <class IO>
  void bind(IO& io, int l) {
    Lane<NT>& L = lanes[static_cast<std::size_t>(l)];
    io.count(j).count(k).count(L.sums.period).count(L.sums.in_block).count(L.sums.in_group);
    io.position(L.noise.s1.get()).position(&L.noise.s2);
    io.real(L.noise.xi1[0]).real(L.noise.xi2[0]);
    io.reals(&L.state[0][0], NT * kStateDim).reals(&L.sums.acc[0][0], NT * kNObs);
    io.reals(&L.sums.blk[0][0], NT * kNObs).reals(&L.sums.grp[0][0], NT * 2);
    io.correlators(L.slot.corr, 3 * NT).blocks(L.slot.out);
  }
};

/// The step loop of one group (see run_units).
template <int NT, bool Quartic, int W>
class GroupRunner {
 public:
  GroupRunner(const SimulationPlan& plan, const UnitSlot* slots, int count, const BlockLayout& bl,
              const ExecutionContext& ctx, RunCheckpoint* ck, int run)
      : plan_(plan),
        prop_(plan.propagator()),
        half_(plan.half_step_propagator()),
        bl_(bl),
        ctx_(ctx),
        ck_(ck),
        run_(run),
        count_(count),
        rec_{NT, bl.count, kNObs, slots[0].corr->state_size()},
        kick_(plan.params(), 0.5 * prop_.dt()),
        kick_mid_(plan.params(), 0.25 * prop_.dt()),
        x1_((kChunk + 1) * W, 0.0),
        x2_((kChunk + 1) * W, 0.0) {
    g_.lanes.reserve(static_cast<std::size_t>(count));
    for (int l = 0; l < count; ++l) g_.lanes.emplace_back(plan, slots[l]);
  }

  bool run() {
    const int n = prop_.steps_per_period();
    const std::int64_t warm = plan_.warmup_periods() * n;
    const std::int64_t total = warm + plan_.options().periods * n;
    if (ck_) load();
    const std::int64_t j_start = g_.j;
    while (g_.j < total) {
      const auto c = static_cast<std::size_t>(std::min<std::int64_t>(kChunk, total - g_.j));
      noise_chunk(c);
      for (std::size_t i = 0; i < c; ++i) step(i, warm, n);
      for (auto& L : g_.lanes) L.noise.shift(c);
      for (int l = 0; l < count_; ++l) ctx_.tick();
      if (ck_ && g_.j < total && poll(g_.j - j_start)) return false;
    }
    for (auto& L : g_.lanes)
      if (L.sums.in_block > 0) L.sums.write_block(n, bl_, L.slot.out);  // the last, shorter block
    if (ck_)
      for (int l = 0; l < count_; ++l) {
        std::vector<double> v;
        save(l, v);
        ck_->unit_finished(run_, unit(l), std::move(v));
      }
    return true;
  }

 private:
  int unit(int l) const {
    return static_cast<int>(g_.lanes[static_cast<std::size_t>(l)].slot.unit);
  }
  void save(int l, std::vector<double>& v) {
    g_.gather(l);
    rec_.save(v, [&](auto& io) { g_.bind(io, l); });
  }
  // Every lane from its record (a lane without one starts at step 0); all at the same step.
  void load() {
    for (int l = 0; l < count_; ++l) {
      const std::vector<double>& r = ck_->record(run_, unit(l));
      const std::int64_t j0 = recorded_step(r);
      if (l > 0 && j0 != g_.j) throw std::logic_error("run_units: units at different steps");
      if (!r.empty()) rec_.load(r, [&](auto& io) { g_.bind(io, l); });
      g_.scatter(l);
      ck_->unit_started(run_, unit(l));
    }
  }
  // After a chunk: true when the checkpoint stops the group (every lane's record saved).
  bool poll(std::int64_t steps) {
    std::vector<char> stopped(static_cast<std::size_t>(count_), 0);
    bool any = false;
    for (int l = 0; l < count_; ++l) {
      auto sv = [&](std::vector<double>& v) { save(l, v); };
      stopped[static_cast<std::size_t>(l)] = ck_->poll(run_, unit(l), steps, sv) ? 1 : 0;
      any = any || stopped[static_cast<std::size_t>(l)] != 0;
    }
    if (!any) return false;
    for (int l = 0; l < count_; ++l) {  // a stop request came in between two lanes' polls
      auto sv = [&](std::vector<double>& v) { save(l, v); };
      if (!stopped[static_cast<std::size_t>(l)] && !ck_->poll(run_, unit(l), steps, sv))
        throw std::logic_error("run_units: lanes disagree on a stop");
    }
    return true;
  }
  // Every lane's next c noise samples of both baths, transposed: x[i W + l] = lane l's xi[i].
  void noise_chunk(std::size_t c) {
    for (int l = 0; l < count_; ++l) {
      UnitNoise& u = g_.lanes[static_cast<std::size_t>(l)].noise;
      u.fill_chunk(c);
      for (std::size_t i = 0; i <= c; ++i) {
        x1_[i * W + static_cast<std::size_t>(l)] = u.xi1[i];
        x2_[i * W + static_cast<std::size_t>(l)] = u.xi2[i];
      }
    }
  }
  // Step i of the chunk (t_j -> t_{j+1}) for every lane and trajectory.
  void step(std::size_t i, std::int64_t warm, int n) {
    const int k = g_.k;
    const double* x1k = x1_.data() + i * W;
    const double* x2k = x2_.data() + i * W;
    const double* x1n = x1k + W;
    const double* x2n = x2k + W;
    // trajectory t of a unit sees a xi_1 with a = +1, -1 (antithetic pair)
    alignas(64) double neg_k[W], neg_n[W];
    if constexpr (NT == 2)
      for (int l = 0; l < W; ++l) {
        neg_k[l] = -x1k[l];
        neg_n[l] = -x1n[l];
      }
    const double* n1k[2] = {x1k, neg_k};
    const double* n1n[2] = {x1n, neg_n};
    if (g_.j >= warm)
      for (int t = 0; t < NT; ++t) sample(t, k, n1k[t], x2k, n1n[t], x2n);
    const double* M = prop_.data() + 45 * k;
    for (int t = 0; t < NT; ++t) {
      alignas(64) LaneState<W> nx;
      if constexpr (Quartic) kick_lanes<W>(kick_, g_.s[t]);
      apply_map_lanes<W>(M, g_.s[t], n1k[t], x2k, n1n[t], x2n, nx);
      if constexpr (Quartic) kick_lanes<W>(kick_, nx);
      for (int r = 0; r < kStateDim; ++r)
        for (int l = 0; l < W; ++l) g_.s[t][r][l] = nx[r][l];
    }
    ++g_.j;
    if (++g_.k == n) {
      g_.k = 0;
      if (g_.j - 1 >= warm) end_period(n);  // a measured period ended at grid point j
    }
  }
  // Instantaneous observables of trajectory t at t_k (weight w0) and, with Simpson's rule, at
  // the mid-step t_k + dt/2 (weight 2/3; w0 = 1/3, the end point being the next t_k).
  void sample(int t, int k, const double* n1k, const double* n2k, const double* n1n,
              const double* n2n) {
    const ModelParams& p = plan_.params();
    const double m = p.mass, mg2 = p.mass * p.gamma_2;
    const double w0 = half_ ? 1.0 / 3.0 : 1.0;
    sample_lanes<W>(prop_.drive(k), g_.s[t], n1k, n2k, m, mg2, w0, g_.acc[t]);
    if (!half_) return;
    // first half step (phase 2k of 2n), noise linear to the mid value
    alignas(64) double m1[W], m2[W];
    for (int l = 0; l < W; ++l) {
      m1[l] = 0.5 * (n1k[l] + n1n[l]);
      m2[l] = 0.5 * (n2k[l] + n2n[l]);
    }
    alignas(64) LaneState<W> mid;
    const double* H = half_->data() + 45 * 2 * k;
    if constexpr (Quartic) {
      alignas(64) LaneState<W> pre;
      for (int r = 0; r < kStateDim; ++r)
        for (int l = 0; l < W; ++l) pre[r][l] = g_.s[t][r][l];
      kick_lanes<W>(kick_mid_, pre);
      apply_map_lanes<W>(H, pre, n1k, n2k, m1, m2, mid);
      kick_lanes<W>(kick_mid_, mid);
    } else {
      apply_map_lanes<W>(H, g_.s[t], n1k, n2k, m1, m2, mid);
    }
    sample_lanes<W>(half_->drive(2 * k + 1), mid, m1, m2, m, mg2, 2.0 / 3.0, g_.acc[t]);
  }
  void end_period(int n) {
    for (int l = 0; l < count_; ++l) {
      g_.gather_sums(l);
      Lane<NT>& L = g_.lanes[static_cast<std::size_t>(l)];
      L.sums.end_period(n, plan_.correlation_periods(), bl_, L.slot.corr, L.slot.out);
    }
    for (int t = 0; t < NT; ++t)
      for (int o = 0; o < kNObs; ++o)
        for (int l = 0; l < W; ++l) g_.acc[t][o][l] = 0.0;
  }

  const SimulationPlan& plan_;
  const Propagator& prop_;
  const Propagator* half_;
  const BlockLayout& bl_;
  const ExecutionContext& ctx_;
  RunCheckpoint* ck_;
  int run_, count_;
  UnitRecord rec_;
  QuarticKick kick_, kick_mid_;
  std::vector<double> x1_, x2_;
  Group<NT, W> g_;
};

template <int NT, bool Quartic>
bool run_lanes(const SimulationPlan& plan, const UnitSlot* slots, int count, const BlockLayout& bl,
               const ExecutionContext& ctx, RunCheckpoint* ck, int run) {
  if (count <= 1) return GroupRunner<NT, Quartic, 1>(plan, slots, count, bl, ctx, ck, run).run();
  if (count <= 2) return GroupRunner<NT, Quartic, 2>(plan, slots, count, bl, ctx, ck, run).run();
  if (count <= 4) return GroupRunner<NT, Quartic, 4>(plan, slots, count, bl, ctx, ck, run).run();
  return GroupRunner<NT, Quartic, 8>(plan, slots, count, bl, ctx, ck, run).run();
}

}  // namespace

bool run_units(const SimulationPlan& plan, const UnitSlot* slots, int count, const BlockLayout& bl,
               const ExecutionContext& ctx, RunCheckpoint* ck, int run) {
  if (count < 1 || count > kMaxLanes) throw std::logic_error("run_units: 1..8 units");
  const bool q = plan.params().quartic();  // quartic.hpp: Strang splitting
  if (plan.trajectories_per_unit() == 2)
    return q ? run_lanes<2, true>(plan, slots, count, bl, ctx, ck, run)
             : run_lanes<2, false>(plan, slots, count, bl, ctx, ck, run);
  return q ? run_lanes<1, true>(plan, slots, count, bl, ctx, ck, run)
           : run_lanes<1, false>(plan, slots, count, bl, ctx, ck, run);
}

std::int64_t recorded_step(const std::vector<double>& record) {
  return record.size() > 2 ? std::bit_cast<std::int64_t>(record[2]) : 0;
}

}  // namespace synctur::detail
