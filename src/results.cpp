#include "synctur/results.hpp"

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

}  // namespace synctur
