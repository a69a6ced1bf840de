// NoiseStream: the streamed overlap-save synthesis of one (seed, trajectory, bath) noise
// sequence from a NoisePlan (synctur/noise/noise.hpp).  Internal to the engines: the public
// interface of the noise layer is the plan, its spectra and the diagnostics.
#pragma once

#include <array>
#include <cstdint>

#include "synctur/noise/noise.hpp"

namespace synctur {

/// One noise stream: the sequence xi_n, n = 0, 1, 2, ..., of one (seed, trajectory, bath).
/// Output block b holds xi_n for n in [b B, (b+1) B), B = plan.block_size(); it is a pure
/// function of (plan, key, b): xi_n = sum_k h_k w(n - k) with the white inputs w(g) keyed by
/// their global index g (docs/NOISE.md), whatever the filter length or FFT block size (so
/// plans differing only in the filter see the same white noise).  No allocation after
/// construction.
class NoiseStream {
 public:
  /// The plan must outlive the stream.  Allocates the three work buffers (O(N)).
  NoiseStream(const NoisePlan& plan, const RngKey& key);
  ~NoiseStream();
  NoiseStream(NoiseStream&& o) noexcept;
  NoiseStream& operator=(NoiseStream&& o) noexcept;
  NoiseStream(const NoiseStream&) = delete;
  NoiseStream& operator=(const NoiseStream&) = delete;

  /// Restart at output block `block` (sample n = block * B) of stream `key`, reusing the
  /// buffers.  O(N) work; blocks may be generated in any order on any thread.
  void reset(const RngKey& key, std::uint64_t block = 0);

  /// Generates the next block and returns a pointer to its B samples [force], valid until the
  /// next call to next_block/fill/reset.  (After fill() it returns the block following the one
  /// fill() was reading; unread samples of that block are skipped.)
  const double* next_block();
  /// Copies the next n samples [force] into out (any n; spans blocks as needed).
  void fill(double* out, std::size_t n);

  std::size_t block_size() const { return plan_->B_; }
  std::uint64_t next_block_index() const { return block_; }  ///< block next_block() returns

  /// Read position for checkpoints (engines/checkpoint.hpp): (next block index, samples of the
  /// current block handed out by fill(), whether a block is loaded).  seek() restores it on a
  /// stream of the same plan and key, regenerating the loaded block from its white inputs
  /// (a pure function of the key and the sample index), so the following samples are
  /// bit-identical to those of the uninterrupted stream.
  std::array<std::uint64_t, 3> position() const { return {block_, pos_, have_block_ ? 1u : 0u}; }
  void seek(const std::array<std::uint64_t, 3>& pos);
  const NoisePlan& plan() const { return *plan_; }
  const RngKey& key() const { return key_; }

 private:
  void release();
  const NoisePlan* plan_;
  RngKey key_;
  std::uint64_t block_ = 0;   // next output block
  double* window_ = nullptr;  // N white-noise inputs
  fftw_complex* spec_ = nullptr;
  double* out_ = nullptr;    // N filtered values; [M, M + B) valid
  std::size_t pos_ = 0;      // fill(): samples of the current block already handed out
  bool have_block_ = false;  // fill(): out_ holds an unfinished block
};

}  // namespace synctur
