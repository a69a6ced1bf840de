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

/// The states of the units of the runs of one job.  Record layout: see simulation.cpp
/// (UnitRecord); an empty record = the unit has not started.
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
  /// At a chunk boundary of unit u: publishes its state (save(record)) when a write is pending
  /// or due; returns true when the unit must stop (its state then saved).
  bool poll(int run, int u, const std::function<void(std::vector<double>&)>& save);
  void unit_finished(int run, int u, std::vector<double> rec);
  bool stop_requested() const { return stop_ && stop_->load(std::memory_order_relaxed); }
  /// Periodic writes from the worker threads (off under MPI: the other processes' units
  /// are not known here; the end-of-run and stop writes are collective there).
  void set_periodic(bool on) { periodic_ = on; }

  /// Writes the image now (main thread, between runs or after a stop).
  void write_now();
  const CheckpointImage& image() const { return image_; }
  std::uint64_t writes() const { return writes_; }

 private:
  void try_write();
  Writer writer_;
  double every_;
  const std::atomic<bool>* stop_;
  bool periodic_ = true;
  CheckpointImage image_;
  std::mutex m_;
  std::vector<std::vector<std::uint64_t>> gen_;  // per run, unit: generation of its record
  std::vector<std::vector<char>> running_;
  std::atomic<std::uint64_t> requested_{0};
  std::uint64_t written_ = 0, writes_ = 0;
  bool pending_ = false;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace synctur
