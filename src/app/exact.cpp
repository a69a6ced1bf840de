// `synctur exact`: the point with its steady-state check (moved from src/cli/exact_cmd.cpp).
#include "synctur/engines/exact.hpp"

#include "synctur/app/commands.hpp"
#include "synctur/dynamics/floquet.hpp"

namespace synctur::app {

Results exact_steady_point(const ModelParams& p, const ExactOptions& opt) {
  std::string message;
  const ExactResult e = exact_point(p, opt, &message);
  if (!e.steady) throw NoSteadyStateError(message, e.floquet_slowest_rate);
  Results r = to_results(e);
  r.set_text("steady_state_message", message);
  return r;
}

ExactOptions exact_options(const io::Config& cfg) {
  ExactOptions o;
  o.rtol = cfg.real("exact.rtol");
  o.atol_rel = cfg.real("exact.atol_rel");
  o.hill_tol = cfg.real("exact.hill_tol");
  return o;
}

std::string unstable_rows_message(const std::vector<Results>& res) {
  std::size_t unstable = 0;
  for (const auto& r : res)
    if (r.get("steady_state") != 1.0) ++unstable;
  if (unstable == 0) return {};
  return "exact: " + std::to_string(unstable) + " of " + std::to_string(res.size()) +
         " sweep points have no periodic steady state (steady_state = 0, values NaN; "
         "see floquet_slowest_rate)";
}

}  // namespace synctur::app
