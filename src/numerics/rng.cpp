#include "synctur/numerics/rng.hpp"

#include <Random123/philox.h>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include <Eigen/Core>
#include <bit>
#include <cmath>
#include <cstring>
#include <numbers>
#include <stdexcept>

namespace synctur {

namespace {

constexpr int kLanes = 16;          // Philox counters per group
constexpr int kGroup = 2 * kLanes;  // normals per group

// Philox4x32-10 on kLanes counters at once, in structure-of-arrays form with 64-bit lanes
// holding 32-bit words (so that the widening 32x32 -> 64 multiplies vectorise).  Same rounds
// and constants as Random123's philox4x32 (checked bit for bit in the tests).  With AVX-512 or
// AVX2 the rounds are written with intrinsics (vpmuludq: the compiler otherwise emits the
// 3-uop 64x64 vpmullq, ~4x slower); integer arithmetic, so every version gives the same bits.
using Lanes64 = std::uint64_t[kLanes];
#if defined(__AVX512F__) || defined(__AVX2__)
#if defined(__AVX512F__)
using VecI = __m512i;
constexpr int kVec = 8;
inline VecI set1(std::uint64_t x) {
  return _mm512_set1_epi64(static_cast<long long>(x));
}
inline VecI iota(int h) {
  return _mm512_setr_epi64(h, h + 1, h + 2, h + 3, h + 4, h + 5, h + 6, h + 7);
}
inline VecI add(VecI a, VecI b) {
  return _mm512_add_epi64(a, b);
}
inline VecI band(VecI a, VecI b) {
  return _mm512_and_si512(a, b);
}
inline VecI xor3(VecI a, VecI b, VecI c) {
  return _mm512_ternarylogic_epi64(a, b, c, 0x96);
}
inline VecI mul32(VecI a, VecI b) {
  return _mm512_mul_epu32(a, b);
}
inline VecI hi32(VecI a) {
  return _mm512_srli_epi64(a, 32);
}
inline void store(std::uint64_t* p, VecI a) {
  _mm512_store_si512(reinterpret_cast<VecI*>(p), a);
}
#else
using VecI = __m256i;
constexpr int kVec = 4;
inline VecI set1(std::uint64_t x) {
  return _mm256_set1_epi64x(static_cast<long long>(x));
}
inline VecI iota(int h) {
  return _mm256_setr_epi64x(h, h + 1, h + 2, h + 3);
}
inline VecI add(VecI a, VecI b) {
  return _mm256_add_epi64(a, b);
}
inline VecI band(VecI a, VecI b) {
  return _mm256_and_si256(a, b);
}
inline VecI xor3(VecI a, VecI b, VecI c) {
  return _mm256_xor_si256(_mm256_xor_si256(a, b), c);
}
inline VecI mul32(VecI a, VecI b) {
  return _mm256_mul_epu32(a, b);
}
inline VecI hi32(VecI a) {
  return _mm256_srli_epi64(a, 32);
}
inline void store(std::uint64_t* p, VecI a) {
  _mm256_store_si256(reinterpret_cast<VecI*>(p), a);
}
#endif
inline void philox_lanes(std::uint32_t pair0, std::uint32_t block, std::uint32_t bath,
                         std::uint32_t traj, std::uint64_t seed, Lanes64& w0, Lanes64& w1,
                         Lanes64& w2, Lanes64& w3) {
  const VecI lo = set1(0xffffffffULL);
  const VecI M0 = set1(PHILOX_M4x32_0), M1 = set1(PHILOX_M4x32_1);
  for (int h = 0; h < kLanes; h += kVec) {
    VecI c0 = band(add(set1(pair0), iota(h)), lo);  // (pair0 + i) mod 2^32
    VecI c1 = set1(block), c2 = set1(bath), c3 = set1(traj);
    auto k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      const VecI p0 = mul32(M0, c0), p1 = mul32(M1, c2);
      c0 = xor3(hi32(p1), c1, set1(k0));
      c1 = band(p1, lo);
      c2 = xor3(hi32(p0), c3, set1(k1));
      c3 = band(p0, lo);
      k0 += PHILOX_W32_0;
      k1 += PHILOX_W32_1;
    }
    store(w0 + h, c0);
    store(w1 + h, c1);
    store(w2 + h, c2);
    store(w3 + h, c3);
  }
}
#else
inline void philox_lanes(std::uint32_t pair0, std::uint32_t block, std::uint32_t bath,
                         std::uint32_t traj, std::uint64_t seed, Lanes64& w0, Lanes64& w1,
                         Lanes64& w2, Lanes64& w3) {
  constexpr std::uint64_t lo32 = 0xffffffffULL;
  const std::uint64_t key0 = seed & lo32, key1 = seed >> 32;
#pragma omp simd
  for (int i = 0; i < kLanes; ++i) {
    std::uint64_t c0 = (pair0 + static_cast<std::uint32_t>(i)) & lo32;
    std::uint64_t c1 = block, c2 = bath, c3 = traj;
    std::uint64_t k0 = key0, k1 = key1;
#pragma GCC unroll 10
    for (int round = 0; round < 10; ++round) {
      // (the masks are no-ops that tell the compiler the factors have 32 bits)
      const std::uint64_t p0 = std::uint64_t{PHILOX_M4x32_0} * (c0 & lo32);
      const std::uint64_t p1 = std::uint64_t{PHILOX_M4x32_1} * (c2 & lo32);
      c0 = (p1 >> 32) ^ c1 ^ k0;
      c1 = p1 & lo32;
      c2 = (p0 >> 32) ^ c3 ^ k1;
      c3 = p0 & lo32;
      k0 = (k0 + PHILOX_W32_0) & lo32;
      k1 = (k1 + PHILOX_W32_1) & lo32;
    }
    w0[i] = c0;
    w1[i] = c1;
    w2[i] = c2;
    w3[i] = c3;
  }
}
#endif

// -2 ln(u) for u = (2k + 1) 2^-53, k < 2^52 (so u is exact and 0 < u < 1).
// ln u = e ln2 + ln m, m in [1/sqrt2, sqrt2); ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.1716,
// atanh series to s^19: truncation < 3e-17 relative.
inline double minus2log(double u) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(u);
  const double m1 = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  const double e1 = static_cast<double>(static_cast<std::int64_t>(bits >> 52) - 1023);
  const double big = m1 > std::numbers::sqrt2 ? 1.0 : 0.0;
  const double m = m1 * (1.0 - 0.5 * big);  // exact: m1 or m1 / 2
  const double de = e1 + big;
  const double f = m - 1.0;  // exact (Sterbenz)
  const double s = f / (2.0 + f);
  const double s2 = s * s;
  double p = 1.0 / 19.0;
  p = p * s2 + 1.0 / 17.0;
  p = p * s2 + 1.0 / 15.0;
  p = p * s2 + 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  const double lnm = 2.0 * s + 2.0 * s * (s2 * p);
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // fdlibm split of ln 2
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  const double lnu = de * ln2_hi + (de * ln2_lo + lnm);
  return -2.0 * lnu;
}

// Box-Muller on one group: the cos outputs go to out[0..kLanes), the sin outputs to
// out[kLanes..kGroup).
inline void group_normals(std::uint32_t pair0, std::uint32_t block, const RngKey& key,
                          double* out) {
  alignas(64) Lanes64 c0, c1, c2, c3;
  philox_lanes(pair0, block, key.bath, key.trajectory, key.seed, c0, c1, c2, c3);
  alignas(64) double y[kLanes];
#pragma omp simd
  for (int i = 0; i < kLanes; ++i) {
    const std::uint64_t k = ((c1[i] << 32) | c0[i]) >> 12;  // 52 random bits
    const double u = static_cast<double>(static_cast<std::int64_t>(2 * k + 1)) * 0x1p-53;
    y[i] = minus2log(u);
  }
  // IEEE sqrt through Eigen's packet math (std::sqrt does not vectorise with math-errno on)
  alignas(64) double r[kLanes];
  using Arr = Eigen::Array<double, kLanes, 1>;
  Eigen::Map<Arr, Eigen::Aligned64> r_map(r);
  r_map = Eigen::Map<const Arr, Eigen::Aligned64>(y).sqrt();
  constexpr double angle_unit = 2.0 * std::numbers::pi * 0x1p-32;  // radians per unit of w2
#pragma omp simd
  for (int i = 0; i < kLanes; ++i) {
    // angle: nearest quadrant q and remainder x in [-pi/4, pi/4)
    const std::uint64_t a = c2[i];
    const std::uint64_t t = (a + 0x20000000ULL) >> 30;  // 0..4
    const std::uint64_t q = t & 3ULL;
    const std::int64_t rem = static_cast<std::int64_t>(a) - static_cast<std::int64_t>(t << 30);
    const double x = static_cast<double>(rem) * angle_unit;
    const double x2 = x * x;
    // Taylor series, truncation < 5e-17 on |x| <= pi/4
    double ps = -1.0 / 1307674368000.0;  // -1/15!
    ps = ps * x2 + 1.0 / 6227020800.0;
    ps = ps * x2 - 1.0 / 39916800.0;
    ps = ps * x2 + 1.0 / 362880.0;
    ps = ps * x2 - 1.0 / 5040.0;
    ps = ps * x2 + 1.0 / 120.0;
    ps = ps * x2 - 1.0 / 6.0;
    const double sn = x + x * (x2 * ps);
    double pc = 1.0 / 20922789888000.0;  // 1/16!
    pc = pc * x2 - 1.0 / 87178291200.0;
    pc = pc * x2 + 1.0 / 479001600.0;
    pc = pc * x2 - 1.0 / 3628800.0;
    pc = pc * x2 + 1.0 / 40320.0;
    pc = pc * x2 - 1.0 / 720.0;
    pc = pc * x2 + 1.0 / 24.0;
    pc = pc * x2 - 0.5;
    const double cs = 1.0 + x2 * pc;
    // rotate by q pi/2: cos -> (c, -s, -c, s), sin -> (s, c, -s, -c) for q = 0..3
    const bool swap = (q & 1ULL) != 0;
    const double cc = swap ? sn : cs;
    const double ss = swap ? cs : sn;
    const double sign_c =
        static_cast<double>(1 - 2 * static_cast<std::int64_t>(((q + 1) >> 1) & 1));
    const double sign_s = static_cast<double>(1 - 2 * static_cast<std::int64_t>(q >> 1));
    out[i] = r[i] * (sign_c * cc);
    out[kLanes + i] = r[i] * (sign_s * ss);
  }
}

}  // namespace

std::array<std::uint32_t, 4> philox_raw(const RngKey& key, std::uint32_t block,
                                        std::uint32_t pair) {
  r123::Philox4x32::ctr_type c = {{pair, block, key.bath, key.trajectory}};
  r123::Philox4x32::key_type k = {
      {static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)}};
  const auto r = r123::Philox4x32()(c, k);
  return {r.v[0], r.v[1], r.v[2], r.v[3]};
}

std::array<double, 2> box_muller_reference(const std::array<std::uint32_t, 4>& w) {
  const std::uint64_t k = ((static_cast<std::uint64_t>(w[1]) << 32) | w[0]) >> 12;
  const double u = static_cast<double>(2 * k + 1) * 0x1p-53;
  const double r = std::sqrt(-2.0 * std::log(u));
  // angle as a signed remainder around the nearest quadrant, as in the kernel, so that the
  // reference is accurate (2 pi w2 / 2^32 itself carries an O(1e-16 * 2 pi) rounding error)
  const std::uint32_t q = ((w[2] + 0x20000000u) >> 30) & 3u;
  const std::int32_t rem = static_cast<std::int32_t>(w[2] - (q << 30));
  const double x = static_cast<double>(rem) * (2.0 * std::numbers::pi * 0x1p-32);
  const double c = std::cos(x), s = std::sin(x);
  switch (q) {
    case 0:
      return {r * c, r * s};
    case 1:
      return {-r * s, r * c};
    case 2:
      return {-r * c, -r * s};
    default:
      return {r * s, -r * c};
  }
}

void fill_normal(const RngKey& key, std::uint32_t block, std::uint64_t first, std::size_t n,
                 double* out) {
  if (n == 0) return;
  if (first + n > (std::uint64_t{1} << 33))
    throw std::out_of_range("fill_normal: a block holds at most 2^33 normals");
  std::uint64_t g = first / kGroup;
  const std::uint64_t g_end = (first + n + kGroup - 1) / kGroup;
  std::size_t done = 0;
  alignas(64) double tmp[kGroup];
  for (; g < g_end; ++g) {
    const std::uint64_t lo = g * kGroup;  // first normal index of the group
    const auto pair0 = static_cast<std::uint32_t>(g * kLanes);
    const std::uint64_t from = first + done;  // next index to produce
    const std::size_t skip = static_cast<std::size_t>(from - lo);
    const std::size_t take = std::min<std::size_t>(kGroup - skip, n - done);
    if (skip == 0 && take == kGroup) {
      group_normals(pair0, block, key, out + done);
    } else {
      group_normals(pair0, block, key, tmp);
      std::memcpy(out + done, tmp + skip, take * sizeof(double));
    }
    done += take;
  }
}

}  // namespace synctur
