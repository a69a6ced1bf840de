// Point-or-sweep machinery shared by the solver commands (moved from src/cli/common.cpp).
#include <stdexcept>

#include "synctur/app/commands.hpp"

namespace synctur::app {

SimulationJob make_job(const ModelParams& p, const io::Config& cfg) {
  try {
    return SimulationJob(p, cfg.simulation);
  } catch (const InputRefusedError& e) {
    const std::string msg = e.what();
    if (io::set_by_override(cfg, msg.substr(0, msg.find(':'))))
      throw InputRefusedError("--set " + msg);
    throw;
  }
}

std::vector<double> model_row(const ModelParams& p) {
  std::vector<double> row;
  for (const auto& k : model_keys()) row.push_back(get_param(p, k));
  return row;
}

std::vector<Results> run_sweep(const std::vector<SweepPoint>& pts, const ExecutionContext& ctx,
                               const std::function<Results(const ModelParams&)>& solve) {
  const long n = static_cast<long>(pts.size());
  std::vector<Results> res(pts.size());
  std::string failure;
  ctx.begin(pts.size());
#pragma omp parallel for schedule(dynamic) num_threads(ctx.thread_count())
  for (long i = 0; i < n; ++i) {
    try {
      ctx.poll();
      res[i] = solve(pts[i].params);
      ctx.tick();
    } catch (const std::exception& e) {
#pragma omp critical(synctur_sweep_failure)
      if (failure.empty()) failure = "sweep point " + std::to_string(i + 1) + ": " + e.what();
    }
  }
  if (!failure.empty()) throw std::runtime_error(failure);
  return res;
}

io::Table sweep_table(const io::Config& cfg, const std::vector<SweepPoint>& pts,
                      const std::vector<Results>& res) {
  std::vector<std::string> columns = model_keys();
  const auto derived = cfg.sweep->derived_columns();
  columns.insert(columns.end(), derived.begin(), derived.end());
  std::vector<std::vector<double>> rows;
  rows.reserve(pts.size());
  for (const auto& pt : pts) {
    auto row = model_row(pt.params);
    row.insert(row.end(), pt.derived.begin(), pt.derived.end());
    rows.push_back(std::move(row));
  }
  return io::results_table(columns, rows, res);
}

}  // namespace synctur::app
