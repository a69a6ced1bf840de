// `synctur validate`: the three solvers at one point, z-scores, the verdict and the text table
// (moved from src/cli/validate_cmd.cpp: the body of validate_main between load and emit).
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

/// se/|O| of the simulated denominator O of Q_PA, Q_PB, Q_P (P_A, P_B, P); NaN for other keys.
double denominator_rel_se(const Results& sim, const std::string& key) {
  const std::string o = key == "Q_PA" ? "P_A" : key == "Q_PB" ? "P_B" : key == "Q_P" ? "P" : "";
  if (o.empty() || !sim.has(o) || !sim.has(o + "_se")) return NAN;
  return sim.get(o + "_se") / std::fabs(sim.get(o));
}

}  // namespace

ValidateReport validate_point(const io::Config& cfg, const ValidateOptions& opt, int threads,
                              const Tick& tick, const Start& start, const Tick& sampled,
                              const Tick& level_tick, const Distribution* dist) {
  const double zmax = opt.tolerance_z;
  const ModelParams& p = cfg.model;

  // Exact first: it is cheap and settles whether there is a steady state at all.
  std::string message;
  ExactOptions eo = exact_options(cfg);
  eo.omega_derivative = false;  // V_P* is not compared (simulate has it only on request)
  const Results ex = exact_point(p, eo, &message);
  if (ex.get("steady_state") != 1.0)
    throw NoSteadyStateError(message, ex.get("floquet_slowest_rate"));
  const Results th = theory_point(p, cfg.theory);

  const SimulationJob job(p, cfg.simulation);
  if (start) start(job.progress_ticks(dist));
  const Results sim = job.run(threads, tick, dist);
  if (sampled) sampled();

  Results out;
  std::vector<std::string> failed;
  std::ostringstream fail_text;
  int compared = 0;
  int unresolved_ratios = 0;
  char line[320];
  std::ostringstream table;
  std::snprintf(line, sizeof line, "%-20s %14s %14s %14s %11s %8s %12s\n", "quantity", "theory",
                "exact", "simulation", "+- se", "z", "(ex-th)/|th|");
  table << line;
  for (const auto& key : kQuantities) {
    const double t = value_or_nan(th, key), e = value_or_nan(ex, key);
    const double s = value_or_nan(sim, key), se = value_or_nan(sim, key + "_se");
    const bool has_z = std::isfinite(e) && std::isfinite(s) && std::isfinite(se) && se > 0.0;
    const double z = has_z ? (s - e) / se : NAN;
    const double rel = std::isfinite(t) && t != 0.0 ? (e - t) / std::fabs(t) : NAN;
    if (!std::isfinite(t) && !std::isfinite(e) && !std::isfinite(s)) continue;  // eta undefined
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
    // resolved (campaign, Omega = 200: se/|P_A| = 0.35 gave z = -6 on Q_PA with P_A, D_PA,
    // S_dot all within 2 se). Then only its parts are compared (they are rows of their own).
    const double rel_O = denominator_rel_se(sim, key);
    const bool unresolved = std::isfinite(rel_O) && rel_O > kMaxRatioRelSe;
    if (unresolved) counted = false;
    out.set(key + "_counted", counted ? 1.0 : 0.0);
    if (counted) {
      ++compared;
      if (!has_z || !(std::fabs(z) < zmax)) {
        failed.push_back(key);
        char f[96];
        if (has_z)
          std::snprintf(f, sizeof f, "%s (z = %+.2f)", key.c_str(), z);
        else
          std::snprintf(f, sizeof f, "%s (no z)", key.c_str());
        fail_text << (failed.size() > 1 ? ", " : "") << f;
      }
    }
    std::snprintf(line, sizeof line, "%-20s %14.6e %14.6e %14.6e %11.3e %8.2f %12.3e%s",
                  key.c_str(), t, e, s, se, z, rel,
                  counted && (!has_z || !(std::fabs(z) < zmax)) ? "  FAIL" : "");
    table << line;
    if (unresolved) {
      std::snprintf(line, sizeof line, "  not counted: se/|O| = %.2f > %.2f", rel_O,
                    kMaxRatioRelSe);
      table << line;
      ++unresolved_ratios;
    }
    table << "\n";
  }
  // Optional: the leading order in gamma_1 from simulations at gamma_1 / 2^k.
  if (opt.gamma1_levels) {
    const long long K = *opt.gamma1_levels;
    if (K < 2 || K > 10) throw OptionError("validate: --gamma1-extrapolation must be 2..10");
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
        rk = SimulationJob(pk, ok).run(threads, level_tick, dist);
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
    std::snprintf(line, sizeof line,
                  "gamma_1 -> 0 (fit X/gamma_1 = a + b gamma_1 over %lld simulations, gamma_1 = "
                  "%.3g ... %.3g):\n%-14s %14s %11s %14s %8s %10s\n",
                  K, g1s.front(), g1s.back(), "X/gamma_1", "a (fit)", "+- se", "theory", "z",
                  "chi2/dof");
    table << line;
    for (std::size_t i = 0; i < fit_keys.size(); ++i) {
      double S = 0, Sx = 0, Sxx = 0, Sy = 0, Sxy = 0;
      for (std::size_t k = 0; k < g1s.size(); ++k) {
        const double w = 1.0 / (ses[i][k] * ses[i][k]), x = g1s[k], y = ys[i][k];
        S += w;
        Sx += w * x;
        Sxx += w * x * x;
        Sy += w * y;
        Sxy += w * x * y;
      }
      const double det = S * Sxx - Sx * Sx;
      const double a0 = (Sxx * Sy - Sx * Sxy) / det, b0 = (S * Sxy - Sx * Sy) / det;
      const double a_se = std::sqrt(Sxx / det);
      double chi2 = 0;
      for (std::size_t k = 0; k < g1s.size(); ++k) {
        const double r = (ys[i][k] - a0 - b0 * g1s[k]) / ses[i][k];
        chi2 += r * r;
      }
      const double dof = static_cast<double>(g1s.size()) - 2.0;
      const double t = th.get(fit_keys[i]) / p.gamma_1;
      const double z = (a0 - t) / a_se;
      const std::string f = "g1fit_" + fit_keys[i] + "_";
      out.set(f + "intercept", a0, a_se);
      out.set(f + "slope", b0);
      out.set(f + "theory", t);
      out.set(f + "z", z);
      out.set(f + "chi2_per_dof", dof > 0 ? chi2 / dof : NAN);
      ++compared;
      const bool bad = !(std::fabs(z) < zmax);
      if (bad) {
        failed.push_back(fit_keys[i] + "/gamma_1@0");
        char fz[96];
        std::snprintf(fz, sizeof fz, "%s/gamma_1@0 (z = %+.2f)", fit_keys[i].c_str(), z);
        fail_text << (failed.size() > 1 ? ", " : "") << fz;
      }
      std::snprintf(line, sizeof line, "%-14s %14.6e %11.3e %14.6e %8.2f %10.2f%s\n",
                    (fit_keys[i] + "/g1").c_str(), a0, a_se, t, z, dof > 0 ? chi2 / dof : NAN,
                    bad ? "  FAIL" : "");
      table << line;
    }
  }
  const bool passed = failed.empty();
  std::string failed_list;
  for (const auto& f : failed) failed_list += (failed_list.empty() ? "" : ",") + f;
  out.set("tolerance_z", zmax);
  out.set("passed", passed ? 1.0 : 0.0);
  out.set("n_compared", compared);
  out.set("n_failed", static_cast<double>(failed.size()));
  out.set("n_unresolved_ratios", unresolved_ratios);
  out.set_text("failed", failed_list);
  // The se come from a delete-one-unit jackknife over U units, so z is Student-t
  // distributed with U - 1 degrees of freedom, not normal: state the false-alarm rate.
  const double units = value_or_nan(sim, "jackknife_units");
  const double p_false = std::isfinite(units) && units >= 2.0
                             ? 2.0 * boost::math::cdf(boost::math::complement(
                                         boost::math::students_t(units - 1.0), zmax))
                             : NAN;
  out.set("false_alarm_per_quantity", p_false);
  for (const char* k : {"jackknife_units", "dt", "steps_per_period", "periods", "warmup_periods",
                        "trajectories", "seed", "band_limit", "n_eff", "batch_periods",
                        "steps_total", "wall_s", "bias_corrected", "bias_seconds"})
    if (sim.has(k)) out.set(std::string("simulation_") + k, sim.get(k));
  for (const char* k : {"floquet_slowest_rate", "first_law_residual_rel", "hill_N",
                        "quadrature_converged", "quadrature_worst_ratio"})
    if (ex.has(k)) out.set(std::string("exact_") + k, ex.get(k));

  // The text format (--format text): the table and its footer.
  std::snprintf(line, sizeof line,
                "simulation: dt = %.4g (%d steps/period), %.0f trajectories x %.0f periods, "
                "seed %.0f, %.1f s; pass iff |z| < %g: %s (%d quantities)\n",
                sim.get("dt"), static_cast<int>(sim.get("steps_per_period")),
                sim.get("trajectories"), sim.get("periods"), sim.get("seed"), sim.get("wall_s"),
                zmax, passed ? "PASS" : "FAIL", compared);
  table << line;
  std::snprintf(line, sizeof line,
                "errors: jackknife over %.0f units, so z ~ Student t with %.0f dof: "
                "P(|z| >= %g) = %.2g per quantity for a correct engine\n",
                units, units - 1.0, zmax, p_false);
  table << line;
  if (unresolved_ratios > 0)
    table << "not counted: a TUR ratio whose denominator has se/|O| > " << kMaxRatioRelSe
          << " (too non-linear for a Gaussian z; its parts D, S_dot, O are compared)\n";

  ValidateReport rep;
  rep.out = std::move(out);
  rep.text = table.str();
  rep.passed = passed;
  rep.compared = compared;
  rep.failed = failed.size();
  rep.failed_text = fail_text.str();
  return rep;
}

}  // namespace synctur::app
