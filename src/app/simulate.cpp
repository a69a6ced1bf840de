// `synctur simulate`: a point (the SimulationJob plus the references) and the sweep loop
// (moved from src/cli/simulate_cmd.cpp).
#include "synctur/app/commands.hpp"
#include "synctur/dynamics/floquet.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/theory.hpp"

namespace synctur::app {

const std::vector<std::string>& compared_keys() {
  static const std::vector<std::string> k = {"P_A",
                                             "P_B",
                                             "P",
                                             "J_1",
                                             "J_2",
                                             "S_dot",
                                             "cov_xAxA",
                                             "cov_xBxB",
                                             "cov_xAxB",
                                             "pearson",
                                             "pearson_driven",
                                             "pearson_tilde",
                                             "pearson_tilde_driven",
                                             "eta",
                                             "D_PA",
                                             "D_PB",
                                             "D_P",
                                             "Q_PA",
                                             "Q_PB",
                                             "Q_P",
                                             "dP_A_dOmega",
                                             "dP_B_dOmega",
                                             "V_PA",
                                             "V_PB"};
  return k;
}

/// pearson / pearson_tilde are bath-2-only quantities (the driven bath off), whose exact value
/// is theory's (exact at gamma_1 = 0); the driven state's are pearson_driven, ... (exact's).
void add_references(Results& r, const ModelParams& p, const io::Config& cfg, ExactCache* cache) {
  if (p.quartic()) return;  // theory and exact are linear solvers: no reference (issue 16)
  const Results t = to_results(theory_point(p, cfg.theory));
  ExactOptions eo = exact_options(cfg);
  eo.omega_derivative = cfg.simulation.omega_derivative;
  const Results e = to_results(cache ? cache->get(p, eo) : exact_point(p, eo));
  for (const auto& k : compared_keys())
    if (t.has(k)) r.set(k + "_theory", t.get(k));
  for (const auto& k : compared_keys()) {
    const bool bath_off = k == "pearson" || k == "pearson_tilde";
    if (bath_off && r.has(k))
      r.set(k + "_exact", t.get(k));
    else if (e.has(k))
      r.set(k + "_exact", e.get(k));
  }
}

Results simulate_point(const ModelParams& p, const io::Config& cfg, const ExecutionContext& ctx,
                       RunCheckpoint* checkpoint, std::vector<BlockSeries>* series) {
  ExactCache cache;  // one exact solve per (p, options) for the job's offsets and the references
  SimulationJob job = make_job(p, cfg);
  job.collect_series(series);
  job.share_exact(&cache);
  Results r = to_results(job.run(ctx, checkpoint));  // the edge: the keys
  add_references(r, p, cfg, &cache);
  return r;
}

std::vector<Results> simulate_sweep(const std::vector<SweepPoint>& pts, const io::Config& cfg,
                                    const ExecutionContext& ctx) {
  std::vector<Results> res;
  ctx.begin(pts.size());
  const NestedContext inner(ctx);  // a point's chunks only poll the outer sink
  for (const auto& pt : pts) {
    try {
      res.push_back(simulate_point(pt.params, cfg, inner.context()));
    } catch (const NoSteadyStateError& e) {
      Results r;  // marked, not fatal in a sweep
      r.set("steady_state", 0.0);
      r.set("floquet_slowest_rate", e.slowest_rate());
      res.push_back(r);
    }
    ctx.tick();
  }
  return res;
}

}  // namespace synctur::app
