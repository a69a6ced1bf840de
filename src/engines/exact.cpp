// Exact periodic steady state by Hill's method + adaptive frequency quadrature.
// Derivation and conventions: docs/EXACT.md.
#include "synctur/engines/exact.hpp"

#include <Eigen/LU>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "engines/hill_solver.hpp"
#include "synctur/dynamics/floquet.hpp"
#include "synctur/engines/simulation_options.hpp"  // InputRefusedError
#include "synctur/engines/theory.hpp"              // pearson_coefficient
#include "synctur/noise/noise.hpp"
#include "synctur/numerics/quadrature.hpp"
#include "synctur/physics/spectra.hpp"

namespace synctur {

namespace {

using cplx = std::complex<double>;
using Mat5c = Eigen::Matrix<cplx, kStateDim, kStateDim>;
using Mat52c = Eigen::Matrix<cplx, kStateDim, 2>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = std::numbers::pi;

// ------------------------------------------------------------------------------------------
// Time-periodic linear forms L(t) = sum_{m=-1}^{1} L_m e^{i m Omega t} acting on (s, xi).
// Their harmonics are obtained by sampling the model's own LinearForms (state_space.hpp) at
// t_j = j T / 4: a trigonometric polynomial of degree 1 is recovered exactly by the 4-point DFT.
// Stored sparsely (the forms have a few non-zero coefficients).
struct HForm {
  struct Term {
    int m;     // harmonic of the coefficient
    int comp;  // state component (0..4) or, with xi = true, noise component (0..1)
    bool xi;
    cplx c;
  };
  std::vector<Term> terms;
};

template <class F>
HForm form_harmonics(const StateSpace& ss, F&& form_at) {
  std::array<Eigen::Matrix<cplx, 1, kStateDim>, 3> s;
  std::array<Eigen::Matrix<cplx, 1, kNoiseDim>, 3> x;
  for (auto& v : s) v.setZero();
  for (auto& v : x) v.setZero();
  const double T = ss.period();
  static const cplx kPhase[4] = {cplx(1, 0), cplx(0, -1), cplx(-1, 0), cplx(0, 1)};
  for (int j = 0; j < 4; ++j) {
    const LinearForm lf = form_at(ss.drive(j * T / 4.0));
    for (int m = -1; m <= 1; ++m) {
      const cplx ph = 0.25 * kPhase[((m * j) % 4 + 4) % 4];  // e^{-i m j pi/2} / 4
      s[m + 1] += ph * lf.s_coef.cast<cplx>();
      x[m + 1] += ph * lf.xi_coef.cast<cplx>();
    }
  }
  // Drop DFT round-off (entries below 1e-14 of the form's largest coefficient).
  double big = 0.0;
  for (int m = 0; m < 3; ++m)
    big = std::max({big, s[m].cwiseAbs().maxCoeff(), x[m].cwiseAbs().maxCoeff()});
  HForm f;
  for (int m = -1; m <= 1; ++m) {
    for (int i = 0; i < kStateDim; ++i)
      if (std::abs(s[m + 1](i)) > 1e-14 * big) f.terms.push_back({m, i, false, s[m + 1](i)});
    for (int i = 0; i < kNoiseDim; ++i)
      if (std::abs(x[m + 1](i)) > 1e-14 * big) f.terms.push_back({m, i, true, x[m + 1](i)});
  }
  return f;
}

HForm sum_forms(const HForm& a, const HForm& b) {
  HForm f = a;
  f.terms.insert(f.terms.end(), b.terms.begin(), b.terms.end());
  return f;
}

/// Harmonics of the transfer function of L(t).(s, xi) for one noise channel, output harmonic
/// n in [-No, No] at out[n + No] (No = N + 1 covers the modulation).  H: state harmonics
/// n in [-Nh, Nh] at H[n + Nh] (may be null); xi_index: the channel's noise component whose
/// unit input sits at harmonic 0, or -1 for none.
void apply_form(const HForm& L, const StateVecC* H, int Nh, int xi_index, int No, cplx* out) {
  std::fill(out, out + 2 * No + 1, cplx(0.0));
  for (const auto& t : L.terms) {
    if (t.xi) {
      if (t.comp == xi_index && std::abs(t.m) <= No) out[t.m + No] += t.c;
      continue;
    }
    if (!H) continue;
    for (int j = -Nh; j <= Nh; ++j) {
      const int n = j + t.m;
      if (n < -No || n > No) continue;
      out[n + No] += t.c * H[j + Nh](t.comp);
    }
  }
}

/// Re sum_n a_n conj(b_n) over len entries.
inline double re_dot(const cplx* a, const cplx* b, int len) {
  double s = 0.0;
  for (int i = 0; i < len; ++i) s += a[i].real() * b[i].real() + a[i].imag() * b[i].imag();
  return s;
}

// ------------------------------------------------------------------------------------------
// Integrand components.
enum Comp {
  kPA,
  kPB,
  kJ1,
  kJ2,
  kCAA,
  kCBB,
  kCAB,  // means
  kDA,
  kDAc,
  kDB,
  kDBc,
  kDP,
  kDPc,  // fluctuations: D and its commutator part
  kNComp
};
constexpr int kNMean = kDA;

struct Forms {
  HForm PA, PB, P, F1, y1, F2, y2, xA, xB;
};

Forms make_forms(const StateSpace& ss) {
  Forms f;
  f.PA = form_harmonics(ss, [](const DriveSample& d) {
    LinearForm l;
    l.s_coef(kXA) = StateSpace::power_prefactor(0, d);
    return l;
  });
  f.PB = form_harmonics(ss, [](const DriveSample& d) {
    LinearForm l;
    l.s_coef(kXB) = StateSpace::power_prefactor(1, d);
    return l;
  });
  f.P = sum_forms(f.PA, f.PB);
  f.F1 = form_harmonics(ss, [&](const DriveSample&) { return ss.F1_form(); });
  f.y1 = form_harmonics(ss, [&](const DriveSample& d) { return ss.y1_dot_form(d); });
  f.F2 = form_harmonics(ss, [&](const DriveSample&) { return ss.F2_form(); });
  f.y2 = form_harmonics(ss, [&](const DriveSample&) { return ss.y2_dot_form(); });
  f.xA = form_harmonics(ss, [](const DriveSample&) {
    LinearForm l;
    l.s_coef(kXA) = 1.0;
    return l;
  });
  f.xB = form_harmonics(ss, [](const DriveSample&) {
    LinearForm l;
    l.s_coef(kXB) = 1.0;
    return l;
  });
  return f;
}

/// Evaluates the integrand vector at w >= 0 with truncation N (and fluctuation sum |p| <= P).
class Integrand {
 public:
  Integrand(const ModelParams& p, bool fluct)
      : p_(p),
        solver_(p),
        forms_(make_forms(solver_.state_space())),
        b1_(driven_bath(p)),
        b2_(static_bath(p)),
        fluct_(fluct),
        hq_(p.classical ? 0.0 : 1.0) {}

  /// Band-limited noise: every symmetrised spectrum S_k(w) becomes S_k(w) W(|w|)^2 (the means
  /// and the S S' part of the fluctuations; J J' untouched).  band <= 0: none.
  void set_noise_band(double band, double taper, TaperShape shape) {
    band_ = band;
    taper_ = taper;
    shape_ = shape;
  }

  int components() const { return fluct_ ? kNComp : kNMean; }
  /// Range |p| <= P of the frequency shifts w - p Omega in the fluctuation sum (-1: N + 1).
  void set_shift_range(int P) { P_ = P; }
  /// Per-|p| absolute contributions to the fluctuation components at w (for choosing P):
  /// out[|p|][component - kDA], |p| <= N + 1.
  void shift_contributions(double w, int N, std::vector<std::array<double, kNComp - kNMean>>& out) {
    out.assign(N + 2, {});
    double prev[kNComp], cur[kNComp];
    solver_.solve_shifts(w, N, N + 1, Rs_);
    for (int P = 0; P <= N + 1; ++P) {
      std::fill(cur, cur + kNComp, 0.0);
      if (band_ > 0.0)
        fluctuations<true>(w, N, P, N + 1, cur);
      else
        fluctuations<false>(w, N, P, N + 1, cur);
      for (int c = 0; c < kNComp - kNMean; ++c)
        out[P][c] = std::abs(cur[kNMean + c] - (P > 0 ? prev[kNMean + c] : 0.0));
      std::copy(cur, cur + kNComp, prev);
    }
  }

  /// out[kNComp]: the integrand of int_0^inf dw (already includes 2 / 2 pi).
  void eval(double w, int N, double* out) {
    if (band_ > 0.0)
      eval_t<true>(w, N, out);
    else
      eval_t<false>(w, N, out);
  }

 private:
  // Banded = false is the continuum code path (the same arithmetic as before the band option
  // existed); Banded = true multiplies every S_k by W^2 (set_noise_band).
  template <bool Banded>
  void eval_t(double w, int N, double* out) {
    std::fill(out, out + kNComp, 0.0);
    if (w < 0.0) return;
    // W(w)^2 of the band-limited noise (exactly 0 above w_b: there the means vanish and only
    // the commutator part J J' of the fluctuations remains)
    double g = 1.0;
    if constexpr (Banded) {
      g = band2(w);
      if (g == 0.0 && !fluct_) return;
    }
    const int Ps = fluct_ ? (P_ < 0 ? N + 1 : std::min(P_, N + 1)) : 0;
    solver_.solve_shifts(w, N, Ps, Rs_);
    const HarmonicResponse& R0 = Rs_[Ps];  // p = 0: the response at w
    const int No = N + 1, len = 2 * No + 1;
    ensure(len);
    double S1 = b1_.S(w), S2 = b2_.S(w);
    if constexpr (Banded) {
      S1 *= g;
      S2 *= g;
    }
    const StateVecC* H1 = R0.H1.data();
    // channel 2, full response
    H2full_.assign(R0.dH2.begin(), R0.dH2.end());
    H2full_[N] += R0.h0;
    const StateVecC* H2 = H2full_.data();

    auto tr = [&](const HForm& L, const StateVecC* H, int Nh, int xi, std::vector<cplx>& buf) {
      apply_form(L, H, Nh, xi, No, buf.data());
      return buf.data();
    };
    // --- channel 1 (xi_1, noise component 0)
    {
      const cplx* pa = tr(forms_.PA, H1, N, 0, a_);
      const cplx* pb = tr(forms_.PB, H1, N, 0, b_);
      const cplx* f1 = tr(forms_.F1, H1, N, 0, c_);
      const cplx* y1 = tr(forms_.y1, H1, N, 0, d_);
      out[kPA] += S1 * re_dot(pa, f1, len);
      out[kPB] += S1 * re_dot(pb, f1, len);
      out[kJ1] += S1 * re_dot(f1, y1, len);
      const cplx* f2 = tr(forms_.F2, H1, N, 0, a_);
      const cplx* y2 = tr(forms_.y2, H1, N, 0, b_);
      out[kJ2] += S1 * re_dot(f2, y2, len);
      const cplx* xa = tr(forms_.xA, H1, N, 0, a_);
      const cplx* xb = tr(forms_.xB, H1, N, 0, b_);
      out[kCAA] += S1 * re_dot(xa, xa, len);
      out[kCBB] += S1 * re_dot(xb, xb, len);
      out[kCAB] += S1 * re_dot(xa, xb, len);
    }
    // --- channel 2 (xi_2, noise component 1)
    {
      const cplx* pa = tr(forms_.PA, H2, N, 1, a_);
      const cplx* pb = tr(forms_.PB, H2, N, 1, b_);
      const cplx* f1 = tr(forms_.F1, H2, N, 1, c_);
      const cplx* y1 = tr(forms_.y1, H2, N, 1, d_);
      out[kPA] += S2 * re_dot(pa, f1, len);
      out[kPB] += S2 * re_dot(pb, f1, len);
      out[kJ1] += S2 * re_dot(f1, y1, len);
      // J_2 = <F_2 y_2'>: the static part <(xi_2 - m g2 V0) V0> is exactly zero (energy
      // balance of the static oscillators at each w), the rest decays like 1/w^2.
      const cplx* f2s = tr(forms_.F2, &R0.h0, 0, 1, a_);
      const cplx* y2s = tr(forms_.y2, &R0.h0, 0, -1, b_);
      const cplx* f2d = tr(forms_.F2, R0.dH2.data(), N, -1, c_);
      const cplx* y2d = tr(forms_.y2, R0.dH2.data(), N, -1, d_);
      out[kJ2] += S2 * (re_dot(f2s, y2d, len) + re_dot(f2d, y2s, len) + re_dot(f2d, y2d, len));
      const cplx* xa = tr(forms_.xA, H2, N, 1, a_);
      const cplx* xb = tr(forms_.xB, H2, N, 1, b_);
      out[kCAA] += S2 * re_dot(xa, xa, len);
      out[kCBB] += S2 * re_dot(xb, xb, len);
      out[kCAB] += S2 * re_dot(xa, xb, len);
    }
    if (fluct_) fluctuations<Banded>(w, N, Ps, Ps, out);
    for (int i = 0; i < kNComp; ++i) out[i] /= kPi;  // 2 (fold w -> |w|) / (2 pi)
  }

  // D = avg_t int ds C_sym(t, s) for O = a(t).u  F_1(t) (a = -g_l' x_l), via Wick:
  //   D = sum_{k,k'} int dw/2pi sum_p [S_k(w) S_k'(w_p) + J_k(w) J_k'(-w_p)]
  //                                    x Re[Phi conj(Phi + Psi)]
  // with w_p = w - p Omega, Phi = sum_n a^k_n(w) conj(b^k'_{n-p}(w_p)),
  // Psi = sum_n b^k_n(w) conj(a^k'_{n-p}(w_p)) (docs/EXACT.md, section 4).
  // Rs_ holds the responses at w - p Omega for |p| <= Pmax; the sum uses |p| <= P.
  template <bool Banded>
  void fluctuations(double w, int N, int P, int Pmax, double* out) {
    const int No = N + 1, len = 2 * No + 1;
    const int np = 2 * P + 1;
    // transfers: [p][form 0..3 = PA, PB, P, F1][channel] -> len entries
    const std::size_t per = static_cast<std::size_t>(len);
    tf_.resize(static_cast<std::size_t>(np) * 4 * 2 * per);
    auto at = [&](int p, int f, int k) {
      return tf_.data() + ((static_cast<std::size_t>(p + P) * 4 + f) * 2 + k) * per;
    };
    const HForm* fl[4] = {&forms_.PA, &forms_.PB, &forms_.P, &forms_.F1};
    for (int p = -P; p <= P; ++p) {
      const HarmonicResponse* R = &Rs_[p + Pmax];
      H2tmp_.assign(R->dH2.begin(), R->dH2.end());
      H2tmp_[N] += R->h0;
      for (int f = 0; f < 4; ++f) {
        apply_form(*fl[f], R->H1.data(), N, 0, No, at(p, f, 0));
        apply_form(*fl[f], H2tmp_.data(), N, 1, No, at(p, f, 1));
      }
    }
    // Band-limited noise: S_k(w) -> S_k(w) W(|w|)^2 at both frequencies (the S S' part, i.e.
    // D_sym); J J' is not tapered, so D_comm = -int J J' (...) is unchanged and
    // D = D_sym(band) - D_comm.
    double S[2] = {b1_.S(w), b2_.S(w)};
    if constexpr (Banded) {
      const double g = band2(w);
      S[0] *= g;
      S[1] *= g;
    }
    // Classical statistics: no commutator part (the J J' weight is hbar^2 times the S S' one)
    const double J[2] = {hq_ * b1_.J(w), hq_ * b2_.J(w)};
    for (int p = -P; p <= P; ++p) {
      const double wp = w - p * p_.Omega;
      double Sp[2] = {b1_.S(wp), b2_.S(wp)};
      if constexpr (Banded) {
        const double gp = band2(wp);
        Sp[0] *= gp;
        Sp[1] *= gp;
      }
      const double Jp[2] = {b1_.J(-wp), b2_.J(-wp)};
      const int lo = std::max(-No, -No + p), hi = std::min(No, No + p);  // n and n - p in range
      for (int k = 0; k < 2; ++k)
        for (int kp = 0; kp < 2; ++kp) {
          // D weight S S' + J J' (at low T the two cancel here, exactly at T = 0, instead of
          // between two separately integrated components); comm weight -J J'.
          const double wd = S[k] * Sp[kp] + J[k] * Jp[kp], wc = J[k] * Jp[kp];
          if (wd == 0.0 && wc == 0.0) continue;
          const cplx* b0 = at(0, 3, k);
          const cplx* bp = at(p, 3, kp);
          for (int f = 0; f < 3; ++f) {
            const cplx* a0 = at(0, f, k);
            const cplx* ap = at(p, f, kp);
            cplx phi = 0.0, psi = 0.0;
            for (int n = lo; n <= hi; ++n) {
              phi += a0[n + No] * std::conj(bp[n - p + No]);
              psi += b0[n + No] * std::conj(ap[n - p + No]);
            }
            const double v = std::real(phi * std::conj(phi + psi));
            out[kDA + 2 * f] += wd * v;
            out[kDA + 2 * f + 1] -= wc * v;  // D_comm = -(J J' part); D_sym = D + D_comm
          }
        }
    }
  }

  /// W(|w|)^2 of the noise band (1 without one).
  double band2(double w) const {
    if (!(band_ > 0.0)) return 1.0;
    const double W = noise_taper(w, band_, taper_, shape_);
    return W * W;
  }

  void ensure(int len) {
    for (auto* v : {&a_, &b_, &c_, &d_})
      if (static_cast<int>(v->size()) < len) v->resize(len);
  }

  ModelParams p_;
  HillSolver solver_;
  Forms forms_;
  BathSpectrum b1_, b2_;
  bool fluct_;
  double hq_;  ///< 1 quantum, 0 classical: weight of the commutator part J J'
  double band_ = 0.0, taper_ = 0.25;
  TaperShape shape_ = TaperShape::Smooth;
  int P_ = -1;
  std::vector<HarmonicResponse> Rs_;
  std::vector<StateVecC> H2full_, H2tmp_;
  std::vector<cplx> a_, b_, c_, d_, tf_;
};

// ------------------------------------------------------------------------------------------
struct Resonance {
  double center, width;  // [frequency]
  int n;                 // harmonic shift
};

/// Floquet resonances |n Omega - nu_j| (nu_j = Im lambda_j, width |Re lambda_j|), |n| <= nmax.
std::vector<Resonance> resonances(const FloquetSpectrum& fs, double Omega, int nmax) {
  std::vector<Resonance> r;
  for (const auto& lam : fs.exponents) {
    if (!std::isfinite(lam.real()) || !std::isfinite(lam.imag())) continue;
    const double a = std::abs(lam.real());
    for (int n = -nmax; n <= nmax; ++n) {
      const double c = n * Omega - lam.imag();
      if (c < -1e-300) continue;  // the mirror image (w -> -w) is another exponent's (conj pair)
      r.push_back({std::abs(c), a, n});
    }
  }
  return r;
}

}  // namespace

// ------------------------------------------------------------------------------------------
std::vector<std::pair<std::string, std::string>> ExactOptions::validate() const {
  std::vector<std::pair<std::string, std::string>> bad;
  if (!(rtol >= 1e-14 && rtol <= 1e-3)) bad.emplace_back("rtol", "must be in [1e-14, 1e-3]");
  if (!(atol_rel >= 0.0 && atol_rel <= 1e-3)) bad.emplace_back("atol_rel", "must be in [0, 1e-3]");
  if (max_panels < 100) bad.emplace_back("max_panels", "must be >= 100");
  if (!(hill_tol > 0.0 && hill_tol <= 1e-2)) bad.emplace_back("hill_tol", "must be in (0, 1e-2]");
  if (hill_min < 1) bad.emplace_back("hill_min", "must be >= 1");
  if (hill_max < hill_min) bad.emplace_back("hill_max", "must be >= hill_min");
  if (hill_check < 1) bad.emplace_back("hill_check", "must be >= 1");
  if (shifts < -1) bad.emplace_back("shifts", "must be >= 0 (or -1: automatic)");
  if (!(omega_step > 0.0 && omega_step <= 0.1))
    bad.emplace_back("omega_step", "must be in (0, 0.1]");
  if (!(noise_band_limit >= 0.0 && std::isfinite(noise_band_limit)))
    bad.emplace_back("noise_band_limit", "must be finite and >= 0 (0: no band limit)");
  if (!(noise_taper > 0.0 && noise_taper <= 1.0))
    bad.emplace_back("noise_taper", "must be in (0, 1]");
  return bad;
}

// --- HillSolver (engines/hill_solver.hpp). Kept in this translation unit: the quadrature's
// integrand inlines it, and moving it changes the compiler's floating-point contractions (the
// last bit of D_PB at inputs/validate_quick2.toml).
HillSolver::HillSolver(const ModelParams& p) : ss_(p) {
  const StateSpaceHarmonics& h = ss_.harmonics();
  // Structure check (see the header); u = state components 0..3, z = 4.
  bool ok = kZ == 4 && kStateDim == 5;
  for (int i = 0; i < 4 && ok; ++i) {
    ok = ok && h.A0(i, kZ) == 0.0 && h.A0(kZ, i) == 0.0;
    for (int j = 0; j < 4; ++j) ok = ok && h.A1(i, j) == 0.0;
    ok = ok && h.B0(i, kXi1) == 0.0 && h.B1(i, kXi2) == 0.0;
  }
  ok = ok && h.A1(kZ, kZ) == 0.0 && h.B0(kZ, kXi1) == 0.0 && h.B0(kZ, kXi2) == 0.0 &&
       h.B1(kZ, kXi1) == 0.0 && h.B1(kZ, kXi2) == 0.0;
  structured_ = ok;
  A0uu_ = h.A0.topLeftCorner<4, 4>().cast<cplx>();
  a_ = h.A1.block<4, 1>(0, kZ);
  b_ = h.A1.block<1, 4>(kZ, 0);
  f1_ = h.B1.block<4, 1>(0, kXi1);
  f20_ = h.B0.block<4, 1>(0, kXi2).cast<cplx>();
  azz_ = h.A0(kZ, kZ);
}

namespace {
// Complex arithmetic without libgcc's Annex-G division (__divdc3) and hypot: the operands here
// are finite and far from overflow, and pivots are chosen by |re| + |im| (as LAPACK's CABS1).
inline double cabs1(cplx z) {
  return std::abs(z.real()) + std::abs(z.imag());
}
inline cplx recip(cplx z) {
  const double n = z.real() * z.real() + z.imag() * z.imag();
  return cplx(z.real() / n, -z.imag() / n);
}

/// 4x4 complex LU with partial pivoting (row interchanges), for the static resolvent.
struct LU4 {
  cplx a[4][4];
  int perm[4];
  cplx rd[4];  // reciprocals of the pivots
  void compute(const Eigen::Matrix<cplx, 4, 4>& m) {
    for (int i = 0; i < 4; ++i) {
      perm[i] = i;
      for (int j = 0; j < 4; ++j) a[i][j] = m(i, j);
    }
    for (int k = 0; k < 4; ++k) {
      int p = k;
      double best = cabs1(a[k][k]);
      for (int i = k + 1; i < 4; ++i)
        if (cabs1(a[i][k]) > best) {
          best = cabs1(a[i][k]);
          p = i;
        }
      if (p != k) {
        for (int j = 0; j < 4; ++j) std::swap(a[k][j], a[p][j]);
        std::swap(perm[k], perm[p]);
      }
      rd[k] = recip(a[k][k]);
      for (int i = k + 1; i < 4; ++i) {
        const cplx l = a[i][k] * rd[k];
        a[i][k] = l;
        for (int j = k + 1; j < 4; ++j) a[i][j] -= l * a[k][j];
      }
    }
  }
  Eigen::Matrix<cplx, 4, 1> solve(const Eigen::Matrix<cplx, 4, 1>& b) const {
    cplx y[4];
    for (int i = 0; i < 4; ++i) {
      cplx v = b(perm[i]);
      for (int j = 0; j < i; ++j) v -= a[i][j] * y[j];
      y[i] = v;
    }
    Eigen::Matrix<cplx, 4, 1> x;
    for (int i = 3; i >= 0; --i) {
      cplx v = y[i];
      for (int j = i + 1; j < 4; ++j) v -= a[i][j] * x(j);
      x(i) = v * rd[i];
    }
    return x;
  }
};

/// Tridiagonal solve with partial pivoting (LAPACK zgtsv): dl = sub-, d = main, du = super-
/// diagonal (destroyed), b = right-hand side -> solution.  K unknowns.
void tridiag_solve(int K, cplx* dl, cplx* d, cplx* du, cplx* b) {
  for (int k = 0; k + 1 < K; ++k) {
    if (dl[k] == 0.0) continue;
    if (cabs1(d[k]) >= cabs1(dl[k])) {
      const cplx mult = dl[k] * recip(d[k]);
      d[k + 1] -= mult * du[k];
      b[k + 1] -= mult * b[k];
      dl[k] = 0.0;
    } else {
      const cplx mult = d[k] * recip(dl[k]);
      d[k] = dl[k];
      const cplx tmp = d[k + 1];
      d[k + 1] = du[k] - mult * tmp;
      if (k + 2 < K) {
        dl[k] = du[k + 1];
        du[k + 1] = -mult * dl[k];
      } else {
        dl[k] = 0.0;
      }
      du[k] = tmp;
      const cplx tb = b[k];
      b[k] = b[k + 1];
      b[k + 1] = tb - mult * b[k + 1];
    }
  }
  b[K - 1] *= recip(d[K - 1]);
  if (K > 1) b[K - 2] = (b[K - 2] - du[K - 2] * b[K - 1]) * recip(d[K - 2]);
  for (int k = K - 3; k >= 0; --k)
    b[k] = (b[k] - du[k] * b[k + 1] - dl[k] * b[k + 2]) * recip(d[k]);
}
}  // namespace

void HillSolver::solve(double w, int N, HarmonicResponse& out) const {
  if (!structured_) {
    solve_generic(w, N, out);
    return;
  }
  thread_local std::vector<HarmonicResponse> one(1);
  solve_shifts(w, N, 0, one);
  std::swap(out, one[0]);
}

void HillSolver::solve_shifts(double w, int N, int P, std::vector<HarmonicResponse>& out) const {
  out.resize(2 * P + 1);
  const double Om = ss_.params().Omega;
  if (!structured_) {
    for (int p = -P; p <= P; ++p) solve_generic(w - p * Om, N, out[p + P]);
    return;
  }
  using Vec4c = Eigen::Matrix<cplx, 4, 1>;
  const int M = 2 * N + 1, K0 = N + P, nk = 2 * K0 + 1;
  // The static resolvent G_k = i (k Omega - w) - A0uu^{-1} applied to a, conj(a), the inputs:
  // shared by all shifts (harmonic m of the response at w - p Omega uses k = m + p).
  thread_local std::vector<Vec4c> Pk, Qk, F1p, F1m, U0;
  Pk.resize(nk);
  Qk.resize(nk);
  F1p.resize(nk);
  F1m.resize(nk);
  U0.resize(nk);
  const Vec4c abar = a_.conjugate(), f1bar = f1_.conjugate();
  const Eigen::Matrix<cplx, 1, 4> bbar = b_.conjugate();
  LU4 lu;
  for (int k = -K0; k <= K0; ++k) {
    Eigen::Matrix<cplx, 4, 4> g = -A0uu_;
    g.diagonal().array() += cplx(0.0, k * Om - w);
    lu.compute(g);
    Pk[k + K0] = lu.solve(a_);
    Qk[k + K0] = lu.solve(abar);
    if (k >= -P - 1 && k <= P + 1) {  // needed at m = +-1 (channel 1) and m = 0 (h0)
      F1p[k + K0] = lu.solve(f1_);
      F1m[k + K0] = lu.solve(f1bar);
      U0[k + K0] = lu.solve(f20_);
    }
  }
  thread_local std::vector<cplx> dl, dd, du, rhs;
  for (int p = -P; p <= P; ++p) {
    HarmonicResponse& o = out[p + P];
    o.N = N;
    o.w = w - p * Om;
    o.H1.assign(M, StateVecC::Zero());
    o.dH2.assign(M, StateVecC::Zero());
    auto at = [&](const std::vector<Vec4c>& v, int m) -> const Vec4c& { return v[m + p + K0]; };
    const Vec4c u0 = at(U0, 0);  // static channel-2 response (harmonic 0, z = 0)
    o.h0.setZero();
    o.h0.head<4>() = u0;
    for (int c = 0; c < 2; ++c) {
      // channel 1: u on odd harmonics (input via B_{+-1}), z on even; channel 2 (drive-induced
      // part, source A_{+-1} h0 = z rows b h0 at n = +-1): u even, z odd.
      const int upar = c == 0 ? 1 : 0;
      auto is_u = [&](int n) { return ((n % 2) + 2) % 2 == upar; };
      auto R = [&](int m) -> Vec4c {
        if (c == 0 && m == 1) return at(F1p, 1);
        if (c == 0 && m == -1) return at(F1m, -1);
        return Vec4c::Zero();
      };
      const int nz0 = is_u(-N) ? -N + 1 : -N;  // z unknowns n = nz0, nz0 + 2, ..., <= N
      const int K = nz0 > N ? 0 : (N - nz0) / 2 + 1;
      std::vector<StateVecC>& H = c == 0 ? o.H1 : o.dH2;
      if (K > 0) {
        dl.assign(K, 0.0);
        dd.assign(K, 0.0);
        du.assign(K, 0.0);
        rhs.assign(K, 0.0);
        for (int i = 0; i < K; ++i) {
          const int n = nz0 + 2 * i;
          cplx d = cplx(0.0, (n + p) * Om - w) - azz_, r = 0.0;
          if (c == 1 && n == 1) r = (b_ * u0)(0);
          if (c == 1 && n == -1) r = (bbar * u0)(0);
          if (n - 1 >= -N) {
            d -= (b_ * at(Qk, n - 1))(0);
            if (i > 0) dl[i - 1] = -(b_ * at(Pk, n - 1))(0);  // coefficient of z_{n-2}
            if (c == 0 && n - 1 == 1) r += (b_ * at(F1p, 1))(0);
            if (c == 0 && n - 1 == -1) r += (b_ * at(F1m, -1))(0);
          }
          if (n + 1 <= N) {
            d -= (bbar * at(Pk, n + 1))(0);
            if (i + 1 < K) du[i] = -(bbar * at(Qk, n + 1))(0);  // coefficient of z_{n+2}
            if (c == 0 && n + 1 == 1) r += (bbar * at(F1p, 1))(0);
            if (c == 0 && n + 1 == -1) r += (bbar * at(F1m, -1))(0);
          }
          dd[i] = d;
          rhs[i] = r;
        }
        tridiag_solve(K, dl.data(), dd.data(), du.data(), rhs.data());
        for (int i = 0; i < K; ++i) H[nz0 + 2 * i + N](kZ) = rhs[i];
      }
      for (int m = -N; m <= N; ++m) {
        if (!is_u(m)) continue;
        Vec4c u = R(m);
        if (m - 1 >= -N) u += at(Pk, m) * H[m - 1 + N](kZ);
        if (m + 1 <= N) u += at(Qk, m) * H[m + 1 + N](kZ);
        H[m + N].head<4>() = u;
      }
    }
  }
}

void HillSolver::solve_generic(double w, int N, HarmonicResponse& out) const {
  const StateSpaceHarmonics& hm = ss_.harmonics();
  const double Om = ss_.params().Omega;
  const int M = 2 * N + 1;
  out.N = N;
  out.w = w;
  out.H1.resize(M);
  out.dH2.resize(M);
  const Mat5c A0 = hm.A0.cast<cplx>();
  const Mat5c L = -hm.A1, U = -hm.Am1;  // coefficients of h_{n-1} and h_{n+1} in row n
  // Static channel-2 response h0 = [-i w - A0]^{-1} B0 e_2.
  {
    Mat5c D0 = -A0;
    D0.diagonal().array() += cplx(0.0, -w);
    out.h0 = Eigen::PartialPivLU<Mat5c>(D0).solve(hm.B0.col(kXi2).cast<cplx>());
  }
  thread_local std::vector<Mat5c> Y;
  thread_local std::vector<Mat52c> Z;
  if (static_cast<int>(Y.size()) < M) {
    Y.resize(M);
    Z.resize(M);
  }
  const StateVecC r1p = hm.A1 * out.h0, r1m = hm.Am1 * out.h0;
  Eigen::PartialPivLU<Mat5c> lu;
  for (int j = 0; j < M; ++j) {
    const int n = j - N;
    Mat5c S = -A0;
    S.diagonal().array() += cplx(0.0, n * Om - w);
    Mat52c r = Mat52c::Zero();
    if (n == 0) r.col(0) = hm.B0.col(kXi1).cast<cplx>();
    if (n == 1) {
      r.col(0) = hm.B1.col(kXi1);
      r.col(1) = r1p;
    }
    if (n == -1) {
      r.col(0) = hm.Bm1.col(kXi1);
      r.col(1) = r1m;
    }
    if (j > 0) {
      S.noalias() -= L * Y[j - 1];
      r.noalias() -= L * Z[j - 1];
    }
    lu.compute(S);
    if (j + 1 < M) Y[j] = lu.solve(U);
    Z[j] = lu.solve(r);
  }
  Mat52c h = Z[M - 1];
  out.H1[M - 1] = h.col(0);
  out.dH2[M - 1] = h.col(1);
  for (int j = M - 2; j >= 0; --j) {
    h = Z[j] - Y[j] * h;
    out.H1[j] = h.col(0);
    out.dH2[j] = h.col(1);
  }
}

namespace {

constexpr double kFloquetTol = 1e-10;

// ------------------------------------------------------------------------------------------
// exact_point in named steps: probe frequencies -> Hill truncation N -> fluctuation shifts P ->
// quadrature breakpoints -> the frequency integrals -> the output keys.

/// Frequencies at which the truncation criteria are checked: the narrow resonances (centre and
/// half a width off), a few multiples of the oscillators' and the drive's frequencies.
std::vector<double> probe_frequencies(const ModelParams& p, const FloquetSpectrum& fs) {
  std::vector<double> probes;
  for (const auto& res : resonances(fs, p.Omega, 1)) {
    if (res.width > 0.25 * p.Omega) continue;
    probes.push_back(res.center);
    probes.push_back(res.center + 0.5 * res.width);
  }
  const double wmax = std::max(p.omega_A, p.omega_B);
  for (double k : {0.05, 0.5, 2.0, 7.0}) probes.push_back(k * wmax);
  for (double k : {0.5, 1.5}) probes.push_back(k * p.Omega);
  return probes;
}

struct HillTruncation {
  int N = 0;
  double check = std::numeric_limits<double>::infinity();  // relative change N -> N + hill_check
  bool converged = false;
};

/// Smallest N whose integrand at the probe frequencies agrees with N + hill_check to hill_tol
/// (relative to each component's largest probe value).
HillTruncation hill_truncation(Integrand& F, const std::vector<double>& probes,
                               const ExactOptions& opt) {
  const int NC = F.components();
  auto probe_values = [&](int N) {
    std::vector<std::array<double, kNComp>> v(probes.size());
    for (std::size_t i = 0; i < probes.size(); ++i) F.eval(probes[i], N, v[i].data());
    return v;
  };
  auto rel_change = [&](const std::vector<std::array<double, kNComp>>& a,
                        const std::vector<std::array<double, kNComp>>& b) {
    double worst = 0.0;
    for (int c = 0; c < NC; ++c) {
      double diff = 0.0, scale = 0.0;
      for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(a[i][c] - b[i][c]));
        scale = std::max(scale, std::abs(b[i][c]));
      }
      if (!std::isfinite(diff)) return std::numeric_limits<double>::infinity();
      if (scale > 0.0) worst = std::max(worst, diff / scale);
    }
    return worst;
  };
  HillTruncation h;
  h.N = opt.hill_min;
  auto cur = probe_values(h.N);
  for (;;) {
    const auto next = probe_values(h.N + opt.hill_check);
    h.check = rel_change(cur, next);
    if (h.check <= opt.hill_tol) {
      h.converged = true;
      return h;
    }
    if (h.N + 2 > opt.hill_max) return h;
    h.N += 2;
    cur = probe_values(h.N);
  }
}

/// Fluctuation shifts: the smallest P whose neglected |p| > P terms are below hill_tol at the
/// probes (relative to each component's largest probe value), or opt.shifts when given.
int fluctuation_shifts(Integrand& F, const std::vector<double>& probes, int N,
                       const ExactOptions& opt) {
  if (opt.shifts >= 0) return std::min(opt.shifts, N + 1);
  constexpr int NF = kNComp - kNMean;
  std::array<double, NF> scale{};
  std::vector<std::array<double, NF>> per;
  std::vector<std::vector<std::array<double, NF>>> all;
  for (double w : probes) {
    F.shift_contributions(w, N, per);
    all.push_back(per);
    for (int c = 0; c < NF; ++c) {
      double sum = 0.0;
      for (const auto& x : per) sum += x[c];
      scale[c] = std::max(scale[c], sum);
    }
  }
  for (int P = 0; P <= N + 1; ++P) {
    bool ok = true;
    for (const auto& per_w : all)
      for (int c = 0; c < NF && ok; ++c) {
        double tail = 0.0;
        for (int q = P + 1; q <= N + 1; ++q) tail += per_w[q][c];
        if (tail > opt.hill_tol * scale[c]) ok = false;
      }
    if (ok) return P;
  }
  return N + 1;
}

/// Breakpoints around one Floquet resonance, graded by its weight: its Lorentzian area
/// (pi a max|F| at c, c +- a) relative to the largest resonance's, per component.
void add_resonance_breakpoints(const ModelParams& p, const FloquetSpectrum& fs, Integrand& F, int N,
                               std::vector<double>& bp) {
  const int NC = F.components();
  const auto res = resonances(fs, p.Omega, N + 1);
  std::vector<std::array<double, kNComp>> area(res.size());
  std::array<double, kNComp> ref{};
  std::array<double, kNComp> v{};
  for (std::size_t i = 0; i < res.size(); ++i) {
    area[i].fill(0.0);
    const double c = res[i].center, a = res[i].width;
    if (a > 0.25 * p.Omega) continue;  // broad: part of the background
    for (double x : {c - a, c, c + a}) {
      if (x < 0.0) continue;
      F.eval(x, N, v.data());
      for (int k = 0; k < NC; ++k) area[i][k] = std::max(area[i][k], kPi * a * std::abs(v[k]));
    }
    for (int k = 0; k < NC; ++k) ref[k] = std::max(ref[k], area[i][k]);
  }
  for (std::size_t i = 0; i < res.size(); ++i) {
    const double c = res[i].center, a = res[i].width;
    bp.push_back(c);
    if (a > 0.25 * p.Omega) continue;
    double ratio = 0.0;
    for (int k = 0; k < NC; ++k)
      if (ref[k] > 0.0) ratio = std::max(ratio, area[i][k] / ref[k]);
    std::vector<double> ks;
    if (ratio > 1e-9)
      ks = {1.0, 4.0, 16.0, 64.0};
    else if (ratio > 1e-14)
      ks = {1.0, 8.0};
    for (double k : ks) {
      if (k * a > 0.5 * p.Omega) break;
      bp.push_back(c + k * a);
      if (c - k * a > 0.0) bp.push_back(c - k * a);
    }
  }
}

/// With a band-limited noise: the taper edges (1 - taper) w_b and w_b, where the means and the
/// S S' part end (above w_b they are exactly zero), with geometric steps (x4) from the other
/// scales up to the taper so that a wide band is not one long panel, and, with fluctuations,
/// the edges of W(|w - p Omega|)^2 for the shifts |p| <= hill_P that fall inside (0, w_b).
void add_band_breakpoints(const ModelParams& p, const ExactOptions& opt, int Pshift,
                          std::vector<double>& bp) {
  const double wb = opt.noise_band_limit, w0 = (1.0 - opt.noise_taper) * wb;
  double top = 0.0;
  for (double x : bp)
    if (std::isfinite(x)) top = std::max(top, x);
  for (double x = 4.0 * std::max(top, 1e-3 * wb); x < w0; x *= 4.0) bp.push_back(x);
  bp.push_back(w0);
  bp.push_back(wb);
  if (opt.fluctuations)
    for (int q = -Pshift; q <= Pshift; ++q)
      for (double e : {w0, wb})
        for (double x : {q * p.Omega + e, q * p.Omega - e})
          if (x > 0.0 && x < wb) bp.push_back(x);
}

/// Quadrature breakpoints: w = 0, thermal and cutoff scales, Floquet resonances, band edges.
std::vector<double> breakpoints(const ModelParams& p, const FloquetSpectrum& fs, Integrand& F,
                                int N, int Pshift, const ExactOptions& opt) {
  std::vector<double> bp{0.0};
  for (double k : {1.0, 5.0, 20.0, 60.0}) {
    if (p.T_1 > 0) bp.push_back(k * p.T_1);
    if (p.T_2 > 0) bp.push_back(k * p.T_2);
  }
  for (double k : {0.25, 1.0, 4.0, 16.0}) bp.push_back(k * p.cutoff);
  add_resonance_breakpoints(p, fs, F, N, bp);
  if (opt.noise_band_limit > 0.0) add_band_breakpoints(p, opt, Pshift, bp);
  return bp;
}

/// The frequency integrals of every component (the means only without fluctuations).
std::array<double, kNComp> integrate_components(Integrand& F, int N, const std::vector<double>& bp,
                                                const ExactOptions& opt, QuadStats& qs) {
  QuadOptions qo;
  qo.rtol = opt.rtol;
  qo.atol_rel = opt.atol_rel;
  qo.max_panels = opt.max_panels;
  std::array<double, kNComp> I{};
  auto f = [&](double w, double* o) { F.eval(w, N, o); };
  if (opt.fluctuations) return integrate_real_line<kNComp>(f, bp, qo, &qs);
  auto fm = [&](double w, double* o) {
    double buf[kNComp];
    F.eval(w, N, buf);
    std::copy(buf, buf + kNMean, o);
  };
  const auto Im = integrate_real_line<kNMean>(fm, bp, qo, &qs);
  std::copy(Im.begin(), Im.end(), I.begin());
  return I;
}

/// The steady state's values from the integrals: means, first law, fluctuations, covariances.
ExactSteadyState steady_state_values(const ModelParams& p, const std::array<double, kNComp>& I,
                                     bool fluctuations) {
  ExactSteadyState s;
  const double PA = I[kPA], PB = I[kPB], P = PA + PB, J1 = I[kJ1], J2 = I[kJ2];
  s.P_A = PA;
  s.P_B = PB;
  s.P = P;
  s.J_1 = J1;
  s.J_2 = J2;
  const double Sdot = -J1 / p.T_1 - J2 / p.T_2;
  s.S_dot = Sdot;
  s.eta = (PA < 0.0 && PB > 0.0) ? -PA / PB : kNaN;
  const double scale = std::max({std::abs(P), std::abs(J1), std::abs(J2)});
  s.first_law_residual_rel = scale > 0.0 ? (P + J1 + J2) / scale : 0.0;
  if (fluctuations) {
    const double mean[3] = {PA, PB, P};
    auto& fl = s.fluctuations.emplace();
    for (int k = 0; k < 3; ++k) {
      const double d = I[kDA + 2 * k], dc = I[kDA + 2 * k + 1];
      fl[k] = {d, d + dc, dc, Sdot * d / (mean[k] * mean[k])};
    }
  }
  s.cov_xAxA = I[kCAA];
  s.cov_xBxB = I[kCBB];
  s.cov_xAxB = I[kCAB];
  // The driven state's C, C~ (the bath-off Eqs. 11, 25 are theory's pearson, pearson_tilde).
  s.pearson_driven = pearson_coefficient(I[kCAB], I[kCAA], I[kCBB]);
  s.pearson_tilde_driven = I[kCAB] / I[kCAA];
  return s;
}

/// One solve through the cache when there is one.
ExactResult solve(const ModelParams& p, const ExactOptions& opt, std::string* message,
                  ExactCache* cache) {
  return cache ? cache->get(p, opt, message) : exact_point(p, opt, message);
}

/// P_A (l = 0) or P_B (l = 1) of a result, NaN without a steady state.
double power(const ExactResult& r, int l) {
  if (!r.steady) return kNaN;
  return l == 0 ? r.steady->P_A : r.steady->P_B;
}

/// Eq. 26: dP_l/dOmega by central differences of the means at Omega (1 +- h), same options
/// otherwise, and the response coefficient V_Pl.
ExactOmegaDerivative omega_derivative(const ModelParams& p, const ExactOptions& opt,
                                      const ExactSteadyState& s, ExactCache* cache) {
  ExactOptions o = opt;
  o.fluctuations = false;
  o.omega_derivative = false;
  ModelParams q = p;
  q.Omega = p.Omega * (1.0 + opt.omega_step);
  const ExactResult up = solve(q, o, nullptr, cache);
  q.Omega = p.Omega * (1.0 - opt.omega_step);
  const ExactResult dn = solve(q, o, nullptr, cache);
  const double h2 = 2.0 * opt.omega_step * p.Omega;
  const double mean[2] = {s.P_A, s.P_B};
  ExactOmegaDerivative od;
  for (int l = 0; l < 2; ++l) {
    const double d = (power(up, l) - power(dn, l)) / h2;  // NaN if either side has no steady state
    const double x = 1.0 - p.Omega * d / mean[l];
    od.dP_dOmega[l] = d;
    od.V_P[l] = 2.0 * x * x;
  }
  return od;
}

/// The steady state at unit mass (stable, valid options): probes -> Hill N -> shifts P ->
/// breakpoints -> integrals -> values.
ExactSteadyState solve_steady_state(const ModelParams& p, const ExactOptions& opt,
                                    const FloquetSpectrum& fs) {
  Integrand F(p, opt.fluctuations);
  if (opt.noise_band_limit > 0.0)
    F.set_noise_band(opt.noise_band_limit, opt.noise_taper, opt.noise_taper_shape);
  const std::vector<double> probes = probe_frequencies(p, fs);
  const HillTruncation hill = hill_truncation(F, probes, opt);
  const int N = hill.N;
  const int Pshift = opt.fluctuations ? fluctuation_shifts(F, probes, N, opt) : 0;
  if (opt.fluctuations) F.set_shift_range(Pshift);
  const std::vector<double> bp = breakpoints(p, fs, F, N, Pshift, opt);
  QuadStats qs;
  const std::array<double, kNComp> I = integrate_components(F, N, bp, opt, qs);

  ExactSteadyState s = steady_state_values(p, I, opt.fluctuations);
  ExactNumerics& n = s.numerics;
  n.hill_N = N;
  n.hill_check = hill.check;
  n.hill_converged = hill.converged;
  if (opt.fluctuations) n.hill_P = Pshift;
  n.evaluations = qs.evaluations;
  n.panels = qs.panels;
  n.quadrature_converged = qs.converged;
  n.quadrature_worst_ratio = qs.worst_ratio;
  return s;
}

/// The unit-mass result -> mass m: the keys of dimension length^2 (mass_exponent -1, model.hpp:
/// cov_*) divided by m.
void to_mass(ExactResult& r, double mass) {
  if (!r.steady) return;
  r.steady->cov_xAxA = r.steady->cov_xAxA / mass;
  r.steady->cov_xBxB = r.steady->cov_xBxB / mass;
  r.steady->cov_xAxB = r.steady->cov_xAxB / mass;
}

}  // namespace

ExactResult exact_point(const ModelParams& p, const ExactOptions& opt,
                        std::string* stability_message, ExactCache* cache) {
  if (const auto bad = opt.validate(); !bad.empty())
    throw std::invalid_argument("exact: option " + bad.front().first + " " + bad.front().second);
  if (const auto bad = p.validate(); !bad.empty())
    throw std::invalid_argument("exact: " + bad.front().first + " " + bad.front().second);
  if (p.quartic()) throw InputRefusedError(quartic_refusal("exact", p));
  if (p.mass != 1.0) {  // mass-scaled coordinates (model.hpp): solve at m = 1, rescale
    ExactResult r = solve(with_unit_mass(p), opt, stability_message, cache);
    to_mass(r, p.mass);
    return r;
  }

  if (cache && opt.omega_derivative) {
    // The steady state does not depend on omega_derivative: share the solve without it (a
    // caller's own solve at this point) and add the two shifted ones.
    ExactOptions base = opt;
    base.omega_derivative = false;
    ExactResult r = cache->get(p, base, stability_message);
    r.omega_derivative = true;
    if (r.steady) r.steady->omega = omega_derivative(p, opt, *r.steady, cache);
    return r;
  }
  ExactResult r;
  r.fluctuations = opt.fluctuations;
  r.omega_derivative = opt.omega_derivative;
  // Stability only needs the slowest rate: a monodromy converged to 1e-10 (row-relative) gives
  // it to ~12 digits, as 1e-12 does, at 1/4-1/6 of the cost (w_c = 1000, Omega = 0.3: 65536
  // instead of 262144 Magnus steps; bench_exact).
  const FloquetSpectrum fs = floquet_spectrum(p, kFloquetTol);
  const StabilityReport st = check_stability(fs);
  if (stability_message) *stability_message = st.message;
  r.floquet_slowest_rate = fs.slowest_rate;
  r.f_B = p.f_B();
  r.classical = p.classical;  // D = D_sym: no commutator part
  if (!st.stable) return r;
  ExactSteadyState& s = r.steady.emplace(solve_steady_state(p, opt, fs));
  if (opt.omega_derivative) s.omega = omega_derivative(p, opt, s, cache);
  return r;
}

}  // namespace synctur
