// synctur theory: theory_point() at the point of CONFIG, or at every point of its [sweep]
// (OpenMP, rows in sweep order).
#include <iostream>

#include "common.hpp"
#include "synctur/sweep.hpp"
#include "synctur/theory.hpp"

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
      emit_point(a, prov, cfg, theory_point(cfg.model, cfg.theory));
      return 0;
    }
    const std::vector<SweepPoint> pts = expand_sweep(*cfg.sweep, cfg.model);
    const std::vector<Results> res = run_sweep(
        a, pts, "theory", [&](const ModelParams& p) { return theory_point(p, cfg.theory); });
    emit_sweep(a, prov, cfg, pts, res);
    return 0;
  });
}

}  // namespace synctur::cli
