// The edge of the exact engine: its typed result (ExactResult, exact.hpp) -> the key vocabulary
// (Results, docs/KEYS.md), in the order of the output.  The only place exact's keys are spelled;
// every caller that needs keys (the CLI, Python, validate, simulate's references, the mean-
// estimator table of the scheme offsets) gets them from here.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "synctur/engines/exact.hpp"

namespace synctur {

std::vector<std::string> exact_keys(bool fluctuations, bool omega_derivative) {
  std::vector<std::string> k = {
      "steady_state", "floquet_slowest_rate",  "P_A", "P_B", "P", "J_1", "J_2", "S_dot",
      "eta",          "first_law_residual_rel"};
  if (fluctuations)
    for (const char* s : {"D_PA", "D_PA_sym", "D_PA_comm", "D_PB", "D_PB_sym", "D_PB_comm", "D_P",
                          "D_P_sym", "D_P_comm", "Q_PA", "Q_PB", "Q_P"})
      k.emplace_back(s);
  if (omega_derivative)
    for (const char* s : {"dP_A_dOmega", "dP_B_dOmega", "V_PA", "V_PB"}) k.emplace_back(s);
  for (const char* s : {"cov_xAxA", "cov_xBxB", "cov_xAxB", "pearson_driven",
                        "pearson_tilde_driven", "f_B", "hill_N", "hill_check", "hill_converged"})
    k.emplace_back(s);
  if (fluctuations) k.emplace_back("hill_P");
  for (const char* s : {"evaluations", "panels", "quadrature_converged", "quadrature_worst_ratio"})
    k.emplace_back(s);
  return k;
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void put_fluctuations(Results& r, const std::array<ExactFluctuation, 3>& fl) {
  const char* names[3] = {"D_PA", "D_PB", "D_P"};
  const char* qn[3] = {"Q_PA", "Q_PB", "Q_P"};
  for (std::size_t k = 0; k < 3; ++k) {
    r.set(names[k], fl[k].D);
    r.set(std::string(names[k]) + "_sym", fl[k].D_sym);
    r.set(std::string(names[k]) + "_comm", fl[k].D_comm);
    r.set(qn[k], fl[k].Q);
  }
}

void put_steady_state(Results& r, const ExactSteadyState& s) {
  r.set("P_A", s.P_A);
  r.set("P_B", s.P_B);
  r.set("P", s.P);
  r.set("J_1", s.J_1);
  r.set("J_2", s.J_2);
  r.set("S_dot", s.S_dot);
  r.set("eta", s.eta);
  r.set("first_law_residual_rel", s.first_law_residual_rel);
  if (s.fluctuations) put_fluctuations(r, *s.fluctuations);
  r.set("cov_xAxA", s.cov_xAxA);
  r.set("cov_xBxB", s.cov_xBxB);
  r.set("cov_xAxB", s.cov_xAxB);
  r.set("pearson_driven", s.pearson_driven);
  r.set("pearson_tilde_driven", s.pearson_tilde_driven);
  const ExactNumerics& n = s.numerics;
  r.set("hill_N", n.hill_N);
  r.set("hill_check", n.hill_check);
  r.set("hill_converged", n.hill_converged ? 1.0 : 0.0);
  if (n.hill_P) r.set("hill_P", *n.hill_P);
  r.set("evaluations", static_cast<double>(n.evaluations));
  r.set("panels", n.panels);
  r.set("quadrature_converged", n.quadrature_converged ? 1.0 : 0.0);
  r.set("quadrature_worst_ratio", n.quadrature_worst_ratio);
  if (s.omega)
    for (std::size_t l = 0; l < 2; ++l) {
      const std::string L = l == 0 ? "A" : "B";
      r.set("dP_" + L + "_dOmega", s.omega->dP_dOmega[l]);
      r.set("V_P" + L, s.omega->V_P[l]);
    }
}

}  // namespace

Results to_results(const ExactResult& e) {
  Results r;
  // The order of the keys is exact_keys' (all present, NaN without a steady state).
  for (const auto& k : exact_keys(e.fluctuations, e.omega_derivative)) r.set(k, kNaN);
  r.set("steady_state", e.steady ? 1.0 : 0.0);
  r.set("floquet_slowest_rate", e.floquet_slowest_rate);
  r.set("f_B", e.f_B);
  if (e.classical) r.set("classical", 1.0);  // D = D_sym: no commutator part
  if (e.steady) put_steady_state(r, *e.steady);
  return r;
}

}  // namespace synctur
