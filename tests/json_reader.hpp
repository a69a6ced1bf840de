// JSON in the tests: nlohmann's strict parser (no NaN/inf literals, no leading +, no trailing
// text) with the key order kept, and one helper for the writers' numbers (null = NaN or +-inf).
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace synctur::test {

using Json = nlohmann::ordered_json;

/// The whole text as one JSON value; throws Json::parse_error (what() says where) otherwise.
inline Json parse_json(const std::string& text) {
  return Json::parse(text);
}

/// The number under `key` of the object `j`: NaN when it is null (a non-finite number) or
/// absent.
inline double number_at(const Json& j, const std::string& key) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? NAN : it->get<double>();
}

/// The same from a JSON text (parsed each call: for a handful of lookups).
inline double json_number(const std::string& text, const std::string& key) {
  return number_at(parse_json(text), key);
}

}  // namespace synctur::test
