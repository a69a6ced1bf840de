// The Distribution (distribution.hpp) of a process started by mpirun or srun: Open MPI's
// MPI_COMM_WORLD.  Optional target synctur_mpi (CMake option SYNCTUR_MPI, on when MPI is found).
#pragma once

#include <memory>

#include "synctur/numerics/distribution.hpp"

namespace synctur::mpi {

class MpiCluster final : public Distribution {
 public:
  /// MPI_Init_thread (serialized) when the environment says an MPI launcher started this
  /// process (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK); otherwise nullptr and MPI is never
  /// initialised (a plain run needs no MPI at all).  One per process; MPI_Finalize in the
  /// destructor.
  static std::unique_ptr<MpiCluster> start(int* argc, char*** argv);
  ~MpiCluster() override;
  MpiCluster(const MpiCluster&) = delete;
  MpiCluster& operator=(const MpiCluster&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void share_units(std::vector<double>& buf, std::size_t len, int units) const override;
  std::string first_failure(const std::string& mine) const override;
  std::vector<std::string> map_tasks(long n, int threads,
                                     const std::function<std::string(long)>& task) const override;
  /// Ends every process at once with `status` (for an error seen by one process only).
  [[noreturn]] void abort(int status) const;

 private:
  MpiCluster();
  int rank_ = 0, size_ = 1;
};

}  // namespace synctur::mpi
