#include "mpi_cluster.hpp"

#include <mpi.h>
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace synctur::mpi {

namespace {

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

/// Every process's byte string, in rank order, on every process.
std::vector<std::string> allgather_bytes(const std::string& mine, int size) {
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(static_cast<std::size_t>(size)), offs(static_cast<std::size_t>(size));
  check(MPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, MPI_COMM_WORLD), "Allgather");
  int total = 0;
  for (int r = 0; r < size; ++r) {
    offs[static_cast<std::size_t>(r)] = total;
    total += lens[static_cast<std::size_t>(r)];
  }
  std::string all(static_cast<std::size_t>(total), '\0');
  check(MPI_Allgatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offs.data(), MPI_CHAR,
                       MPI_COMM_WORLD),
        "Allgatherv");
  std::vector<std::string> out;
  for (int r = 0; r < size; ++r)
    out.push_back(all.substr(static_cast<std::size_t>(offs[static_cast<std::size_t>(r)]),
                             static_cast<std::size_t>(lens[static_cast<std::size_t>(r)])));
  return out;
}

}  // namespace

std::unique_ptr<MpiCluster> MpiCluster::start(int* argc, char*** argv) {
  if (!launched_by_mpi()) return nullptr;
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    throw std::runtime_error("MPI: the library does not provide MPI_THREAD_SERIALIZED");
  }
  std::unique_ptr<MpiCluster> c(new MpiCluster());
  MPI_Comm_rank(MPI_COMM_WORLD, &c->rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &c->size_);
  return c;
}

MpiCluster::MpiCluster() = default;

MpiCluster::~MpiCluster() {
  MPI_Finalize();
}

void MpiCluster::abort(int status) const {
  MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);
}

void MpiCluster::share_units(std::vector<double>& buf, std::size_t len, int units) const {
  // Pack my records, gather every process's, unpack each record to its unit's place.
  std::string mine;
  for (int u = rank_; u < units; u += size_)
    mine.append(reinterpret_cast<const char*>(buf.data() + len * static_cast<std::size_t>(u)),
                len * sizeof(double));
  const std::vector<std::string> all = allgather_bytes(mine, size_);
  for (int r = 0; r < size_; ++r) {
    const std::string& rec = all[static_cast<std::size_t>(r)];
    std::size_t at = 0;
    for (int u = r; u < units; u += size_, at += len * sizeof(double))
      std::memcpy(buf.data() + len * static_cast<std::size_t>(u), rec.data() + at,
                  len * sizeof(double));
  }
}

std::string MpiCluster::first_failure(const std::string& mine) const {
  for (const std::string& m : allgather_bytes(mine, size_))
    if (!m.empty()) return m;
  return {};
}

std::vector<std::string> MpiCluster::map_tasks(long n, int threads,
                                               const std::function<std::string(long)>& task) const {
  // The shared counter: one long on rank 0, taken with an atomic fetch-and-add (passive
  // target: rank 0 need not take part).
  long* base = nullptr;
  MPI_Win win;
  check(MPI_Win_allocate(rank_ == 0 ? static_cast<MPI_Aint>(sizeof(long)) : 0, sizeof(long),
                         MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win),
        "Win_allocate");
  if (rank_ == 0) {
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
    *base = 0;
    MPI_Win_unlock(0, win);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  auto next = [&] {
    long one = 1, got = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    MPI_Fetch_and_op(&one, &got, MPI_LONG, 0, 0, MPI_SUM, win);
    MPI_Win_unlock(0, win);
    return got;
  };
  std::vector<std::pair<long, std::string>> done;
#pragma omp parallel num_threads(threads > 0 ? threads : 1)
  for (;;) {
    long i;
#pragma omp critical(synctur_mpi_calls)
    i = next();
    if (i >= n) break;
    std::string out = task(i);
#pragma omp critical(synctur_mpi_done)
    done.emplace_back(i, std::move(out));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Win_free(&win);
  // Every process's (i, output) records to every process, then in order of i.
  std::string mine;
  for (const auto& [i, out] : done) {
    const long len = static_cast<long>(out.size());
    mine.append(reinterpret_cast<const char*>(&i), sizeof i);
    mine.append(reinterpret_cast<const char*>(&len), sizeof len);
    mine += out;
  }
  std::vector<std::string> res(static_cast<std::size_t>(n));
  for (const std::string& rec : allgather_bytes(mine, size_)) {
    std::size_t at = 0;
    while (at < rec.size()) {
      long i = 0, len = 0;
      std::memcpy(&i, rec.data() + at, sizeof i);
      std::memcpy(&len, rec.data() + at + sizeof i, sizeof len);
      at += sizeof i + sizeof len;
      res[static_cast<std::size_t>(i)] = rec.substr(at, static_cast<std::size_t>(len));
      at += static_cast<std::size_t>(len);
    }
  }
  return res;
}

}  // namespace synctur::mpi
