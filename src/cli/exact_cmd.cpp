// synctur exact: exact_point() (all orders in gamma_1, Hill's method + frequency quadrature) at
// the point of CONFIG, or at every point of its [sweep] (OpenMP over points, rows in sweep
// order).  Method and keys: docs/EXACT.md.
#include <iostream>

#include "common.hpp"
#include "synctur/app/commands.hpp"
#include "synctur/dynamics/floquet.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/sweep.hpp"

namespace synctur::cli {

namespace {

const char* kSummary =
    "Exact periodic steady state (all orders in gamma_1 and gamma_2, no sampling) at the point\n"
    "of CONFIG, or at every point of its [sweep]: harmonic transfer functions from Hill's\n"
    "method, frequency integrals by adaptive Gauss-Kronrod, fluctuations by Wick's theorem.";
const char* kDetails =
    "Default format: json for a single point, csv for a sweep.  Keys: the theory names (P_A P_B\n"
    "P J_1 J_2 S_dot eta D_PA D_PB D_P Q_PA Q_PB Q_P cov_xAxA cov_xBxB cov_xAxB), the driven\n"
    "state's pearson_driven pearson_tilde_driven, D_*_sym / D_*_comm, steady_state,\n"
    "floquet_slowest_rate, first_law_residual_rel, hill_N hill_check hill_converged hill_P, "
    "evaluations panels quadrature_converged\n"
    "quadrature_worst_ratio (docs/EXACT.md).  Without a periodic steady state: a point exits\n"
    "with status 3 and the Floquet verdict on stderr; a sweep marks the row steady_state = 0\n"
    "with NaN values and reports the count on stderr.  Accuracy: the [exact] keys rtol,\n"
    "atol_rel, hill_tol (docs/INPUTS.md); --rtol, --atol, --hill-tol set them.";

const std::vector<OptionSpec> kOptions = {
    {"--rtol", "X", "exact.rtol: relative tolerance of the frequency integrals (default 1e-10)"},
    {"--atol", "X", "exact.atol_rel: quadrature floor relative to int |integrand| (default 1e-10)"},
    {"--hill-tol", "X",
     "exact.hill_tol: Hill truncation, relative change N -> N+6 (default 1e-11)"},
    {"--no-fluctuations", "", "means only: skip D_*, Q_*, V_* (several times faster)"},
    {"--no-omega-derivative", "", "skip dP_l/dOmega and V_Pl (two fewer means-only solves)"},
};

/// --rtol, --atol, --hill-tol: aliases of --set exact.rtol=X etc. (validated with the config).
std::vector<OptionSet> option_sets(const Args& a) {
  std::vector<OptionSet> sets;
  for (const auto& [option, key] : {std::pair<const char*, const char*>{"--rtol", "exact.rtol"},
                                    {"--atol", "exact.atol_rel"},
                                    {"--hill-tol", "exact.hill_tol"}})
    if (a.extra.count(option))
      sets.push_back({option, key, io::format_number(parse_real(option, a.extra.at(option)))});
  return sets;
}

ExactOptions options(const Args& a, const io::Config& cfg) {
  ExactOptions o = app::exact_options(cfg);
  if (a.extra.count("--no-fluctuations")) o.fluctuations = o.omega_derivative = false;
  if (a.extra.count("--no-omega-derivative")) o.omega_derivative = false;
  return o;
}

}  // namespace

int exact_main(const std::vector<std::string>& words) {
  return run_guarded([&] {
    const Args a = parse_args("exact", words, kOptions);
    if (a.help) {
      print_command_help(std::cout, "exact", kSummary, kOptions, kDetails);
      return 0;
    }
    const io::Config cfg = load(a, option_sets(a));
    const ExactOptions opt = options(a, cfg);
    const io::Provenance prov = provenance(a);

    if (!cfg.sweep || a.no_sweep) {
      emit_point(a, prov, cfg, app::exact_steady_point(cfg.model, opt));
      return 0;
    }
    const std::vector<SweepPoint> pts = expand_sweep(*cfg.sweep, cfg.model);
    const std::vector<Results> res = run_sweep(a, cfg, pts, "exact", [&](const ModelParams& p) {
      return to_results(exact_point(p, opt));
    });
    if (const std::string m = app::unstable_rows_message(res); !m.empty())
      std::cerr << m << std::endl;
    emit_sweep(a, prov, cfg, pts, res);
    return 0;
  });
}

}  // namespace synctur::cli
