// How and where a computation runs: one explicit object handed from the edge (the CLI, the
// Python module) to the engines, instead of thread counts, progress callbacks and the process
// group passed separately (as SUNDIALS' SUNContext).  The core never decides these itself.
//
// What is deliberately NOT in it: the FFTW planner lock.  FFTW's planner is process-wide state
// inside the library (wisdom, plan registry), so its lock must be process-wide too; two
// contexts with two locks would race.  It is one mutex in one place (src/noise/noise.cpp,
// planner_mutex), documented in docs/ARCHITECTURE.md.
#pragma once

#include <cstdint>

#include "synctur/numerics/distribution.hpp"

namespace synctur {

/// What the engines report while they work.  Implementations must be thread safe: tick() and
/// poll() are called from any worker thread.  Any of them may throw to cancel the work (the
/// Python module does, on KeyboardInterrupt); the engines let the exception pass.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  /// Once, before the work, with the number of tick() calls that will follow.
  virtual void begin(std::uint64_t total) { (void)total; }
  /// After each counted piece of work (a chunk of steps of a unit, a sweep point).
  virtual void tick() {}
  /// The sampling (the expensive part) is done; deterministic post-processing follows.
  virtual void sampled() {}
  /// A cancellation point between pieces of work that are not counted (the chunks of a sweep
  /// point, when the ticks count points).
  virtual void poll() {}
};

/// The execution context of one computation.  Cheap to copy; it does not own what it points
/// to (the caller keeps the sink and the distribution alive for the call).
struct ExecutionContext {
  /// OpenMP threads of this process [count]; 0 = OpenMP's default (omp_get_max_threads()).
  int threads = 0;
  /// Progress and cancellation; null = nobody listens.
  ProgressSink* progress = nullptr;
  /// The processes (MPI ranks) that share the work (distribution.hpp); null = this process
  /// does everything.  Collective functions must then be called by every process.
  const Distribution* distribution = nullptr;
  /// The time-domain engine's SIMD lanes: at most this many units of work run side by side
  /// (1 = one at a time; 0 = automatic, the widest: 8).  Results do not depend on it.
  int max_lanes = 0;

  /// The thread count to use: `threads`, or OpenMP's default when 0.
  int thread_count() const;
  /// This process's rank and the process count (0 and 1 without a distribution).
  int rank() const { return distribution ? distribution->rank() : 0; }
  int processes() const { return distribution ? distribution->size() : 1; }

  void begin(std::uint64_t total) const {
    if (progress) progress->begin(total);
  }
  void tick() const {
    if (progress) progress->tick();
  }
  void sampled() const {
    if (progress) progress->sampled();
  }
  void poll() const {
    if (progress) progress->poll();
  }
};

/// A sink that forwards the ticks of nested work to the outer sink's poll() (and nothing
/// else): for the chunks of a sweep point, when the outer sink counts points.
class PollForwarder : public ProgressSink {
 public:
  explicit PollForwarder(ProgressSink* outer) : outer_(outer) {}
  void tick() override {
    if (outer_) outer_->poll();
  }
  void poll() override {
    if (outer_) outer_->poll();
  }

 private:
  ProgressSink* outer_;
};

/// The context of nested work that the outer sink does not count (a sweep point's chunks when
/// the outer sink counts points; validate's extra gamma_1 levels): the outer context with its
/// progress replaced by a PollForwarder, so the nested ticks only poll() the outer sink
/// (cancellation still reaches the nested work).  Owns that forwarder: keep it alive for the
/// nested calls, e.g. `const NestedContext inner(ctx); work(inner.context());`.
class NestedContext {
 public:
  explicit NestedContext(const ExecutionContext& outer) : forward_(outer.progress), ctx_(outer) {
    ctx_.progress = &forward_;
  }
  NestedContext(const NestedContext&) = delete;  // ctx_ points into this object
  NestedContext& operator=(const NestedContext&) = delete;
  const ExecutionContext& context() const { return ctx_; }

 private:
  PollForwarder forward_;
  ExecutionContext ctx_;
};

}  // namespace synctur
