// Counter-based random numbers: Random123's Philox4x32-10, keyed so that every sample is a
// pure function of (seed, trajectory, bath, block, index).  No state, no sequence: any thread
// may produce any sample, so results never depend on the number of threads or on how a
// request is split.
//
// Key and counter layout (one Philox call = one 128-bit counter):
//   key     = { seed & 0xffffffff, seed >> 32 }
//   counter = { pair, block, bath, trajectory }          (4 x 32 bit)
// A call with counter `pair` produces TWO standard normals by Box-Muller (below), so a block
// holds up to 2^33 normals; normal number i of a block comes from pair
//   pair(i) = (i / 32) * 16 + (i % 16),   component i % 32 < 16 ? cos : sin.
// (Groups of 16 counters are processed together in SIMD lanes; the cos outputs of a group
// come first, then the sin outputs.)
//
// Box-Muller from one Philox output (w0, w1, w2, w3):
//   u = ((w1:w0) >> 11 + 1/2) 2^-53  in (0, 1)   (53-bit uniform, never 0 or 1)
//   r = sqrt(-2 ln u)                              (largest possible |z|: 8.57)
//   theta = 2 pi w2 / 2^32                         (w3 is not used)
//   z_cos = r cos(theta),  z_sin = r sin(theta)
// ln, cos and sin are evaluated by branch-free polynomials (relative error < 1e-15, tested
// against libm) so that the loop vectorises; the result does not depend on the split of a
// request or on the thread count, but may differ in the last bit between compilers or
// instruction sets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace synctur {

/// Identifies one independent stream of random numbers.
struct RngKey {
  std::uint64_t seed = 0;        ///< user seed (the Philox key)
  std::uint32_t trajectory = 0;  ///< trajectory number within a run
  std::uint32_t bath = 0;        ///< noise source within a trajectory (bath index nu)
};

/// The raw Philox4x32-10 output for counter {pair, block, key.bath, key.trajectory}.
/// Equal to Random123's philox4x32(ctr, key) (tested); used as the reference.
std::array<std::uint32_t, 4> philox_raw(const RngKey& key, std::uint32_t block, std::uint32_t pair);

/// Writes out[k] = normal number (first + k) of block `block` of stream `key`, k < n.
/// Standard normal N(0, 1).  Requires first + n <= 2^33.  Speed: 2-3.5 ns per sample on
/// one core with AVX-512 (bench/bench_noise.cpp BM_Rng; docs/NOISE.md).  Thread safe (pure
/// function).
void fill_normal(const RngKey& key, std::uint32_t block, std::uint64_t first, std::size_t n,
                 double* out);

/// Scalar reference of one Box-Muller pair from a Philox output, with libm ln/sqrt/cos/sin.
/// Used by the tests to check the vectorised kernel; same mapping as fill_normal.
std::array<double, 2> box_muller_reference(const std::array<std::uint32_t, 4>& w);

}  // namespace synctur
