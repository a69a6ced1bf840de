// The edge of the lowest-order engine: its typed result (TheoryResult, theory.hpp) -> the key
// vocabulary (Results, docs/KEYS.md), in the order of the output.  The only place theory's keys
// are spelled; every caller (the CLI, Python, validate, simulate's references) gets them here.
#include <limits>

#include "synctur/engines/theory.hpp"

namespace synctur {
namespace {

void put_driven(Results& r, const TheoryDriven& d) {
  r.set("P_A", d.P_A);
  r.set("P_B", d.P_B);
  r.set("P", d.P);
  r.set("P0_A", d.P0_A);
  r.set("dP_A", d.dP_A);
  r.set("P0_B", d.P0_B);
  r.set("dP_B", d.dP_B);
  r.set("J_1", d.J_1);
  r.set("J_2", d.J_2);
  r.set("S_dot", d.S_dot);
  r.set("D_PA", d.D_PA);
  r.set("D_PB", d.D_PB);
  r.set("D_P", d.D_P);
  r.set("Q_PA", d.Q_PA);
  r.set("Q_PB", d.Q_PB);
  r.set("Q_P", d.Q_P);
  r.set("V_PA", d.V_PA);
  r.set("V_PB", d.V_PB);
  r.set("dP_A_dOmega", d.dP_A_dOmega);
  r.set("dP_B_dOmega", d.dP_B_dOmega);
  r.set("eta", d.eta);
}

void put_static(Results& r, const TheoryStatic& s) {
  r.set("cov_xAxA", s.cov_xAxA);
  r.set("cov_xBxB", s.cov_xBxB);
  r.set("cov_xAxB", s.cov_xAxB);
  r.set("pearson", s.pearson);
  r.set("pearson_tilde", s.pearson_tilde);
}

void put_appendix_d(Results& r, const TheoryAppendixD& a) {
  r.set("alpha_ad_A", a.alpha_ad_A);
  r.set("alpha_ad_B", a.alpha_ad_B);
  r.set("dalpha_ad_A", a.dalpha_ad_A);
  r.set("dalpha_ad_B", a.dalpha_ad_B);
  r.set("Dcoef_ad_A", a.Dcoef_ad_A);
  r.set("Dcoef_ad_B", a.Dcoef_ad_B);
  r.set("alpha_dia_A", a.alpha_dia_A);
  r.set("alpha_dia_B", a.alpha_dia_B);
  r.set("dalpha_dia_A", a.dalpha_dia_A);
  r.set("dalpha_dia_B", a.dalpha_dia_B);
  r.set("dbeta_dia_A", a.dbeta_dia_A);
  r.set("dbeta_dia_B", a.dbeta_dia_B);
  r.set("P_A_ad", a.P_A_ad);
  r.set("P_A_dia", a.P_A_dia);
  r.set("D_PA_ad", a.D_PA_ad);
  r.set("D_PA_dia", a.D_PA_dia);
  r.set("Q_PA_ad", a.Q_PA_ad);
  r.set("Q_PA_dia", a.Q_PA_dia);
}

}  // namespace

Results to_results(const TheoryResult& t) {
  Results r;
  put_driven(r, t.driven);
  put_static(r, t.stat);
  put_appendix_d(r, t.appendix_d);
  r.set("f_B", t.f_B);
  if (t.classical) r.set("classical", 1.0);  // D = D_sym: no commutator part
  if (t.Omega_th) r.set("Omega_th", *t.Omega_th);
  r.set("evaluations", static_cast<double>(t.evaluations));
  r.set("quadrature_converged", !t.steady_state          ? std::numeric_limits<double>::quiet_NaN()
                                : t.quadrature_converged ? 1.0
                                                         : 0.0);
  if (!t.steady_state) {
    r.set("steady_state", 0.0);
    r.set("floquet_slowest_rate", t.floquet_slowest_rate);
  }
  return r;
}

}  // namespace synctur
