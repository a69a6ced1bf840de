// Cooperating processes (MPI ranks) that share the work of one run.  The core library knows
// only this interface, never MPI: src/mpi/ implements it with Open MPI (optional build), and a
// null Distribution* everywhere means "this process does everything".
//
// Invariant: every result is a pure function of (seed, unit).  The units of a simulation are
// dealt round-robin to the processes; after the run every process receives every unit's raw
// per-unit data (block means and autocorrelator state) and reduces them in unit order, so the
// result is bit-identical for any rank count x thread count (docs/CLUSTER.md).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace synctur {

class Distribution {
 public:
  virtual ~Distribution() = default;
  virtual int rank() const = 0;  ///< this process, 0 .. size() - 1
  virtual int size() const = 0;  ///< number of processes, >= 1
  /// Units are dealt round-robin: this process runs unit u iff u % size() == rank().
  bool owns(int u) const { return u % size() == rank(); }
  /// Units this process runs among `units`.
  int owned_count(int units) const { return units / size() + (rank() < units % size() ? 1 : 0); }
  /// buf holds `units` records of `len` doubles, record u filled by its owner (owns(u)); on
  /// return every record holds its owner's data, on every process.  Collective.
  virtual void share_units(std::vector<double>& buf, std::size_t len, int units) const = 0;
  /// The failure message of the lowest rank that has one ("" = none), the same on every
  /// process.  Collective: every process calls it at the same point.
  virtual std::string first_failure(const std::string& mine) const = 0;
  /// Runs task(i) for i = 0 .. n - 1 spread over the processes with dynamic load balancing
  /// (a shared counter: whoever is free takes the next i; up to `threads` tasks at once per
  /// process, 1 = one after the other) and returns every task's output, in order of i, on
  /// every process.  task must not throw (encode failures in its output).  Collective.
  virtual std::vector<std::string> map_tasks(
      long n, int threads, const std::function<std::string(long)>& task) const = 0;
};

}  // namespace synctur
