// Tests of the checkpoint image of the time-domain engine (engines/checkpoint.hpp, issue 14) in
// process: a run stopped after its first published state and resumed from that image on another
// thread count gives the uninterrupted run's bits (antithetic pairs and single trajectories);
// an extension continues a partial last block and equals a fresh run of the new length; an
// extension across a change of block length equals it up to rounding.  The file format, the
// signals and the refusals are tested through the binary (tests/checkpoint_resume.py).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "synctur/engines/checkpoint.hpp"
#include "synctur/engines/simulation.hpp"

using namespace synctur;

namespace {

SimulationOptions opts(int traj, long periods, bool antithetic) {
  SimulationOptions o;
  o.trajectories = traj;
  o.periods = periods;
  o.seed = 11;
  o.pearson = false;
  o.antithetic = antithetic;
  return o;
}

void expect_bit_identical(const Results& a, const Results& b) {
  ASSERT_EQ(a.numbers().size(), b.numbers().size());
  for (std::size_t i = 0; i < a.numbers().size(); ++i) {
    const auto& [k, v] = a.numbers()[i];
    EXPECT_EQ(k, b.numbers()[i].first);
    if (k == "wall_s") continue;
    if (std::isnan(v))
      EXPECT_TRUE(std::isnan(b.numbers()[i].second)) << k;
    else
      EXPECT_EQ(v, b.numbers()[i].second) << k;  // bitwise
  }
}

const RunCheckpoint::Writer kNoWriter = [](const CheckpointImage&) {};

}  // namespace

// Stop as soon as the first state is published (every poll is "due"), resume from the image.
TEST(Checkpoint, StoppedAndResumedRunIsBitIdentical) {
  const ModelParams p;  // the quick-start physics
  for (bool anti : {true, false}) {
    const SimulationPlan plan(p, opts(anti ? 6 : 3, 300, anti));
    const Results ref = simulate(plan, ExecutionContext{2});
    std::atomic<bool> stop{false};
    int writes = 0;
    RunCheckpoint ck(
        [&](const CheckpointImage&) {
          ++writes;
          stop = true;
        },
        1e-12, &stop);
    EXPECT_THROW(simulate(plan, ExecutionContext{2}, nullptr, &ck, 0), RunInterrupted);
    EXPECT_GE(writes, 1);
    int started = 0;
    for (const auto& rec : ck.image().runs.at(0).units) started += rec.empty() ? 0 : 1;
    EXPECT_GE(started, 1) << "no unit state in the image";
    RunCheckpoint resume(kNoWriter, 0.0, nullptr, ck.image());
    expect_bit_identical(ref, simulate(plan, ExecutionContext{1}, nullptr, &resume, 0));
    // The final image of the resumed run reproduces the result without any stepping.
    RunCheckpoint again(kNoWriter, 0.0, nullptr, resume.image());
    expect_bit_identical(ref, simulate(plan, ExecutionContext{2}, nullptr, &again, 0));
  }
}

// 4097 periods: blocks of 2 periods, the last one partial; extended to 4101 (still blocks of 2)
// the partial block and the D_sym sample group continue: the fresh 4101-period bits.
TEST(Checkpoint, ExtensionContinuesThePartialBlock) {
  const ModelParams p;
  RunCheckpoint ck(kNoWriter, 0.0, nullptr);
  simulate(SimulationPlan(p, opts(2, 4097, true)), ExecutionContext{2}, nullptr, &ck, 0);
  EXPECT_EQ(ck.image().runs.at(0).block_len, 2);
  const SimulationPlan longer(p, opts(2, 4101, true));
  RunCheckpoint ext(kNoWriter, 0.0, nullptr, ck.image());
  expect_bit_identical(simulate(longer, ExecutionContext{2}),
                       simulate(longer, ExecutionContext{1}, nullptr, &ext, 0));
}

// 4000 -> 5000 periods: a fresh run uses blocks of 2 periods, the extension keeps blocks of 1.
// The means are the same sums grouped differently (equal to rounding); the errors are
// batch-means estimates from the same trajectories (equal within their own uncertainty).
TEST(Checkpoint, ExtensionAcrossABlockLengthChangeAgreesToRounding) {
  const ModelParams p;
  RunCheckpoint ck(kNoWriter, 0.0, nullptr);
  simulate(SimulationPlan(p, opts(2, 4000, true)), ExecutionContext{2}, nullptr, &ck, 0);
  const SimulationPlan longer(p, opts(2, 5000, true));
  RunCheckpoint ext(kNoWriter, 0.0, nullptr, ck.image());
  const Results fresh = simulate(longer, ExecutionContext{2});
  const Results e = simulate(longer, ExecutionContext{2}, nullptr, &ext, 0);
  EXPECT_EQ(ext.image().runs.at(0).block_len, 1);
  for (const char* k : {"P_A", "P_B", "J_1", "cov_xAxA", "cov_xBxB", "cov_xAxB"}) {
    EXPECT_NEAR(e.get(k), fresh.get(k), 1e-12 * std::abs(fresh.get(k))) << k;
    // se of an se from ~n_batches batches: relative 1/sqrt(2 (n_batches - 1))
    const double rel = 1.0 / std::sqrt(2.0 * (fresh.get("n_batches") - 1.0));
    const std::string s = std::string(k) + "_se";
    EXPECT_NEAR(e.get(s) / fresh.get(s), 1.0, 4.0 * rel) << s;
  }
  for (const char* k : {"D_PA_sym", "D_PB_sym", "D_P_sym"})  // streaming: not grouped by blocks
    EXPECT_EQ(e.get(k), fresh.get(k)) << k;
}

// Periodic writes by rounds (RunCheckpoint::set_rounds, the MPI path; here one process, no
// Distribution): writes due at every round end, rounds of one chunk per unit.  Every image
// written at a round end is a complete state: resuming it gives the uninterrupted bits, and so
// does the run with the rounds itself.
TEST(Checkpoint, RoundsWriteCompleteStatesAndKeepTheBits) {
  const ModelParams p;
  const SimulationPlan plan(p, opts(6, 300, true));
  const Results ref = simulate(plan, ExecutionContext{2});
  std::vector<CheckpointImage> images;
  RunCheckpoint ck([&](const CheckpointImage& img) { images.push_back(img); }, 1e-9, nullptr);
  ck.set_rounds(true);
  expect_bit_identical(ref, simulate(plan, ExecutionContext{2}, nullptr, &ck, 0));
  ASSERT_GE(images.size(), 3u) << "a write after every round expected";
  EXPECT_EQ(ck.round_steps(), 0) << "no round limit left behind";
  // a middle image: every unit started, none finished
  const CheckpointImage& mid = images[images.size() / 2];
  for (const auto& rec : mid.runs.at(0).units) EXPECT_FALSE(rec.empty());
  RunCheckpoint resume(kNoWriter, 0.0, nullptr, mid);
  expect_bit_identical(ref, simulate(plan, ExecutionContext{1}, nullptr, &resume, 0));
}

// Rank 0's round planning: write when >= 90% of the interval has passed, aim the next round at
// the next write, in whole chunks, growing at most 8-fold.
TEST(Checkpoint, PlanRound) {
  RoundPlan rp = plan_round(10.0, 2.0, 1.0, 4096, 4096);  // 8 s left at 4096 steps/s
  EXPECT_FALSE(rp.write);
  EXPECT_EQ(rp.next_steps, 8 * 4096);            // 32768 wanted, capped at 8x
  rp = plan_round(10.0, 5.0, 1.0, 40960, 4096);  // 5 s left at 40960 steps/s
  EXPECT_FALSE(rp.write);
  EXPECT_EQ(rp.next_steps, 5 * 40960);
  rp = plan_round(10.0, 9.5, 2.0, 40960, 4096);  // write; then 10 s at 20480 steps/s
  EXPECT_TRUE(rp.write);
  EXPECT_EQ(rp.next_steps, 5 * 40960);
  rp = plan_round(10.0, 8.75, 1.0, 409600, 4096);  // 1.25 s left: 512000 steps = 125 chunks
  EXPECT_FALSE(rp.write);
  EXPECT_EQ(rp.next_steps, 125 * 4096);
  rp = plan_round(10.0, 8.0, 1.0, 409600, 4096);  // 2 s left: 819200 steps = 200 chunks
  EXPECT_EQ(rp.next_steps, 200 * 4096);
  rp = plan_round(10.0, 8.0, 1.0, 409600 + 1000, 4096);  // not a whole number: rounded down
  EXPECT_EQ(rp.next_steps % 4096, 0);
  EXPECT_LE(rp.next_steps, 2 * (409600 + 1000));
  rp = plan_round(1e-9, 1.0, 1.0, 4096, 4096);  // at least one chunk
  EXPECT_TRUE(rp.write);
  EXPECT_EQ(rp.next_steps, 4096);
}
