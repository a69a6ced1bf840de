// synctur theory: theory_point() at the point of CONFIG, or at every point of its [sweep]
// (OpenMP, rows in sweep order).
#include <iostream>

#include "common.hpp"
#include "synctur/dynamics/floquet.hpp"
#include "synctur/engines/sweep.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/io/output.hpp"

namespace synctur::cli {

namespace {

const char* kSummary =
    "Lowest-order (in gamma_1, all orders in gamma_2) results of the paper at the point of\n"
    "CONFIG, or at every point of its [sweep] (one CSV row per point, computed in parallel).";
const char* kDetails =
    "Default format: json for a single point, csv for a sweep.  Columns/keys: the model\n"
    "parameters by TOML path (system.mass ... drive.r), the derived sweep keys (T, Tbar,\n"
    "dT_over_Tbar) when used, then the result keys (docs/KEYS.md).";

}  // namespace

int theory_main(const std::vector<std::string>& words) {
  return run_guarded([&] {
    const Args a = parse_args("theory", words, {});
    if (a.help) {
      print_command_help(std::cout, "theory", kSummary, {}, kDetails);
      return 0;
    }
    const io::Config cfg = load(a);
    const io::Provenance prov = provenance(a);

    if (!cfg.sweep || a.no_sweep) {
      std::string message;
      const TheoryResult t = theory_point(cfg.model, cfg.theory, &message);
      if (!t.steady_state)  // the static problem has no steady state: exit 3
        throw NoSteadyStateError("theory: " + message, t.floquet_slowest_rate);
      Results r = to_results(t);
      // The lowest order is the gamma_1 -> 0 limit.  At the given gamma_1 the driven system
      // may still have no steady state (exact and simulate refuse then): the same Floquet
      // check as exact (monodromy to 1e-10), a warning here (docs/THEORY.md, "Steady state").
      const StabilityReport at_g1 = check_stability(floquet_spectrum(cfg.model, 1e-10));
      if (!at_g1.stable) {
        const std::string w =
            "at driven_bath.gamma = " + io::format_number(cfg.model.gamma_1) + ": " +
            at_g1.message +
            "; the values are the lowest order (gamma_1 -> 0 limit) only: exact and simulate "
            "refuse this point";
        std::cerr << "warning: theory: " << w << std::endl;
        r.set_text("warnings", w);
      }
      emit_point(a, prov, cfg, r);
      return 0;
    }
    const std::vector<SweepPoint> pts = expand_sweep(*cfg.sweep, cfg.model);
    const std::vector<Results> res = run_sweep(a, cfg, pts, "theory", [&](const ModelParams& p) {
      return to_results(theory_point(p, cfg.theory));
    });
    std::size_t unstable = 0;
    for (const auto& r : res)
      if (r.has("steady_state")) ++unstable;
    if (unstable > 0)
      std::cerr << "theory: " << unstable << " of " << res.size()
                << " sweep points have no steady state at lowest order (static problem; "
                   "steady_state = 0, values NaN; see floquet_slowest_rate)"
                << std::endl;
    emit_sweep(a, prov, cfg, pts, res);
    return 0;
  });
}

}  // namespace synctur::cli
