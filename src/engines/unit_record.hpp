// The state of one simulation unit as a flat record of doubles (checkpoint.hpp): the fields of
// a unit's lane (unit_runner.cpp, Group::bind) in the order `bind` lists them, integers bit-cast
// (exact), then the block means.  Header: [NT, corr state size]; the block means are preceded by
// their count per trajectory, so a record of a shorter run (extension) loads into a longer layout.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "noise/noise_stream.hpp"
#include "synctur/noise/noise.hpp"
#include "synctur/numerics/batch_stats.hpp"

namespace synctur::detail {

struct RecordWriter {
  std::vector<double>& v;
  int NT;
  std::int64_t nblocks;
  int nobs;
  template <class I>
  RecordWriter& count(const I& x) {
    v.push_back(std::bit_cast<double>(static_cast<std::int64_t>(x)));
    return *this;
  }
  RecordWriter& real(double x) {
    v.push_back(x);
    return *this;
  }
  RecordWriter& reals(const double* p, std::size_t n) {
    v.insert(v.end(), p, p + n);
    return *this;
  }
  RecordWriter& position(const NoiseStream* s) {
    const std::array<std::uint64_t, 3> p = s ? s->position() : std::array<std::uint64_t, 3>{};
    for (std::uint64_t x : p) v.push_back(std::bit_cast<double>(x));
    return *this;
  }
  RecordWriter& correlators(const Autocorrelator* c, int n) {
    for (int i = 0; i < n; ++i) c[i].save(v);
    return *this;
  }
  RecordWriter& blocks(const double* out) {
    count(nblocks);
    return reals(out, static_cast<std::size_t>(NT * nblocks * nobs));
  }
};

struct RecordReader {
  const double* p;
  const double* end;
  int NT;
  std::int64_t nblocks;
  int nobs;
  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end - p) < n)
      throw std::runtime_error("checkpoint: a unit record is shorter than this run's layout");
  }
  template <class I>
  RecordReader& count(I& x) {
    need(1);
    x = static_cast<I>(std::bit_cast<std::int64_t>(*p++));
    return *this;
  }
  RecordReader& real(double& x) {
    need(1);
    x = *p++;
    return *this;
  }
  RecordReader& reals(double* q, std::size_t n) {
    need(n);
    std::copy(p, p + n, q);
    p += n;
    return *this;
  }
  RecordReader& position(NoiseStream* s) {
    need(3);
    std::array<std::uint64_t, 3> pos{};
    for (auto& x : pos) x = std::bit_cast<std::uint64_t>(*p++);
    if (s) s->seek(pos);
    return *this;
  }
  RecordReader& correlators(Autocorrelator* c, int n) {
    for (int i = 0; i < n; ++i) {
      need(c[i].state_size());
      c[i].load(p);
      p += c[i].state_size();
    }
    return *this;
  }
  /// Block means of a record with `old` blocks per trajectory into this layout (old <= nblocks).
  RecordReader& blocks(double* out) {
    std::int64_t old = 0;
    count(old);
    if (old < 0 || old > nblocks)
      throw std::runtime_error("checkpoint: a unit record has more blocks than this run");
    const std::size_t per = static_cast<std::size_t>(old * nobs);
    need(per * static_cast<std::size_t>(NT));
    for (int t = 0; t < NT; ++t)
      std::copy(p + t * per, p + (t + 1) * per,
                out + static_cast<std::size_t>(t) * static_cast<std::size_t>(nblocks * nobs));
    p += per * static_cast<std::size_t>(NT);
    return *this;
  }
};

struct UnitRecord {
  int NT;
  std::int64_t blocks;
  int nobs;
  std::size_t corr_size;
  template <class Bind>
  void save(std::vector<double>& v, Bind&& bind) const {
    v.clear();
    v.push_back(NT);
    v.push_back(static_cast<double>(corr_size));
    RecordWriter w{v, NT, blocks, nobs};
    bind(w);
  }
  template <class Bind>
  void load(const std::vector<double>& v, Bind&& bind) const {
    if (v.size() < 2 || v[0] != NT || v[1] != static_cast<double>(corr_size))
      throw std::runtime_error("checkpoint: a unit record does not match this run's layout");
    RecordReader r{v.data() + 2, v.data() + v.size(), NT, blocks, nobs};
    bind(r);
    if (r.p != r.end) throw std::runtime_error("checkpoint: a unit record is too long");
  }
};

}  // namespace synctur::detail
