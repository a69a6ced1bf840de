// `synctur validate`: the three solvers at one point, z-scores, the verdict and the text table
// (moved from src/cli/validate_cmd.cpp: the body of validate_main between load and emit).
#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "synctur/app/commands.hpp"
#include "synctur/dynamics/floquet.hpp"
#include "synctur/engines/exact.hpp"
#include "synctur/engines/simulation.hpp"
#include "synctur/engines/theory.hpp"
#include "synctur/numerics/linear_fit.hpp"

namespace synctur::app {

namespace {

/// The compared quantities: the same key in theory, exact and simulate (docs/KEYS.md).  The
/// driven state's pearson_driven, pearson_tilde_driven have no theory value (theory's pearson
/// is the bath-off state, their gamma_1 -> 0 limit).
const std::vector<std::string> kQuantities = {"P_A",
                                              "P_B",
                                              "P",
                                              "J_1",
                                              "J_2",
                                              "S_dot",
                                              "eta",
                                              "cov_xAxA",
                                              "cov_xBxB",
                                              "cov_xAxB",
                                              "pearson_driven",
                                              "pearson_tilde_driven",
                                              "D_PA",
                                              "D_PB",
                                              "D_P",
                                              "Q_PA",
                                              "Q_PB",
                                              "Q_P"};

double value_or_nan(const Results& r, const std::string& k) {
  return r.has(k) ? r.get(k) : NAN;
}

/// Largest relative standard error of a TUR ratio's denominator for which its z is trusted:
/// the bias of 1/O^2 is ~3 (se/|O|)^2 (3% here) and the ratio's distribution still near normal.
constexpr double kMaxRatioRelSe = 0.1;

/// se/|O| of the simulated mean O (NaN when absent).
double rel_se(const Results& sim, const std::string& o) {
  if (!sim.has(o) || !sim.has(o + "_se")) return NAN;
  return sim.get(o + "_se") / std::fabs(sim.get(o));
}

/// se/|O| of the simulated parts a ratio row rests on: the denominator O of Q_PA, Q_PB, Q_P
/// (P_A, P_B, P); for eta = -P_A/P_B the worse of P_A and P_B (eta is defined only where
/// P_A < 0 < P_B, so its jackknife needs both signs resolved: with se/|P_A| = 9.7 at gamma_2 =
/// 0.01, Omega = 0.5, T = 0.05 some replicas had no eta and its se was NaN); NaN for other keys.
double ratio_parts_rel_se(const Results& sim, const std::string& key) {
  if (key == "eta") {
    const double a = rel_se(sim, "P_A"), b = rel_se(sim, "P_B");
    return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
  }
  const std::string o = key == "Q_PA" ? "P_A" : key == "Q_PB" ? "P_B" : key == "Q_P" ? "P" : "";
  return o.empty() ? NAN : rel_se(sim, o);
}

/// The pass/fail bookkeeping of one validate run.
struct Verdict {
  double zmax = 0.0;
  int compared = 0;
  int unresolved_ratios = 0;
  std::vector<std::string> failed;
  std::ostringstream fail_text;
  void fail(const std::string& name, const char* text) {
    failed.push_back(name);
    fail_text << (failed.size() > 1 ? ", " : "") << text;
  }
};

/// One row of the comparison: theory, exact and the simulation (+- se) of quantity q, its z
/// against exact, the output keys <q>_* and the table line.
void compare_quantity(const std::string& key, const Results& th, const Results& ex,
                      const Results& sim, Verdict& v, Results& out, std::ostringstream& table) {
  const double t = value_or_nan(th, key), e = value_or_nan(ex, key);
  const double s = value_or_nan(sim, key), se = value_or_nan(sim, key + "_se");
  const bool has_z = std::isfinite(e) && std::isfinite(s) && std::isfinite(se) && se > 0.0;
  const double z = has_z ? (s - e) / se : NAN;
  const double rel = std::isfinite(t) && t != 0.0 ? (e - t) / std::fabs(t) : NAN;
  if (!std::isfinite(t) && !std::isfinite(e) && !std::isfinite(s)) return;  // eta undefined
  out.set(key + "_theory", t);
  out.set(key + "_exact", e);
  out.set(key + "_simulation", s);
  out.set(key + "_simulation_se", se);
  out.set(key + "_z", z);
  out.set(key + "_rel_exact_theory", rel);
  // The simulation's discretisation offset (removed from s when bias_corrected = 1).
  for (const char* twin : {"_bias", "_uncorrected"})
    if (sim.has(key + twin)) out.set(key + twin, sim.get(key + twin));
  // eta is compared only where it is defined in both (P_A < 0 < P_B); any other quantity
  // without a z (no estimate, zero error) counts as a failure.
  bool counted = key != "eta" || (std::isfinite(e) && std::isfinite(s));
  // S_dot, Q_* at a zero temperature: -J/T = +-inf in both, nothing to compare statistically.
  if (std::isinf(e) && s == e) counted = false;
  // A TUR ratio Q = S_dot D / O^2 is too non-linear in O for a Gaussian z once O is poorly
  // resolved, and eta = -P_A/P_B undefined in part of the jackknife replicas once P_A or P_B
  // is (validate/README.md). Then only their parts are compared (they are rows of their own).
  const double rel_O = ratio_parts_rel_se(sim, key);
  const bool unresolved = std::isfinite(rel_O) && rel_O > kMaxRatioRelSe;
  if (unresolved) counted = false;
  out.set(key + "_counted", counted ? 1.0 : 0.0);
  const bool bad = counted && (!has_z || !(std::fabs(z) < v.zmax));
  if (counted) ++v.compared;
  if (bad) {
    char f[96];
    if (has_z)
      std::snprintf(f, sizeof f, "%s (z = %+.2f)", key.c_str(), z);
    else
      std::snprintf(f, sizeof f, "%s (no z)", key.c_str());
    v.fail(key, f);
  }
  char line[320];
  std::snprintf(line, sizeof line, "%-20s %14.6e %14.6e %14.6e %11.3e %8.2f %12.3e%s", key.c_str(),
                t, e, s, se, z, rel, bad ? "  FAIL" : "");
  table << line;
  if (unresolved) {
    std::snprintf(line, sizeof line, "  not counted: se/|O| = %.2f > %.2f", rel_O, kMaxRatioRelSe);
    table << line;
    ++v.unresolved_ratios;
  }
  table << "\n";
}

/// --gamma1-extrapolation K: simulations at gamma_1 / 2^k (k < K; k = 0 is sim), a weighted
/// straight-line fit of X/gamma_1 in gamma_1 and its intercept compared with theory.
void gamma1_extrapolation(const io::Config& cfg, long long K, const Results& sim, const Results& th,
                          const ExecutionContext& ctx, Verdict& v, Results& out,
                          std::ostringstream& table) {
  if (K < 2 || K > 10) throw OptionError("validate: --gamma1-extrapolation must be 2..10");
  const ModelParams& p = cfg.model;
  const std::vector<std::string> fit_keys = {"P_A", "P_B", "P", "J_1"};
  std::vector<double> g1s;
  std::vector<std::vector<double>> ys(fit_keys.size()), ses(fit_keys.size());
  for (long long k = 0; k < K; ++k) {
    ModelParams pk = p;
    pk.gamma_1 = p.gamma_1 / std::ldexp(1.0, static_cast<int>(k));
    Results rk;
    if (k == 0) {
      rk = sim;
    } else {
      SimulationOptions ok = cfg.simulation;
      ok.seed = cfg.simulation.seed + static_cast<std::uint64_t>(k);
      const NestedContext levels(ctx);  // the levels' chunks are not counted
      rk = to_results(SimulationJob(pk, ok).run(levels.context()));
    }
    g1s.push_back(pk.gamma_1);
    const std::string lv = "g1fit_level" + std::to_string(k) + "_";
    out.set(lv + "gamma_1", pk.gamma_1);
    for (std::size_t i = 0; i < fit_keys.size(); ++i) {
      ys[i].push_back(rk.get(fit_keys[i]) / pk.gamma_1);
      ses[i].push_back(rk.get(fit_keys[i] + "_se") / pk.gamma_1);
      out.set(lv + fit_keys[i] + "_over_g1", ys[i].back(), ses[i].back());
    }
  }
  char line[320];
  std::snprintf(line, sizeof line,
                "gamma_1 -> 0 (fit X/gamma_1 = a + b gamma_1 over %lld simulations, gamma_1 = "
                "%.3g ... %.3g):\n%-14s %14s %11s %14s %8s %10s\n",
                K, g1s.front(), g1s.back(), "X/gamma_1", "a (fit)", "+- se", "theory", "z",
                "chi2/dof");
  table << line;
  for (std::size_t i = 0; i < fit_keys.size(); ++i) {
    const LinearFit fit = weighted_linear_fit(g1s, ys[i], ses[i]);
    const double chi2_dof = fit.dof > 0 ? fit.chi2 / fit.dof : NAN;
    const double t = th.get(fit_keys[i]) / p.gamma_1;
    const double z = (fit.a - t) / fit.a_se;
    const std::string f = "g1fit_" + fit_keys[i] + "_";
    out.set(f + "intercept", fit.a, fit.a_se);
    out.set(f + "slope", fit.b);
    out.set(f + "theory", t);
    out.set(f + "z", z);
    out.set(f + "chi2_per_dof", chi2_dof);
    ++v.compared;
    const bool bad = !(std::fabs(z) < v.zmax);
    if (bad) {
      char fz[96];
      std::snprintf(fz, sizeof fz, "%s/gamma_1@0 (z = %+.2f)", fit_keys[i].c_str(), z);
      v.fail(fit_keys[i] + "/gamma_1@0", fz);
    }
    std::snprintf(line, sizeof line, "%-14s %14.6e %11.3e %14.6e %8.2f %10.2f%s\n",
                  (fit_keys[i] + "/g1").c_str(), fit.a, fit.a_se, t, z, chi2_dof,
                  bad ? "  FAIL" : "");
    table << line;
  }
}

/// The verdict keys, the Student-t false-alarm rate and the run's provenance keys.
void summary_keys(const Verdict& v, const Results& sim, const Results& ex, Results& out) {
  std::string failed_list;
  for (const auto& f : v.failed) failed_list += (failed_list.empty() ? "" : ",") + f;
  out.set("tolerance_z", v.zmax);
  out.set("passed", v.failed.empty() ? 1.0 : 0.0);
  out.set("n_compared", v.compared);
  out.set("n_failed", static_cast<double>(v.failed.size()));
  out.set("n_unresolved_ratios", v.unresolved_ratios);
  out.set_text("failed", failed_list);
  // The se come from a delete-one-unit jackknife over U units, so z is Student-t
  // distributed with U - 1 degrees of freedom, not normal: state the false-alarm rate.
  const double units = value_or_nan(sim, "jackknife_units");
  const double p_false = std::isfinite(units) && units >= 2.0
                             ? 2.0 * boost::math::cdf(boost::math::complement(
                                         boost::math::students_t(units - 1.0), v.zmax))
                             : NAN;
  out.set("false_alarm_per_quantity", p_false);
  for (const char* k : {"jackknife_units", "dt", "steps_per_period", "periods", "warmup_periods",
                        "trajectories", "seed", "band_limit", "n_eff", "batch_periods",
                        "steps_total", "wall_s", "bias_corrected", "bias_seconds"})
    if (sim.has(k)) out.set(std::string("simulation_") + k, sim.get(k));
  for (const char* k : {"floquet_slowest_rate", "first_law_residual_rel", "hill_N",
                        "quadrature_converged", "quadrature_worst_ratio"})
    if (ex.has(k)) out.set(std::string("exact_") + k, ex.get(k));
}

/// The text format's footer: what was compared, the run, the verdict, the error model.
void table_footer(const Verdict& v, const Results& sim, const Results& out,
                  std::ostringstream& table) {
  char line[320];
  std::snprintf(line, sizeof line,
                "simulation: dt = %.4g (%d steps/period), %.0f trajectories x %.0f periods, "
                "seed %.0f, %.1f s; pass iff |z| < %g: %s (%d quantities)\n",
                sim.get("dt"), static_cast<int>(sim.get("steps_per_period")),
                sim.get("trajectories"), sim.get("periods"), sim.get("seed"), sim.get("wall_s"),
                v.zmax, v.failed.empty() ? "PASS" : "FAIL", v.compared);
  table << line;
  const double units = value_or_nan(sim, "jackknife_units");
  std::snprintf(line, sizeof line,
                "errors: jackknife over %.0f units, so z ~ Student t with %.0f dof: "
                "P(|z| >= %g) = %.2g per quantity for a correct engine\n",
                units, units - 1.0, v.zmax, out.get("false_alarm_per_quantity"));
  table << line;
  if (v.unresolved_ratios > 0)
    table << "not counted: a TUR ratio whose denominator has se/|O| > " << kMaxRatioRelSe
          << " (too non-linear for a Gaussian z; its parts D, S_dot, O are compared), or eta "
             "with se/|P_A| or se/|P_B| above it (undefined in some jackknife replicas)\n";
}

}  // namespace

ValidateReport validate_point(const io::Config& cfg, const ValidateOptions& opt,
                              const ExecutionContext& ctx) {
  const ModelParams& p = cfg.model;
  // Exact first: it is cheap and settles whether there is a steady state at all.
  std::string message;
  ExactOptions eo = exact_options(cfg);
  eo.omega_derivative = false;  // V_P* is not compared (simulate has it only on request)
  ExactCache cache;             // the job's unbanded exact solve is this one (default [exact] keys)
  const ExactResult exact = cache.get(p, eo, &message);
  if (!exact.steady) throw NoSteadyStateError(message, exact.floquet_slowest_rate);
  const Results ex = to_results(exact);
  const Results th = to_results(theory_point(p, cfg.theory));

  SimulationJob job = make_job(p, cfg);
  job.share_exact(&cache);
  const Results sim = to_results(job.run(ctx));

  Results out;
  Verdict v;
  v.zmax = opt.tolerance_z;
  std::ostringstream table;
  char line[160];
  std::snprintf(line, sizeof line, "%-20s %14s %14s %14s %11s %8s %12s\n", "quantity", "theory",
                "exact", "simulation", "+- se", "z", "(ex-th)/|th|");
  table << line;
  for (const auto& key : kQuantities) compare_quantity(key, th, ex, sim, v, out, table);
  if (opt.gamma1_levels) gamma1_extrapolation(cfg, *opt.gamma1_levels, sim, th, ctx, v, out, table);
  summary_keys(v, sim, ex, out);
  table_footer(v, sim, out, table);

  ValidateReport rep;
  rep.out = std::move(out);
  rep.text = table.str();
  rep.passed = v.failed.empty();
  rep.compared = v.compared;
  rep.failed = v.failed.size();
  rep.failed_text = v.fail_text.str();
  return rep;
}

}  // namespace synctur::app
