#include "synctur/noise/noise.hpp"

#include <algorithm>
#include <boost/math/special_functions/expint.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "noise/noise_stream.hpp"

namespace synctur {

namespace {

constexpr double kPi = std::numbers::pi;

// FFTW's planner (plan creation and destruction) is not thread safe.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

std::size_t next_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

template <class T>
struct FftwArray {
  T* p = nullptr;
  explicit FftwArray(std::size_t n) : p(static_cast<T*>(fftw_malloc(n * sizeof(T)))) {
    if (!p) throw std::bad_alloc();
  }
  ~FftwArray() { fftw_free(p); }
  FftwArray(const FftwArray&) = delete;
  FftwArray& operator=(const FftwArray&) = delete;
};

void destroy_plan(fftw_plan p) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(planner_mutex());
  fftw_destroy_plan(p);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// options, band limit rule, taper

const char* to_string(TaperShape s) {
  return s == TaperShape::Cosine ? "cosine" : "smooth";
}

bool taper_shape_from_string(const std::string& s, TaperShape* out) {
  if (s == "cosine") {
    *out = TaperShape::Cosine;
    return true;
  }
  if (s == "smooth") {
    *out = TaperShape::Smooth;
    return true;
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> NoiseOptions::validate() const {
  std::vector<std::pair<std::string, std::string>> bad;
  if (!std::isfinite(band_limit) || band_limit < 0.0)
    bad.emplace_back("noise.band_limit",
                     "must be >= 0 (0 = automatic) and finite (got " + fmt(band_limit) + ")");
  if (!(taper > 0.0 && taper <= 1.0))
    bad.emplace_back("noise.taper", "must be in (0, 1] (got " + fmt(taper) + ")");
  if (!(max_band_fraction > 0.0 && max_band_fraction < 1.0))
    bad.emplace_back("noise.max_band_fraction",
                     "must be in (0, 1) (got " + fmt(max_band_fraction) + ")");
  if (!(filter_tol > 0.0 && filter_tol < 1.0))
    bad.emplace_back("noise.filter_tol", "must be in (0, 1) (got " + fmt(filter_tol) + ")");
  if (max_taps != 0 && (max_taps < 3 || max_taps % 2 == 0 || max_taps > (1 << 22) + 1))
    bad.emplace_back("noise.max_taps", "must be 0 (automatic) or odd, >= 3 and <= 2^22 + 1 (got " +
                                           std::to_string(max_taps) + ")");
  if (block_log2 != 0 && (block_log2 < 6 || block_log2 > 26))
    bad.emplace_back("noise.block_log2", "must be 0 (automatic) or in [6, 26] (got " +
                                             std::to_string(block_log2) + ")");
  return bad;
}

double required_flat_band(const ModelParams& p) {
  const double w_max = std::max(p.omega_A, p.omega_B);
  const double T_max = std::max(p.T_1, p.T_2);
  return std::max(4.0 * p.Omega, p.Omega + w_max + 5.0 * T_max);
}

double default_band_limit(const ModelParams& p, double dt, const NoiseOptions& opt) {
  (void)p;
  return opt.max_band_fraction * kPi / dt;
}

double effective_band_limit(const ModelParams& p, double dt, const NoiseOptions& opt) {
  return opt.band_limit > 0.0 ? opt.band_limit : default_band_limit(p, dt, opt);
}

std::vector<std::pair<std::string, std::string>> check_band_limit(const ModelParams& p, double dt,
                                                                  const NoiseOptions& opt) {
  std::vector<std::pair<std::string, std::string>> bad;
  const double wb = effective_band_limit(p, dt, opt);
  const double nyq = kPi / dt;
  const double flat = (1.0 - opt.taper) * wb;
  const double need = required_flat_band(p);
  if (flat < need)
    bad.emplace_back("noise.band_limit",
                     "flat band (1 - taper) w_b = " + fmt(flat) +
                         " is below the required max(4 Omega, Omega + max(w_A, w_B) + 5 max(T_1, "
                         "T_2)) = " +
                         fmt(need) + (opt.band_limit > 0.0 ? "" : " (dt too coarse for the rule)"));
  if (wb >= nyq)
    bad.emplace_back(
        "noise.band_limit",
        "w_b = " + fmt(wb) + " must be below the Nyquist frequency pi/dt = " + fmt(nyq));
  else if (wb > opt.max_band_fraction * nyq * (1.0 + 1e-12))
    bad.emplace_back("noise.band_limit", "w_b = " + fmt(wb) +
                                             " exceeds max_band_fraction * pi/dt = " +
                                             fmt(opt.max_band_fraction * nyq));
  return bad;
}

double noise_taper(double w, double band_limit, double taper, TaperShape shape) {
  const double a = std::abs(w);
  if (a >= band_limit) return 0.0;
  const double w0 = (1.0 - taper) * band_limit;
  if (a <= w0) return 1.0;
  const double x = (a - w0) / (band_limit - w0);  // in (0, 1)
  if (shape == TaperShape::Cosine) return 0.5 * (1.0 + std::cos(kPi * x));
  const double p1 = std::exp(-1.0 / (1.0 - x)), p0 = std::exp(-1.0 / x);
  return p1 / (p1 + p0);
}

// ---------------------------------------------------------------------------------------------
// targets

double L_band(const BathSpectrum& bath, double t, double band_limit, double taper, TaperShape shape,
              double rtol, QuadStats* stats) {
  const double at = std::abs(t);
  auto f = [&](double w, double* out) {
    if (w <= 0.0 || w >= band_limit) {
      out[0] = 0.0;
      return;
    }
    const double W = noise_taper(w, band_limit, taper, shape);
    out[0] = bath.S(w) * W * W * std::cos(w * at) / kPi;
  };
  std::vector<double> bp = {0.0, (1.0 - taper) * band_limit, band_limit};
  // resolve the oscillation (a panel per half period) and the thermal scale near 0
  if (at > 0.0) {
    const double step = kPi / at;
    const auto n = static_cast<std::size_t>(band_limit / step);
    if (n < 200000)
      for (std::size_t j = 1; j <= n; ++j) bp.push_back(static_cast<double>(j) * step);
  }
  if (bath.T > 0.0)
    for (double s = bath.T / 8.0; s < band_limit; s *= 2.0) bp.push_back(s);
  QuadOptions q;
  q.rtol = rtol;
  q.atol_rel = rtol;
  q.max_panels = 400000;
  return integrate_real_line<1>(f, bp, q, stats)[0];
}

double L_untapered(const BathSpectrum& bath, double t) {
  const double at = std::abs(t);
  if (!(at > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  const double mg = bath.mass * bath.gamma;
  const double T = bath.T;
  if (bath.kind == BathSpectrum::Kind::Ohmic) {
    if (T == 0.0) return -mg / (kPi * at * at);
    const double s = std::sinh(kPi * T * at);
    return -mg * kPi * T * T / (s * s);
  }
  // Drude
  const double wc = bath.cutoff;
  const double a = wc * at;
  if (T == 0.0) {
    // (m gamma w_c^2 / pi) int_0^inf w cos(w t) / (w_c^2 + w^2) dw
    //   = -(m gamma w_c^2 / 2 pi) [e^{-a} Ei(a) - e^{a} E1(a)]
    const double ei = boost::math::expint(a);
    const double e1 = boost::math::expint(1, a);
    return -(mg * wc * wc / (2.0 * kPi)) * (std::exp(-a) * ei - std::exp(a) * e1);
  }
  double sum = 0.0;
  const double nu1 = 2.0 * kPi * T;
  // beyond nu_n > 2 w_c the terms decrease at least geometrically with ratio q = e^{-nu1 t}:
  // stop when the remaining tail, < term / (1 - q), is below 1e-16 of the sum
  const double tail_factor = 1.0 / -std::expm1(-nu1 * at);
  for (long n = 1; n < 100000000L; ++n) {
    const double nu = nu1 * static_cast<double>(n);
    const double term = nu * std::exp(-nu * at) / (nu * nu - wc * wc);
    sum += term;
    if (nu > 2.0 * wc && std::abs(term) * tail_factor < 1e-16 * std::abs(sum)) break;
  }
  return 0.5 * mg * wc * wc * (std::exp(-a) / std::tan(wc / (2.0 * T)) + 4.0 * T * sum);
}

// ---------------------------------------------------------------------------------------------
// NoisePlan

NoisePlan::NoisePlan(const BathSpectrum& bath, double dt, double band_limit,
                     const NoiseOptions& opt)
    : bath_(bath), dt_(dt), band_(band_limit), taper_(opt.taper), shape_(opt.taper_shape) {
  build(opt);
}

NoisePlan::NoisePlan(const BathSpectrum& bath, const ModelParams& p, double dt,
                     const NoiseOptions& opt)
    : NoisePlan(bath, dt, effective_band_limit(p, dt, opt), opt) {}

NoisePlan::~NoisePlan() {
  destroy_plan(r2c_);
  destroy_plan(c2r_);
  fftw_free(gain_);
}

void NoisePlan::build(const NoiseOptions& opt) {
  check_inputs(opt);
  const std::size_t cap = tap_cap(opt);
  // Taps from a fine periodic grid of Nf >= 4 cap points (aliasing negligible), truncated.
  const std::size_t Nf = next_pow2(std::max<std::size_t>(std::size_t{1} << 16, 4 * cap));
  truncate_taps(fine_grid_taps(Nf), cap, opt.filter_tol);
  choose_block(opt);
  make_plans_and_gains(opt);
}

void NoisePlan::check_inputs(const NoiseOptions& opt) const {
  const auto bad = opt.validate();
  if (!bad.empty()) throw std::invalid_argument(bad.front().first + ": " + bad.front().second);
  if (!(dt_ > 0.0) || !std::isfinite(dt_))
    throw std::invalid_argument("noise: dt must be > 0 (got " + fmt(dt_) + ")");
  if (!(band_ > 0.0) || !(band_ < kPi / dt_))
    throw std::invalid_argument("noise.band_limit: must be in (0, pi/dt) = (0, " + fmt(kPi / dt_) +
                                ") (got " + fmt(band_) + ")");
}

/// 0. Cap on the filter length: explicit, or automatic (max_taps = 0): the filter must span
///    the bath's memory in PHYSICAL time, t_cover = 8 max(1/w_c, 1/(pi max(T, 0.02))) (the
///    Drude decay; the thermal decay of the coth factor, ~e^{-2 pi T t} in the kernel), which
///    is many samples when dt is small (Omega = 200: dt ~ 4e-4).
std::size_t NoisePlan::tap_cap(const NoiseOptions& opt) const {
  if (opt.max_taps != 0) return static_cast<std::size_t>(opt.max_taps);
  const double tc = 8.0 * std::max(std::isfinite(bath_.cutoff) ? 1.0 / bath_.cutoff : 0.0,
                                   1.0 / (kPi * std::max(bath_.T, 0.02)));
  const double half = std::ceil(tc / dt_);
  return 2 * static_cast<std::size_t>(std::clamp(half, 8192.0, 524288.0)) + 1;
}

/// 1. Taps h_0 .. h_{Nf/2} from a fine periodic grid: h_k = (1/Nf) sum_j H(theta_j)
///    cos(theta_j k) with H(theta) = sqrt(S(theta/dt)/dt) W(theta/dt).  Exact up to aliasing
///    (sum of h_{k+m Nf}, m != 0), negligible since Nf >= 4 cap and the kept taps decay to
///    filter_tol.
std::vector<double> NoisePlan::fine_grid_taps(std::size_t Nf) const {
  FftwArray<fftw_complex> H(Nf / 2 + 1);
  FftwArray<double> x(Nf);
  fftw_plan p;
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    p = fftw_plan_dft_c2r_1d(static_cast<int>(Nf), H.p, x.p, FFTW_ESTIMATE);
  }
  const double dw = 2.0 * kPi / (static_cast<double>(Nf) * dt_);
  for (std::size_t j = 0; j <= Nf / 2; ++j) {
    const double w = dw * static_cast<double>(j);
    const double W = taper_at(w);
    H.p[j][0] = W > 0.0 ? std::sqrt(bath_.S(w) / dt_) * W : 0.0;
    H.p[j][1] = 0.0;
  }
  fftw_execute(p);
  destroy_plan(p);
  const double inv = 1.0 / static_cast<double>(Nf);
  std::vector<double> hf(Nf / 2 + 1);
  for (std::size_t k = 0; k <= Nf / 2; ++k) hf[k] = x.p[k] * inv;
  return hf;
}

/// 2. Truncation: the smallest M with tail(M) = sum_{|k|>M} h_k^2 <= tol * total; sets M_, h_,
///    trunc_, tail_amp_.
void NoisePlan::truncate_taps(const std::vector<double>& hf, std::size_t cap, double filter_tol) {
  const std::size_t half = hf.size() - 1;  // Nf / 2
  double total = hf[0] * hf[0] + hf[half] * hf[half];
  for (std::size_t k = 1; k < half; ++k) total += 2.0 * hf[k] * hf[k];
  const std::size_t M_max = (cap - 1) / 2;
  std::vector<double> tail(half + 1, 0.0);  // tail[k] = energy of |k'| > k
  tail[half] = 0.0;
  tail[half - 1] = hf[half] * hf[half];
  for (std::size_t k = half - 1; k-- > 0;) tail[k] = tail[k + 1] + 2.0 * hf[k + 1] * hf[k + 1];
  std::size_t M = 1;
  while (M < M_max && tail[M] > filter_tol * total) ++M;
  M_ = M;
  // total = 0: a noiseless bath (classical statistics at T = 0), h = 0
  trunc_ = total > 0.0 ? tail[M] / total : 0.0;
  tail_amp_ = 0.0;
  for (std::size_t k = M + 1; k <= half; ++k) tail_amp_ = std::max(tail_amp_, std::abs(hf[k]));
  if (total > 0.0) tail_amp_ /= std::abs(hf[0]);
  h_.assign(hf.begin(), hf.begin() + static_cast<std::ptrdiff_t>(M + 1));
}

/// 3. Block size: FFT length N_ (explicit 2^block_log2, or >= 3 (L - 1)) and B_ new samples
///    per block.
void NoisePlan::choose_block(const NoiseOptions& opt) {
  const std::size_t L = 2 * M_ + 1;
  if (opt.block_log2 > 0) {
    N_ = std::size_t{1} << opt.block_log2;
    if (N_ < 2 * L)
      throw std::invalid_argument("noise.block_log2: FFT length 2^" +
                                  std::to_string(opt.block_log2) + " is shorter than twice the " +
                                  std::to_string(L) + " filter taps");
  } else {
    N_ = next_pow2(std::max<std::size_t>(1024, 3 * (L - 1)));
  }
  B_ = N_ - L + 1;
}

/// 4. Plans (made on scratch arrays: FFTW_MEASURE overwrites them) and the real gains of the
///    circularly centred filter, G_j = (h_0 + 2 sum_k h_k cos(2 pi j k / N)) / N.
void NoisePlan::make_plans_and_gains(const NoiseOptions& opt) {
  gain_ = static_cast<double*>(fftw_malloc((N_ / 2 + 1) * sizeof(double)));
  if (!gain_) throw std::bad_alloc();
  FftwArray<double> in(N_);
  FftwArray<fftw_complex> spec(N_ / 2 + 1);
  FftwArray<double> out(N_);
  const unsigned flags = opt.fftw_measure ? FFTW_MEASURE : FFTW_ESTIMATE;
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    r2c_ = fftw_plan_dft_r2c_1d(static_cast<int>(N_), in.p, spec.p, flags);
    c2r_ = fftw_plan_dft_c2r_1d(static_cast<int>(N_), spec.p, out.p, flags);
  }
  if (!r2c_ || !c2r_) {
    destroy_plan(r2c_);
    destroy_plan(c2r_);
    fftw_free(gain_);
    throw std::runtime_error("noise: FFTW planning failed");
  }
  std::fill(in.p, in.p + N_, 0.0);
  in.p[0] = h_[0];
  for (std::size_t k = 1; k <= M_; ++k) in.p[k] = in.p[N_ - k] = h_[k];
  fftw_execute_dft_r2c(r2c_, in.p, spec.p);
  const double invN = 1.0 / static_cast<double>(N_);
  for (std::size_t j = 0; j <= N_ / 2; ++j) gain_[j] = spec.p[j][0] * invN;
}

double NoisePlan::realised_covariance(std::size_t lag) const {
  const auto M = static_cast<long>(M_);
  const auto n = static_cast<long>(lag);
  if (n > 2 * M) return 0.0;
  double s = 0.0;
  for (long k = -M; k + n <= M; ++k)
    s +=
        h_[static_cast<std::size_t>(std::labs(k))] * h_[static_cast<std::size_t>(std::labs(k + n))];
  return s;
}

double NoisePlan::realised_spectrum(double w) const {
  double H = h_[0];
  for (std::size_t k = 1; k <= M_; ++k)
    H += 2.0 * h_[k] * std::cos(w * dt_ * static_cast<double>(k));
  return dt_ * H * H;
}

// ---------------------------------------------------------------------------------------------
// NoiseStream

NoiseStream::NoiseStream(const NoisePlan& plan, const RngKey& key) : plan_(&plan), key_(key) {
  const std::size_t N = plan.N_;
  window_ = static_cast<double*>(fftw_malloc(N * sizeof(double)));
  spec_ = static_cast<fftw_complex*>(fftw_malloc((N / 2 + 1) * sizeof(fftw_complex)));
  out_ = static_cast<double*>(fftw_malloc(N * sizeof(double)));
  if (!window_ || !spec_ || !out_) {
    release();
    throw std::bad_alloc();
  }
  reset(key, 0);
}

void NoiseStream::release() {
  fftw_free(window_);
  fftw_free(spec_);
  fftw_free(out_);
  window_ = nullptr;
  spec_ = nullptr;
  out_ = nullptr;
}

NoiseStream::~NoiseStream() {
  release();
}

NoiseStream::NoiseStream(NoiseStream&& o) noexcept
    : plan_(o.plan_),
      key_(o.key_),
      block_(o.block_),
      window_(o.window_),
      spec_(o.spec_),
      out_(o.out_),
      pos_(o.pos_),
      have_block_(o.have_block_) {
  o.window_ = nullptr;
  o.spec_ = nullptr;
  o.out_ = nullptr;
}

NoiseStream& NoiseStream::operator=(NoiseStream&& o) noexcept {
  if (this != &o) {
    release();
    plan_ = o.plan_;
    key_ = o.key_;
    block_ = o.block_;
    window_ = o.window_;
    spec_ = o.spec_;
    out_ = o.out_;
    pos_ = o.pos_;
    have_block_ = o.have_block_;
    o.window_ = nullptr;
    o.spec_ = nullptr;
    o.out_ = nullptr;
  }
  return *this;
}

namespace {
/// White input number g (any integer >= -2^31) of a stream: standard normal number G & (2^32 - 1)
/// of Philox block G >> 32, G = g + 2^31.  The output sample n is sum_k h_k w(n - k) whatever
/// the filter length and FFT block layout, so runs that differ only in the band limit or the
/// filter options see the SAME white noise (common random numbers).
void fill_white(const RngKey& key, std::int64_t g, std::size_t n, double* out) {
  constexpr std::int64_t kOffset = std::int64_t{1} << 31;
  constexpr std::uint64_t kBlock = std::uint64_t{1} << 32;
  std::uint64_t G = static_cast<std::uint64_t>(g + kOffset);
  while (n > 0) {
    const std::uint64_t blk = G >> 32, first = G & (kBlock - 1);
    if (blk >= 0xffffffffULL) throw std::out_of_range("NoiseStream: stream too long");
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, kBlock - first));
    fill_normal(key, static_cast<std::uint32_t>(blk), first, take, out);
    G += take;
    out += take;
    n -= take;
  }
}
}  // namespace

void NoiseStream::reset(const RngKey& key, std::uint64_t block) {
  if (block >= (std::uint64_t{1} << 40))
    throw std::out_of_range("NoiseStream: block index too large");
  key_ = key;
  block_ = block;
  pos_ = 0;
  have_block_ = false;
  // Output block b = outputs [b B, b B + B) needs white inputs [b B - M, b B + B + M); the
  // first 2M are loaded here, the other B by next_block().
  const std::size_t M = plan_->M_;
  const std::int64_t g0 =
      static_cast<std::int64_t>(block * plan_->B_) - static_cast<std::int64_t>(M);
  fill_white(key_, g0, 2 * M, window_);
}

const double* NoiseStream::next_block() {
  const NoisePlan& p = *plan_;
  const std::size_t L1 = 2 * p.M_, B = p.B_, N = p.N_, H = N / 2 + 1;
  fill_white(key_, static_cast<std::int64_t>(block_ * B + p.M_), B, window_ + L1);
  fftw_execute_dft_r2c(p.r2c_, window_, spec_);
  double* s = &spec_[0][0];
  const double* g = p.gain_;
  for (std::size_t j = 0; j < H; ++j) {
    s[2 * j] *= g[j];
    s[2 * j + 1] *= g[j];
  }
  fftw_execute_dft_c2r(p.c2r_, spec_, out_);
  std::memmove(window_, window_ + B, L1 * sizeof(double));  // first 2M inputs of the next block
  ++block_;
  pos_ = B;
  have_block_ = true;
  return out_ + p.M_;
}

void NoiseStream::seek(const std::array<std::uint64_t, 3>& pos) {
  if (pos[2] == 0) return reset(key_, pos[0]);
  if (pos[0] == 0 || pos[1] > plan_->B_) throw std::invalid_argument("NoiseStream: bad position");
  reset(key_, pos[0] - 1);
  next_block();
  pos_ = static_cast<std::size_t>(pos[1]);
}

void NoiseStream::fill(double* out, std::size_t n) {
  const std::size_t B = plan_->B_, M = plan_->M_;
  while (n > 0) {
    if (!have_block_ || pos_ == B) {
      next_block();
      pos_ = 0;
    }
    const std::size_t take = std::min(n, B - pos_);
    std::memcpy(out, out_ + M + pos_, take * sizeof(double));
    pos_ += take;
    out += take;
    n -= take;
  }
}

// ---------------------------------------------------------------------------------------------
// diagnostics

namespace {

/// Periodic Hann window of length seg.
std::vector<double> hann_window(std::size_t seg) {
  std::vector<double> win(seg);
  for (std::size_t m = 0; m < seg; ++m)
    win[m] = 0.5 * (1.0 - std::cos(2.0 * kPi * static_cast<double>(m) / static_cast<double>(seg)));
  return win;
}

/// Per-stream sums of the diagnostics (combined serially afterwards: deterministic).
struct StreamSums {
  std::size_t K = 0, per = 0, seg = 0, nseg = 0, nbin = 0, n_lags = 0, stride = 1;
  std::vector<double> p_sum, p_sum2;  // segment periodograms and their squares [K x nbin]
  std::vector<double> acf;            // lag products / pairs [K x n_lags]
  std::vector<double> k4;             // fourth cumulant [K]
};

/// One stream's periodograms, autocovariance and kappa4 from its samples x.
void stream_statistics(const std::vector<double>& x, std::size_t t, const std::vector<double>& win,
                       double wsum2, double dt, fftw_plan seg_plan, FftwArray<double>& a,
                       FftwArray<fftw_complex>& b, StreamSums& S) {
  double* ps = &S.p_sum[t * S.nbin];
  double* ps2 = &S.p_sum2[t * S.nbin];
  std::fill(ps, ps + S.nbin, 0.0);
  std::fill(ps2, ps2 + S.nbin, 0.0);
  for (std::size_t s = 0; s < S.nseg; ++s) {
    for (std::size_t m = 0; m < S.seg; ++m) a.p[m] = x[s * S.seg + m] * win[m];
    fftw_execute_dft_r2c(seg_plan, a.p, b.p);
    for (std::size_t k = 0; k < S.nbin; ++k) {
      const double P = dt * (b.p[k][0] * b.p[k][0] + b.p[k][1] * b.p[k][1]) / wsum2;
      ps[k] += P;
      ps2[k] += P * P;
    }
  }
  for (std::size_t l = 0; l < S.n_lags; ++l) {
    const std::size_t lag = l * S.stride;
    double c = 0.0;
    for (std::size_t m = 0; m + lag < S.per; ++m) c += x[m] * x[m + lag];
    S.acf[t * S.n_lags + l] = c / static_cast<double>(S.per - lag);
  }
  double m2 = 0.0, m4 = 0.0;
  for (double v : x) {
    const double v2 = v * v;
    m2 += v2;
    m4 += v2 * v2;
  }
  m2 /= static_cast<double>(S.per);
  m4 /= static_cast<double>(S.per);
  S.k4[t] = m4 - 3.0 * m2 * m2;
}

/// Generates the K streams (the engine's: trajectories 0..K-1 of bath dopt.bath_id) in parallel
/// and accumulates their statistics.
void sample_streams(const NoisePlan& plan, std::uint64_t seed, std::uint32_t bath_id,
                    const std::vector<double>& win, double wsum2, double dt, int threads,
                    StreamSums& S) {
  fftw_plan seg_plan;
  {
    FftwArray<double> a(S.seg);
    FftwArray<fftw_complex> b(S.nbin);
    std::lock_guard<std::mutex> lock(planner_mutex());
    seg_plan = fftw_plan_dft_r2c_1d(static_cast<int>(S.seg), a.p, b.p, FFTW_ESTIMATE);
  }
  S.p_sum.resize(S.K * S.nbin);
  S.p_sum2.resize(S.K * S.nbin);
  S.acf.resize(S.K * S.n_lags);
  S.k4.resize(S.K);
#pragma omp parallel num_threads(threads)
  {
    NoiseStream stream(plan, RngKey{seed, 0, bath_id});
    std::vector<double> x(S.per);
    FftwArray<double> a(S.seg);
    FftwArray<fftw_complex> b(S.nbin);
#pragma omp for schedule(static)
    for (std::size_t t = 0; t < S.K; ++t) {
      stream.reset(RngKey{seed, static_cast<std::uint32_t>(t), bath_id}, 0);
      stream.fill(x.data(), S.per);
      stream_statistics(x, t, win, wsum2, dt, seg_plan, a, b, S);
    }
  }
  destroy_plan(seg_plan);
}

/// Mean and standard error of n values v[i * stride_v].
void mean_se(const double* v, std::size_t n, std::size_t stride_v, double* mean, double* se) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += v[i * stride_v];
  const double mu = s / static_cast<double>(n);
  double q = 0.0;
  for (std::size_t i = 0; i < n; ++i) q += (v[i * stride_v] - mu) * (v[i * stride_v] - mu);
  *mean = mu;
  *se = std::sqrt(q / static_cast<double>(n - 1) / static_cast<double>(n));
}

/// Expected Welch value: dt / sum w^2 * sum_{|n| < seg} C_n r_w(n) e^{-i w_k n dt}, with the
/// window autocorrelation r_w(n) = sum_m w_m w_{m+n}; folded to length seg and transformed.
std::vector<double> expected_welch(const NoisePlan& plan, const std::vector<double>& win,
                                   double wsum2, double dt) {
  const std::size_t seg = win.size(), nbin = seg / 2 + 1;
  FftwArray<double> a(seg);
  FftwArray<fftw_complex> b(nbin);
  std::fill(a.p, a.p + seg, 0.0);
  const std::size_t nmax = std::min(seg - 1, 2 * plan.half_taps());
  for (std::size_t n = 0; n <= nmax; ++n) {
    double rw = 0.0;
    for (std::size_t m = 0; m + n < seg; ++m) rw += win[m] * win[m + n];
    const double v = plan.realised_covariance(n) * rw;
    a.p[n] += v;
    if (n > 0) a.p[seg - n] += v;
  }
  fftw_plan p;
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    p = fftw_plan_dft_r2c_1d(static_cast<int>(seg), a.p, b.p, FFTW_ESTIMATE | FFTW_PRESERVE_INPUT);
  }
  fftw_execute_dft_r2c(p, a.p, b.p);
  destroy_plan(p);
  std::vector<double> e(nbin);
  for (std::size_t k = 0; k < nbin; ++k) e[k] = dt * b.p[k][0] / wsum2;
  return e;
}

}  // namespace

NoiseDiagnostics noise_diagnostics(const BathSpectrum& bath, double dt, double band_limit,
                                   const NoiseOptions& opt, std::uint64_t seed,
                                   std::size_t n_samples, const DiagnosticsOptions& dopt,
                                   const ExecutionContext& ctx) {
  const NoisePlan plan(bath, dt, band_limit, opt);
  StreamSums S;
  S.K = std::max<std::size_t>(2, dopt.n_trajectories);
  S.per = n_samples / S.K;
  S.seg = dopt.welch_segment;
  S.n_lags = dopt.n_lags;
  S.stride = std::max<std::size_t>(1, dopt.lag_stride);
  if (S.seg < 8 || S.seg % 2 != 0)
    throw std::invalid_argument("noise_diagnostics: bad welch_segment");
  if (S.per < S.seg || S.per <= (S.n_lags > 0 ? (S.n_lags - 1) * S.stride : 0))
    throw std::invalid_argument("noise_diagnostics: too few samples per trajectory");
  S.nseg = S.per / S.seg;
  S.nbin = S.seg / 2 + 1;

  NoiseDiagnostics d;
  d.dt = dt;
  d.band_limit = plan.band_limit();
  d.flat_limit = plan.flat_limit();
  d.taps = plan.taps();
  d.fft_size = plan.fft_size();
  d.truncation_error = plan.truncation_error();
  d.n_samples = S.per * S.K;

  const std::vector<double> win = hann_window(S.seg);
  double wsum2 = 0.0;
  for (double w : win) wsum2 += w * w;
  sample_streams(plan, seed, dopt.bath_id, win, wsum2, dt, ctx.thread_count(), S);

  // Welch: mean and SE over all K * nseg segment periodograms
  const double nall = static_cast<double>(S.K * S.nseg);
  d.omega.resize(S.nbin);
  d.psd.resize(S.nbin);
  d.psd_se.resize(S.nbin);
  d.psd_target.resize(S.nbin);
  for (std::size_t k = 0; k < S.nbin; ++k) {
    double s = 0.0, s2 = 0.0;
    for (std::size_t t = 0; t < S.K; ++t) {
      s += S.p_sum[t * S.nbin + k];
      s2 += S.p_sum2[t * S.nbin + k];
    }
    const double mu = s / nall;
    const double var = std::max(0.0, (s2 - nall * mu * mu) / (nall - 1.0));
    d.omega[k] = 2.0 * kPi * static_cast<double>(k) / (static_cast<double>(S.seg) * dt);
    d.psd[k] = mu;
    d.psd_se[k] = std::sqrt(var / nall);
    const double W = plan.taper_at(d.omega[k]);
    d.psd_target[k] = bath.S(d.omega[k]) * W * W;
  }
  d.psd_expected = expected_welch(plan, win, wsum2, dt);

  d.lag_time.resize(S.n_lags);
  d.acf.resize(S.n_lags);
  d.acf_se.resize(S.n_lags);
  d.acf_target.resize(S.n_lags);
  d.acf_realised.resize(S.n_lags);
  for (std::size_t l = 0; l < S.n_lags; ++l) {
    const std::size_t lag = l * S.stride;
    mean_se(&S.acf[l], S.K, S.n_lags, &d.acf[l], &d.acf_se[l]);
    d.lag_time[l] = dt * static_cast<double>(lag);
    d.acf_target[l] =
        L_band(bath, d.lag_time[l], plan.band_limit(), plan.taper(), plan.taper_shape());
    d.acf_realised[l] = plan.realised_covariance(lag);
  }
  mean_se(S.k4.data(), S.K, 1, &d.kappa4, &d.kappa4_se);
  return d;
}

std::size_t auto_welch_segment(double w_ref, double dt, std::size_t per_stream) {
  const double want = 2.0 * kPi * 256.0 / (w_ref * dt);
  std::size_t seg = 64;
  while (static_cast<double>(seg) < want && 16 * seg <= per_stream) seg *= 2;
  return seg;
}

std::size_t auto_lag_stride(double w_ref, double dt) {
  return static_cast<std::size_t>(std::clamp(std::round(kPi / (4.0 * w_ref * dt)), 1.0, 1e9));
}

}  // namespace synctur
