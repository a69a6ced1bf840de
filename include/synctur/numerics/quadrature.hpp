// Globally adaptive Gauss-Kronrod (G10/K21, nodes from Boost.Math) for VECTOR-valued integrands
// over the whole real line, split at caller-supplied breakpoints, with both tails mapped to
// infinity (w = a +- s t/(1-t)).  All components share the evaluation points, so one pass
// gives every lowest-order integral of a parameter point.
//
// Convergence: for every component c, |error_c| <= max(rtol |I_c|, atol_rel * int |f_c|),
// with the K21-G10 difference as the error estimate of each panel.  The panel with the
// largest error relative to its component's tolerance is bisected until all components pass
// or max_panels is reached (then `converged` is false).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

namespace synctur {

struct QuadOptions {
  double rtol = 1e-10;      ///< relative tolerance per component [1]
  double atol_rel = 1e-12;  ///< absolute floor, relative to the L1 norm of the component [1]
  int max_panels = 4000;    ///< bisection budget
};

struct QuadStats {
  long evaluations = 0;  ///< integrand calls
  int panels = 0;        ///< final number of panels
  bool converged = false;
  double worst_ratio = 0;    ///< max_c error_c / tolerance_c at exit (<= 1 when converged)
  int worst_component = -1;  ///< the component that set worst_ratio
};

namespace detail {
/// K21 abscissae (non-negative, ascending, [0] = 0) and weights; G10 weights on the odd ones.
struct GK21 {
  std::array<double, 11> x, wk;
  std::array<double, 11> wg;  // zero on even indices
  static const GK21& get();
};

/// Sorted, de-duplicated breakpoints (non-finite values dropped).
std::vector<double> clean_breakpoints(std::vector<double> b);
}  // namespace detail

/// Integrates f over (-inf, inf).  F: void(double w, double* out) writing NC components.
/// Returns the integrals; abs_integral (optional) receives int |f_c|.
template <int NC, class F>
std::array<double, NC> integrate_real_line(F&& f, std::vector<double> breakpoints,
                                           const QuadOptions& opt, QuadStats* stats = nullptr,
                                           std::array<double, NC>* abs_integral = nullptr) {
  using Vec = std::array<double, NC>;
  const auto& gk = detail::GK21::get();
  breakpoints = detail::clean_breakpoints(std::move(breakpoints));
  if (breakpoints.empty()) breakpoints.push_back(0.0);
  const double lo = breakpoints.front(), hi = breakpoints.back();
  const double scale = std::max(1.0, hi - lo);

  // Panel kinds: 0 finite [a,b] in w; 1 right tail t in [a,b] subset [0,1), w = hi + s t/(1-t);
  // 2 left tail, w = lo - s t/(1-t).
  struct Panel {
    int kind;
    double a, b;
    Vec val, err, l1;
  };
  long nev = 0;
  auto eval_panel = [&](Panel& P) {
    const double c = 0.5 * (P.a + P.b), h = 0.5 * (P.b - P.a);
    Vec k{}, g{}, l{};
    double buf[NC];
    auto point = [&](double t, double wkt, double wgt) {
      double w, jac;
      if (P.kind == 0) {
        w = t;
        jac = 1.0;
      } else {
        const double om = 1.0 - t;
        const double d = scale * t / om;
        jac = scale / (om * om);
        w = P.kind == 1 ? hi + d : lo - d;
      }
      f(w, buf);
      ++nev;
      for (int i = 0; i < NC; ++i) {
        const double v = buf[i] * jac;
        k[i] += wkt * v;
        g[i] += wgt * v;
        l[i] += wkt * std::abs(v);
      }
    };
    point(c, gk.wk[0], gk.wg[0]);
    for (int j = 1; j < 11; ++j) {
      point(c - h * gk.x[j], gk.wk[j], gk.wg[j]);
      point(c + h * gk.x[j], gk.wk[j], gk.wg[j]);
    }
    for (int i = 0; i < NC; ++i) {
      P.val[i] = h * k[i];
      P.err[i] = std::abs(h * (k[i] - g[i]));
      P.l1[i] = h * l[i];
    }
  };

  std::vector<Panel> panels;
  panels.reserve(256);
  auto add = [&](int kind, double a, double b) {
    Panel P{kind, a, b, {}, {}, {}};
    eval_panel(P);
    panels.push_back(P);
  };
  add(2, 0.0, 0.5);
  add(2, 0.5, 1.0);
  for (size_t i = 0; i + 1 < breakpoints.size(); ++i) add(0, breakpoints[i], breakpoints[i + 1]);
  add(1, 0.0, 0.5);
  add(1, 0.5, 1.0);

  QuadStats st;
  Vec tot{}, err{}, l1{}, tol{};
  for (;;) {
    tot.fill(0.0);
    err.fill(0.0);
    l1.fill(0.0);
    for (const auto& P : panels)
      for (int i = 0; i < NC; ++i) {
        tot[i] += P.val[i];
        err[i] += P.err[i];
        l1[i] += P.l1[i];
      }
    double worst = 0.0;
    for (int i = 0; i < NC; ++i) {
      tol[i] = std::max(opt.rtol * std::abs(tot[i]), opt.atol_rel * l1[i]);
      if (tol[i] <= 0.0) tol[i] = std::numeric_limits<double>::min();
      if (err[i] / tol[i] > worst) {
        worst = err[i] / tol[i];
        st.worst_component = i;
      }
    }
    st.worst_ratio = worst;
    if (worst <= 1.0) {
      st.converged = true;
      break;
    }
    if (static_cast<int>(panels.size()) >= opt.max_panels) break;
    // bisect the panel contributing most (relative to the tolerances)
    size_t best = 0;
    double bestv = -1.0;
    for (size_t j = 0; j < panels.size(); ++j) {
      double v = 0.0;
      for (int i = 0; i < NC; ++i) v = std::max(v, panels[j].err[i] / tol[i]);
      if (v > bestv) {
        bestv = v;
        best = j;
      }
    }
    Panel P = panels[best];
    const double mid = 0.5 * (P.a + P.b);
    if (!(mid > P.a && mid < P.b)) break;  // cannot split further
    Panel L{P.kind, P.a, mid, {}, {}, {}}, R{P.kind, mid, P.b, {}, {}, {}};
    eval_panel(L);
    eval_panel(R);
    panels[best] = L;
    panels.push_back(R);
  }
  st.evaluations = nev;
  st.panels = static_cast<int>(panels.size());
  if (stats) {
    stats->evaluations += st.evaluations;
    stats->panels += st.panels;
    stats->converged = st.converged;
    if (st.worst_ratio >= stats->worst_ratio) {
      stats->worst_ratio = st.worst_ratio;
      stats->worst_component = st.worst_component;
    }
  }
  if (abs_integral) *abs_integral = l1;
  return tot;
}

}  // namespace synctur
