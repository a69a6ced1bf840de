#include "synctur/numerics/results.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace synctur {

void Results::set(const std::string& key, double value) {
  for (auto& [k, v] : numbers_)
    if (k == key) {
      v = value;
      return;
    }
  numbers_.emplace_back(key, value);
}

void Results::set(const std::string& key, double value, double se) {
  set(key, value);
  set(key + "_se", se);
}

void Results::set_text(const std::string& key, const std::string& value) {
  for (auto& [k, v] : texts_)
    if (k == key) {
      v = value;
      return;
    }
  texts_.emplace_back(key, value);
}

bool Results::has(const std::string& key) const {
  for (const auto& [k, v] : numbers_)
    if (k == key) return true;
  return false;
}

double Results::get(const std::string& key) const {
  for (const auto& [k, v] : numbers_)
    if (k == key) return v;
  throw std::out_of_range("no result named '" + key + "'");
}

namespace {
void put_size(std::string& out, std::size_t n) {
  const auto v = static_cast<std::uint64_t>(n);
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_string(std::string& out, const std::string& s) {
  put_size(out, s.size());
  out += s;
}
struct Reader {
  const std::string& b;
  std::size_t at = 0;
  void need(std::size_t n) {
    if (b.size() - at < n) throw std::invalid_argument("Results::deserialize: truncated image");
  }
  std::size_t size() {
    std::uint64_t v = 0;
    need(sizeof v);
    std::memcpy(&v, b.data() + at, sizeof v);
    at += sizeof v;
    return static_cast<std::size_t>(v);
  }
  std::string string() {
    const std::size_t n = size();
    need(n);
    std::string s = b.substr(at, n);
    at += n;
    return s;
  }
  double number() {
    double v = 0.0;
    need(sizeof v);
    std::memcpy(&v, b.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
};
}  // namespace

std::string Results::serialize() const {
  std::string out;
  put_size(out, numbers_.size());
  for (const auto& [k, v] : numbers_) {
    put_string(out, k);
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  put_size(out, texts_.size());
  for (const auto& [k, v] : texts_) {
    put_string(out, k);
    put_string(out, v);
  }
  return out;
}

Results Results::deserialize(const std::string& bytes) {
  Reader rd{bytes};
  Results r;
  const std::size_t n = rd.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::string k = rd.string();
    r.numbers_.emplace_back(std::move(k), rd.number());
  }
  const std::size_t t = rd.size();
  for (std::size_t i = 0; i < t; ++i) {
    std::string k = rd.string();
    r.texts_.emplace_back(std::move(k), rd.string());
  }
  if (rd.at != bytes.size()) throw std::invalid_argument("Results::deserialize: trailing bytes");
  return r;
}

}  // namespace synctur
