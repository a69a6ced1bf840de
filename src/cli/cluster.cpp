#include "cluster.hpp"

#include <memory>
#include <string>

#ifdef SYNCTUR_HAVE_MPI
#include "../mpi/mpi_cluster.hpp"
#endif

namespace synctur::cli {

namespace {
#ifdef SYNCTUR_HAVE_MPI
std::unique_ptr<mpi::MpiCluster>& instance() {
  static std::unique_ptr<mpi::MpiCluster> c;
  return c;
}
#endif
}  // namespace

void start_cluster([[maybe_unused]] int* argc, [[maybe_unused]] char*** argv) {
#ifdef SYNCTUR_HAVE_MPI
  instance() = mpi::MpiCluster::start(argc, argv);
#endif
}

void stop_cluster() {
#ifdef SYNCTUR_HAVE_MPI
  instance().reset();
#endif
}

const Distribution* cluster() {
#ifdef SYNCTUR_HAVE_MPI
  return instance().get();
#else
  return nullptr;
#endif
}

int cluster_size() {
  return cluster() ? cluster()->size() : 1;
}

bool is_root() {
  return !cluster() || cluster()->rank() == 0;
}

}  // namespace synctur::cli

namespace synctur::cli {

int agree_exit_status(int rc) {
  if (!cluster()) return rc;
  const std::string first = cluster()->first_failure(rc != 0 ? std::to_string(rc) : "");
  return first.empty() ? 0 : std::stoi(first);
}

}  // namespace synctur::cli
