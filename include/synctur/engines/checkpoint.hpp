// The in-memory image of a checkpoint of `synctur simulate` (issue 14; docs/CHECKPOINT.md):
// the state of every unit of every run of a SimulationJob (main, bath-off, Omega +- h), taken
// between two chunks of steps, and the rule that decides when the threads publish it.
//
// Design.  A unit's trajectory is a pure function of (seed, unit): its noise is keyed by
// (seed, unit, bath) and indexed by the sample number, and its arithmetic does not depend on
// how the steps are split into chunks.  So the state of a unit after j steps (oscillator state,
// running sums, block means, autocorrelator, noise read positions) is a pure function of
// (seed, unit, j), and resuming a unit from it reproduces the same bits on any thread, any
// process.  The units are independent, so ANY combination of valid per-unit states is a valid
// checkpoint: the threads never wait for each other; each publishes its unit's state when a
// write is pending (at its next chunk boundary, every 4096 steps), and the thread that
// publishes last hands the image to the writer.  The core has no files and no signals: the
// writer and the stop flag are given by the caller (src/cli/simulate_cmd.cpp).
//
// Under MPI a write needs every process's unit states, i.e. a collective operation, which a
// worker thread cannot start.  There the periodic writes go by rounds (set_rounds):
// simulate() advances every unit by at most round_steps() steps, the units return with their
// states saved, the processes agree on rank 0's decision (write now? how many steps next?),
// gather the states and rank 0 writes; then the next round resumes every unit from its state.
// A round end is a resume point like any other, so the bits do not change.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace synctur {

/// Sampling stopped on request (RunCheckpoint::stop) before it was complete; the state of
/// every unit is in the RunCheckpoint.
class RunInterrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The states of the units of the runs of one job.  Record layout: see src/engines/unit_record.hpp
/// and unit_runner.cpp (UnitRecord); an empty record = the unit has not started.
struct CheckpointImage {
  struct Run {
    std::int64_t block_len = 0;  ///< periods per stored block mean (fixed by the first run)
    std::vector<std::vector<double>> units;
  };
  std::vector<Run> runs;  ///< in job order: main, bath-off (pearson), Omega+, Omega-
};

class RunCheckpoint {
 public:
  using Writer = std::function<void(const CheckpointImage&)>;
  /// `writer` stores an image (atomically); `every_seconds` > 0: publish and write an image
  /// every that many seconds of wall time (0: only when write_now() is called); `stop`: when
  /// it becomes true, the units stop at their next chunk boundary and simulate() throws
  /// RunInterrupted.  `image`: the state to resume from (empty: a fresh run).
  RunCheckpoint(Writer writer, double every_seconds, const std::atomic<bool>* stop,
                CheckpointImage image = {});

  // --- used by simulate() -------------------------------------------------------------
  /// Declares run `run` with `units` units; returns its block length (`fresh_len` unless the
  /// image already fixed it).
  std::int64_t begin_run(int run, int units, std::int64_t fresh_len);
  /// The record of unit u of run `run` (empty: not started).  Only while the unit is not
  /// running on another thread.
  const std::vector<double>& record(int run, int u) const;
  void set_record(int run, int u, std::vector<double> rec);
  void unit_started(int run, int u);
  /// At a chunk boundary of unit u, `steps` steps after it (re)started: publishes its state
  /// (save(record)) when a write is pending or due; returns true when the unit must stop (a
  /// stop request, or the end of a round: steps >= round_steps()), its state then saved.
  bool poll(int run, int u, std::int64_t steps,
            const std::function<void(std::vector<double>&)>& save);
  void unit_finished(int run, int u, std::vector<double> rec);
  bool stop_requested() const { return stop_ && stop_->load(std::memory_order_relaxed); }
  /// Periodic writes by rounds (needed under MPI: the other processes' units are not known
  /// here, a write is collective) instead of from the worker threads (one process).
  void set_rounds(bool on) { rounds_ = on; }
  bool rounds() const { return rounds_ && every_ > 0.0; }
  /// The current round's length: a unit returns after this many steps (0: no limit).  Set by
  /// simulate() between rounds, never while units run.
  void set_round_steps(std::int64_t steps) { round_steps_ = steps; }
  std::int64_t round_steps() const { return round_steps_; }
  double every_seconds() const { return every_; }
  /// Wall time since the last write (or since construction).
  double seconds_since_write() const;

  /// Writes the image now (main thread, between runs or after a stop).
  void write_now();
  const CheckpointImage& image() const { return image_; }
  std::uint64_t writes() const { return writes_; }

 private:
  void try_write();
  Writer writer_;
  double every_;
  const std::atomic<bool>* stop_;
  bool rounds_ = false;
  std::int64_t round_steps_ = 0;
  CheckpointImage image_;
  std::mutex m_;
  std::vector<std::vector<std::uint64_t>> gen_;  // per run, unit: generation of its record
  std::vector<std::vector<char>> running_;
  std::atomic<std::uint64_t> requested_{0};
  std::uint64_t written_ = 0, writes_ = 0;
  bool pending_ = false;
  std::chrono::steady_clock::time_point last_;
};

/// Rounds (RunCheckpoint::set_rounds): after a round of `steps` steps per unit that took
/// `round_seconds`, `since_write` seconds after the last write, with writes due every `every`
/// seconds: whether to write now (>= 90% of `every` elapsed) and the next round's length,
/// aimed at ending when the next write is due, in whole chunks (>= chunk, <= 8 x steps: the
/// first rounds, short, measure the speed).  A pure function: rank 0 decides, all follow.
struct RoundPlan {
  bool write = false;
  std::int64_t next_steps = 0;
};
RoundPlan plan_round(double every, double since_write, double round_seconds, std::int64_t steps,
                     std::int64_t chunk);

}  // namespace synctur
