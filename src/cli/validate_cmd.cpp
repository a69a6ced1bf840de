// synctur validate: the three solvers at one point of CONFIG -- theory_point (lowest order in
// gamma_1), exact_point (all orders, no sampling) and the time-domain simulation (the same
// SimulationJob as `synctur simulate`) -- side by side, with z = (simulation - exact)/se and the
// relative difference exact vs theory.  Exit 0 iff every |z| < Z (--tolerance-z, default 4),
// else 1 with the failing quantities named on stderr; 3 without a periodic steady state.
// The computation: app::validate_point (src/app/validate.cpp).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cluster.hpp"
#include "common.hpp"
#include "synctur/app/commands.hpp"

namespace synctur::cli {

namespace {

const char* kSummary =
    "Cross-check of the three solvers at the point of CONFIG: lowest-order theory, the exact\n"
    "steady state (Hill) and the time-domain simulation (as `synctur simulate`), with\n"
    "z = (simulation - exact)/se and the relative difference (exact - theory)/|theory|.";
const char* kDetails =
    "Quantities: P_A P_B P J_1 J_2 S_dot eta cov_xAxA cov_xBxB cov_xAxB pearson_driven\n"
    "pearson_tilde_driven D_PA D_PB D_P Q_PA Q_PB Q_P, the same key in all three solvers (eta\n"
    "only where P_A < 0 < P_B in both; theory has no driven-state pearson: its column is nan).\n"
    "Output (--format text|json here, not csv): a table (text, the default) or one JSON object "
    "(per\n"
    "quantity <q>_theory <q>_exact <q>_simulation <q>_simulation_se <q>_z <q>_rel_exact_theory,\n"
    "then passed, n_compared, n_failed, failed, the run description and provenance).\n"
    "A TUR ratio Q = S_dot D / O^2 is not counted (<q>_counted = 0, n_unresolved_ratios) when\n"
    "the simulated O has se/|O| > 0.1: its z is not Gaussian then; D, S_dot and O still count.\n"
    "Exit status: 0 every |z| < Z; 1 some |z| >= Z (one line on stderr naming them);\n"
    "3 no periodic steady state.  The [sweep] of CONFIG is ignored (its base point is used).\n"
    "--gamma1-extrapolation K: the lowest order is linear in gamma_1, so X/gamma_1 at gamma_1 ->\n"
    "0 (the intercept of a straight-line fit over the K simulations, independent seeds) must\n"
    "match theory/gamma_1 (X = P_A P_B P J_1, seeds S + k, weighted least squares); its\n"
    "z-scores (g1fit_<X>_z) count in the pass/fail verdict too.";

const std::vector<OptionSpec> kOptions = {
    {"--tolerance-z", "Z", "pass iff every |z| < Z (default 4)"},
    {"--seed", "S", "override simulation.seed"},
    {"--gamma1-extrapolation", "K", "also gamma_1/2^k, k < K: leading order vs theory"},
    {"--format", "text|json", "output format: a table (text, the default) or one JSON object"},
};

}  // namespace

int validate_main(const std::vector<std::string>& words) {
  return run_guarded([&] {
    const Args a = parse_args("validate", words, kOptions);
    if (a.help) {
      print_command_help(std::cout, "validate", kSummary, kOptions, kDetails);
      return 0;
    }
    const bool json = format_or(a, "text") == "json";
    double zmax = 4.0;
    if (a.extra.count("--tolerance-z")) {
      zmax = parse_real("--tolerance-z", a.extra.at("--tolerance-z"));
      if (!(zmax > 0.0)) throw UsageError("validate: --tolerance-z must be > 0");
    }
    // Every option is checked before anything runs.
    const long long K =
        a.extra.count("--gamma1-extrapolation")
            ? parse_int("--gamma1-extrapolation", a.extra.at("--gamma1-extrapolation"), 2, 10)
            : 0;
    std::vector<OptionSet> extra;
    if (a.extra.count("--seed"))
      extra.push_back(
          {"--seed", "simulation.seed", std::to_string(parse_int("--seed", a.extra.at("--seed")))});
    io::Config cfg = load(a, extra);
    io::resolve_auto_cutoff_band(cfg, false);  // validate runs the base point of a sweep
    const io::Provenance prov = provenance(a);
    app::ValidateOptions vo;
    vo.tolerance_z = zmax;
    if (K > 0) vo.gamma1_levels = K;
    Progress progress("validate", progress_wanted(a, cfg), "chunks");
    app::ValidateReport rep;
    try {
      rep = app::validate_point(cfg, vo, context(a, &progress));
    } catch (const app::OptionError& e) {
      throw UsageError(e.what());
    }
    const Results& out = rep.out;
    const bool passed = rep.passed;

    if (json) {
      emit(a, [&](std::ostream& os) { io::write_json_point(os, prov, cfg, out); });
    } else {
      emit(a, [&](std::ostream& os) { os << rep.text; });
    }
    if (!passed) {
      std::cerr << "validate: " << rep.failed << " of " << rep.compared
                << " quantities disagree with exact (|z| >= " << zmax << "): " << rep.failed_text
                << std::endl;
      return 1;
    }
    return 0;
  });
}

}  // namespace synctur::cli
