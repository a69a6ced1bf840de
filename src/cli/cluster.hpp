// The processes of this run: MPI ranks when launched by mpirun/srun in an MPI build
// (src/mpi/), otherwise one process.  Only rank 0 prints and writes (docs/CLUSTER.md).
#pragma once

#include "synctur/numerics/distribution.hpp"

namespace synctur::cli {

/// Start MPI when an MPI launcher started this process (once, from main); a no-op otherwise.
void start_cluster(int* argc, char*** argv);
/// MPI_Finalize (from main, after the command returned).
void stop_cluster();
/// The processes sharing the work, or nullptr for a plain single-process run.
const Distribution* cluster();
/// Number of processes (1 without MPI).
int cluster_size();
/// True on the process that prints and writes (rank 0; always true without MPI).
bool is_root();
/// The first non-zero exit status among the processes in rank order (0 if none), the same on
/// every process (collective; rc itself without MPI).
int agree_exit_status(int rc);

}  // namespace synctur::cli
